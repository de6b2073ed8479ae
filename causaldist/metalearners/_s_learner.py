"""The single-model (S) learner."""

import numpy as np
from sklearn.base import _fit_context

from ._base import (
    _REGRESSOR,
    _MetaLearner,
    arm_dummies,
    default_outcome_model,
    fit_model,
    or_default,
)

__all__ = ["SLearner"]


class SLearner(_MetaLearner):
    """S-learner: one outcome model on ``[X, one-hot(A)]``.

    ``tau_a(x) = mu(x, a) - mu(x, 0)`` (Kuenzel, Sekhon, Bickel & Yu 2019). A
    model that ignores the treatment columns shrinks the effects towards zero:
    the learner suits weak, smooth effects.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    control : label, default=None

    Attributes
    ----------
    model_ : regressor
        The fitted outcome model; its last ``n_arms - 1`` inputs are the arm
        indicators.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import SLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    >>> SLearner().fit(X, y, treatment=t).predict(X).shape
    (300,)
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
        """Fit the outcome model on the covariates and the arm indicators.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : SLearner
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        K = len(self.categories_)
        design = np.hstack([X, arm_dummies(t, K, X.shape[0])])
        self.model_ = fit_model(or_default(self.outcome_model, default_outcome_model), design, y, sample_weight)
        return self

    def _cate(self, X):
        K = len(self.categories_)
        mu = np.column_stack([
            self.model_.predict(np.hstack([X, arm_dummies(a, K, X.shape[0])])) for a in range(K)
        ])
        return mu[:, 1:] - mu[:, [0]]
