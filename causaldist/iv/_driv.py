"""DRIV and LinearDRIV: doubly robust IV with a preliminary effect (Syrgkanis et al. 2019)."""

from numbers import Real

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..model_selection import cross_fit
from ..model_selection._mixin import REGRESSOR, _fill_cross_fit_doc
from ._base import _BaseIV
from ._dr_final import _LinearFinalMixin, _ModelFinalMixin
from ._linear import _IVEffectMixin
from ._preliminary import _PreliminaryDRIV, clip_cov
from ._sandwich import iv_sandwich, project

__all__ = ["DRIV", "LinearDRIV"]

_MODEL = [HasMethods(["fit", "predict"]), None]


class _BaseDRIV(_IVEffectMixin, _BaseIV):
    """The DR target and final stage shared by DRIV and IntentToTreatDRIV.

    Subclasses implement ``_terms(X, y, t, T, inst, sw, folds, prel)``
    returning the cross-fitted ``prel_theta, y_res, t_res, z_res, cov`` and
    the stage's outputs.
    """

    _parameter_constraints: dict = {
        "outcome_model": REGRESSOR,
        "flexible_model": [HasMethods(["fit", "predict"]), None],
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "fit_cate_intercept": ["boolean"],
        "effect_features": "no_validation",
        "cov_clip": [Interval(Real, 0, None, closed="left")],
        "opt_reweighted": ["boolean"],
        "prel_opt_reweighted": ["boolean"],
    }

    # How the sandwich reads sample_weight (a hook: "analytic" is econml's).
    _weights_convention = "frequency"

    def _flexible(self):
        # econml's flexible_model_effect="auto": least squares without intercept.
        return LinearRegression(fit_intercept=False) if self.flexible_model is None else (
            self.flexible_model)

    def _fit_iv(self, X, y, t, T, inst, sample_weight, groups, folds):
        if T.shape[1] != 1 or inst["Z"].shape[1] != 1:
            raise ValueError(
                f"{type(self).__name__} takes one treatment column and one instrument "
                f"column (binary or continuous); got {T.shape[1]} and "
                f"{inst['Z'].shape[1]}. Use OrthoIV for several.")
        cols, featurizer, F = self._prepare_features(X)
        if not self.fit_cate_intercept and F.shape[1] == 0:
            raise ValueError("fit_cate_intercept=False needs at least one effect feature.")
        prel_theta, y_res, t_res, z_res, cov, nuis = self._terms(
            X, y, t, T, inst, sample_weight, folds, cols)
        clipped = clip_cov(cov, self.cov_clip)
        # Syrgkanis et al. (2019), eq. (6): the DR target whose regression on x is theta(x).
        theta_dr = prel_theta + (y_res - prel_theta * t_res) * z_res / clipped
        w = sample_weight
        if self.opt_reweighted:
            w = clipped**2 if w is None else w * clipped**2
        Phi = self._design(F)
        fitted = dict(
            effect_features_=cols, featurizer_=featurizer, _d_t=1,
            residuals_=dict(y=y_res, t=t_res[:, None], z=z_res[:, None]),
            dr_target_=theta_dr, covariance_=cov, preliminary_effect_=prel_theta,
            nuisances_=nuis, _fit_weights=sample_weight, _fit_groups=groups,
        )
        fitted.update(self._final(Phi, theta_dr, w, groups))
        theta0, _ = iv_sandwich(project(z_res[:, None], t_res[:, None], sample_weight),
                                t_res[:, None], y_res, sample_weight)
        fitted["theta_constant_"] = float(theta0[0])
        fitted.update(self._diagnose(t_res[:, None], z_res[:, None], sample_weight, groups))
        return fitted

    def _stage_kw(self, folds, sample_weight):
        return dict(folds=folds, sample_weight=sample_weight, n_jobs=self.n_jobs,
                    memory=self.memory, warn=False, verbose=self._progress())


