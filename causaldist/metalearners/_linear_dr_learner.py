"""The DR learner with a linear final stage and sandwich inference."""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ..base import _effect_columns
from .._identification import intervals_available
from ..inference import EffectInference, Estimate
from ..inference._estimate import _linearised_ratio
from ..inference._linear_final import _LinearFinalMixin
from ..inference._repeats import _aggregate
from ..inference._sandwich import linear_combination, ols_sandwich
from ..model_selection._mixin import _fill_cross_fit_doc
from ._dr_learner import DRLearner

__all__ = ["LinearDRLearner"]


@_fill_cross_fit_doc
class LinearDRLearner(_LinearFinalMixin, DRLearner):
    """DR learner whose CATE is linear in the effect features, with standard errors.

    The AIPW pseudo-outcomes ``phi_i(a) = Gamma_i(a) - Gamma_i(0)`` of
    :class:`DRLearner` are regressed by least squares on ``[1, f(x)]`` (the
    featurised effect features), one regression per treated arm, so
    ``tau_a(x) = b_a0 + b_a' f(x)``. The coefficients of all arms have a joint
    heteroskedasticity-robust sandwich covariance (HC1 by default, econml's;
    HC0; cluster-robust when ``groups`` are routed to fit), which gives
    pointwise intervals for ``tau_a(x)`` and for any contrast of two arms.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_a(x)`` (HistGradientBoosting when None).
    propensity_model : classifier, default=None
        ``e_a(x)`` (standardised logistic regression when None).
    featurizer : transformer, default=None
        ``f``: e.g. ``PolynomialFeatures(degree=2, include_bias=False)``.
    fit_cate_intercept : bool, default=True
    effect_features : list of str or int, bool mask or None, default=None
        Columns of ``X`` the effect varies with; the others are controls
        that enter only the nuisance models.
    cov_type : {"HC1", "HC0"}, default="HC1"
    n_repeats : int, default=1
        Cross-fitting repetitions with fresh folds, aggregated by
        ``repeat_aggregation`` with the spread of the repetitions added to
        the variance.
    repeat_aggregation : {"mean", "median"}, default="mean"
    pooled_outcome : bool, default=False
        One outcome model on ``[X, one-hot(A)]`` per fold (econml's structure).
    {cross_fit}

    Attributes
    ----------
    coef_ : ndarray of shape (n_arms - 1, n_features), (n_features,) for two arms
    intercept_ : ndarray of shape (n_arms - 1,), a float for two arms
    ate_ : Estimate
        AIPW average treatment effects.
    effect_features_ : ndarray of int or None
    featurizer_ : transformer or None
    nuisances_ : Nuisances
    folds_ : list of (train, test)
    categories_ : ndarray of shape (n_arms,)

    See Also
    --------
    causaldist.dml.LinearDML : the partially linear model (continuous treatments).

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import LinearDRLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, random_state=0)
    >>> est = LinearDRLearner(outcome_model=LinearRegression(), cv=3).fit(X, y, treatment=t)
    >>> est.summary().round(1).loc[["X2", "cate_intercept"], "point_estimate"].tolist()  # truth 1, 1
    [1.0, 0.9]
    """

    _default_models = {"outcome_model": "outcome", "propensity_model": "propensity"}

    _parameter_constraints: dict = {
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "fit_cate_intercept": ["boolean"],
        "effect_features": "no_validation",
        "cov_type": [StrOptions({"HC0", "HC1"})],
        "n_repeats": [Interval(numbers.Integral, 1, None, closed="left")],
        "repeat_aggregation": [StrOptions({"mean", "median"})],
    }

    def __init__(
        self, *, outcome_model=None, propensity_model=None, featurizer=None,
        fit_cate_intercept=True, effect_features=None, cov_type="HC1", n_repeats=1,
        repeat_aggregation="mean", pooled_outcome=False, cv=5, n_jobs=None, memory=None,
        min_propensity=1e-3, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.cov_type = cov_type
        self.n_repeats = n_repeats
        self.repeat_aggregation = repeat_aggregation
        self.pooled_outcome = pooled_outcome
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        if self.n_repeats > 1 and not isinstance(self.cv, numbers.Integral):
            raise ValueError("n_repeats > 1 draws new folds for every repetition and needs an int cv.")
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        self.featurizer_ = None if self.featurizer is None else clone(self.featurizer).fit(Xe)
        Phi = self._design(Xe)
        groups = None if groups is None else np.asarray(groups)
        # One final fit per repetition's pseudo-outcomes (the stage's hooks say
        # how many repetitions, and whether they are aggregated before).
        gammas = self._aipw_scores(X, y, t, sample_weight, groups, propensity)
        self._repeat_phis = [gamma[:, 1:] - gamma[:, [0]] for gamma in gammas]
        phi = self._repeat_phis[0]
        fits = [self._fit_final(Phi, p, sample_weight, groups) for p in self._repeat_phis]
        coefs, covs = [f[0] for f in fits], [f[1] for f in fits]
        self._coefs, self._covs = coefs, covs
        self.coef_full_ = _aggregate(coefs, None, self.repeat_aggregation)[0]
        self.pseudo_outcomes_ = phi
        theta, scores, se = _linearised_ratio(phi, 1.0, sample_weight)
        single = theta.size == 1
        self.ate_ = Estimate(
            theta[0] if single else theta, se[0] if single else se, n=len(y),
            scores=scores[:, 0] if single else scores,
            names=self.categories_[1:], method="AIPW ATE",
        )
        return self

    def _fit_final(self, Phi, phi, sample_weight, groups):
        """Coefficients ``(p, n_arms - 1)`` and their covariance (arm-major)."""
        coef, cov = ols_sandwich(
            Phi, phi, sample_weight, cov_type=self.cov_type, groups=groups,
            weights=self._sandwich_row_weights,
        )
        n_eff = Phi.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        if not intervals_available(n_eff, Phi.shape[1], owner=type(self).__name__):
            cov = np.full_like(cov, np.nan)
        return coef, cov

    def refit_final(self, X, *, sample_weight=None, groups=None):
        """Refit only the least-squares final stage on the stored pseudo-outcomes.

        ``featurizer``, ``fit_cate_intercept`` and ``cov_type`` as they are
        now, on the pseudo-outcomes of every repetition kept from
        :meth:`fit`; the nuisances are not refitted (econml's
        ``refit_final`` after ``fit(..., cache_values=True)``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training covariates, as passed to :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            The training weights, as passed to :meth:`fit`.
        groups : array-like of shape (n_samples,), default=None
            Clusters of the sandwich, as in :meth:`fit`.

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "coef_full_")
        X = self._validate_X_predict(X)
        n = self._repeat_phis[0].shape[0]
        if X.shape[0] != n:
            raise ValueError(f"X has {X.shape[0]} rows; the pseudo-outcomes have {n}.")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        groups = None if groups is None else np.asarray(groups)
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        self.featurizer_ = None if self.featurizer is None else clone(self.featurizer).fit(Xe)
        Phi = self._design(Xe)
        fits = [self._fit_final(Phi, phi, sample_weight, groups) for phi in self._repeat_phis]
        self._coefs, self._covs = [f[0] for f in fits], [f[1] for f in fits]
        self.coef_full_ = _aggregate(self._coefs, None, self.repeat_aggregation)[0]
        return self

    def _design(self, Xe):
        F = Xe if self.featurizer_ is None else np.asarray(
            self.featurizer_.transform(Xe), dtype=np.float64)
        return np.hstack([np.ones((F.shape[0], 1)), F]) if self.fit_cate_intercept else F

    def _cate(self, X):
        return self._design(self._effect_X(X)) @ self.coef_full_

    def _combo(self, L):
        """``L vec(b)`` (arm-major) with standard errors, aggregated over repetitions."""
        out = [linear_combination(L, c, v) for c, v in zip(self._coefs, self._covs)]
        return _aggregate([o[0] for o in out], [o[1] for o in out], self.repeat_aggregation)

    def const_marginal_effect(self, X):
        """``tau_a(x)`` of every treated arm, shape ``(m, n_arms - 1)`` (econml's).

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        cate : ndarray of shape (m, n_arms - 1)
        """
        return self._cate(self._validate_X_predict(X))

    def effect_inference(self, X, T0=None, T1=None):
        """Effects of moving each row from arm ``T0`` to ``T1``, with standard errors.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : label or array-like of shape (m,), default=None
            As in :meth:`effect` (control and, with two arms, the treated arm).

        Returns
        -------
        inference : EffectInference
            Values ``tau_T1(x) - tau_T0(x)`` of shape ``(m,)``; the population
            summary's standard error is exact.
        """
        Xv = self._validate_X_predict(X)
        m = Xv.shape[0]
        codes = []
        for name, T, default in (("T0", T0, 0), ("T1", T1, 1)):
            if T is None:
                if name == "T1" and len(self.categories_) > 2:
                    raise ValueError(f"T1 is required with arms {self.categories_.tolist()}.")
                codes.append(np.full(m, default))
                continue
            T = np.asarray(T)
            T = np.full(m, T.item(), dtype=T.dtype) if T.ndim == 0 else T
            codes.append(self._codes_of(T, name))
        Phi = self._design(self._effect_X(Xv))
        p, K1 = Phi.shape[1], len(self.categories_) - 1
        L = np.zeros((m, K1 * p))
        for sign, c in ((1.0, codes[1]), (-1.0, codes[0])):
            for a in range(1, K1 + 1):
                rows = c == a
                L[rows, (a - 1) * p:a * p] += sign * Phi[rows]
        value, se = self._combo(L)
        _, mean_se = self._combo(L.mean(axis=0, keepdims=True))
        return EffectInference(value, se, mean_stderr=float(mean_se[0]), method="LinearDRLearner")

    def const_marginal_effect_inference(self, X):
        """:meth:`const_marginal_effect` with standard errors (econml's verb).

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        inference : EffectInference
            Values of shape ``(m, n_arms - 1)``, columns named ``T0_<arm>``;
            its population summary's standard errors are exact.
        """
        from sklearn.utils.validation import _num_samples

        check_is_fitted(self, "coef_full_")
        m = _num_samples(X)
        control = np.full(m, self.categories_[0], dtype=self.categories_.dtype)
        arms = [self.effect_inference(X, control, np.full(m, a, dtype=self.categories_.dtype))
                for a in self.categories_[1:]]
        return EffectInference(
            np.column_stack([r.value for r in arms]), np.column_stack([r.stderr for r in arms]),
            mean_stderr=np.array([r.mean_stderr for r in arms]),
            treatment_names=[f"T0_{a}" for a in self.categories_[1:]], method=arms[0].method,
        )

    def effect_interval(self, X, T0=None, T1=None, *, alpha=0.05):
        """Pointwise ``1 - alpha`` intervals of :meth:`effect`.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : as in :meth:`effect_inference`
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray of shape (m,)
        """
        return self.effect_inference(X, T0, T1).conf_int(alpha)

    def cate_feature_names(self, feature_names=None):
        """Names of the final stage's features (after the featurizer).

        Parameters
        ----------
        feature_names : list of str, default=None

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "coef_full_")
        if feature_names is None:
            cols = self.effect_features_
            if hasattr(self, "feature_names_in_"):
                names = self.feature_names_in_
                feature_names = names if cols is None else names[cols]
            else:
                k = self.n_features_in_ if cols is None else len(cols)
                feature_names = [f"X{j}" for j in range(k)]
        feature_names = np.asarray(feature_names, dtype=object)
        if self.featurizer_ is not None:
            return np.asarray(self.featurizer_.get_feature_names_out(feature_names), dtype=object)
        return feature_names

    # Hooks of the linear final-stage mixin: one treatment column per treated
    # arm, no outcome axis; coef__inference reports the intercept first.
    def _n_coef(self):
        check_is_fitted(self, "coef_full_")
        return self.coef_full_.size

    def _n_t(self):
        return len(self.categories_) - 1

    def _has_output_axis(self):
        return False

    def _drops_treatment_axis(self):
        return True

    def _coef_row_offset(self):
        return 1 if self.fit_cate_intercept else 0

    def coef__inference(self):
        """Inference on every coefficient (intercept included), rows feature then arm.

        Returns
        -------
        inference : EffectInference
        """
        v, s = self._params()
        v, s = v[..., 0], s[..., 0]
        names = self.cate_feature_names()
        if self.fit_cate_intercept:
            names = np.r_[["cate_intercept"], names]
        arms = np.array([f"T0_{c}" for c in self.categories_[1:]], dtype=object)
        if v.shape[0] == 1:
            return EffectInference(v[0], s[0], row_names=names, method="LinearDRLearner")
        return EffectInference(v.T, s.T, row_names=names, treatment_names=arms,
                               method="LinearDRLearner")
