"""IntentToTreatDRIV: DRIV for a randomised binary instrument and a binary treatment."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..model_selection import cross_fit
from ..model_selection._mixin import CLASSIFIER, _fill_cross_fit_doc
from ._dr_final import _LinearFinalMixin, _ModelFinalMixin
from ._driv import _BaseDRIV
from ._preliminary import _PreliminaryITT

__all__ = ["IntentToTreatDRIV", "LinearIntentToTreatDRIV"]


class _FixedProbability(ClassifierMixin, BaseEstimator):
    """A known assignment probability ``P(Z = 1) = ratio`` (a randomised design)."""

    def __init__(self, ratio=0.5):
        self.ratio = ratio

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        n = np.shape(X)[0]
        return np.column_stack([np.full(n, 1 - self.ratio), np.full(n, self.ratio)])


_ITT_DOC = """DRIV for an intention-to-treat design (Syrgkanis et al. 2019, sec. 5).

    A binary instrument ``Z`` randomised with a constant probability ``p``
    (an A/B test or encouragement whose assignment is known to be random)
    and a binary treatment ``T``. The compliance
    ``T(z, x) = P(T = 1 | X = x, Z = z)`` comes from one classifier on
    ``[X, Z]`` predicted at ``Z = 0`` and ``Z = 1``, so that the covariance is
    ``beta(x) = p (1 - p) (T(1, x) - T(0, x))``, and with
    ``Y~ = Y - E[Y | X]``, ``T~ = T - T(1, X) p - T(0, X) (1 - p)`` and
    ``Z~ = Z - p`` the doubly robust target is

    ``theta_DR = theta_p(X) + (Y~ - theta_p(X) T~) Z~ / beta(X)``

    (``beta`` clipped away from 0 by ``cov_clip``), regressed on ``Phi(x)``.
    The preliminary effect ``theta_p`` is econml's default (the same
    estimator without cross-fitting on each fold's training rows, zero
    preliminary effect, ``flexible_model`` weighted by ``beta^2``). The same
    numbers as econml's ``{peer_name}``.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``E[Y | X]``.
    treatment_model : classifier, default=None
        ``P(T = 1 | X, Z)``, fitted on ``[X, Z]``.
    z_propensity : "auto" or float, default="auto"
        ``p``: the training folds' share of ``Z = 1`` (``"auto"``), or the
        known assignment probability.
    flexible_model : regressor, default=None
        The preliminary effect's model (``None``: least squares without
        intercept).
{final_doc}    featurizer : transformer, default=None
    fit_cate_intercept : bool, default={intercept}
    effect_features : list of str or int, bool mask or None, default=None
    cov_clip : float, default=1e-3
    opt_reweighted : bool, default=False
    prel_opt_reweighted : bool, default=True
{cov_doc}    {{cross_fit}}

    Attributes
    ----------
{attr_doc}    dr_target_, covariance_, preliminary_effect_ : ndarray of shape (n_samples,)
    residuals_ : dict
    effective_f_, first_stage_f_, partial_r2_, theta_constant_ : float
    nuisances_ : dict of Nuisances
    folds_ : list of (train, test)
        Stratified on the instrument.
    effect_features_, featurizer_, categories_, instrument_categories_