_DRIV_DOC = """Doubly robust IV (Syrgkanis, Lei, Oprescu, Hei, Battocchi & Lewis 2019).

    With cross-fitted ``Y~ = Y - E[Y | X]``, ``T~ = T - E[T | X]``,
    ``Z~ = Z - E[Z | X]`` (``E[T | X, Z] - E[T | X]`` with
    ``projection=True``), the covariance ``beta(x) = E[T~ Z~ | X = x]``
    (``covariance_model`` fitted to ``T~ Z~``) and a preliminary effect
    ``theta_p(x)``, the doubly robust target

    ``theta_DR = theta_p(X) + (Y~ - theta_p(X) T~) Z~ / beta(X)``

    (``beta`` clipped away from 0 by ``cov_clip``) has conditional mean
    ``theta(X)`` when either the preliminary effect or the nuisances are
    right, and the final stage regresses it on ``Phi(x)`` (sec. 4,
    "DRIV"). The preliminary effect is econml's default: in every
    cross-fitting fold, a DRIV fitted without cross-fitting on the fold's
    training rows (zero preliminary effect, ``flexible_model`` on
    ``Y~ Z~ / beta`` weighted by ``beta^2`` with ``prel_opt_reweighted``),
    predicted on the fold's test rows. One treatment and one instrument
    column, each binary or continuous. The same numbers as econml's
    ``{peer_name}`` (``fit_cov_directly=True``, ``prel_cate_approach="driv"``,
    ``prel_cv=1``).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``E[Y | X]``.
    treatment_model : regressor or classifier, default=None
        ``E[T | X]``; a classifier with ``discrete_treatment=True``.
    instrument_model : regressor or classifier, default=None
        ``E[Z | X]``; a classifier with ``discrete_instrument=True``.
    projection_model : regressor or classifier, default=None
        ``E[T | X, Z]`` on ``[X, Z]`` (``projection=True``).
    covariance_model : regressor, default=None
        ``beta(x) = E[T~ Z~ | X]`` (``E[Z~^2 | X]`` with ``projection=True``).
    flexible_model : regressor, default=None
        The preliminary effect's model (``None``: least squares without
        intercept on ``Phi(x)``, econml's).
{final_doc}    projection : bool, default=False
    featurizer : transformer, default=None
    fit_cate_intercept : bool, default={intercept}
    effect_features : list of str or int, bool mask or None, default=None
    cov_clip : float, default=1e-3
    opt_reweighted : bool, default=False
        Weight the final stage by ``beta(X)^2`` (efficient when the final
        model is correctly specified).
    prel_opt_reweighted : bool, default=True
        The same for the preliminary effect.
    discrete_treatment, discrete_instrument : bool, default=False
{cov_doc}    {{cross_fit}}

    Attributes
    ----------
{attr_doc}    dr_target_ : ndarray of shape (n_samples,)
        ``theta_DR`` of every training row.
    covariance_ : ndarray of shape (n_samples,)
        Cross-fitted ``beta(X)`` before clipping.
    preliminary_effect_ : ndarray of shape (n_samples,)
        Cross-fitted ``theta_p(X)``.
    residuals_ : dict
        ``"y"``, ``"t"``, ``"z"``.
    effective_f_, first_stage_f_, partial_r2_ : float
        First-stage strength of ``Z~`` for ``T~``.
    theta_constant_ : float
    nuisances_ : dict of Nuisances
    folds_ : list of (train, test)
    effect_features_, featurizer_, categories_, instrument_categories_
"""


