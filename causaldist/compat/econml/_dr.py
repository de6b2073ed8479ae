"""econml's DR learners on :mod:`causaldist.metalearners`."""

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from ...base import _atomic_fit
from ._folds import _econml_folds
from ._native import _EconmlDRLearner as _NativeDRLearner
from ._native import _EconmlLinearDRLearner as _NativeLinearDRLearner
from ._native import _EconmlSparseLinearDRLearner as _NativeSparseLinearDRLearner
from ._verbs import _EffectVerbs, _InferenceVerbs
from ...validation import OmittedVariableSensitivity
from ._base import (
    _check_discrete_T,
    _auto_warning,
    _BootstrapIntervals,
    _bootstrapped,
    _EconmlAdapter,
    _linear_shap,
    _model,
    _not_after_bootstrap,
    _RefitFinalMixin,
)

__all__ = ["DRLearner", "LinearDRLearner", "SparseLinearDRLearner"]


def _select(cols, featurizer, model):
    """``model`` (after ``featurizer``) fitted on the columns ``cols`` of ``[X, W]``."""
    steps = [("X", ColumnTransformer([("X", "passthrough", list(cols))]))]
    if featurizer is not None:
        steps.append(("featurizer", featurizer))
    steps.append(("final", model))
    return Pipeline(steps)


