"""econml's DML family on :mod:`causaldist.dml`."""

import numpy as np
from sklearn.utils import check_random_state

from ...base import _atomic_fit
from ._folds import _econml_folds
from ._native import _EconmlDML as _NativeDML
from ._native import _EconmlLinearDML as _NativeLinearDML
from ._native import _EconmlSparseLinearDML as _NativeSparseLinearDML
from ._verbs import _EffectVerbs, _InferenceVerbs
from ...validation import OmittedVariableSensitivity
from ._base import (
    _check_discrete_T,
    _auto_warning,
    _bootstrapped,
    _EconmlAdapter,
    _linear_shap,
    _model,
    _not_after_bootstrap,
    _RefitFinalMixin,
)

__all__ = ["LinearDML", "DML", "NonParamDML", "SparseLinearDML"]


class _DMLAdapter(_RefitFinalMixin, _InferenceVerbs, _EffectVerbs, _EconmlAdapter):
    """fit and the verbs of econml's ``_RLearner`` classes."""

    def _check_unsupported(self):
        if getattr(self, "treatment_featurizer", None) is not None:
            raise NotImplementedError("treatment_featurizer has no causaldist equivalent yet.")
        if self.discrete_outcome:
            raise NotImplementedError(
                "discrete_outcome=True: pass a classifier-free regressor for model_y "
                "(E[Y | X] of a 0/1 outcome) with discrete_outcome=False."
            )
        if self.allow_missing:
            raise NotImplementedError("allow_missing=True is not supported.")

    def _control(self, T):
        if not self.discrete_treatment:
            return None
        if isinstance(self.categories, str) and self.categories == "auto":
            return np.unique(np.asarray(T).ravel())[0]
        return list(self.categories)[0]

    def _common(self, T, groups, n):
        """Native keyword arguments shared by the DML adapters (econml's folds)."""
        self._check_unsupported()
        if self.discrete_treatment:
            _check_discrete_T(T, type(self).__name__)
        rs = check_random_state(self.random_state)
        # econml draws the folds of every mc_iters repetition from one RandomState
        # and aggregates the repetitions' residuals before the final stage (the
        # compat subclasses' ``repeat_folds`` and ``repeat_agg``).
        folds = [_econml_folds(self.cv, np.asarray(T), n, rs,
                               stratify=self.discrete_treatment, groups=groups)
                 for _ in range(1 if self.mc_iters is None else int(self.mc_iters))]
        repeats = {} if self.mc_iters is None else dict(
            repeat_folds=folds, repeat_agg=self.mc_agg)
        seed = self.random_state if not isinstance(
            self.random_state, np.random.RandomState) else 0
        return dict(
            discrete_treatment=self.discrete_treatment, cv=folds[0], random_state=seed,
            min_propensity=0.0,
            control=self._control(T), featurizer=self.featurizer, **repeats,
        )

    @_atomic_fit
    def fit(self, Y, T, *, X=None, W=None, sample_weight=None, groups=None,
            cache_values=False, inference="auto"):
        """Fit with econml's signature: nuisances on ``[X, W]``, the effect on ``X``.

        Parameters
        ----------
        Y : array-like of shape (n,) or (n, d_y)
        T : array-like of shape (n,) or (n, d_t)
            Continuous treatments, or labels with ``discrete_treatment=True``.
        X : array-like of shape (n, d_x), default=None
            Effect features (a DataFrame's column names are kept).
        W : array-like of shape (n, d_w), default=None
            Controls: nuisance models only.
        sample_weight : array-like of shape (n,), default=None
        groups : array-like of shape (n,), default=None
            Grouped folds (no group in two folds), as econml.
        cache_values : bool, default=False
            Keep ``X``, ``W`` and the weights for :meth:`refit_final` (the
            native estimator keeps its residuals).
        inference : {"auto", "bootstrap", None} or BootstrapInference, default="auto"
            ``"bootstrap"`` (econml's ``BootstrapInference()``: 100 draws,
            pivot intervals) or econml's ``BootstrapInference(...)`` object
            refits the whole estimator on rows resampled from numpy's global
            ``RandomState`` (stratified by a discrete treatment), as econml
            does; the ``*_interval`` verbs then read the replicates.

        Returns
        -------
        self : object
        """
        n = np.shape(Y)[0]
        Xf = self._layout(X, W, n)
        _auto_warning(self, [k for k in ("model_y", "model_t")
                             if isinstance(getattr(self, k, None), str)])
        # A private subclass of the native estimator (compat.econml._native):
        # econml's sandwich weights, nuisance scores and mc_iters.
        native = self._native(T, groups, n, inference)
        self.native_ = native.fit(
            Xf, np.asarray(Y, dtype=np.float64), treatment=np.asarray(T),
            sample_weight=sample_weight,
        )
        # econml keeps the data for refit_final only when asked to.
        self._cached_values = dict(X=Xf, sample_weight=sample_weight) if (
            cache_values) else None
        return self._fit_bootstrap(
            inference, np.asarray(T) if self.discrete_treatment else None, Y, T, X=X, W=W,
            sample_weight=sample_weight, groups=groups,
        )


    def _final_params(self):
        return dict(featurizer=self.featurizer, fit_cate_intercept=self.fit_cate_intercept)

    # -- effects ----------------------------------------------------------------
    def const_marginal_effect(self, X=None):
        """``theta(x)``, shape ``(m, d_y, d_t)`` with econml's singleton rules.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        theta : ndarray
        """
        return self._check().const_marginal_effect(self._full(X))

    def marginal_effect(self, T, X=None):
        """``theta(x)`` (the model is linear in ``T``).

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        theta : ndarray
        """
        return self._check().marginal_effect(T, self._full(X))

    @_not_after_bootstrap
    def marginal_effect_inference(self, T, X=None):
        """:meth:`marginal_effect` with standard errors.

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        inference : causaldist.inference.EffectInference
        """
        return self.const_marginal_effect_inference(X)

    @_bootstrapped("marginal_effect")
    def marginal_effect_interval(self, T, X=None, *, alpha=0.05):
        """Intervals of :meth:`marginal_effect`.

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, d_x), default=None
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self.const_marginal_effect_interval(X, alpha=alpha)

    def _score_inputs(self, Y, T):
        Y = np.asarray(Y, dtype=np.float64)
        # causaldist's loss sums over the outcome columns, econml's averages them.
        return Y, np.asarray(T), Y.shape[1] if Y.ndim == 2 else 1

    @property
    def models_y(self):
        """Fitted outcome models: ``[[fold models]]`` (one list per repetition)."""
        return [list(self._check().nuisances_.models["marginal"])]

    @property
    def models_t(self):
        """Fitted treatment models: ``[[fold models]]`` (one list per repetition)."""
        models = self._check().nuisances_.models
        return [list(models.get("treatment", models.get("propensity", [])))]

    @property
    def nuisance_scores_y(self):
        """Held-out score of each outcome model: ``[[score per fold]]``.

        The model's own ``score`` (R^2 for a regressor) on its test fold,
        with the test rows' sample weights, as econml.
        """
        return [list(self._check().nuisances_.scores["marginal"])]

    @property
    def nuisance_scores_t(self):
        """Held-out score of each treatment model: ``[[score per fold]]``.

        R^2 of a regressor, accuracy of a classifier (``discrete_treatment``),
        on its test fold, as econml.
        """
        scores = self._check().nuisances_.scores
        return [list(scores.get("treatment", scores.get("propensity", [])))]


class _LinearAdapterMixin:
    """The linear final stage's coefficients and summary, and OVB sensitivity."""

    # -- omitted-variable sensitivity (econml's DML, LinearDML, SparseLinearDML) ----
    def _sensitivity(self):
        native = self._check()
        y_res, t_res = native.residuals_
        if y_res.shape[1] > 1 or t_res.shape[1] > 1:
            raise ValueError(
                "Sensitivity analysis for DML is not supported for multi-dimensional "
                "outcomes or treatments."
            )
        return OmittedVariableSensitivity.from_residuals(y_res, t_res)

    def sensitivity_interval(self, alpha=0.05, c_y=0.05, c_t=0.05, rho=1.0, interval_type="ci"):
        """Bounds on the ATE under confounding of strength ``(c_y, c_t, rho)``.

        Chernozhukov et al. (2022), from the cross-fitted residuals
        (:meth:`causaldist.validation.OmittedVariableSensitivity.from_residuals`).
        One outcome and one treatment column.

        Parameters
        ----------
        alpha : float, default=0.05
        c_y, c_t : float in [0, 1), default=0.05
            Confounding of the outcome and of the treatment.
        rho : float in [-1, 1], default=1.0
        interval_type : {"ci", "theta"}, default="ci"

        Returns
        -------
        lower, upper : float
        """
        return self._sensitivity().sensitivity_interval(
            c_y=c_y, c_t=c_t, rho=rho, alpha=alpha, interval_type=interval_type)

    def robustness_value(self, null_hypothesis=0, alpha=0.05, interval_type="ci"):
        """Confounding ``c_y = c_t`` at which the ATE's bound reaches ``null_hypothesis``.

        Parameters
        ----------
        null_hypothesis : float, default=0
        alpha : float, default=0.05
        interval_type : {"ci", "theta"}, default="ci"

        Returns
        -------
        rv : float
            Bisection to 1e-10 (econml stops within 1e-6 of the null).
        """
        return self._sensitivity().robustness_value(
            null=null_hypothesis, alpha=alpha, interval_type=interval_type)

    def sensitivity_summary(self, null_hypothesis=0, alpha=0.05, c_y=0.05, c_t=0.05,
                            rho=1.0, decimals=3):
        """Bounds and robustness values in one table (a DataFrame; econml's is a ``Summary``).

        Parameters
        ----------
        null_hypothesis : float, default=0
        alpha : float, default=0.05
        c_y, c_t : float, default=0.05
        rho : float, default=1.0
        decimals : int, default=3

        Returns
        -------
        table : DataFrame
            ``ci_lower, theta_lower, theta, theta_upper, ci_upper, rv_theta, rv_ci``.
        """
        return self._sensitivity().summary(
            c_y=c_y, c_t=c_t, rho=rho, alpha=alpha, null=null_hypothesis).round(decimals)

    def shap_values(self, X, *, feature_names=None, treatment_names=None, output_names=None,
                    background_samples=100):
        """Exact SHAP values of the linear CATE: ``coef_j (phi_j(x) - mean_bg phi_j)``.

        For a CATE linear in the featurised ``phi(x)``, the interventional
        SHAP value of feature ``j`` is its coefficient times its deviation
        from the background mean (Lundberg & Lee 2017; shap's
        ``LinearExplainer``), the base value the CATE at the background mean.
        The background is econml's: the rows of ``X`` itself, subsampled to
        ``background_samples`` with shap's sampler
        (``sklearn.utils.resample(..., replace=False, random_state=0)``).
        No ``shap`` dependency: with ``shap`` importable each entry is a
        ``shap.Explanation`` as econml returns; without it, the values
        array.

        Parameters
        ----------
        X : array-like of shape (m, d_x)
        feature_names : list of str, default=None
            Names of the featurised columns (``cate_feature_names()``).
        treatment_names : list of str, default=None
            ``T0, T1, ...`` (``T0_<arm>`` for a discrete treatment).
        output_names : list of str, default=None
            ``Y0, Y1, ...``.
        background_samples : int or None, default=100
            ``None`` uses every row.

        Returns
        -------
        shap_outs : dict of dict
            ``shap_outs[output][treatment]``: a ``shap.Explanation`` (values
            of shape ``(m, n_features)``, ``base_values``, ``data``) or,
            without shap, the values array.
        """
        native = self._check()
        Xa = np.asarray(self._full(X))[:, :self._n_x]
        phi = Xa if native.featurizer_ is None else np.asarray(
            native.featurizer_.transform(Xa), dtype=np.float64)
        d_f = phi.shape[1]
        d_y = native._d_y[0] if native._d_y else 1
        d_t = native._n_t()
        coef = np.asarray(native.coef_, dtype=np.float64).reshape(d_y, d_t, d_f)
        intercept = (np.asarray(native.intercept_, dtype=np.float64).reshape(d_y, d_t)
                     if self.fit_cate_intercept else np.zeros((d_y, d_t)))
        if treatment_names is None:
            named = native._treatment_names(keep_binary=True)
            treatment_names = [f"T{j}" for j in range(d_t)] if named is None else list(named)
        return _linear_shap(
            phi, coef, intercept,
            list(self.cate_feature_names()) if feature_names is None else feature_names,
            treatment_names,
            [f"Y{j}" for j in range(d_y)] if output_names is None else output_names,
            background_samples,
        )

    @property
    def coef_(self):
        """Coefficients of the featurised ``X`` (econml's layout)."""
        return self._check().coef_

    @property
    def intercept_(self):
        """CATE intercept (econml's layout)."""
        return self._check().intercept_

    @_bootstrapped("coef_")
    def coef__interval(self, *, alpha=0.05):
        """Intervals of ``coef_``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self._check().coef__interval(alpha=alpha)

    @_bootstrapped("intercept_")
    def intercept__interval(self, *, alpha=0.05):
        """Intervals of ``intercept_``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self._check().intercept__interval(alpha=alpha)

    @_not_after_bootstrap
    def coef__inference(self):
        """Inference on ``coef_``.

        Returns
        -------
        inference : causaldist.inference.EffectInference
        """
        return self._check().coef__inference()

    @_not_after_bootstrap
    def intercept__inference(self):
        """Inference on ``intercept_``.

        Returns
        -------
        inference : causaldist.inference.EffectInference
        """
        return self._check().intercept__inference()

    @_not_after_bootstrap
    def summary(self, alpha=0.05):
        """Coefficient table (a DataFrame; econml returns a statsmodels ``Summary``).

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        table : DataFrame
        """
        return self._check().summary(alpha=alpha)


