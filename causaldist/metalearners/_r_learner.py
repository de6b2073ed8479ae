"""The R-learner, as a weighted pseudo-outcome regression."""

import numpy as np
from sklearn.base import _fit_context

from ._base import (
    _CLASSIFIER,
    _REGRESSOR,
    CROSS_FIT_CONSTRAINTS,
    _MetaLearner,
    default_final_model,
    default_outcome_model,
    default_propensity_model,
    fit_model,
    or_default,
)

__all__ = ["RLearner"]


class RLearner(_MetaLearner):
    """R-learner (Nie & Wager 2021) as an inverse-variance weighted regression.

    Minimising the R-loss ``sum_i [(Y_i - m(X_i)) - (T_i - e(X_i)) tau(X_i)]^2``
    over ``tau`` is the same as regressing the pseudo-outcome
    ``(Y_i - m(X_i)) / (T_i - e(X_i))`` on ``X`` with weights
    ``(T_i - e(X_i))^2`` ("The Connection Between R-Learning and
    Inverse-Variance Weighting", seed 002), so any regressor that accepts
    ``sample_weight`` is a final stage. ``m(x) = E[Y | X = x]`` and ``e`` are
    cross-fitted by the shared stage.

    With more than two arms each arm ``a`` is contrasted with control on the
    units of the pair ``{0, a}``, with the within-pair propensity
    ``e_a / (e_0 + e_a)`` and the within-pair mean
    ``(e_0 mu_0 + e_a mu_a) / (e_0 + e_a)`` built from per-arm outcome
    regressions (one nuisance fit serves every pair).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``m(x)`` for two arms, ``mu_a(x)`` for more. ``None`` means
        ``HistGradientBoostingRegressor(early_stopping=False)``.
    propensity_model : classifier, default=None
        ``None`` means ``LogisticRegression(max_iter=1000)``.
    final_model : regressor, default=None
        Must accept ``sample_weight``. ``None`` means
        ``HistGradientBoostingRegressor(max_depth=3, early_stopping=False)``.
    cv, n_jobs, memory, min_propensity, random_state, control
        As in :class:`DRLearner`.

    Attributes
    ----------
    final_models_ : list of regressors
        One per treated arm.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import RLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    >>> RLearner(cv=3).fit(X, y, treatment=t).predict(X).shape
    (300,)
    """

    _default_models = {
        "outcome_model": default_outcome_model,
        "propensity_model": default_propensity_model,
        "final_model": default_final_model,
    }

    _parameter_constraints: dict = {
        **_MetaLearner._parameter_constraints,
        **CROSS_FIT_CONSTRAINTS,
        "outcome_model": _REGRESSOR,
        "propensity_model": _CLASSIFIER,
        "final_model": _REGRESSOR,
    }

    def __init__(
        self, outcome_model=None, propensity_model=None, final_model=None, *, cv=5,
        n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.final_model = final_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Cross-fit ``m`` and ``e``, then the weighted pseudo-outcome regression.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : RLearner
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        K = len(self.categories_)
        outcome = or_default(self.outcome_model, default_outcome_model)
        propensity = or_default(self.propensity_model, default_propensity_model)
        if K == 2:
            nuis = self._cross_fit(X, y, t, sample_weight, propensity_model=propensity,
                                   marginal_model=outcome)
        else:
            nuis = self._cross_fit(X, y, t, sample_weight, propensity_model=propensity,
                                   outcome_model=outcome)
        e = nuis.propensity
        final = or_default(self.final_model, default_final_model)
        s = np.ones(len(y)) if sample_weight is None else sample_weight
        self.final_models_ = []
        for a in range(1, K):
            pair = (t == 0) | (t == a)
            e_pair = e[pair, a] / (e[pair, 0] + e[pair, a])
            if K == 2:
                m = nuis.marginal[pair]
            else:
                mu = nuis.outcome[pair]
                m = (1 - e_pair) * mu[:, 0] + e_pair * mu[:, a]
            resid_t = (t[pair] == a) - e_pair
            pseudo = (y[pair] - m) / resid_t
            weight = resid_t**2 * s[pair]
            self.final_models_.append(fit_model(final, X[pair], pseudo, weight))
        return self

    def _cate(self, X):
        return np.column_stack([m.predict(X) for m in self.final_models_])