class _DRAdapter(_RefitFinalMixin, _BootstrapIntervals, _EffectVerbs, _EconmlAdapter):
    """fit and the verbs of econml's DR learners."""

    def _check_unsupported(self):
        if self.trimming_threshold is not None:
            raise NotImplementedError("trimming_threshold has no causaldist equivalent yet.")
        if self.discrete_outcome:
            raise NotImplementedError(
                "discrete_outcome=True is not supported: a classifier model_regression "
                "with discrete_outcome=False is not econml's rule either; use a regressor."
            )
        if self.allow_missing:
            raise NotImplementedError("allow_missing=True is not supported.")

    def _common(self, T, groups, n):
        self._check_unsupported()
        _check_discrete_T(T, type(self).__name__)
        T = np.asarray(T).ravel()
        if isinstance(self.categories, str) and self.categories == "auto":
            control = np.unique(T)[0]
        else:
            control = list(self.categories)[0]
        rs = check_random_state(self.random_state)
        # econml draws the folds of every mc_iters repetition from one RandomState
        # and aggregates the repetitions' AIPW scores before the final stage.
        folds = [_econml_folds(self.cv, T, n, rs, stratify=True, groups=groups)
                 for _ in range(1 if self.mc_iters is None else int(self.mc_iters))]
        seed = self.random_state if not isinstance(
            self.random_state, np.random.RandomState) else 0
        repeats = {} if self.mc_iters is None else dict(
            repeat_folds=folds, repeat_agg=self.mc_agg)
        return dict(
            outcome_model=_model(self.model_regression),
            propensity_model=_model(self.model_propensity), pooled_outcome=True,
            cv=folds[0], min_propensity=self.min_propensity, random_state=seed, control=control,
            **repeats,
        )

    @_atomic_fit
    def fit(self, Y, T, *, X=None, W=None, sample_weight=None, freq_weight=None,
            sample_var=None, groups=None, cache_values=False, inference="auto"):
        """Fit with econml's signature: nuisances on ``[X, W]``, the effect on ``X``.

        Parameters
        ----------
        Y : array-like of shape (n,)
        T : array-like of shape (n,)
            Arm labels; the first category (sorted, or ``categories[0]``) is
            the control.
        X : array-like of shape (n, d_x), default=None
        W : array-like of shape (n, d_w), default=None
        sample_weight : array-like of shape (n,), default=None
        freq_weight, sample_var : None
            Only None is supported.
        groups : array-like of shape (n,), default=None
            Grouped folds, as econml.
        cache_values : bool, default=False
            Keep ``X``, ``W`` and the weights for :meth:`refit_final`.
        inference : str, None or BootstrapInference, default="auto"
            Analytic inference of the linear final stage (``"auto"``), or
            ``"bootstrap"`` / econml's ``BootstrapInference(...)``: the whole
            fit repeated on rows resampled within arms from numpy's global
            ``RandomState``, as econml; the ``*_interval`` verbs then read
            the replicates.

        Returns
        -------
        self : object
        """
        if freq_weight is not None or sample_var is not None:
            raise NotImplementedError("freq_weight and sample_var are not supported.")
        n = np.shape(Y)[0]
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 2 and Y.shape[1] == 1:
            Y = Y[:, 0]
        Xf = self._layout(X, W, n)
        _auto_warning(self, [k for k in ("model_regression", "model_propensity")
                             if isinstance(getattr(self, k), str)])
        # A private subclass of the native estimator (compat.econml._native):
        # econml's propensity clipping, sandwich weights, nuisance scores, mc_iters.
        native = self._native(np.asarray(T), groups, n)
        self.native_ = native.fit(Xf, Y, treatment=np.asarray(T).ravel(),
                                  sample_weight=sample_weight)
        self._cached_values = dict(X=Xf, sample_weight=sample_weight) if cache_values else None
        # econml forms its sensitivity parameters in fit, from Y and the nuisances.
        nuis = self.native_.nuisances_
        self._sensitivity_ = OmittedVariableSensitivity.from_nuisances(
            Y, self.native_._codes_of(np.asarray(T).ravel(), "T"), nuis.outcome,
            nuis.propensity, categories=self.native_.categories_,
        )
        return self._fit_bootstrap(inference, np.asarray(T), Y, T, X=X, W=W,
                                   sample_weight=sample_weight, groups=groups)


    def _contrast(self, m, T0, T1):
        """econml's ``T0=0, T1=1`` defaults in terms of the fitted labels."""
        cats = self.native_.categories_.tolist()
        if np.ndim(T0) == 0 and T0 == 0 and 0 not in cats:
            T0 = cats[0]
        if np.ndim(T1) == 0 and T1 == 1 and 1 not in cats:
            if len(cats) > 2:
                raise ValueError(f"T1 is required with arms {cats}.")
            T1 = cats[1]
        return T0, T1

    def const_marginal_effect(self, X=None):
        """Effects of every treated arm against control, shape ``(m, n_arms - 1)``.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        cate : ndarray of shape (m, n_arms - 1)
        """
        native = self._check()
        tau = native.predict(self._full(X))
        return tau.reshape(tau.shape[0], -1)

    def marginal_effect(self, T, X=None):
        """As :meth:`const_marginal_effect` (discrete treatments).

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        cate : ndarray of shape (m, n_arms - 1)
        """
        return self.const_marginal_effect(X)

    def const_marginal_ate(self, X=None):
        """Mean of :meth:`const_marginal_effect` over the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        ate : ndarray of shape (n_arms - 1,)
        """
        return np.mean(self.const_marginal_effect(X), axis=0)

    def _score_inputs(self, Y, T):
        return np.asarray(Y, dtype=np.float64).ravel(), np.asarray(T).ravel(), 1

    @property
    def models_propensity(self):
        """Fitted propensity models, ``[[fold models]]``."""
        return [list(self._check().nuisances_.models["propensity"])]

    @property
    def models_regression(self):
        """Fitted pooled outcome models, ``[[fold models]]``."""
        return [list(self._check().nuisances_.models["outcome"])]

    # -- omitted-variable sensitivity (econml's DRLearner family) --------------------
    def _sensitivity_row(self, T):
        self._check()
        cats = self.native_.categories_.tolist()
        if T not in cats[1:]:
            raise ValueError(f"T must be a treated arm of {cats[1:]}; got {T!r}.")
        return cats.index(T) - 1

    def sensitivity_interval(self, T, alpha=0.05, c_y=0.05, c_t=0.05, rho=1.0,
                             interval_type="ci"):
        """Bounds on the ATE of arm ``T`` under confounding ``(c_y, c_t, rho)``.

        Chernozhukov et al. (2022) from the fitted nuisances
        (:meth:`causaldist.validation.OmittedVariableSensitivity.from_nuisances`;
        sample weights are not used, as in econml).

        Parameters
        ----------
        T : label
            A treated arm.
        alpha : float, default=0.05
        c_y, c_t : float in [0, 1), default=0.05
        rho : float in [-1, 1], default=1.0
        interval_type : {"ci", "theta"}, default="ci"

        Returns
        -------
        lower, upper : float
        """
        return self._sensitivity_.sensitivity_interval(
            c_y=c_y, c_t=c_t, rho=rho, alpha=alpha, interval_type=interval_type,
            target=self._sensitivity_row(T))

    def robustness_value(self, T, null_hypothesis=0, alpha=0.05, interval_type="ci"):
        """Confounding ``c_y = c_t`` at which the bound on arm ``T``'s ATE reaches the null.

        Parameters
        ----------
        T : label
        null_hypothesis : float, default=0
        alpha : float, default=0.05
        interval_type : {"ci", "theta"}, default="ci"

        Returns
        -------
        rv : float
        """
        return self._sensitivity_.robustness_value(
            null=null_hypothesis, alpha=alpha, interval_type=interval_type,
            target=self._sensitivity_row(T))

    def sensitivity_summary(self, T, null_hypothesis=0, alpha=0.05, c_y=0.05, c_t=0.05,
                            rho=1.0, decimals=3):
        """Bounds and robustness values of arm ``T`` (a DataFrame row; econml's ``Summary``).

        Parameters
        ----------
        T : label
        null_hypothesis : float, default=0
        alpha : float, default=0.05
        c_y, c_t : float, default=0.05
        rho : float, default=1.0
        decimals : int, default=3

        Returns
        -------
        table : DataFrame
        """
        k = self._sensitivity_row(T)
        frame = self._sensitivity_.summary(c_y=c_y, c_t=c_t, rho=rho, alpha=alpha,
                                           null=null_hypothesis)
        return frame.iloc[[k]].round(decimals)

    @property
    def nuisance_scores_propensity(self):
        """Held-out accuracy of each propensity model: ``[[score per fold]]`` (econml's)."""
        return [list(self._check().nuisances_.scores["propensity"])]

    @property
    def nuisance_scores_regression(self):
        """Held-out R^2 of each pooled outcome model: ``[[score per fold]]`` (econml's).

        Scored on ``[X, W, one-hot(T)]`` of its test fold.
        """
        return [list(self._check().nuisances_.scores["outcome"])]


