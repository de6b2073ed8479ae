"""OrthoIV: the partially linear IV model with a linear CATE and 2SLS final stage."""

import numpy as np
from sklearn.utils._param_validation import HasMethods, StrOptions

from ..model_selection._mixin import REGRESSOR, _fill_cross_fit_doc
from ._base import _BaseIV
from ._linear import _kron_rows, _LinearIVMixin
from ._sandwich import iv_sandwich, project

__all__ = ["OrthoIV"]

_MODEL = [HasMethods(["fit", "predict"]), None]


@_fill_cross_fit_doc
class OrthoIV(_LinearIVMixin, _BaseIV):
    """Orthogonal IV with a linear CATE, ``theta(x) = b_0 + b' phi(x)``.

    The partially linear IV model (Chernozhukov et al. 2018, sec. 4.2;
    Syrgkanis et al. 2019, "Machine learning estimation of heterogeneous
    treatment effects with instruments")

    ``Y = theta(X_e) . T + g(X) + eps``,  ``E[eps | Z, X] = 0``,

    is fitted by residualising the outcome, the treatment and the instrument
    on all of ``X`` with cross-fitted models (``Y~ = Y - E[Y | X]``,
    ``T~ = T - E[T | X]``, ``Z~ = Z - E[Z | X]``) and solving the moment
    equation ``E[(Y~ - theta(X_e) . T~) Z~ (x) Phi(X_e)] = 0`` by two-stage
    least squares with regressors ``T~ (x) Phi`` and instruments
    ``Z~ (x) Phi``, ``Phi = [1, phi(X_e)]``. The coefficients have the
    heteroskedasticity-robust 2SLS sandwich covariance (HC0, econml's;
    cluster-robust with routed ``groups``). With ``projection=True`` the
    instrument is the projected treatment ``E[T | X, Z] - E[T | X]``
    instead (any number of instrument columns, nonlinear first stages).
    The same algorithm as econml's ``OrthoIV``.

    Every fit reports the first stage's strength given the controls
    (``effective_f_``, ``first_stage_f_``, ``partial_r2_``) and warns when
    the effective F is below 10; :meth:`ar_interval` is a confidence set of
    a constant effect that stays valid with weak instruments.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``E[Y | X]`` (``HistGradientBoostingRegressor`` when None).
    treatment_model : regressor or classifier, default=None
        ``E[T | X]``; a classifier with ``discrete_treatment=True``.
    instrument_model : regressor or classifier, default=None
        ``E[Z | X]``; a classifier with ``discrete_instrument=True``.
        Unused with ``projection=True``.
    projection_model : regressor or classifier, default=None
        ``E[T | X, Z]`` (fitted on ``[X, Z]``), used with ``projection=True``.
    projection : bool, default=False
        Use ``E[T | X, Z] - E[T | X]`` as the instrument.
    featurizer : transformer, default=None
        ``phi``, e.g. ``PolynomialFeatures(degree=2, include_bias=False)``.
    fit_cate_intercept : bool, default=True
    effect_features : list of str or int, bool mask or None, default=None
        Columns of ``X`` the effect varies with; the others are controls.
    discrete_treatment : bool, default=False
        ``T`` holds arm labels (one-hot residuals against the control).
    discrete_instrument : bool, default=False
        ``Z`` holds levels (one-hot against the smallest level).
    cov_type : {"HC0", "HC1"}, default="HC0"
        Small-sample factor of the sandwich (1 or ``N / (N - k)``).
    {cross_fit}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (d_t, n_features)
    intercept_ : float or ndarray of shape (d_t,)
    coef_vec_ : ndarray of shape (d_t * p,)
        All final-stage coefficients, treatment-major, intercept first.
    coef_cov_ : ndarray of shape (d_t * p, d_t * p)
        Their sandwich covariance.
    theta_constant_ : float or ndarray
        The constant-effect (no features) 2SLS estimate, :meth:`ar_interval`'s centre.
    effective_f_ : float or ndarray of shape (d_t,)
        Montiel Olea-Pflueger effective first-stage F given the controls.
    first_stage_f_ : float or ndarray of shape (d_t,)
        Robust Wald F of the residualised instruments in the first stage.
    partial_r2_ : float or ndarray of shape (d_t,)
        Share of the treatment's residual variation the instruments explain.
    first_stage_ : dict
        All first-stage statistics per treatment column.
    residuals_ : dict
        ``"y"``, ``"t"``, ``"z"``: the cross-fitted residuals.
    nuisances_ : dict of Nuisances
        The shared stage's output per nuisance model.
    folds_ : list of (train, test)
    effect_features_ : ndarray of int or None
    featurizer_ : transformer or None
    categories_ : ndarray (discrete treatment only)
    instrument_categories_ : ndarray (discrete instrument only)

    See Also
    --------
    DMLIV : the projected-treatment regression.
    LATE : a binary instrument and treatment, doubly robust.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.iv import OrthoIV
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> X = rng.normal(size=(n, 2)); Z = rng.normal(size=n); U = rng.normal(size=n)
    >>> T = Z + X[:, 0] + U + rng.normal(size=n)
    >>> y = (1 + X[:, 1]) * T + 2 * U + X[:, 0] + rng.normal(size=n)
    >>> est = OrthoIV(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
    ...               instrument_model=LinearRegression(), cv=3)
    >>> est.fit(X, y, treatment=T, instrument=Z).coef_.round(2)  # truth [0, 1]
    array([-0.04,  1.03])
    >>> round(est.intercept_, 2), round(est.effective_f_)  # truth 1
    (1.07, 1044)
    """

    _parameter_constraints: dict = {
        "outcome_model": REGRESSOR,
        "treatment_model": _MODEL,
        "instrument_model": _MODEL,
        "projection_model": _MODEL,
        "projection": ["boolean"],
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "fit_cate_intercept": ["boolean"],
        "effect_features": "no_validation",
        "discrete_treatment": ["boolean"],
        "discrete_instrument": ["boolean"],
        "cov_type": [StrOptions({"HC0", "HC1"})],
    }

    # How the sandwich reads sample_weight (a hook: "analytic" is econml's).
    _weights_convention = "frequency"

    def __init__(
        self, *, outcome_model=None, treatment_model=None, instrument_model=None,
        projection_model=None, projection=False, featurizer=None, fit_cate_intercept=True,
        effect_features=None, discrete_treatment=False, discrete_instrument=False,
        cov_type="HC0", cv=5, n_jobs=None, memory=None, random_state=None, verbose=0,
        control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.instrument_model = instrument_model
        self.projection_model = projection_model
        self.projection = projection
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.discrete_treatment = discrete_treatment
        self.discrete_instrument = discrete_instrument
        self.cov_type = cov_type
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _used_models(self):
        last = "projection_model" if self.projection else "instrument_model"
        return ["outcome_model", "treatment_model", last]

    def _fit_iv(self, X, y, t, T, inst, sample_weight, groups, folds):
        cols, featurizer, F = self._prepare_features(X)
        if not self.fit_cate_intercept and F.shape[1] == 0:
            raise ValueError("fit_cate_intercept=False needs at least one effect feature.")
        Z, codes = inst["Z"], inst["codes"]
        t_hat, nt = self._treatment_mean(X, y, t, T, "treatment_model", folds, sample_weight,
                                         outcome=True)
        y_res, t_res = y - nt.marginal, T - t_hat
        if self.projection:
            XZ = np.hstack([X, Z])
            proj, nz = self._treatment_mean(XZ, y, t, T, "projection_model", folds, sample_weight)
            z_res = proj - t_hat
        else:
            levels = None if codes is None else len(inst["levels"])
            z_hat, nz = self._oof(X, y, Z, "instrument_model", folds, sample_weight,
                                  codes=codes, n_levels=levels)
            z_res = Z - z_hat
        fitted = dict(
            effect_features_=cols, featurizer_=featurizer, _d_t=T.shape[1],
            residuals_=dict(y=y_res, t=t_res, z=z_res),
            nuisances_=dict(outcome_treatment=nt,
                            **{("projection" if self.projection else "instrument"): nz}),
            _fit_weights=sample_weight, _fit_groups=groups,
        )
        fitted.update(self._final(F, y_res, t_res, z_res, sample_weight, groups))
        fitted.update(self._diagnose(t_res, z_res, sample_weight, groups))
        return fitted

    def _final(self, F, y_res, t_res, z_res, sample_weight, groups):
        Phi = self._design(F)
        D = _kron_rows(t_res, Phi)
        D_hat = project(_kron_rows(z_res, Phi), D, sample_weight)
        coef, cov = iv_sandwich(
            D_hat, D, y_res, sample_weight, cov_type=self.cov_type, groups=groups,
            weights=self._weights_convention,
        )
        theta0, _ = iv_sandwich(project(z_res, t_res, sample_weight), t_res, y_res,
                                sample_weight)
        return dict(
            coef_vec_=coef, coef_cov_=cov,
            theta_constant_=float(theta0[0]) if theta0.shape[0] == 1 else theta0,
        )
