"""Honest causal forest (generalized random forest for the R-loss)."""

import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.multioutput import MultiOutputRegressor
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .._identification import check_treatment_residuals
from .._progress import Progress
from ..base import BaseCausalEstimator, CATEMixin, _as_label_array
from ..evaluation._ate import _att_terms
from ..inference import Estimate
from ..inference._estimate import _check_alpha, _linearised_ratio
from .._defaults import CLASSIFIER, REGRESSOR
from ..model_selection import Nuisances
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ..model_selection._stage import _shared_stage
from ._honest_forest import grow_forest

__all__ = ["CausalForest"]

_FOREST_PARAMS_DOC = """n_estimators : int, default={n_estimators}
        Number of trees, rounded up to a multiple of ``ci_group_size``.
    max_samples : float in (0, 1], default=0.5
        Fraction of the units (clusters, with ``groups``) drawn without
        replacement for each tree (grf's ``sample.fraction``); at most 0.5
        when ``ci_group_size > 1`` (trees draw from a half-sample).
    honest : bool, default=True
        Choose the splits on one part of each subsample and estimate the
        leaves on the other (Wager & Athey 2018).
    honesty_fraction : float in (0, 1), default=0.5
        Share of each subsample used for splitting.
    min_samples_leaf : int, default=5
        Minimum number of splitting units in a leaf (grf's ``min.node.size``).
    max_depth : int or None, default=None
    max_features : int, float or None, default=None
        Candidate features per split (``mtry``): an int, a fraction of the
        features, or ``None`` for grf's ``min(ceil(sqrt(p) + 20), p)``.
    alpha : float in [0, 0.25), default=0.05
        Balance of a split (grf's ``alpha``): each child keeps at least this
        share of the parent's size (its treatment variation
        ``sum_i w_i |T_i - Tbar|^2`` in a causal forest, its weight in a
        regression forest).
    ci_group_size : int, default=2
        Trees per little bag (grf's ``ci.group.size``): the trees of a bag
        subsample one half-sample, and the spread between bags against the
        spread within them gives the variance. 1 disables intervals.
    max_bins : int in [2, 256], default=255
        Candidate thresholds per feature: every midpoint between distinct
        values when there are at most ``max_bins`` of them, else quantiles."""


def _fill_forest_doc(cls):
    n_trees = inspect.signature(cls.__init__).parameters["n_estimators"].default
    cls.__doc__ = cls.__doc__.replace(
        "{forest}", _FOREST_PARAMS_DOC.replace("{n_estimators}", str(n_trees))
    )
    return cls


_FOREST_CONSTRAINTS = {
    "n_estimators": [Interval(Integral, 1, None, closed="left")],
    "max_samples": [Interval(Real, 0, 1, closed="right")],
    "honest": ["boolean"],
    "honesty_fraction": [Interval(Real, 0, 1, closed="neither")],
    "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
    "max_depth": [Interval(Integral, 1, None, closed="left"), None],
    "max_features": [
        Interval(Integral, 1, None, closed="left"),
        Interval(Real, 0, 1, closed="right"),
        None,
    ],
    "alpha": [Interval(Real, 0, 0.25, closed="left")],
    "ci_group_size": [Interval(Integral, 1, None, closed="left")],
    "max_bins": [Interval(Integral, 2, 256, closed="both")],
}


def _check_forest_params(est):
    if est.ci_group_size > 1 and est.max_samples > 0.5:
        raise ValueError(
            f"max_samples={est.max_samples} must be at most 0.5 when "
            f"ci_group_size={est.ci_group_size} > 1: the trees of a little bag draw "
            "their subsamples from one half of the data (set ci_group_size=1 to "
            "grow without intervals)."
        )


def _forest_kwargs(est, **extra):
    return dict(
        **extra, n_estimators=est.n_estimators, group_size=est.ci_group_size,
        max_samples=est.max_samples, honest=est.honest,
        honesty_fraction=est.honesty_fraction, min_leaf=est.min_samples_leaf,
        max_depth=est.max_depth, max_features=est.max_features, alpha=est.alpha,
        max_bins=est.max_bins,
        progress=Progress(getattr(est, "verbose", 0), type(est).__name__),
    )