_COMMON_DOC = """
    model_propensity : classifier or "auto", default="auto"
        ``P(T | X, W)``; ``"auto"`` uses causaldist's default (with a warning).
    model_regression : regressor or "auto", default="auto"
        ``E[Y | X, W, T]``, one pooled model on ``[X, W, one-hot(T)]``.
    discrete_outcome : bool, default=False
        Only False is supported.
    min_propensity : float, default=1e-6
        Each propensity is clipped to ``[c, 1 - c]`` (econml's rule).
    trimming_threshold : None
        Only None is supported.
    categories : "auto" or list, default="auto"
        The first category is the control.
    cv : int, splitter or iterable of (train, test), default=2
        econml's folds: an int is a shuffled ``StratifiedKFold`` on ``T``
        seeded from ``random_state``.
    mc_iters : int, default=None
        Cross-fitting repetitions, their folds drawn from one RandomState and
        their AIPW scores aggregated by ``mc_agg`` before the one final fit
        (econml's rule; ``folds_``/``models_*`` are the first repetition's).
    mc_agg : {"mean", "median"}, default="mean"
    random_state : int, RandomState or None, default=None
    allow_missing : bool, default=False
        Only False is supported.
    use_ray, ray_remote_func_options
        Ignored."""


class DRLearner(_DRAdapter):
    """econml's ``DRLearner`` on :class:`causaldist.metalearners.DRLearner`.

    The native learner runs with ``pooled_outcome=True`` (econml's pooled
    outcome model), econml's folds and clipping; ``model_final`` (after the
    ``featurizer``) is fitted on the ``X`` columns only, one clone per
    treated arm. Intervals need a linear final stage: use
    :class:`LinearDRLearner`.

    Parameters
    ----------
    model_final : regressor, default=None
        ``None`` means ``LinearRegression()`` (the point estimates of
        econml's default ``StatsModelsLinearRegression()``).
    multitask_model_final : bool, default=False
        Ignored: one clone per arm (the same fit for per-output models).
    featurizer : transformer, default=None{common}

    Attributes
    ----------
    native_ : causaldist.metalearners.DRLearner
    """

    def __init__(self, *, model_propensity="auto", model_regression="auto", model_final=None,
                 discrete_outcome=False, multitask_model_final=False, featurizer=None,
                 min_propensity=1e-06, trimming_threshold=None, categories="auto", cv=2,
                 mc_iters=None, mc_agg="mean", random_state=None, allow_missing=False,
                 use_ray=False, ray_remote_func_options=None):
        self.model_propensity = model_propensity
        self.model_regression = model_regression
        self.model_final = model_final
        self.discrete_outcome = discrete_outcome
        self.multitask_model_final = multitask_model_final
        self.featurizer = featurizer
        self.min_propensity = min_propensity
        self.trimming_threshold = trimming_threshold
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing
        self.use_ray = use_ray
        self.ray_remote_func_options = ray_remote_func_options

    def _native(self, T, groups, n):
        if self._n_x == 0:
            raise NotImplementedError(
                "DRLearner adapter with X=None: use LinearDRLearner (a constant effect)."
            )
        final = LinearRegression() if self.model_final is None else self.model_final
        return _NativeDRLearner(
            final_model=_select(range(self._n_x), self.featurizer, final),
            **self._common(T, groups, n),
        )

    def _final_params(self):
        final = LinearRegression() if self.model_final is None else self.model_final
        return dict(final_model=_select(range(self._n_x), self.featurizer, final))

    @property
    def models_cate(self):
        """The fitted final models, one per treated arm."""
        return [m.named_steps["final"] for m in self._check().final_models_]