"""


@_fill_cross_fit_doc
class IntentToTreatDRIV(_ModelFinalMixin, _BaseDRIV):
    __doc__ = _ITT_DOC.format(
        peer_name="IntentToTreatDRIV", intercept="False",
        final_doc="    final_model : regressor, default=None\n"
                  "        ``theta(x)`` from ``theta_DR`` (``None``: ``flexible_model``).\n",
        cov_doc="", attr_doc="    final_model_ : regressor\n",
    ) + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.iv import IntentToTreatDRIV
    >>> rng = np.random.default_rng(0)
    >>> n = 10000
    >>> X = rng.normal(size=(n, 2)); Z = rng.binomial(1, 0.5, n); U = rng.normal(size=n)
    >>> T = Z * (U + rng.normal(size=n) > -0.5)
    >>> y = (1 + X[:, 1]) * T + U + rng.normal(size=n)
    >>> est = IntentToTreatDRIV(outcome_model=LinearRegression(),
    ...                         treatment_model=LogisticRegression(),
    ...                         fit_cate_intercept=True, cv=3)
    >>> est.fit(X, y, treatment=T, instrument=Z).effect(np.array([[0., 0.], [0., 1.]])).round(1)
    array([1., 2.])
    """

    _parameter_constraints: dict = {
        **_BaseDRIV._parameter_constraints,
        "treatment_model": CLASSIFIER,
        "z_propensity": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="neither")],
        "final_model": [HasMethods(["fit", "predict"]), None],
    }

    _default_models = {"outcome_model": "outcome", "treatment_model": "propensity"}
    _discrete_targets = {}
    _discrete_treatment = True
    # Read by the shared IV fit: binary treatment and instrument labels.
    discrete_treatment = True
    discrete_instrument = True

    def __init__(
        self, *, outcome_model=None, treatment_model=None, z_propensity="auto",
        flexible_model=None, final_model=None, featurizer=None, fit_cate_intercept=False,
        effect_features=None, cov_clip=1e-3, opt_reweighted=False, prel_opt_reweighted=True,
        cv=5, n_jobs=None, memory=None, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.z_propensity = z_propensity
        self.flexible_model = flexible_model
        self.final_model = final_model
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.cov_clip = cov_clip
        self.opt_reweighted = opt_reweighted
        self.prel_opt_reweighted = prel_opt_reweighted
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _instrument_is_discrete(self):
        return True

    def _preliminary_z_propensity(self):
        """``p`` of the preliminary effect (a hook: econml's preliminary uses "auto")."""
        return self.z_propensity

    def _fit_iv(self, X, y, t, T, inst, sample_weight, groups, folds):
        if len(self.categories_) != 2 or len(inst["levels"]) != 2:
            raise ValueError(
                f"{type(self).__name__} needs a binary treatment and a binary instrument; "
                f"got arms {self.categories_.tolist()} and levels "
                f"{inst['levels'].tolist()}.")
        return super()._fit_iv(X, y, t, T, inst, sample_weight, groups, folds)

    def _terms(self, X, y, t, T, inst, sample_weight, folds, cols):
        z = inst["codes"]
        t01, z01 = t.astype(np.float64), z.astype(np.float64)
        tm = self._model("treatment_model")
        zprop = DummyClassifier(strategy="prior") if self.z_propensity == "auto" else (
            _FixedProbability(self.z_propensity))
        kw = self._stage_kw(folds, sample_weight)
        # One classifier on [X, Z] predicted at both levels (the stage's pooled design).
        nt = cross_fit(X, t01, z, n_arms=2, propensity_model=zprop, outcome_model=tm,
                       pooled_outcome=True, min_propensity=0.0, **kw)
        prel = _PreliminaryITT(
            self._model("outcome_model"), tm, self._preliminary_z_propensity(), self._flexible(),
            self.featurizer, cols, self.fit_cate_intercept, self.cov_clip,
            self.prel_opt_reweighted,
        )
        np_ = cross_fit(X, np.column_stack([y, t01, z01]), z, n_arms=2,
                        marginal_model=prel, **kw)
        y_hat, ny = self._oof(X, y, y, "outcome_model", folds, sample_weight)
        p = nt.propensity[:, 1]
        t0, t1 = nt.outcome[:, 0], nt.outcome[:, 1]
        cov = p * (1 - p) * (t1 - t0)
        t_res = t01 - (t1 * p + t0 * (1 - p))
        nuis = dict(outcome=ny, treatment=nt, preliminary=np_)
        return np_.marginal, y - y_hat[:, 0], t_res, z01 - p, cov, nuis


@_fill_cross_fit_doc
class LinearIntentToTreatDRIV(_LinearFinalMixin, IntentToTreatDRIV):
    __doc__ = _ITT_DOC.format(
        peer_name="LinearIntentToTreatDRIV", intercept="True", final_doc="",
        cov_doc="    cov_type : {\"HC0\", \"HC1\"}, default=\"HC1\"\n",
        attr_doc="    coef_, intercept_, coef_vec_, coef_cov_\n"
                 "        The linear CATE's coefficients and their covariance.\n",
    ) + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.iv import LinearIntentToTreatDRIV
    >>> rng = np.random.default_rng(0)
    >>> n = 10000
    >>> X = rng.normal(size=(n, 2)); Z = rng.binomial(1, 0.5, n); U = rng.normal(size=n)
    >>> T = Z * (U + rng.normal(size=n) > -0.5)
    >>> y = (1 + X[:, 1]) * T + U + rng.normal(size=n)
    >>> est = LinearIntentToTreatDRIV(outcome_model=LinearRegression(),
    ...                               treatment_model=LogisticRegression(), cv=3)
    >>> est.fit(X, y, treatment=T, instrument=Z).coef_.round(1)  # truth [0, 1]
    array([0., 1.])
    """

    _parameter_constraints: dict = {
        **IntentToTreatDRIV._parameter_constraints,
        "cov_type": [StrOptions({"HC0", "HC1"})],
    }

    def __init__(
        self, *, outcome_model=None, treatment_model=None, z_propensity="auto",
        flexible_model=None, featurizer=None, fit_cate_intercept=True, effect_features=None,
        cov_clip=1e-3, opt_reweighted=False, prel_opt_reweighted=True, cov_type="HC1",
        cv=5, n_jobs=None, memory=None, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.z_propensity = z_propensity
        self.flexible_model = flexible_model
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.cov_clip = cov_clip
        self.opt_reweighted = opt_reweighted
        self.prel_opt_reweighted = prel_opt_reweighted
        self.cov_type = cov_type
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    # No final_model parameter: the final stage is least squares.
    final_model = None
