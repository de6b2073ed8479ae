"""The two-model (T) learner."""

import numpy as np

from ..base import BaseCausalEstimator, CATEMixin, _fit_model
from ..model_selection._scorers import _RefitScoringMixin

__all__ = ["TLearner"]


class TLearner(_RefitScoringMixin, CATEMixin, BaseCausalEstimator):
    """T-learner: one outcome model per arm, effects as their differences.

    ``tau_a(x) = mu_a(x) - mu_0(x)`` with ``mu_a`` fitted on arm ``a`` only
    (Kuenzel, Sekhon, Bickel & Yu 2019). Its ``score`` cross-fits DR
    nuisances on the scored rows (it has no propensity model of its own).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    random_state : int, RandomState instance or None, default=None
        Seed of the default model.
    control : label, default=None
        Control arm; ``None`` means 0/False or an arm named "control", else
        the smallest label with a warning.

    Attributes
    ----------
    models_ : list of regressors
        One fitted model per arm, in ``categories_`` order.
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import TLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, n_arms=3, random_state=0)
    >>> TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t).predict(X).shape
    (300, 2)
    """

    _default_models = {"outcome_model": "outcome"}

    _parameter_constraints: dict = {
        "random_state": ["random_state"],
    }

    def __init__(self, *, outcome_model=None, random_state=None, control=None):
        self.outcome_model = outcome_model
        self.random_state = random_state
        self.control = control

    def _models_seeing_X(self):
        return [self._model("outcome_model")]

    def _fit(self, X, y, t, sample_weight):
        model = self._model("outcome_model")
        self.models_ = []
        for a in range(len(self.categories_)):
            idx = t == a
            sw = None if sample_weight is None else sample_weight[idx]
            self.models_.append(_fit_model(model, X[idx], y[idx], sw))
        return self

    def _cate(self, X):
        mu = np.column_stack([m.predict(X) for m in self.models_])
        return mu[:, 1:] - mu[:, [0]]