def _solve_stats(S, d):
    """Causal estimates from (n, q) mean leaf statistics: ``A^-1 (TY - Tbar Ybar)``."""
    tb = S[:, :d]
    yb = S[:, d]
    TT = S[:, d + 1:d + 1 + d * d].reshape(-1, d, d)
    TY = S[:, d + 1 + d * d:]
    A = TT - tb[:, :, None] * tb[:, None, :]
    c = TY - tb * yb[:, None]
    out = np.full((S.shape[0], d), np.nan)
    ok = np.abs(np.linalg.det(A)) > 1e-12
    if ok.any():
        out[ok] = np.linalg.solve(A[ok], c[ok][:, :, None])[:, :, 0]
    return out


@_fill_cross_fit_doc
@_fill_forest_doc
class CausalForest(_CrossFitMixin, CATEMixin, BaseCausalEstimator):
    """Honest causal forest: a generalized random forest for the R-loss.

    The shared cross-fitting stage residualises the outcome and the
    treatment, ``Y~ = Y - m(X)`` and ``T~_a = 1{A = a} - e_a(X)`` (one column
    per treated arm). Each tree is grown on a subsample drawn without
    replacement; with ``honest=True`` its splits are chosen on one half and
    its leaves filled with the other. A node's split maximises the CART
    criterion on the gradient-based pseudo-outcomes of the R-loss
    (Athey, Tibshirani & Wager 2019, eq. 13; grf's causal forest)

    ``rho_i = A_P^-1 (T~_i - Tbar_P) (Y~_i - Ybar_P - (T~_i - Tbar_P)' tau_P)``

    with ``A_P`` the treatment covariance and ``tau_P`` the R-learner
    estimate in the parent. The estimate at ``x`` is the locally centred
    R-learner with the forest weights
    ``alpha_i(x) = (1/B) sum_b 1{i in L_b(x)} / |L_b(x)|`` (Wager & Athey
    2018; Nie & Wager 2021):

    ``tau(x) = Cov_alpha(T~)^-1 Cov_alpha(T~, Y~)``.

    Its variance comes from the bootstrap of little bags: trees grown in
    groups of ``ci_group_size`` on a shared half-sample; the between-group
    variance of the linearised estimating equation, less the within-group
    noise, debiased as grf does (Athey, Tibshirani & Wager 2019, section 4;
    Sexton & Laake 2009). Two arms give grf's ``causal_forest``; ``K`` arms
    its ``multi_arm_causal_forest`` (one forest, vector pseudo-outcomes).

    The defaults are grf's: 2,000 trees (a fixed number, not an adaptive
    rule: with ``B`` trees the Monte Carlo noise left in the estimate and
    subtracted from the little-bags variance is of order ``1/B`` of a single
    tree's variance, and with fewer trees the debiased variance is itself
    noisy, so that intervals come out wider), stabilised splits,
    ``min_samples_leaf=5``, ``alpha=0.05``, half-samples, honesty. On Nie &
    Wager's setups at n = 2,000, with the same nuisances, its PEHE,
    interval widths and coverage match R grf 2.6.1's in about half of grf's
    CPU time (``benchmarks/results/forest_grf.md``).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``m(x) = E[Y | X = x]``; ``None`` means
        ``HistGradientBoostingRegressor(early_stopping=False)``.
    propensity_model : classifier, default=None
        ``e_a(x)``; ``None`` means ``StandardScaler`` + ``LogisticRegression``.
        Known propensities passed to fit (``propensity=``) replace it.
    treatment_model : regressor, default=None
        ``E[T | X = x]`` of a continuous treatment (``discrete_treatment=False``);
        ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    discrete_treatment : bool, default=True
        False: the treatment is continuous, of shape ``(n,)`` or ``(n, d_t)``
        (grf's ``causal_forest`` with a continuous ``W``); ``tau(x)`` is then
        the effect of one unit of each treatment column, ``effect(X, T0, T1)``
        is ``tau(x) . (T1 - T0)``, and ``ate_``/``att_`` are not computed.
    stabilize_splits : bool, default=True
        grf's ``stabilize.splits``: a split is admitted only if each child
        holds at least ``min_samples_leaf`` splitting units whose residualised
        treatment ``T~_a`` is below the parent's mean and as many at or above
        it, for every treated arm (grf's ``InstrumentalSplittingRule``). It
        keeps leaves from being (nearly) all treated or all control, where the
        local R-learner is unstable. False: only the size rules below.
    imbalance_penalty : float, default=0.0
        grf's ``imbalance.penalty``: the split criterion loses
        ``imbalance_penalty * (1 / size_L + 1 / size_R)``, the sizes being
        the children's treatment variations ``sum_i w_i (T~_i - Tbar)^2``
        with one treated arm and their unit counts with several (grf's
        instrumental and multi-arm rules). 0 (grf's default) disables it.
    {forest}
    {cross_fit}

    Attributes
    ----------
    ate_ : Estimate
        AIPW average effect of each arm against control, from the forest's
        nuisances and its out-of-bag effects (grf's
        ``average_treatment_effect``), with the influence-function standard
        error.
    att_ : Estimate
        The same on the units that received each arm (doubly robust ATT).
    oob_effect_ : ndarray of shape (n_samples, n_arms - 1)
        Out-of-bag effects at the training units (trees whose subsample
        excludes the unit; NaN where no tree does).
    feature_importances_ : ndarray of shape (n_features_in_,)
        Split frequencies weighted by depth (grf's ``variable_importance``:
        depths 1-4, weights ``depth^-2``), summing to 1 when any tree split.
    forest_ : object
        The trees in flat arrays (``feature``, ``threshold``, ``left``,
        ``right``, ``leaf_stats``, offsets per tree).
    nuisances_ : Nuisances
    folds_ : list of (train, test)
    overlap_ : DataFrame
    categories_ : ndarray of shape (n_arms,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    RegressionForest : the honest regression forest, a final model for any learner.
    ForestDRLearner : DR-learner with a regression forest on its pseudo-outcomes.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.forest import CausalForest
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, random_state=0)
    >>> est = CausalForest(outcome_model=LinearRegression(), n_estimators=100,
    ...                    random_state=0).fit(X, y, treatment=t)
    >>> est.predict(X[:3]).shape
    (3,)
    >>> lo, hi = est.effect_interval(X[:3])
    >>> bool((lo < hi).all())
    True
    """

    _default_models = {
        "outcome_model": "outcome", "propensity_model": "propensity",
        "treatment_model": "treatment",
    }

    _parameter_constraints: dict = {
        **BaseCausalEstimator._parameter_constraints,
        **_CrossFitMixin._parameter_constraints,
        **_FOREST_CONSTRAINTS,
        "stabilize_splits": ["boolean"],
        "imbalance_penalty": [Interval(Real, 0, None, closed="left")],
        "outcome_model": REGRESSOR,
        "propensity_model": CLASSIFIER,
        "treatment_model": REGRESSOR,
        "discrete_treatment": ["boolean"],
    }

    @property
    def _discrete_treatment(self):
        return self.discrete_treatment

    def _models_seeing_X(self):
        names = ["outcome_model"]
        names.append("propensity_model" if self.discrete_treatment else "treatment_model")
        return [self._model(name) for name in names]

    def _allows_nan(self):
        # The forest's own binning would sort NaN as +infinity, whatever the
        # nuisance models accept.
        return False

    def _model(self, param):
        model = super()._model(param)
        # Several treatment columns: one clone per column for models that
        # predict a single output (HistGradientBoosting, the default).
        if (param == "treatment_model" and getattr(self, "_t_2d", False)
                and not get_tags(model).target_tags.multi_output):
            return MultiOutputRegressor(model)
        return model

    def __init__(
        self, *, outcome_model=None, propensity_model=None, treatment_model=None,
        discrete_treatment=True, n_estimators=2000, stabilize_splits=True,
        imbalance_penalty=0.0, max_samples=0.5, honest=True, honesty_fraction=0.5, min_samples_leaf=5,
        max_depth=None, max_features=None, alpha=0.05, ci_group_size=2, max_bins=255,
        cv=5, n_jobs=None, memory=None, min_propensity=1e-3, random_state=None,
        verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.treatment_model = treatment_model
        self.discrete_treatment = discrete_treatment
        self.n_estimators = n_estimators
        self.stabilize_splits = stabilize_splits
        self.imbalance_penalty = imbalance_penalty
        self.max_samples = max_samples
        self.honest = honest
        self.honesty_fraction = honesty_fraction
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.max_features = max_features
        self.alpha = alpha
        self.ci_group_size = ci_group_size
        self.max_bins = max_bins
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _split_rules(self):
        return dict(
            stabilize_splits=self.stabilize_splits, imbalance_penalty=self.imbalance_penalty,
        )

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        _check_forest_params(self)
        if not self.discrete_treatment:
            return self._fit_continuous(X, y, t, sample_weight, groups, propensity)
        K = len(self.categories_)
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, marginal_model=True,
        )
        e = nuis.propensity
        onehot = (t[:, None] == np.arange(K)).astype(np.float64)
        T = onehot[:, 1:] - e[:, 1:]
        Y = y - nuis.marginal
        w = np.ones(len(y)) if sample_weight is None else sample_weight
        self.forest_, self.feature_importances_, acc, cnt = grow_forest(
            X, Y, T, w, mode=1, clusters=groups, random_state=self.random_state,
            n_jobs=self.n_jobs, **_forest_kwargs(self, **self._split_rules()),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = _solve_stats(acc / cnt[:, None], K - 1)
        self.oob_effect_ = tau
        # AIPW with the forest's nuisances (grf's average_treatment_effect):
        # mu_0 = m - sum_a e_a tau_a, mu_a = mu_0 + tau_a.
        missing = np.isnan(tau).any(axis=1)
        if missing.any():
            tau = tau.copy()
            tau[missing] = self._cate(X[missing])
        mu0 = nuis.marginal - np.sum(e[:, 1:] * tau, axis=1)
        mu = np.column_stack([mu0, mu0[:, None] + tau])
        gamma = Nuisances(propensity=e, outcome=mu, n_arms=K).dr_scores(y, t)
        n = len(y)
        for name, (num, den), method in (
            ("ate_", (gamma[:, 1:] - gamma[:, [0]], 1.0), "AIPW ATE"),
            ("att_", _att_terms(y, t, e, mu0), "AIPW ATT"),
        ):
            theta, scores, se = _linearised_ratio(num, den, sample_weight)
            single = theta.size == 1
            setattr(self, name, Estimate(
                theta[0] if single else theta, se[0] if single else se, n=n,
                scores=scores[:, 0] if single else scores, names=self.categories_[1:],
                method=f"forest {method}",
            ))
        return self

    def _fit_continuous(self, X, y, t, sample_weight, groups, propensity):
        if propensity is not None:
            raise ValueError("propensity is for a discrete treatment; set discrete_treatment=True.")
        n = X.shape[0]
        self._t_2d = t.ndim == 2 and t.shape[1] > 1
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, treatment_model=True, marginal_model=True,
        )
        T = t.reshape(n, -1) - nuis.treatment.reshape(n, -1)
        check_treatment_residuals(t, T, sample_weight, owner=type(self).__name__)
        w = np.ones(n) if sample_weight is None else sample_weight
        self.forest_, self.feature_importances_, acc, cnt = grow_forest(
            X, y - nuis.marginal, T, w, mode=1, clusters=groups,
            random_state=self.random_state, n_jobs=self.n_jobs,
            **_forest_kwargs(self, **self._split_rules()),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            self.oob_effect_ = _solve_stats(acc / cnt[:, None], T.shape[1])
        return self

    def _cate(self, X):
        est, _ = self.forest_.predict(X, n_jobs=self.n_jobs)
        return est

    def _treatment_difference(self, X, T0, T1):
        """``T1 - T0`` as an (n, d_t) matrix for a continuous treatment."""
        d = self.forest_.d
        out = []
        for name, T, default in (("T0", T0, 0.0), ("T1", T1, 1.0)):
            T = np.asarray(default if T is None else T, dtype=np.float64)
            if T.ndim == 2 and T.shape[0] == X.shape[0] and T.shape[1] == d:
                out.append(T)
            elif T.ndim == 1 and T.shape[0] == X.shape[0] and d == 1:
                out.append(T[:, None])
            else:
                try:
                    out.append(np.broadcast_to(T, (X.shape[0], d)))
                except ValueError as exc:
                    raise ValueError(
                        f"{name} must be a scalar, shape ({X.shape[0]},) or "
                        f"({X.shape[0]}, {d}); got {T.shape}."
                    ) from exc
        return out[1] - out[0]

    def effect(self, X, T0=None, T1=None):
        """Effect of moving each unit from treatment ``T0`` to ``T1``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        T0, T1 : label, float or array-like, default=None
            Arms (as in ``CATEMixin.effect``) for a discrete treatment; for a
            continuous one, treatment values (default 0 and 1), the effect
            being ``tau(x) . (T1 - T0)``.

        Returns
        -------
        effect : ndarray of shape (n_samples,)
        """
        if self.discrete_treatment:
            return super().effect(X, T0, T1)
        X = self._validate_X_predict(X)
        return np.sum(self._cate(X) * self._treatment_difference(X, T0, T1), axis=1)

    def _contrast_rows(self, X, T0, T1):
        """Contrast vectors over the treated arms, one per row, or None for all arms."""
        if T0 is None and T1 is None:
            return None
        K = len(self.categories_)
        codes = []
        for name, T, default in (("T0", T0, 0), ("T1", T1, 1 if K == 2 else None)):
            if T is None:
                if default is None:
                    raise ValueError(
                        f"T1 is required with more than two arms; the arms are "
                        f"{self.categories_.tolist()}."
                    )
                codes.append(np.full(X.shape[0], default, dtype=np.intp))
                continue
            T = np.asarray(T)
            if T.ndim == 0:
                T = np.full(X.shape[0], T.item(), dtype=T.dtype)
            T = _as_label_array(T, name)
            if T.shape[0] != X.shape[0]:
                raise ValueError(f"{name} has {T.shape[0]} entries but X has {X.shape[0]} rows.")
            codes.append(self._codes_of(T, name))
        return codes

    def effect_inference(self, X, *, T0=None, T1=None):
        """Effects at ``X`` with little-bags standard errors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        T0, T1 : label or array-like of shape (n_samples,), default=None
            Base and target arms, as in :meth:`effect`; both ``None`` means
            every treated arm against control (the columns of ``predict``).

        Returns
        -------
        inference : Estimate
            ``value`` and ``stderr`` of shape ``(n_samples,)`` (or
            ``(n_samples, n_arms - 1)`` for every arm of a K-arm forest);
            ``conf_int(alpha)``, ``pvalue()`` and ``summary_frame()`` as in
            econml's ``effect_inference(X).summary_frame()``.
        """
        X = self._validate_X_predict(X)
        if self.ci_group_size < 2:
            raise ValueError(
                "intervals need little bags: refit with ci_group_size >= 2."
            )
        if not self.discrete_treatment:
            return self._continuous_inference(X, T0, T1)
        d = len(self.categories_) - 1
        codes = self._contrast_rows(X, T0, T1)
        if codes is None:
            est, var = self.forest_.predict(X, want_var=True, n_jobs=self.n_jobs)
            value, stderr = est, np.sqrt(var)
            if d == 1:
                value, stderr = value[:, 0], stderr[:, 0]
        else:
            value = np.empty(X.shape[0])
            stderr = np.empty(X.shape[0])
            pairs = np.column_stack(codes)
            for c0, c1 in np.unique(pairs, axis=0):
                rows = np.flatnonzero((pairs[:, 0] == c0) & (pairs[:, 1] == c1))
                contrast = np.zeros((1, d))
                if c1 > 0:
                    contrast[0, c1 - 1] += 1.0
                if c0 > 0:
                    contrast[0, c0 - 1] -= 1.0
                est, var = self.forest_.predict(
                    X[rows], contrasts=contrast, want_var=True, n_jobs=self.n_jobs
                )
                value[rows] = est @ contrast[0]
                stderr[rows] = np.sqrt(var[:, 0])
        return Estimate(value, stderr, method="causal forest (little bags)")

    def _continuous_inference(self, X, T0, T1):
        d = self.forest_.d
        if T0 is None and T1 is None:
            est, var = self.forest_.predict(X, want_var=True, n_jobs=self.n_jobs)
            value, stderr = est, np.sqrt(var)
            if d == 1:
                value, stderr = value[:, 0], stderr[:, 0]
            return Estimate(value, stderr, method="causal forest (little bags)")
        D = self._treatment_difference(X, T0, T1)
        value = np.empty(X.shape[0])
        stderr = np.empty(X.shape[0])
        rows_of = {}
        for i, row in enumerate(map(tuple, D)):
            rows_of.setdefault(row, []).append(i)
        for row, rows in rows_of.items():
            rows = np.asarray(rows)
            contrast = np.asarray(row, dtype=np.float64)[None, :]
            est, var = self.forest_.predict(
                X[rows], contrasts=contrast, want_var=True, n_jobs=self.n_jobs
            )
            value[rows] = est @ contrast[0]
            stderr[rows] = np.sqrt(var[:, 0])
        return Estimate(value, stderr, method="causal forest (little bags)")

    def effect_interval(self, X, *, T0=None, T1=None, alpha=0.05):
        """Pointwise normal ``1 - alpha`` intervals of the effects at ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        T0, T1 : label or array-like, default=None
            As in :meth:`effect_inference`.
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
            Shaped like :meth:`effect_inference`'s ``value``.
        """
        _check_alpha(alpha)
        return self.effect_inference(X, T0=T0, T1=T1).conf_int(alpha)

    def _score(self, X, y, t, sample_weight):
        """Negated R-loss with the forest's own nuisance models; higher is better.

        ``- mean_i [Y_i - m(X_i) - sum_a (1{A_i = a} - e_a(X_i)) tau_a(X_i)]^2``
        (Nie & Wager 2021), with ``m`` and ``e`` the fold models fitted in
        ``fit`` averaged at the scored rows (nothing is refitted). After a
        fit with known propensities they are cross-fitted on the scored rows.
        """
        if not self.discrete_treatment or "propensity" in self.nuisances_.models:
            nuis = self.nuisances_.predict(X)
        else:
            _, nuis = _shared_stage(
                self, X, y, t, len(self.categories_), sample_weight,
                propensity_model=self._model("propensity_model"),
                marginal_model=self._model("outcome_model"),
            )
        if not self.discrete_treatment:
            n = X.shape[0]
            nuis = self.nuisances_.predict(X)
            T = t.reshape(n, -1) - nuis.treatment.reshape(n, -1)
            resid = y - nuis.marginal - np.sum(T * self._cate(X), axis=1)
            return -float(np.average(resid**2, weights=sample_weight))
        K = len(self.categories_)
        T = (t[:, None] == np.arange(1, K)) - nuis.propensity[:, 1:]
        resid = y - nuis.marginal - np.sum(T * self._cate(X), axis=1)
        return -float(np.average(resid**2, weights=sample_weight))

    @property
    def n_leaves_(self):
        """Total number of leaves of the forest."""
        check_is_fitted(self, "forest_")
        return self.forest_.n_leaves