@_fill_cross_fit_doc
class DRIV(_ModelFinalMixin, _BaseDRIV):
    __doc__ = _DRIV_DOC.format(
        peer_name="DRIV", intercept="False",
        final_doc="    final_model : regressor, default=None\n"
                  "        ``theta(x)`` from ``theta_DR`` (``None``: ``flexible_model``).\n",
        cov_doc="", attr_doc="    final_model_ : regressor\n",
    ) + """
    See Also
    --------
    LinearDRIV : a linear final stage with sandwich inference.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.iv import DRIV
    >>> rng = np.random.default_rng(0)
    >>> n = 10000
    >>> X = rng.normal(size=(n, 2)); Z = rng.binomial(1, 0.5, n); U = rng.normal(size=n)
    >>> T = (2 * Z + U + rng.normal(size=n) > 1).astype(int)
    >>> y = (1 + X[:, 1]) * T + U + rng.normal(size=n)
    >>> est = DRIV(outcome_model=LinearRegression(), treatment_model=LogisticRegression(),
    ...            instrument_model=LogisticRegression(), covariance_model=LinearRegression(),
    ...            fit_cate_intercept=True, discrete_treatment=True,
    ...            discrete_instrument=True, cv=3)
    >>> est.fit(X, y, treatment=T, instrument=Z).effect(np.array([[0., 0.], [0., 1.]])).round(1)
    array([0.9, 2. ])
    """

    _parameter_constraints: dict = {
        **_BaseDRIV._parameter_constraints,
        "treatment_model": _MODEL, "instrument_model": _MODEL, "projection_model": _MODEL,
        "covariance_model": REGRESSOR, "final_model": [HasMethods(["fit", "predict"]), None],
        "projection": ["boolean"], "discrete_treatment": ["boolean"],
        "discrete_instrument": ["boolean"],
    }

    _default_models = {
        "outcome_model": "outcome", "treatment_model": "treatment",
        "instrument_model": "treatment", "projection_model": "treatment",
        "covariance_model": "treatment",
    }

    def __init__(
        self, *, outcome_model=None, treatment_model=None, instrument_model=None,
        projection_model=None, covariance_model=None, flexible_model=None, final_model=None,
        projection=False, featurizer=None, fit_cate_intercept=False, effect_features=None,
        cov_clip=1e-3, opt_reweighted=False, prel_opt_reweighted=True,
        discrete_treatment=False, discrete_instrument=False, cv=5, n_jobs=None,
        memory=None, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.instrument_model = instrument_model
        self.projection_model = projection_model
        self.covariance_model = covariance_model
        self.flexible_model = flexible_model
        self.final_model = final_model
        self.projection = projection
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.cov_clip = cov_clip
        self.opt_reweighted = opt_reweighted
        self.prel_opt_reweighted = prel_opt_reweighted
        self.discrete_treatment = discrete_treatment
        self.discrete_instrument = discrete_instrument
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _used_models(self):
        last = "projection_model" if self.projection else "instrument_model"
        return ["outcome_model", "treatment_model", last, "covariance_model"]

    def _terms(self, X, y, t, T, inst, sample_weight, folds, cols):
        Z, codes = inst["Z"], inst["codes"]
        z_raw = Z[:, 0] if codes is None else codes.astype(np.float64)
        t_raw = T[:, 0]
        prel = _PreliminaryDRIV(
            self._model("outcome_model"), self._model("treatment_model"),
            self._model("instrument_model"), self._model("projection_model"),
            self._model("covariance_model"), self._flexible(), self.featurizer, cols,
            self.fit_cate_intercept, self.cov_clip, self.prel_opt_reweighted,
            self.projection, self.discrete_treatment, self.discrete_instrument,
        )
        stacked = np.column_stack([y, t_raw, z_raw])
        kw = self._stage_kw(folds, sample_weight)
        # The preliminary effect rides along with E[T | X]: one pass of the stage.
        if self.discrete_treatment:
            nt = cross_fit(X, stacked, t, n_arms=2, propensity_model=self._model(
                "treatment_model"), marginal_model=prel, min_propensity=0.0, **kw)
            t_hat = nt.propensity[:, 1]
        else:
            nt = cross_fit(X, stacked, t_raw, treatment_model=self._model("treatment_model"),
                           marginal_model=prel, **kw)
            t_hat = nt.treatment
        t_res = t_raw - t_hat
        if self.projection:
            proj, nz = self._treatment_mean(np.column_stack([X, Z]), y, t, T,
                                            "projection_model", folds, sample_weight)
            z_res = proj[:, 0] - t_hat
            target = z_res**2
        else:
            z_hat, nz = self._oof(X, y, Z, "instrument_model", folds, sample_weight,
                                  codes=codes, n_levels=None if codes is None else 2)
            z_res = z_raw - z_hat[:, 0]
            target = t_res * z_res
        # E[Y | X] rides along with the covariance model: one pass of the stage.
        cov, nc = self._oof(X, y, target, "covariance_model", folds, sample_weight,
                            outcome=True)
        cov, y_res = cov[:, 0], y - nc.marginal
        if self.projection:
            cov = np.maximum(cov, 0)
        nuis = dict(treatment=nt, outcome_covariance=nc,
                    **{("projection" if self.projection else "instrument"): nz})
        return nt.marginal, y_res, t_res, z_res, cov, nuis


@_fill_cross_fit_doc
class LinearDRIV(_LinearFinalMixin, DRIV):
    __doc__ = _DRIV_DOC.format(
        peer_name="LinearDRIV", intercept="True", final_doc="",
        cov_doc="    cov_type : {\"HC0\", \"HC1\"}, default=\"HC1\"\n"
                "        The final least squares' sandwich (cluster-robust with groups).\n",
        attr_doc="    coef_, intercept_, coef_vec_, coef_cov_\n"
                 "        The linear CATE's coefficients and their covariance.\n",
    ) + """
    See Also
    --------
    DRIV : any final model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.iv import LinearDRIV
    >>> rng = np.random.default_rng(0)
    >>> n = 10000
    >>> X = rng.normal(size=(n, 2)); Z = rng.binomial(1, 0.5, n); U = rng.normal(size=n)
    >>> T = (2 * Z + U + rng.normal(size=n) > 1).astype(int)
    >>> y = (1 + X[:, 1]) * T + U + rng.normal(size=n)
    >>> est = LinearDRIV(outcome_model=LinearRegression(), treatment_model=LogisticRegression(),
    ...                  instrument_model=LogisticRegression(),
    ...                  covariance_model=LinearRegression(), discrete_treatment=True,
    ...                  discrete_instrument=True, cv=3)
    >>> est.fit(X, y, treatment=T, instrument=Z).summary().round(2)  # truth [0, 1], 1
                    point_estimate  stderr  zstat  pvalue  ci_lower  ci_upper
    X0                        0.00    0.06   0.03    0.98     -0.11      0.11
    X1                        1.06    0.06  18.33    0.00      0.94      1.17
    cate_intercept            0.94    0.06  16.43    0.00      0.83      1.05
    """

    _parameter_constraints: dict = {
        **DRIV._parameter_constraints, "cov_type": [StrOptions({"HC0", "HC1"})],
    }

    def __init__(
        self, *, outcome_model=None, treatment_model=None, instrument_model=None,
        projection_model=None, covariance_model=None, flexible_model=None,
        projection=False, featurizer=None, fit_cate_intercept=True, effect_features=None,
        cov_clip=1e-3, opt_reweighted=False, prel_opt_reweighted=True,
        discrete_treatment=False, discrete_instrument=False, cov_type="HC1", cv=5,
        n_jobs=None, memory=None, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.instrument_model = instrument_model
        self.projection_model = projection_model
        self.covariance_model = covariance_model
        self.flexible_model = flexible_model
        self.projection = projection
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.cov_clip = cov_clip
        self.opt_reweighted = opt_reweighted
        self.prel_opt_reweighted = prel_opt_reweighted
        self.discrete_treatment = discrete_treatment
        self.discrete_instrument = discrete_instrument
        self.cov_type = cov_type
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    # LinearDRIV has no final_model parameter: the final stage is least squares.
    final_model = None
