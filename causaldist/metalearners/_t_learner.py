"""The two-model (T) learner."""

import numpy as np
from sklearn.base import _fit_context

from ._base import _REGRESSOR, _MetaLearner, default_outcome_model, fit_model, or_default

__all__ = ["TLearner"]


class TLearner(_MetaLearner):
    """T-learner: one outcome model per arm, effects as their differences.

    ``tau_a(x) = mu_a(x) - mu_0(x)`` with ``mu_a`` fitted on arm ``a`` only
    (Kuenzel, Sekhon, Bickel & Yu 2019).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    control : label, default=None

    Attributes
    ----------
    models_ : list of regressors
        One fitted model per arm, in ``categories_`` order.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import TLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, n_arms=3, random_state=0)
    >>> TLearner(LinearRegression()).fit(X, y, treatment=t).predict(X).shape
    (300, 2)
    """

    _default_models = {
        "outcome_model": default_outcome_model,
    }

    _parameter_constraints: dict = {
        **_MetaLearner._parameter_constraints,
        "outcome_model": _REGRESSOR,
    }

    def __init__(self, outcome_model=None, *, control=None):
        self.outcome_model = outcome_model
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Fit one outcome model per arm.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : TLearner
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        model = or_default(self.outcome_model, default_outcome_model)
        self.models_ = []
        for a in range(len(self.categories_)):
            idx = t == a
            sw = None if sample_weight is None else sample_weight[idx]
            self.models_.append(fit_model(model, X[idx], y[idx], sw))
        return self

    def _cate(self, X):
        mu = np.column_stack([m.predict(X) for m in self.models_])
        return mu[:, 1:] - mu[:, [0]]
