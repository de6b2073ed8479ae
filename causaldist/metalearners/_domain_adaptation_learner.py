"""The domain adaptation learner."""

import numpy as np

from ..base import BaseCausalEstimator, CATEMixin, _effect_columns, _fit_model
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ..model_selection._stage import _shared_stage

__all__ = ["DomainAdaptationLearner"]


def _pair_weights(g, ctl, trt, sample_weight):
    """Weights of one arm pair's outcome models: ``g / (1 - g)`` and ``(1 - g) / g``.

    The control model is weighted by ``g / (1 - g)`` and the arm's model by
    ``(1 - g) / g``: each group is reweighted towards the covariate
    distribution of the other, whose outcomes it imputes.
    """
    w = g / (1 - g)
    sw = 1 if sample_weight is None else sample_weight
    out = np.zeros_like(w)
    out[ctl] = (w * sw)[ctl]
    out[trt] = ((1 / w) * sw)[trt]
    return out


def _subset_folds(folds, rows):
    """``folds`` restricted to ``rows`` (sorted), as positions within ``rows``."""
    pos = np.full(rows.max() + 1 if rows.size else 0, -1, dtype=np.intp)
    pos[rows] = np.arange(rows.size)

    def keep(idx):
        idx = idx[idx <= rows.max()]
        p = pos[idx]
        return p[p >= 0]

    return [(keep(np.asarray(tr)), keep(np.asarray(te))) for tr, te in folds]


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
        e = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True,
        ).propensity
        ctl = t == 0
        D = np.full((len(y), K - 1), np.nan)
        self.outcome_models_ = []
        for a in range(1, K):
            # The weighted outcome models of the pair {0, a} are nuisances of
            # the shared stage on the pair's rows and the same folds (cache,
            # verbose and n_jobs included).
            g = e[:, a] / (e[:, a] + e[:, 0])
            w = _pair_weights(g, ctl, t == a, sample_weight)
            rows = np.flatnonzero(ctl | (t == a))
            tp = (t[rows] == a).astype(np.intp)
            _, pair = _shared_stage(
                self, X[rows], y[rows], tp, 2, w[rows], outcome_model=outcome,
                folds=_subset_folds(self.folds_, rows),
            )
            mu = pair.outcome
            c, tr = rows[tp == 0], rows[tp == 1]
            D[c, a - 1] = mu[tp == 0, 1] - y[c]
            D[tr, a - 1] = y[tr] - mu[tp == 1, 0]
            self.outcome_models_.append([tuple(m) for m in pair.models["outcome"]])
        self.final_models_ = []
        for a in range(1, K):
            pair = ~np.isnan(D[:, a - 1])
            sw = None if sample_weight is None else sample_weight[pair]
            self.final_models_.append(_fit_model(final, Xe[pair], D[pair, a - 1], sw))
        self.imputed_effects_ = D
        return self

    def _cate(self, X):
        Xe = self._effect_X(X)
        return np.column_stack([m.predict(Xe) for m in self.final_models_])
