"""The X-learner."""

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

__all__ = ["XLearner"]


class XLearner(_MetaLearner):
    """X-learner (Kuenzel, Sekhon, Bickel & Yu 2019) for two or more arms.

    For each treated arm ``a``: impute individual effects
    ``D_i = Y_i - mu_0(X_i)`` on arm ``a``'s units and ``D_i = mu_a(X_i) - Y_i`` on
    the controls, regress each on ``X`` (``tau_a^1`` and ``tau_a^0``) and blend
    ``tau_a(x) = g(x) tau_a^0(x) + (1 - g(x)) tau_a^1(x)`` with
    ``g = e_a / (e_0 + e_a)``, the propensity of arm ``a`` within the pair, so
    the model fitted on the larger group gets the larger weight. The
    imputations use the shared stage's out-of-fold ``mu_a`` (not in-sample
    fits, which would make ``D`` shrink towards the fitted noise); ``g`` comes
    from a propensity model fitted on all units, since it is needed at
    predict time.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_a``; ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    effect_model : regressor, default=None
        ``tau_a^0`` and ``tau_a^1``; ``None`` means
        ``HistGradientBoostingRegressor(max_depth=3, early_stopping=False)``.
    propensity_model : classifier, default=None
        ``None`` means ``LogisticRegression(max_iter=1000)``.
    cv, n_jobs, memory, min_propensity, random_state, control
        As in :class:`DRLearner`.

    Attributes
    ----------
    effect_models_ : list of (regressor, regressor)
        ``(tau_a^0, tau_a^1)`` for each treated arm.
    propensity_model_ : classifier
        Fitted on all units.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import XLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    >>> XLearner(cv=3).fit(X, y, treatment=t).predict(X).shape
    (300,)
    """

    _default_models = {
        "outcome_model": default_outcome_model,
        "propensity_model": default_propensity_model,
        "effect_model": default_final_model,
    }

    _parameter_constraints: dict = {
        **_MetaLearner._parameter_constraints,
        **CROSS_FIT_CONSTRAINTS,
        "outcome_model": _REGRESSOR,
        "effect_model": _REGRESSOR,
        "propensity_model": _CLASSIFIER,
    }

    def __init__(
        self, outcome_model=None, effect_model=None, propensity_model=None, *, cv=5,
        n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, control=None,
    ):
        self.outcome_model = outcome_model
        self.effect_model = effect_model
        self.propensity_model = propensity_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Impute effects from cross-fitted outcomes and regress them on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : XLearner
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        mu = self._cross_fit(
            X, y, t, sample_weight,
            outcome_model=or_default(self.outcome_model, default_outcome_model),
        ).outcome
        self.propensity_model_ = fit_model(
            or_default(self.propensity_model, default_propensity_model), X, t, sample_weight
        )
        effect = or_default(self.effect_model, default_final_model)
        sw = (lambda idx: None) if sample_weight is None else (lambda idx: sample_weight[idx])
        ctl = t == 0
        self.effect_models_ = []
        for a in range(1, len(self.categories_)):
            trt = t == a
            tau0 = fit_model(effect, X[ctl], mu[ctl, a] - y[ctl], sw(ctl))
            tau1 = fit_model(effect, X[trt], y[trt] - mu[trt, 0], sw(trt))
            self.effect_models_.append((tau0, tau1))
        return self

    def _cate(self, X):
        e = np.zeros((X.shape[0], len(self.categories_)))
        e[:, self.propensity_model_.classes_] = self.propensity_model_.predict_proba(X)
        out = []
        for a, (tau0, tau1) in enumerate(self.effect_models_, start=1):
            g = e[:, a] / np.maximum(e[:, a] + e[:, 0], np.finfo(float).tiny)
            out.append(g * tau0.predict(X) + (1 - g) * tau1.predict(X))
        return np.column_stack(out)
