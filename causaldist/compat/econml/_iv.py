"""econml's IV family (``econml.iv.dml``, ``econml.iv.dr``) on :mod:`causaldist.iv`."""

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state

from ...iv import DMLIV as _NativeDMLIV
from ...iv import DRIV as _NativeDRIV
from ...iv import IntentToTreatDRIV as _NativeITT
from ...iv import LinearDRIV as _NativeLinearDRIV
from ...iv import LinearIntentToTreatDRIV as _NativeLinearITT
from ...iv import OrthoIV as _NativeOrthoIV
from ._folds import _econml_folds
from ._base import _auto_warning, _EconmlAdapter, _model

__all__ = [
    "DMLIV", "DRIV", "IntentToTreatDRIV", "LinearDRIV", "LinearIntentToTreatDRIV",
    "OrthoIV",
]


def _strata(arrs):
    """econml's ``strata_from_discrete_arrays``: one label per combination."""
    out = np.zeros(np.ravel(arrs[0]).shape, dtype=int)
    for arr in arrs:
        enc = LabelEncoder()
        codes = enc.fit_transform(np.ravel(arr))
        out = codes + out * len(enc.classes_)
    return out


# econml's reading of sample_weight (analytic weights in the sandwich) and of
# z_propensity (its preliminary ITT effect uses the fold's share): the named
# hooks of the native classes, overridden here so clone keeps them.
class _OrthoIV(_NativeOrthoIV):
    _weights_convention = "analytic"


class _DMLIV(_NativeDMLIV):
    _weights_convention = "analytic"


class _DRIV(_NativeDRIV):
    _weights_convention = "analytic"


class _LinearDRIV(_NativeLinearDRIV):
    _weights_convention = "analytic"


class _ITT(_NativeITT):
    _weights_convention = "analytic"

    def _preliminary_z_propensity(self):
        return "auto"


class _LinearITT(_NativeLinearITT):
    _weights_convention = "analytic"

    def _preliminary_z_propensity(self):
        return "auto"


class _IVAdapter(_EconmlAdapter):
    """fit(Y, T, *, Z, X, W) and econml's verbs, on a native IV estimator."""

    # econml parameter -> native parameter, for the nuisance models
    _model_map: dict = {}
    _native_class = None
    _discrete_t = None  # fixed by the class (ITT); else the parameter
    _discrete_z = None

    def _native_params(self):
        return {}

    def _not_auto_warned(self):
        """Models left at "auto" that are unused, or whose "auto" is econml's least squares."""
        unused = {"flexible_model_effect"}
        if hasattr(self, "projection"):
            unused.add("model_z_xw" if self.projection else "model_t_xwz")
        return unused

    def fit(self, Y, T, *, Z, X=None, W=None, sample_weight=None, groups=None,
            cache_values=False, inference="auto"):
        """Fit with econml's signature: nuisances on ``[X, W]``, the effect on ``X``.

        Parameters
        ----------
        Y : array-like of shape (n,)
        T : array-like of shape (n,) or (n, d_t)
        Z : array-like of shape (n,) or (n, d_z)
            The instrument(s).
        X : array-like of shape (n, d_x), default=None
            Effect features (None: a constant effect).
        W : array-like of shape (n, d_w), default=None
            Controls.
        sample_weight : array-like of shape (n,), default=None
        groups : array-like of shape (n,), default=None
        cache_values : bool, default=False
            Accepted for econml's signature (the native estimator keeps its
            residuals).
        inference : {"auto", None}, default="auto"
            Sandwich inference of the native estimator; econml's bootstrap is
            not supported here.

        Returns
        -------
        self : object
        """
        if inference not in ("auto", None):
            raise NotImplementedError(
                "only inference='auto' (the sandwich) is supported for the IV adapters.")
        if getattr(self, "treatment_featurizer", None) is not None:
            raise NotImplementedError("treatment_featurizer has no causaldist equivalent.")
        if getattr(self, "discrete_outcome", False) or getattr(self, "allow_missing", False):
            raise NotImplementedError("discrete_outcome and allow_missing are not supported.")
        if getattr(self, "mc_iters", None) is not None:
            raise NotImplementedError("mc_iters is not supported for the IV adapters.")
        n = np.shape(Y)[0]
        # econml allows neither X nor W here: a constant effect without controls.
        Xf = self._layout(X, np.zeros((n, 0)) if X is None and W is None else W, n)
        _auto_warning(self, [k for k in self._model_map if isinstance(getattr(self, k), str)
                             and k not in self._not_auto_warned()])
        dt = self.discrete_treatment if self._discrete_t is None else self._discrete_t
        dz = self.discrete_instrument if self._discrete_z is None else self._discrete_z
        arrs = [a for a, flag in ((T, dt), (Z, dz)) if flag]
        strata = _strata(arrs) if arrs else np.asarray(T)
        folds = _econml_folds(self.cv, strata, n, check_random_state(self.random_state),
                              stratify=bool(arrs), groups=groups)
        control = None
        if dt:
            cats = getattr(self, "categories", "auto")
            control = np.unique(np.asarray(T).ravel())[0] if isinstance(cats, str) else (
                list(cats)[0])
        seed = self.random_state if not isinstance(
            self.random_state, np.random.RandomState) else 0
        params = {native: _model(getattr(self, ours)) for ours, native in self._model_map.items()}
        params.update(self._native_params())
        params.update(cv=folds, random_state=seed, effect_features=self._effect_features(),
                      featurizer=self.featurizer, fit_cate_intercept=self.fit_cate_intercept)
        if self._discrete_t is None:
            params.update(discrete_treatment=dt, discrete_instrument=dz, control=control)
        native = self._native_class(**params)
        self._discrete_fit = bool(dt)
        T = np.asarray(T)
        self.native_ = native.fit(
            Xf, np.asarray(Y, dtype=np.float64).ravel(),
            treatment=T.ravel() if dt else T, instrument=np.asarray(Z),
            sample_weight=sample_weight, groups=groups,
        )
        return self

    # -- effects ------------------------------------------------------------------
    def effect(self, X=None, *, T0=0, T1=1):
        """``theta(x) . (T1 - T0)``.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : scalar, label or array-like, default 0 and 1

        Returns
        -------
        effect : ndarray of shape (m,)
        """
        return self._check().effect(self._full(X), T0, T1)

    def const_marginal_effect(self, X=None):
        """``theta(x)``.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        theta : ndarray of shape (m,) or (m, d_t)
            econml keeps the arm axis of a discrete treatment: ``(m, 1)`` for two arms.
        """
        theta = self._check().const_marginal_effect(self._full(X))
        return theta[:, None] if self._discrete_fit and theta.ndim == 1 else theta

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
        return self.const_marginal_effect(X)