_COMMON_DOC = """
    featurizer : transformer, default=None
        Applied to ``X`` before the final stage.
    fit_cate_intercept : bool, default=True
    discrete_outcome : bool, default=False
        Only False is supported.
    discrete_treatment : bool, default=False
    categories : "auto" or list, default="auto"
        The first category is the control.
    cv : int, splitter or iterable of (train, test), default=2
        econml's folds: an int is a shuffled ``StratifiedKFold`` on ``T``
        (``KFold`` for a continuous ``T``) seeded from ``random_state``.
    mc_iters : int, default=None
        Cross-fitting repetitions; causaldist aggregates the final estimates
        (econml averages the nuisances), so no parity when > 1.
    mc_agg : {"mean", "median"}, default="mean"
    random_state : int, RandomState or None, default=None
    allow_missing : bool, default=False
        Only False is supported.
    use_ray, ray_remote_func_options
        Ignored (accepted for signature compatibility)."""


class LinearDML(_LinearAdapterMixin, _DMLAdapter):
    """econml's ``LinearDML`` on :class:`causaldist.dml.LinearDML`.

    Parameters
    ----------
    model_y : regressor or "auto", default="auto"
        ``E[Y | X, W]``; ``"auto"`` uses causaldist's default (with a warning).
    model_t : regressor, classifier or "auto", default="auto"
        ``E[T | X, W]`` (a classifier with ``discrete_treatment=True``).
    treatment_featurizer : None
        Only None is supported.
    linear_first_stages : deprecated
        Ignored.
    enable_federation : bool, default=False
        Ignored.{common}

    Attributes
    ----------
    native_ : causaldist.dml.LinearDML
        The fitted native estimator that every number comes from.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.compat.econml import LinearDML
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2)); T = X[:, 0] + rng.normal(size=500)
    >>> Y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=500)
    >>> est = LinearDML(model_y=LinearRegression(), model_t=LinearRegression(),
    ...                 random_state=0).fit(Y, T, X=X)
    >>> est.coef_.round(2).tolist()  # truth [0, 1]
    [0.01, 0.85]
    """

    def __init__(self, *, model_y="auto", model_t="auto", featurizer=None,
                 treatment_featurizer=None, fit_cate_intercept=True,
                 linear_first_stages="deprecated", discrete_outcome=False,
                 discrete_treatment=False, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False,
                 enable_federation=False, use_ray=False, ray_remote_func_options=None):
        self.model_y = model_y
        self.model_t = model_t
        self.featurizer = featurizer
        self.treatment_featurizer = treatment_featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.linear_first_stages = linear_first_stages
        self.discrete_outcome = discrete_outcome
        self.discrete_treatment = discrete_treatment
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing
        self.enable_federation = enable_federation
        self.use_ray = use_ray
        self.ray_remote_func_options = ray_remote_func_options

    def _native(self, T, groups, n, inference):
        return _NativeLinearDML(
            outcome_model=_model(self.model_y), treatment_model=_model(self.model_t),
            fit_cate_intercept=self.fit_cate_intercept,
            effect_features=self._effect_features(),
            **self._common(T, groups, n),
        )


