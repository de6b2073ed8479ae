"""DMLIV: the outcome residual regressed on the projected treatment."""

import numpy as np
from sklearn.utils._param_validation import HasMethods, StrOptions

from ..inference._sandwich import ols_sandwich
from ..model_selection._mixin import REGRESSOR, _fill_cross_fit_doc
from ._base import _BaseIV
from ._linear import _kron_rows, _LinearIVMixin
from ._sandwich import iv_sandwich

__all__ = ["DMLIV"]

_MODEL = [HasMethods(["fit", "predict"]), None]


@_fill_cross_fit_doc
class DMLIV(_LinearIVMixin, _BaseIV):
    """DMLIV with a linear CATE: ``Y~`` on the projected treatment (Syrgkanis et al. 2019).

    Cross-fitted ``q(x) = E[Y | X]``, ``p(x) = E[T | X]`` and
    ``h(x, z) = E[T | X, Z]`` give ``Y~ = Y - q(X)`` and the projected
    treatment residual ``T^ = h(X, Z) - p(X)``; ``theta(x) = Phi(x)' b``
    minimises ``sum_i (Y~_i - theta(X_e,i) . T^_i)^2`` (Syrgkanis, Lei,
    Oprescu, Hei, Battocchi & Lewis 2019, "Machine learning estimation of
    heterogeneous treatment effects with instruments", sec. 4; econml's
    ``DMLIV`` with its default linear final model: the same numbers).

    The moment is not Neyman-orthogonal with respect to ``h``, so its
    standard errors (the sandwich of the final least squares, HC0 as
    statsmodels; cluster-robust with routed ``groups``) treat the
    projection as known: they are right when ``h`` is estimated well and
    optimistic otherwise. econml reports none analytically; for orthogonal
    inference use :class:`OrthoIV` (``projection=True`` uses the same
    projection as instrument). First-stage strength (``effective_f_`` ...)
    is that of ``T^`` as the instrument of ``T - p(X)``.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``E[Y | X]``.
    treatment_model : regressor or classifier, default=None
        ``E[T | X]``; a classifier with ``discrete_treatment=True``.
    projection_model : regressor or classifier, default=None
        ``E[T | X, Z]``, fitted on ``[X, Z]`` (``Z`` one-hot when discrete).
    featurizer : transformer, default=None
    fit_cate_intercept : bool, default=True
    effect_features : list of str or int, bool mask or None, default=None
    discrete_treatment : bool, default=False
    discrete_instrument : bool, default=False
    cov_type : {"HC0", "HC1"}, default="HC0"
    {cross_fit}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (d_t, n_features)
    intercept_ : float or ndarray of shape (d_t,)
    coef_vec_, coef_cov_ : ndarray
        All final-stage coefficients (treatment-major, intercept first) and
        their covariance.
    theta_constant_ : float or ndarray
    effective_f_, first_stage_f_, partial_r2_ : float or ndarray of shape (d_t,)
    first_stage_ : dict
    residuals_ : dict
        ``"y"``, ``"t"`` (``T - p(X)``) and ``"z"`` (the projected ``T^``).
    nuisances_ : dict of Nuisances
    folds_ : list of (train, test)
    effect_features_, featurizer_, categories_, instrument_categories_

    See Also
    --------
    OrthoIV : orthogonal moments with 2SLS sandwich inference.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.iv import DMLIV
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> X = rng.normal(size=(n, 2)); Z = rng.normal(size=n); U = rng.normal(size=n)
    >>> T = Z + X[:, 0] + U + rng.normal(size=n)
    >>> y = (1 + X[:, 1]) * T + 2 * U + X[:, 0] + rng.normal(size=n)
    >>> est = DMLIV(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
    ...             projection_model=LinearRegression(), cv=3)
    >>> est.fit(X, y, treatment=T, instrument=Z).coef_.round(2)  # truth [0, 1]
    array([0.  , 1.08])
    """

    _parameter_constraints: dict = {
        "outcome_model": REGRESSOR,
        "treatment_model": _MODEL,
        "projection_model": _MODEL,
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "fit_cate_intercept": ["boolean"],
        "effect_features": "no_validation",
        "discrete_treatment": ["boolean"],
        "discrete_instrument": ["boolean"],
        "cov_type": [StrOptions({"HC0", "HC1"})],
    }

    _default_models = {
        "outcome_model": "outcome",
        "treatment_model": "treatment",
        "projection_model": "treatment",
    }

    # How the sandwich reads sample_weight (a hook: "analytic" is econml's).
    _weights_convention = "frequency"

    def __init__(
        self, *, outcome_model=None, treatment_model=None, projection_model=None,
        featurizer=None, fit_cate_intercept=True, effect_features=None,
        discrete_treatment=False, discrete_instrument=False, cov_type="HC0", cv=5,
        n_jobs=None, memory=None, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.projection_model = projection_model
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

    def _fit_iv(self, X, y, t, T, inst, sample_weight, groups, folds):
        cols, featurizer, F = self._prepare_features(X)
        if not self.fit_cate_intercept and F.shape[1] == 0:
            raise ValueError("fit_cate_intercept=False needs at least one effect feature.")
        t_hat, nt = self._treatment_mean(X, y, t, T, "treatment_model", folds, sample_weight,
                                         outcome=True)
        proj, nz = self._treatment_mean(
            np.hstack([X, inst["Z"]]), y, t, T, "projection_model", folds, sample_weight)
        y_res, t_res, t_proj = y - nt.marginal, T - t_hat, proj - t_hat
        Phi = self._design(F)
        D = _kron_rows(t_proj, Phi)
        coef, cov = ols_sandwich(
            D, y_res[:, None], sample_weight, cov_type=self.cov_type, groups=groups,
            weights=self._weights_convention,
        )
        if np.linalg.matrix_rank((D * (1.0 if sample_weight is None else sample_weight[
                :, None])).T @ D) < D.shape[1]:
            raise ValueError(
                "the projected treatment E[T | X, Z] - E[T | X] has no variation in some "
                "direction of the effect features: the effect is not identified."
            )
        theta0, _ = iv_sandwich(t_proj, t_proj, y_res, sample_weight)
        fitted = dict(
            effect_features_=cols, featurizer_=featurizer, _d_t=T.shape[1],
            residuals_=dict(y=y_res, t=t_res, z=t_proj),
            nuisances_=dict(outcome_treatment=nt, projection=nz),
            _fit_weights=sample_weight, _fit_groups=groups,
            coef_vec_=coef[:, 0], coef_cov_=cov,
            theta_constant_=float(theta0[0]) if theta0.shape[0] == 1 else theta0,
        )
        fitted.update(self._diagnose(t_res, t_proj, sample_weight, groups))
        return fitted