class LinearDRLearner(_InferenceVerbs, _DRAdapter):
    """econml's ``LinearDRLearner`` on :class:`causaldist.metalearners.LinearDRLearner`.

    Pooled outcome model, econml's folds and clipping, and an OLS final stage
    per arm with HC1 sandwich standard errors (econml's
    ``StatsModelsLinearRegression``).

    Parameters
    ----------
    featurizer : transformer, default=None
    fit_cate_intercept : bool, default=True
    enable_federation : bool, default=False
        Ignored.{common}

    Attributes
    ----------
    native_ : causaldist.metalearners.LinearDRLearner

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.compat.econml import LinearDRLearner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 2)); T = rng.integers(0, 2, 1000)
    >>> Y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=1000)
    >>> est = LinearDRLearner(model_regression=LinearRegression(),
    ...                       model_propensity=LogisticRegression(),
    ...                       random_state=0).fit(Y, T, X=X)
    >>> est.coef_(T=1).round(1).tolist()  # truth [0, 1]
    [0.1, 1.0]
    """

    def __init__(self, *, model_propensity="auto", model_regression="auto", featurizer=None,
                 fit_cate_intercept=True, discrete_outcome=False, min_propensity=1e-06,
                 trimming_threshold=None, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False,
                 enable_federation=False, use_ray=False, ray_remote_func_options=None):
        self.model_propensity = model_propensity
        self.model_regression = model_regression
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.discrete_outcome = discrete_outcome
        self.min_propensity = min_propensity
        self.trimming_threshold = trimming_threshold
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing
        self.enable_federation = enable_federation
        self.use_ray = use_ray
        self.ray_remote_func_options = ray_remote_func_options

    def _final_params(self):
        return dict(featurizer=self.featurizer, fit_cate_intercept=self.fit_cate_intercept)

    def _native(self, T, groups, n):
        return _NativeLinearDRLearner(
            featurizer=self.featurizer, fit_cate_intercept=self.fit_cate_intercept,
            effect_features=self._effect_features(), **self._common(T, groups, n),
        )

    @_not_after_bootstrap
    def const_marginal_ate_inference(self, X=None):
        """:meth:`const_marginal_ate` with its exact standard errors.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        summary : causaldist.inference.PopulationSummary
            econml's ``PopulationSummaryResults`` members (``mean_point``,
            ``stderr_mean``, ``conf_int_mean``, ``summary()``, ...).
        """
        return self.const_marginal_effect_inference(X).population_summary()

    @_bootstrapped("const_marginal_effect", average=True)
    def const_marginal_ate_interval(self, X=None, *, alpha=0.05):
        """Interval of :meth:`const_marginal_ate`.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray of shape (n_arms - 1,)
        """
        return self.const_marginal_ate_inference(X).conf_int_mean(alpha)

    def shap_values(self, X, *, feature_names=None, treatment_names=None, output_names=None,
                    background_samples=100):
        """Exact SHAP values of each arm's linear CATE: ``coef_j (phi_j(x) - mean_bg phi_j)``.

        As the linear DML adapters' ``shap_values`` (interventional SHAP of
        a linear model, Lundberg & Lee 2017; econml's background: the rows
        of ``X`` subsampled to ``background_samples`` with shap's sampler),
        one entry per treated arm.

        Parameters
        ----------
        X : array-like of shape (m, d_x)
        feature_names : list of str, default=None
            Names of the featurised columns (``cate_feature_names()``).
        treatment_names : list of str, default=None
            One per treated arm; ``T0_<arm>`` by default (econml's).
        output_names : list of str, default=None
            ``["Y0"]`` by default.
        background_samples : int or None, default=100
            ``None`` uses every row.

        Returns
        -------
        shap_outs : dict of dict
            ``shap_outs[output][treatment]``: a ``shap.Explanation`` or,
            without shap, the values array of shape ``(m, n_features)``.
        """
        native = self._check()
        Xa = np.asarray(self._full(X))[:, :self._n_x]
        phi = Xa if native.featurizer_ is None else np.asarray(
            native.featurizer_.transform(Xa), dtype=np.float64)
        arms = native.categories_.tolist()[1:]
        coef = np.stack([self.coef_(a) for a in arms])[None]
        intercept = (np.array([self.intercept_(a) for a in arms])[None]
                     if self.fit_cate_intercept else np.zeros((1, len(arms))))
        return _linear_shap(
            phi, coef, intercept,
            list(self.cate_feature_names()) if feature_names is None else feature_names,
            [f"T0_{a}" for a in arms] if treatment_names is None else treatment_names,
            ["Y0"] if output_names is None else output_names, background_samples,
        )

    def _row(self, T):
        native = self._check()
        cats = native.categories_.tolist()
        if T not in cats[1:]:
            raise ValueError(f"T must be a treated arm of {cats[1:]}; got {T!r}.")
        return cats.index(T) - 1

    def _param(self, T, which):
        """Values and standard errors of the coefficients of arm ``T`` (intercept first)."""
        inf = self._check().coef__inference()
        v, s = np.asarray(inf.value), np.asarray(inf.stderr)
        if v.ndim == 2:
            k = self._row(T)
            v, s = v[:, k], s[:, k]
        else:
            self._row(T)
        start = 1 if self.fit_cate_intercept else 0
        return (v[start:], s[start:]) if which == "coef" else (v[0], s[0])

    def coef_(self, T):
        """Coefficients of the featurised ``X`` for arm ``T`` (econml's method).

        Parameters
        ----------
        T : label
            A treated arm.

        Returns
        -------
        coef : ndarray of shape (n_features,)
        """
        return self._param(T, "coef")[0]

    def intercept_(self, T):
        """The CATE intercept of arm ``T``.

        Parameters
        ----------
        T : label

        Returns
        -------
        intercept : float
        """
        if not self.fit_cate_intercept:
            raise AttributeError("fit_cate_intercept=False: there is no intercept.")
        return float(self._param(T, "intercept")[0])

    def _interval(self, T, which, alpha):
        from scipy.stats import norm

        v, s = self._param(T, which)
        z = norm.ppf(1 - alpha / 2)
        return v - z * s, v + z * s

    @_bootstrapped("coef_")
    def coef__interval(self, T, *, alpha=0.05):
        """Intervals of ``coef_(T)``.

        Parameters
        ----------
        T : label
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray of shape (n_features,)
        """
        return self._interval(T, "coef", alpha)

    @_bootstrapped("intercept_")
    def intercept__interval(self, T, *, alpha=0.05):
        """Interval of ``intercept_(T)``.

        Parameters
        ----------
        T : label
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float
        """
        lo, hi = self._interval(T, "intercept", alpha)
        return float(lo), float(hi)

    @_not_after_bootstrap
    def summary(self, T, *, alpha=0.05):
        """Coefficient table of arm ``T`` (a DataFrame; econml's is a statsmodels ``Summary``).

        Parameters
        ----------
        T : label
        alpha : float, default=0.05

        Returns
        -------
        table : DataFrame
        """
        frame = self._check().summary(alpha=alpha)
        if len(self.native_.categories_) > 2:
            suffix = f"|T0_{T}"
            self._row(T)
            frame = frame[[str(i).endswith(suffix) for i in frame.index]]
            frame.index = [str(i)[: -len(suffix)] for i in frame.index]
        names = list(frame.index)
        if self.fit_cate_intercept:  # econml lists the intercept last
            frame = frame.loc[names[1:] + names[:1]]
        return frame


