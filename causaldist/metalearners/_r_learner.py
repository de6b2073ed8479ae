"""The R-learner, as a weighted pseudo-outcome regression."""

import numpy as np

from ..base import BaseCausalEstimator, CATEMixin, _effect_columns, _fit_model
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc

__all__ = ["RLearner"]


def _pair_terms(nuis, t, a):
    """Rows of the pair ``{0, a}``, the within-pair propensity and mean of ``y``."""
    e = nuis.propensity
    pair = (t == 0) | (t == a)
    e_pair = e[pair, a] / (e[pair, 0] + e[pair, a])
    if nuis.marginal is not None:
        m = nuis.marginal[pair]
    else:
        mu = nuis.outcome[pair]
        m = (1 - e_pair) * mu[:, 0] + e_pair * mu[:, a]
    return pair, e_pair, m


@_fill_cross_fit_doc
class RLearner(_CrossFitMixin, CATEMixin, BaseCausalEstimator):
    """R-learner (Nie & Wager 2021) as an inverse-variance weighted regression.

    Minimising the R-loss ``sum_i [(Y_i - m(X_i)) - (T_i - e(X_i)) tau(X_i)]^2``
    over ``tau`` is the same as regressing the pseudo-outcome
    ``(Y_i - m(X_i)) / (T_i - e(X_i))`` on ``X`` with weights
    ``(T_i - e(X_i))^2`` (Fisher & Fisher, "The Connection Between R-Learning
    and Inverse-Variance Weighting"), so any regressor that accepts
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
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
    final_model : regressor, default=None
        Must accept ``sample_weight``. ``None`` means
        ``HistGradientBoostingRegressor(max_depth=3, early_stopping=False)``.
    {effect_features}
    {cross_fit}

    Attributes
    ----------
    effect_features_ : ndarray of int or None
        Positions of the effect features in ``X`` (None: all columns).
    final_models_ : list of regressors
        One per treated arm.
    overlap_ : DataFrame
        Per-arm overlap report.
    nuisances_ : Nuisances
    folds_ : list of (train, test)
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import RLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    >>> RLearner(cv=3).fit(X, y, treatment=t).predict(X).shape
    (300,)
    """

    _default_models = {
        "outcome_model": "outcome",
        "propensity_model": "propensity",
        "final_model": "final",
    }


    _parameter_constraints: dict = {"effect_features": "no_validation"}

    def __init__(
        self, *, outcome_model=None, propensity_model=None, final_model=None,
        effect_features=None, cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.final_model = final_model
        self.effect_features = effect_features
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        K = len(self.categories_)
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, marginal_model=K == 2, outcome_model=K > 2,
        )
        final = self._model("final_model")
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        s = np.ones(len(y)) if sample_weight is None else sample_weight
        self.final_models_ = []
        for a in range(1, K):
            pair, e_pair, m = _pair_terms(nuis, t, a)
            resid_t = (t[pair] == a) - e_pair
            pseudo = (y[pair] - m) / resid_t
            weight = resid_t**2 * s[pair]
            self.final_models_.append(_fit_model(final, Xe[pair], pseudo, weight))
        return self

    def _cate(self, X):
        Xe = self._effect_X(X)
        return np.column_stack([m.predict(Xe) for m in self.final_models_])

    def _score(self, X, y, t, sample_weight):
        """Negated R-loss with the learner's own nuisance models; higher is better.

        ``- mean_i [(Y_i - m(X_i)) - (1{A_i = a} - e(X_i)) tau_a(X_i)]^2`` over
        the units of each pair ``{0, a}`` (averaged over the pairs), with ``m``
        and ``e`` predicted on the scored rows by the models fitted in ``fit``
        (averaged over the folds; nothing is refitted), as econml's DML
        ``score``. With known propensities in fit, the nuisances are
        cross-fitted on the scored rows instead.
        """
        if "propensity" in self.nuisances_.models:
            nuis = self.nuisances_.predict(X)
        else:
            nuis = super()._scoring_nuisances(X, y, t, sample_weight)
        tau = self._cate(X)
        s = np.ones(len(y)) if sample_weight is None else sample_weight
        losses = []
        for a in range(1, len(self.categories_)):
            pair, e_pair, m = _pair_terms(nuis, t, a)
            resid = y[pair] - m - ((t[pair] == a) - e_pair) * tau[pair, a - 1]
            losses.append(np.average(resid**2, weights=s[pair]))
        return -float(np.mean(losses))