class SparseLinearDML(_LinearAdapterMixin, _DMLAdapter):
    """econml's ``SparseLinearDML`` on :class:`causaldist.dml.SparseLinearDML`.

    The final stage is econml's ``DebiasedLasso`` (the native estimator's
    private switch: the intercept unpenalised, penalties chosen by unshuffled
    cross-validation over ``n_alphas`` / ``n_alphas_cov`` values, homoskedastic
    standard errors), so coefficients and intervals equal econml's.

    Parameters
    ----------
    model_y, model_t : estimator or "auto", default="auto"
        As in :class:`LinearDML`.
    alpha, alpha_cov : "auto" or float, default="auto"
        Penalties of the lasso and of the nodewise lassos.
    n_alphas, n_alphas_cov, max_iter, tol
        econml's lasso path lengths and solver settings.
    n_jobs
        Jobs of the cross-fitting.
    treatment_featurizer, linear_first_stages
        As in :class:`LinearDML`.{common}

    Attributes
    ----------
    native_ : causaldist.dml.SparseLinearDML
    """

    def __init__(self, *, model_y="auto", model_t="auto", alpha="auto", n_alphas=100,
                 alpha_cov="auto", n_alphas_cov=10, max_iter=1000, tol=0.0001, n_jobs=None,
                 featurizer=None, treatment_featurizer=None, fit_cate_intercept=True,
                 linear_first_stages="deprecated", discrete_outcome=False,
                 discrete_treatment=False, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False, use_ray=False,
                 ray_remote_func_options=None):
        self.model_y = model_y
        self.model_t = model_t
        self.alpha = alpha
        self.n_alphas = n_alphas
        self.alpha_cov = alpha_cov
        self.n_alphas_cov = n_alphas_cov
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.featurizer = featurizer
        self.treatment_featurizer = treatment_featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.linear_first_stages = linear_first_stages
        self.discrete_outcome = discrete_outcome
        self.discrete_treatment = discrete_treatment
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing
        self.use_ray = use_ray
        self.ray_remote_func_options = ray_remote_func_options

    def _final_params(self):
        return dict(super()._final_params(), alpha=self.alpha, alpha_cov=self.alpha_cov)

    def _native(self, T, groups, n, inference):
        # econml's DebiasedLasso, with its path lengths and solver settings.
        return _NativeSparseLinearDML(
            outcome_model=_model(self.model_y), treatment_model=_model(self.model_t),
            fit_cate_intercept=self.fit_cate_intercept,
            effect_features=self._effect_features(), alpha=self.alpha,
            alpha_cov=self.alpha_cov, n_jobs=self.n_jobs,
            lasso_options=dict(n_alphas=self.n_alphas, n_alphas_cov=self.n_alphas_cov,
                               max_iter=self.max_iter, tol=self.tol),
            **self._common(T, groups, n),
        )


