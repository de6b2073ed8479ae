"""The X-learner."""

import numpy as np

from ..base import BaseCausalEstimator, CATEMixin, _effect_columns, _fit_model
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc

__all__ = ["XLearner"]


@_fill_cross_fit_doc
class XLearner(_CrossFitMixin, CATEMixin, BaseCausalEstimator):
    """X-learner (Kuenzel, Sekhon, Bickel & Yu 2019) for two or more arms.

    For each treated arm ``a``: impute individual effects
    ``D_i = Y_i - mu_0(X_i)`` on arm ``a``'s units and ``D_i = mu_a(X_i) - Y_i`` on
    the controls, regress each on ``X`` (``tau_a^1`` and ``tau_a^0``) and blend
    ``tau_a(x) = g(x) tau_a^0(x) + (1 - g(x)) tau_a^1(x)`` with
    ``g = e_a / (e_0 + e_a)``, the propensity of arm ``a`` within the pair, so
    the model fitted on the larger group gets the larger weight. The
    imputations use the shared stage's out-of-fold ``mu_a`` (not in-sample
    fits, which would make ``D`` shrink towards the fitted noise); ``g`` comes
    from the cross-fitted propensity models (averaged over the folds at
    predict time), clipped to ``[min_propensity, 1 - min_propensity]``.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_a``; ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    final_model : regressor, default=None
        ``tau_a^0`` and ``tau_a^1``; ``None`` means
        ``HistGradientBoostingRegressor(max_depth=3, early_stopping=False)``.
    propensity_model : classifier, default=None
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
    {effect_features}
    {cross_fit}

    Attributes
    ----------
    effect_features_ : ndarray of int or None
        Positions of the effect features in ``X`` (None: all columns).
    final_models_ : list of (regressor, regressor)
        ``(tau_a^0, tau_a^1)`` for each treated arm.
    overlap_ : DataFrame
        Per-arm overlap report.
    nuisances_ : Nuisances
        Cross-fitted outcome and propensity models (``nuisances_.models``).
    folds_ : list of (train, test)
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import XLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    >>> XLearner(cv=3).fit(X, y, treatment=t).predict(X).shape
    (300,)
    """

    _default_models = {
        "outcome_model": "outcome",
        "propensity_model": "propensity",
        "final_model": "final",
    }


    _parameter_constraints: dict = {"effect_features": "no_validation"}

    _fit_params = ("groups",)

    def __init__(
        self, *, outcome_model=None, final_model=None, propensity_model=None,
        effect_features=None, cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.final_model = final_model
        self.propensity_model = propensity_model
        self.effect_features = effect_features
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None):
        mu = self._cross_fit(
            X, y, t, sample_weight, groups=groups, outcome_model=True,
            propensity_model=True,
        ).outcome
        final = self._model("final_model")
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        sw = (lambda idx: None) if sample_weight is None else (lambda idx: sample_weight[idx])
        ctl = t == 0
        self.final_models_ = []
        for a in range(1, len(self.categories_)):
            trt = t == a
            tau0 = _fit_model(final, Xe[ctl], mu[ctl, a] - y[ctl], sw(ctl))
            tau1 = _fit_model(final, Xe[trt], y[trt] - mu[trt, 0], sw(trt))
            self.final_models_.append((tau0, tau1))
        return self

    def _cate(self, X):
        Xe = self._effect_X(X)
        # only the propensities blend the two effect models at predict time
        e = self.nuisances_.predict(X, which=("propensity",)).propensity
        out = []
        for a, (tau0, tau1) in enumerate(self.final_models_, start=1):
            g = e[:, a] / (e[:, a] + e[:, 0])
            out.append(g * tau0.predict(Xe) + (1 - g) * tau1.predict(Xe))
        return np.column_stack(out)

    def _scoring_nuisances(self, X, y, t, sample_weight):
        return self.nuisances_.predict(X)