class _LinearVerbs:
    """econml's inference verbs of a linear final stage."""

    def effect_inference(self, X=None, *, T0=0, T1=1):
        """:meth:`effect` with sandwich standard errors.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        inference : causaldist.evaluation.EffectInference
        """
        return self._check().effect_inference(self._full(X), T0, T1)

    def effect_interval(self, X=None, *, T0=0, T1=1, alpha=0.05):
        """Pointwise intervals of :meth:`effect`.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : as in :meth:`effect`
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self.effect_inference(X, T0=T0, T1=T1).conf_int(alpha)

    def ate_inference(self, X=None, *, T0=0, T1=1):
        """The mean of :meth:`effect` over the rows of ``X``, with its uncertainty.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        summary : causaldist.evaluation.PopulationSummary
        """
        return self._check().ate_inference(self._full(X), T0, T1)

    @property
    def coef_(self):
        """The CATE coefficients of the effect features."""
        return self._check().coef_

    @property
    def intercept_(self):
        """The CATE intercept."""
        return self._check().intercept_

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

    def intercept__interval(self, *, alpha=0.05):
        """Intervals of ``intercept_``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float or ndarray
        """
        return self._check().intercept__interval(alpha=alpha)

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


_DOC = """econml's ``{name}`` on :class:`causaldist.iv.{native}`.

    econml's constructor parameters, stored verbatim; ``fit(Y, T, *, Z, X=None,
    W=None, sample_weight=None, groups=None)`` and econml's verbs. With
    explicit models and econml's folds (the same ``cv`` and ``random_state``)
    effects, coefficients and intervals equal econml's. ``"auto"`` models map
    to causaldist's defaults (with a warning); ``mc_iters``, bootstrap
    inference, ``treatment_featurizer`` and ``discrete_outcome`` are not
    supported. The fitted native estimator is ``native_`` (its weak-instrument
    diagnostics ``effective_f_`` and ``ar_interval()`` included).

    Parameters
    ----------
    {params}
    """


class OrthoIV(_LinearVerbs, _IVAdapter):
    __doc__ = _DOC.format(name="OrthoIV", native="OrthoIV", params=(
        "model_y_xw, model_t_xw, model_t_xwz, model_z_xw : estimator or 'auto'\n"
        "    projection, featurizer, fit_cate_intercept, discrete_outcome,\n"
        "    discrete_treatment, treatment_featurizer, discrete_instrument, categories,\n"
        "    cv, mc_iters, mc_agg, random_state, allow_missing : as econml"))

    _model_map = {"model_y_xw": "outcome_model", "model_t_xw": "treatment_model",
                  "model_t_xwz": "projection_model", "model_z_xw": "instrument_model"}
    _native_class = _OrthoIV

    def __init__(self, *, model_y_xw="auto", model_t_xw="auto", model_t_xwz="auto",
                 model_z_xw="auto", projection=False, featurizer=None,
                 fit_cate_intercept=True, discrete_outcome=False, discrete_treatment=False,
                 treatment_featurizer=None, discrete_instrument=False, categories="auto",
                 cv=2, mc_iters=None, mc_agg="mean", random_state=None, allow_missing=False):
        self.model_y_xw = model_y_xw
        self.model_t_xw = model_t_xw
        self.model_t_xwz = model_t_xwz
        self.model_z_xw = model_z_xw
        self.projection = projection
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.discrete_outcome = discrete_outcome
        self.discrete_treatment = discrete_treatment
        self.treatment_featurizer = treatment_featurizer
        self.discrete_instrument = discrete_instrument
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing

    def _native_params(self):
        return dict(projection=self.projection, cov_type="HC0")


class DMLIV(_LinearVerbs, _IVAdapter):
    __doc__ = _DOC.format(name="DMLIV", native="DMLIV", params=(
        "model_y_xw, model_t_xw, model_t_xwz : estimator or 'auto'\n"
        "    model_final : only econml's default (least squares) is supported\n"
        "    featurizer, fit_cate_intercept, discrete_outcome, discrete_treatment,\n"
        "    treatment_featurizer, discrete_instrument, categories, cv, mc_iters,\n"
        "    mc_agg, random_state, allow_missing : as econml\n\n"
        "    econml reports no analytic intervals for DMLIV; the native sandwich\n"
        "    (which treats the projection as known) is returned here."))

    _model_map = {"model_y_xw": "outcome_model", "model_t_xw": "treatment_model",
                  "model_t_xwz": "projection_model"}
    _native_class = _DMLIV

    def __init__(self, *, model_y_xw="auto", model_t_xw="auto", model_t_xwz="auto",
                 model_final=None, featurizer=None, fit_cate_intercept=True,
                 discrete_outcome=False, discrete_treatment=False, treatment_featurizer=None,
                 discrete_instrument=False, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False):
        self.model_y_xw = model_y_xw
        self.model_t_xw = model_t_xw
        self.model_t_xwz = model_t_xwz
        self.model_final = model_final
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.discrete_outcome = discrete_outcome
        self.discrete_treatment = discrete_treatment
        self.treatment_featurizer = treatment_featurizer
        self.discrete_instrument = discrete_instrument
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state
        self.allow_missing = allow_missing

    def _native_params(self):
        if self.model_final is not None and type(self.model_final).__name__ != (
                "StatsModelsLinearRegression"):
            raise NotImplementedError("DMLIV's model_final: only least squares is supported.")
        return dict(cov_type="HC0")


_DR_MODELS = {"model_y_xw": "outcome_model", "model_t_xw": "treatment_model",
              "model_z_xw": "instrument_model", "model_t_xwz": "projection_model",
              "model_tz_xw": "covariance_model", "flexible_model_effect": "flexible_model"}


def _dr_init(self, kw):
    for key, value in kw.items():
        setattr(self, key, value)


class _DRIVParams:
    def _native_params(self):
        if not self.fit_cov_directly:
            raise NotImplementedError("fit_cov_directly=False is not supported.")
        if self.prel_cate_approach != "driv" or self.prel_cv != 1:
            raise NotImplementedError(
                "only econml's default preliminary effect (prel_cate_approach='driv', "
                "prel_cv=1) is supported.")
        out = dict(projection=self.projection, cov_clip=self.cov_clip,
                   opt_reweighted=self.opt_reweighted,
                   prel_opt_reweighted=self.prel_opt_reweighted)
        if self.flexible_model_effect == "auto":
            out["flexible_model"] = None
        return out


class DRIV(_DRIVParams, _IVAdapter):
    __doc__ = _DOC.format(name="DRIV", native="DRIV", params=(
        "model_y_xw, model_t_xw, model_z_xw, model_t_xwz, model_tz_xw,\n"
        "    flexible_model_effect, model_final : estimator or 'auto'\n"
        "    fit_cov_directly, prel_cate_approach, prel_cv, prel_opt_reweighted,\n"
        "    projection, featurizer, fit_cate_intercept, cov_clip, opt_reweighted, ... :\n"
        "    as econml (fit_cov_directly=True, prel_cate_approach='driv', prel_cv=1)"))

    _model_map = {**_DR_MODELS, "model_final": "final_model"}
    _native_class = _DRIV

    def __init__(self, *, model_y_xw="auto", model_t_xw="auto", model_z_xw="auto",
                 model_t_xwz="auto", model_tz_xw="auto", fit_cov_directly=True,
                 flexible_model_effect="auto", model_final=None, prel_cate_approach="driv",
                 prel_cv=1, prel_opt_reweighted=True, projection=False, featurizer=None,
                 fit_cate_intercept=False, cov_clip=1e-3, opt_reweighted=False,
                 discrete_outcome=False, discrete_instrument=False, discrete_treatment=False,
                 treatment_featurizer=None, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False):
        _dr_init(self, {k: v for k, v in locals().items() if k != "self"})


class LinearDRIV(_LinearVerbs, _DRIVParams, _IVAdapter):
    __doc__ = _DOC.format(name="LinearDRIV", native="LinearDRIV", params=(
        "as :class:`DRIV`, without model_final (least squares, HC1 sandwich)"))

    _model_map = dict(_DR_MODELS)
    _native_class = _LinearDRIV

    def __init__(self, *, model_y_xw="auto", model_t_xw="auto", model_z_xw="auto",
                 model_t_xwz="auto", model_tz_xw="auto", fit_cov_directly=True,
                 flexible_model_effect="auto", prel_cate_approach="driv", prel_cv=1,
                 prel_opt_reweighted=True, projection=False, featurizer=None,
                 fit_cate_intercept=True, cov_clip=1e-3, opt_reweighted=False,
                 discrete_outcome=False, discrete_instrument=False, discrete_treatment=False,
                 treatment_featurizer=None, categories="auto", cv=2, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False):
        _dr_init(self, {k: v for k, v in locals().items() if k != "self"})


_ITT_MODELS = {"model_y_xw": "outcome_model", "model_t_xwz": "treatment_model",
               "flexible_model_effect": "flexible_model"}


class _ITTParams:
    _discrete_t = True
    _discrete_z = True

    def _native_params(self):
        if self.prel_cate_approach != "driv" or self.prel_cv != 1:
            raise NotImplementedError(
                "only econml's default preliminary effect (prel_cate_approach='driv', "
                "prel_cv=1) is supported.")
        out = dict(z_propensity=self.z_propensity, cov_clip=self.cov_clip,
                   opt_reweighted=self.opt_reweighted,
                   prel_opt_reweighted=self.prel_opt_reweighted)
        if self.flexible_model_effect == "auto":
            out["flexible_model"] = None
        return out


class IntentToTreatDRIV(_ITTParams, _IVAdapter):
    __doc__ = _DOC.format(name="IntentToTreatDRIV", native="IntentToTreatDRIV", params=(
        "model_y_xw, model_t_xwz, flexible_model_effect, model_final : estimator or 'auto'\n"
        "    prel_cate_approach, prel_cv, prel_opt_reweighted, z_propensity, featurizer,\n"
        "    fit_cate_intercept, cov_clip, opt_reweighted, ... : as econml"))

    _model_map = {**_ITT_MODELS, "model_final": "final_model"}
    _native_class = _ITT

    def __init__(self, *, model_y_xw="auto", model_t_xwz="auto", prel_cate_approach="driv",
                 flexible_model_effect="auto", model_final=None, prel_cv=1,
                 prel_opt_reweighted=True, z_propensity="auto", featurizer=None,
                 fit_cate_intercept=False, discrete_outcome=False, cov_clip=1e-3,
                 opt_reweighted=False, categories="auto", cv=3, mc_iters=None,
                 mc_agg="mean", random_state=None, allow_missing=False):
        _dr_init(self, {k: v for k, v in locals().items() if k != "self"})


class LinearIntentToTreatDRIV(_LinearVerbs, _ITTParams, _IVAdapter):
    __doc__ = _DOC.format(name="LinearIntentToTreatDRIV", native="LinearIntentToTreatDRIV",
                          params="as :class:`IntentToTreatDRIV`, without model_final")

    _model_map = dict(_ITT_MODELS)
    _native_class = _LinearITT

    def __init__(self, *, model_y_xw="auto", model_t_xwz="auto", prel_cate_approach="driv",
                 flexible_model_effect="auto", prel_cv=1, prel_opt_reweighted=True,
                 z_propensity="auto", featurizer=None, fit_cate_intercept=True,
                 discrete_outcome=False, cov_clip=1e-3, opt_reweighted=False,
                 categories="auto", cv=3, mc_iters=None, mc_agg="mean", random_state=None,
                 allow_missing=False):
        _dr_init(self, {k: v for k, v in locals().items() if k != "self"})