def _is_ols_without_intercept(model):
    name = type(model).__name__
    return name in ("LinearRegression", "StatsModelsLinearRegression") and not getattr(
        model, "fit_intercept", True
    )


class DML(_LinearAdapterMixin, _DMLAdapter):
    """econml's ``DML`` (a linear final model) on :class:`causaldist.dml.LinearDML`.

    econml's ``DML`` regresses ``Y~`` on ``T~ (x) [1, phi(X)]`` with
    ``model_final``; with an OLS ``model_final`` without intercept
    (``LinearRegression(fit_intercept=False)`` or econml's
    ``StatsModelsLinearRegression(fit_intercept=False)``) that is
    causaldist's :class:`~causaldist.dml.LinearDML`, which also gives
    sandwich standard errors. Other final models raise (use
    :class:`NonParamDML` for a non-linear CATE).

    Parameters
    ----------
    model_y, model_t : estimator
        As in :class:`LinearDML`.
    model_final : regressor
        An OLS without intercept (see above).
    treatment_featurizer, linear_first_stages
        As in :class:`LinearDML`.{common}

    Attributes
    ----------
    native_ : causaldist.dml.LinearDML
    """

    def __init__(self, *, model_y, model_t, model_final, featurizer=None,
                 treatment_featurizer=None, fit_cate_intercept=True,
                 linear_first_stages="deprecated", discrete_outcome=False,
                 discrete_treatment=False, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False, use_ray=False,
                 ray_remote_func_options=None):
        self.model_y = model_y
        self.model_t = model_t
        self.model_final = model_final
        self.featurizer = featurizer
        self.treatment_featurizer = treatment_featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.linear_first_stages = linear_first_stages
        self.discrete_outcome = discrete_outcome
        self.discrete_treatment = discrete_treatment
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing
        self.use_ray = use_ray
        self.ray_remote_func_options = ray_remote_func_options

    def _final_params(self):
        self._check_final()
        return super()._final_params()

    def _check_final(self):
        if not _is_ols_without_intercept(self.model_final):
            raise NotImplementedError(
                "DML adapter: model_final must be an OLS without intercept "
                "(LinearRegression(fit_intercept=False)); use NonParamDML or "
                "causaldist.dml.DML(final_model=...) for other final models."
            )

    def _native(self, T, groups, n, inference):
        if not _is_ols_without_intercept(self.model_final):
            raise NotImplementedError(
                "DML adapter: model_final must be an OLS without intercept "
                "(LinearRegression(fit_intercept=False)); use NonParamDML or "
                "causaldist.dml.DML(final_model=...) for other final models."
            )
        # econml's DML reads the intervals off model_final itself: econml's
        # StatsModelsLinearRegression has HC0 by default (LinearDML forces HC1).
        cov_type = getattr(self.model_final, "cov_type", "HC1")
        return _NativeLinearDML(
            outcome_model=_model(self.model_y), treatment_model=_model(self.model_t),
            fit_cate_intercept=self.fit_cate_intercept,
            effect_features=self._effect_features(),
            cov_type=cov_type if cov_type in ("HC0", "HC1") else "HC1",
            **self._common(T, groups, n),
        )


