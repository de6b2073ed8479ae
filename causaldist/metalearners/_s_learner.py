"""The single-model (S) learner."""

import numpy as np

from ..base import BaseCausalEstimator, CATEMixin, _fit_model
from ..model_selection._scorers import _RefitScoringMixin
from ..model_selection._crossfit import _pooled_design

__all__ = ["SLearner"]


class SLearner(_RefitScoringMixin, CATEMixin, BaseCausalEstimator):
    """S-learner: one outcome model on ``[X, one-hot(A)]``.

    ``tau_a(x) = mu(x, a) - mu(x, 0)`` (Kuenzel, Sekhon, Bickel & Yu 2019). A
    model that ignores the treatment columns shrinks the effects towards zero:
    the learner suits weak, smooth effects. Its ``score`` cross-fits DR
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
    model_ : regressor
        The fitted outcome model; its last ``n_arms - 1`` inputs are the arm
        indicators.
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import SLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    >>> SLearner().fit(X, y, treatment=t).predict(X).shape
    (300,)
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
        design = _pooled_design(X, t, len(self.categories_))
        self.model_ = _fit_model(self._model("outcome_model"), design, y, sample_weight)
        return self

    def _cate(self, X):
        K = len(self.categories_)
        mu = np.column_stack(
            [self.model_.predict(_pooled_design(X, a, K)) for a in range(K)]
        )
        return mu[:, 1:] - mu[:, [0]]