class SparseLinearDRLearner(LinearDRLearner):
    """econml's ``SparseLinearDRLearner`` on :class:`causaldist.metalearners.SparseLinearDRLearner`.

    Pooled outcome model, econml's folds and clipping, and econml's debiased
    lasso per arm (the native estimator's opt-in econml variant: unpenalised
    intercept, penalty by unshuffled 5-fold CV, nodewise lassos by 3-fold CV,
    homoskedastic standard errors; see
    :func:`causaldist.dml._sparse_linear_dml.debiased_lasso_homoskedastic`).
    With ``sample_weight`` and ``alpha="auto"`` econml searches the penalty
    on weight-balanced shuffled folds, so weighted fits may differ.

    Parameters
    ----------
    featurizer : transformer, default=None
    fit_cate_intercept : bool, default=True
    alpha, alpha_cov : "auto" or float, default="auto"
        Penalties of the lasso and of the nodewise lassos.
    n_alphas, n_alphas_cov : int, default=100 and 10
        Lengths of their penalty paths.
    max_iter : int, default=1000
    tol : float, default=1e-4
    n_jobs : int, default=None
        Ignored (the nodewise lassos run in one process).{common}

    Attributes
    ----------
    native_ : causaldist.metalearners.SparseLinearDRLearner

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.compat.econml import SparseLinearDRLearner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 6)); T = rng.integers(0, 2, 1000)
    >>> Y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=1000)
    >>> est = SparseLinearDRLearner(model_regression=LinearRegression(),
    ...                             model_propensity=LogisticRegression(),
    ...                             random_state=0).fit(Y, T, X=X)
    >>> float(est.coef_(T=1)[1].round(1))  # truth 1
    1.0
    """

    def __init__(self, *, model_propensity="auto", model_regression="auto", featurizer=None,
                 fit_cate_intercept=True, discrete_outcome=False, alpha="auto", n_alphas=100,
                 alpha_cov="auto", n_alphas_cov=10, max_iter=1000, tol=0.0001, n_jobs=None,
                 min_propensity=1e-06, trimming_threshold=None, categories="auto", cv=2,
                 mc_iters=None, mc_agg="mean", random_state=None, allow_missing=False,
                 use_ray=False, ray_remote_func_options=None):
        self.model_propensity = model_propensity
        self.model_regression = model_regression
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.discrete_outcome = discrete_outcome
        self.alpha = alpha
        self.n_alphas = n_alphas
        self.alpha_cov = alpha_cov
        self.n_alphas_cov = n_alphas_cov
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.min_propensity = min_propensity
        self.trimming_threshold = trimming_threshold
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing
        self.use_ray = use_ray
        self.ray_remote_func_options = ray_remote_func_options

    def _native(self, T, groups, n):
        if self._n_x == 0:
            raise ValueError("SparseLinearDRLearner needs X (the lasso's features).")
        # econml's DebiasedLasso, with its path lengths and solver settings.
        return _NativeSparseLinearDRLearner(
            featurizer=self.featurizer, fit_cate_intercept=self.fit_cate_intercept,
            effect_features=self._effect_features(), alpha=self.alpha,
            alpha_cov=self.alpha_cov,
            lasso_options=dict(n_alphas=self.n_alphas, n_alphas_cov=self.n_alphas_cov,
                               max_iter=self.max_iter, tol=self.tol),
            **self._common(T, groups, n),
        )


for _cls in (DRLearner, LinearDRLearner, SparseLinearDRLearner):
    _cls.__doc__ = _cls.__doc__.replace("{common}", _COMMON_DOC)