class NonParamDML(_DMLAdapter):
    """econml's ``NonParamDML`` on :class:`causaldist.dml.DML`.

    The final model regresses ``Y~ / T~`` on ``phi(X)`` with weights
    ``T~^2`` (one treatment column). Intervals need
    ``inference="bootstrap"``: the whole fit repeated on resampled rows, as
    econml.

    Parameters
    ----------
    model_y, model_t : estimator
        As in :class:`LinearDML`.
    model_final : regressor
        Must accept ``sample_weight``.
    treatment_featurizer : None
        Only None is supported.{common}

    Attributes
    ----------
    native_ : causaldist.dml.DML
    """

    def __init__(self, *, model_y, model_t, model_final, featurizer=None,
                 discrete_outcome=False, discrete_treatment=False,
                 treatment_featurizer=None, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False, use_ray=False,
                 ray_remote_func_options=None):
        self.model_y = model_y
        self.model_t = model_t
        self.model_final = model_final
        self.featurizer = featurizer
        self.discrete_outcome = discrete_outcome
        self.discrete_treatment = discrete_treatment
        self.treatment_featurizer = treatment_featurizer
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing
        self.use_ray = use_ray
        self.ray_remote_func_options = ray_remote_func_options

    def _final_params(self):
        return dict(final_model=self.model_final, featurizer=self.featurizer)

    def _native(self, T, groups, n, inference):
        return _NativeDML(
            outcome_model=_model(self.model_y), treatment_model=_model(self.model_t),
            final_model=self.model_final, effect_features=self._effect_features(),
            **self._common(T, groups, n),
        )


for _cls in (LinearDML, SparseLinearDML, DML, NonParamDML):
    _cls.__doc__ = _cls.__doc__.replace("{common}", _COMMON_DOC)
