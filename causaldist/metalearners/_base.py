"""What the meta-learners share: parameter constraints, defaults, cross-fitting."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import HasMethods, Interval

from ..base import BaseCausalEstimator, CATEMixin
from ..model_selection import cross_fit, make_folds

_REGRESSOR = [HasMethods(["fit", "predict"]), None]
_CLASSIFIER = [HasMethods(["fit", "predict_proba"]), None]

CROSS_FIT_CONSTRAINTS = {
    "cv": ["cv_object"],
    "n_jobs": [Integral, None],
    "memory": [None, str, HasMethods(["cache"])],
    "min_propensity": [Interval(Real, 0, 0.5, closed="left")],
    "random_state": ["random_state"],
}


def default_outcome_model():
    # Deterministic (no early-stopping split), so that cached nuisances and
    # peer comparisons are like for like at any n.
    return HistGradientBoostingRegressor(early_stopping=False)


def default_final_model():
    # Shallow trees: pseudo-outcomes are noisy and the CATE is usually simpler
    # than the outcome surface.
    return HistGradientBoostingRegressor(max_depth=3, early_stopping=False)


def default_propensity_model():
    return LogisticRegression(max_iter=1000)


def or_default(model, default):
    """``model``, or ``default()`` when it is None (never truthiness: a Pipeline has a length)."""
    return default() if model is None else model


def fit_model(model, X, y, sample_weight=None):
    """Fit a clone, passing ``sample_weight`` only when there is one."""
    model = clone(model)
    if sample_weight is None:
        return model.fit(X, y)
    return model.fit(X, y, sample_weight=sample_weight)


class _MetaLearner(CATEMixin, BaseCausalEstimator):
    """Base of the meta-learners: ``score`` and the shared cross-fitting call."""

    def _cross_fit(self, X, y, t, sample_weight, **models):
        """Folds (``folds_``) and out-of-fold nuisances (``nuisances_``) of the shared stage."""
        self.folds_ = make_folds(self.cv, t, random_state=self.random_state)
        self.nuisances_ = cross_fit(
            X, y, t, n_arms=len(self.categories_), folds=self.folds_,
            sample_weight=sample_weight, min_propensity=self.min_propensity,
            n_jobs=self.n_jobs, memory=self.memory, **models,
        )
        return self.nuisances_

    def score(self, X, y, treatment=None, sample_weight=None):
        """Negated DR pseudo-outcome MSE on ``(X, y, treatment)``; higher is better.

        The nuisances are cross-fitted on the scored rows, see
        :class:`causaldist.model_selection.DRMSEScorer`; differences between
        candidates estimate differences of their PEHE.
        """
        from ..model_selection import DRMSEScorer

        return DRMSEScorer(random_state=0)(
            self, X, y, treatment=treatment, sample_weight=sample_weight
        )


def arm_dummies(arm, n_arms, n_samples):
    """One-hot columns of the treated arms (control dropped)."""
    out = np.zeros((n_samples, n_arms - 1))
    arm = np.broadcast_to(arm, n_samples)
    rows = np.flatnonzero(arm > 0)
    out[rows, arm[rows] - 1] = 1.0
    return out
