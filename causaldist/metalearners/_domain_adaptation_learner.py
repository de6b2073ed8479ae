"""The domain adaptation learner."""

import numpy as np
from joblib import Parallel, delayed

from ..base import BaseCausalEstimator, CATEMixin, _effect_columns, _fit_model
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc

__all__ = ["DomainAdaptationLearner"]


def _arm_fold(outcome, X, y, sw, g, ctl, trt, train, test):
    """Weighted outcome models of one arm pair on ``train``, imputations on ``test``.

    The control model is weighted by ``g / (1 - g)`` and the arm's model by
    ``(1 - g) / g``: each group is reweighted towards the covariate
    distribution of the other, whose outcomes it imputes.
    """
    w = g / (1 - g)
    c_tr, t_tr = train[ctl[train]], train[trt[train]]
    c_te, t_te = test[ctl[test]], test[trt[test]]
    mu0 = _fit_model(outcome, X[c_tr], y[c_tr], w[c_tr] * (1 if sw is None else sw[c_tr]))
    mua = _fit_model(outcome, X[t_tr], y[t_tr], (1 / w[t_tr]) * (1 if sw is None else sw[t_tr]))
    return mu0, mua, (c_te, mua.predict(X[c_te]) - y[c_te]), (t_te, y[t_te] - mu0.predict(X[t_te]))


@_fill_cross_fit_doc
class DomainAdaptationLearner(_CrossFitMixin, CATEMixin, BaseCausalEstimator):
    """Domain adaptation learner of conditional average treatment effects.

    For each treated arm ``a``, on the units of arms ``0`` and ``a``, with
    ``g(x) = e_a(x) / (e_0(x) + e_a(x))`` the propensity of arm ``a`` within the
    pair: the control outcome model ``mu_0`` is fitted with weights
    ``g / (1 - g)`` and the arm's ``mu_a`` with ``(1 - g) / g``, so each is
    fitted on its group reweighted to the covariates of the group whose
    outcomes it will impute (importance weighting for covariate shift,
    Shimodaira 2000); the imputed effects ``D_i = mu_a(X_i) - Y_i`` on the
    controls and ``D_i = Y_i - mu_0(X_i)`` on arm ``a`` are regressed on the
    effect features by the final model, ``tau_a(x)``. This is econml's
    ``DomainAdaptationLearner`` (after Kuenzel, Sekhon, Bickel & Yu 2019's
    X-learner imputation, with one final model instead of two). Here the
    propensities come from the shared cross-fitting stage (clipped to
    ``[min_propensity, 1 - min_propensity]``) and each ``D_i`` from outcome
    models fitted on the other folds, so a flexible outcome model does not
    impute a unit's own noise.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_0``, ``mu_a`` (must accept ``sample_weight``); ``None`` means
        ``HistGradientBoostingRegressor(early_stopping=False)``.
    final_model : regressor, default=None
        ``tau_a``; ``None`` means ``HistGradientBoostingRegressor(max_depth=3,
        early_stopping=False)``.
    propensity_model : classifier, default=None
        ``None`` means ``StandardScaler`` + ``LogisticRegression``. Known
        propensities passed to fit replace it.
    {effect_features}
    {cross_fit}

    Attributes
    ----------
    final_models_ : list of regressors
        ``tau_a`` for each treated arm ``categories_[1:]``.
    outcome_models_ : list of list of (regressor, regressor)
        ``(mu_0, mu_a)`` per treated arm and fold.
    imputed_effects_ : ndarray of shape (n_samples, n_arms - 1)
        ``D_i`` of each arm pair (NaN for units outside the pair).
    effect_features_ : ndarray of int or None
    overlap_ : DataFrame
    nuisances_ : Nuisances
        The cross-fitted propensity.
    folds_ : list of (train, test)
    categories_ : ndarray of shape (n_arms,)

    See Also
    --------
    XLearner : the same imputations, two final models blended by ``g``.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import DomainAdaptationLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=500, random_state=0)
    >>> est = DomainAdaptationLearner(outcome_model=LinearRegression(),
    ...                               final_model=LinearRegression(), cv=3)
    >>> est.fit(X, y, treatment=t).predict(X).shape
    (500,)
    """

    _default_models = {
        "outcome_model": "outcome",
        "propensity_model": "propensity",
        "final_model": "final",
    }

    _parameter_constraints: dict = {"effect_features": "no_validation"}

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

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        outcome, final = self._model("outcome_model"), self._model("final_model")
        K = len(self.categories_)
        # A private switch of causaldist.compat.econml: econml's algorithm
        # (in-sample models, one propensity model per arm pair, no clipping).
        if getattr(self, "_econml_exact", False):
            return self._fit_econml(X, Xe, y, t, outcome, final)
        e = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True,
        ).propensity
        ctl = t == 0
        jobs = [(a, tr, te) for a in range(1, K) for tr, te in self.folds_]
        out = Parallel(n_jobs=self.n_jobs)(
            delayed(_arm_fold)(outcome, X, y, sample_weight, e[:, a] / (e[:, a] + e[:, 0]),
                               ctl, t == a, np.asarray(tr), np.asarray(te))
            for a, tr, te in jobs
        )
        D = np.full((len(y), K - 1), np.nan)
        self.outcome_models_ = [[] for _ in range(1, K)]
        for (a, _, _), (mu0, mua, (ci, dc), (ti, dt)) in zip(jobs, out):
            self.outcome_models_[a - 1].append((mu0, mua))
            D[ci, a - 1], D[ti, a - 1] = dc, dt
        self.final_models_ = []
        for a in range(1, K):
            pair = ~np.isnan(D[:, a - 1])
            sw = None if sample_weight is None else sample_weight[pair]
            self.final_models_.append(_fit_model(final, Xe[pair], D[pair, a - 1], sw))
        self.imputed_effects_ = D
        return self

    def _fit_econml(self, X, Xe, y, t, outcome, final):
        """econml 0.17's algorithm, for numeric parity (in-sample, unclipped, unweighted)."""
        ctl = np.flatnonzero(t == 0)
        K = len(self.categories_)
        D = np.full((len(y), K - 1), np.nan)
        self.final_models_, self.outcome_models_, self.propensity_models_ = [], [], []
        for a in range(1, K):
            trt = np.flatnonzero(t == a)
            both = np.r_[ctl, trt]  # econml's order: controls, then arm a
            prop = _fit_model(self._model("propensity_model"), X[both], (t[both] == a).astype(int))
            p = prop.predict_proba(X[both])[:, 1]
            pc, pt = p[: len(ctl)], p[len(ctl):]
            mu0 = _fit_model(outcome, X[ctl], y[ctl], pc / (1 - pc))
            mua = _fit_model(outcome, X[trt], y[trt], (1 - pt) / pt)
            D[ctl, a - 1] = mua.predict(X[ctl]) - y[ctl]
            D[trt, a - 1] = y[trt] - mu0.predict(X[trt])
            self.final_models_.append(_fit_model(final, Xe[both], D[both, a - 1]))
            self.outcome_models_.append([(mu0, mua)])
            self.propensity_models_.append(prop)
        self.imputed_effects_ = D
        return self

    def _cate(self, X):
        Xe = self._effect_X(X)
        return np.column_stack([m.predict(Xe) for m in self.final_models_])
