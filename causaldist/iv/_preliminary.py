"""The preliminary effect of the DRIV estimators: a DRIV fitted without cross-fitting.

econml's default (``prel_cate_approach="driv"``, ``prel_cv=1``): inside each
cross-fitting fold, the nuisances are fitted and predicted on the fold's
training rows themselves, the preliminary effect is zero, and a flexible
model is fitted to the DR target ``Y~ Z~ / cov`` (weighted by ``cov^2``).
It is passed to the shared stage as a model of the stacked target
``[Y, T, Z]``, so the stage cross-fits it like any nuisance.
"""

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from ..base import _fit_model

__all__ = []


def clip_cov(cov, cov_clip):
    """``sign(cov) max(|cov|, cov_clip)`` (a zero covariance counts as positive)."""
    sign = np.sign(cov)
    sign[sign == 0] = 1
    return sign * np.clip(np.abs(cov), cov_clip, np.inf)


def _mean(model, X, v, discrete, sample_weight):
    """In-sample ``E[v | X]``: ``P(v = 1 | X)`` for a binary ``v``."""
    if discrete:
        fitted = _fit_model(model, X, v.astype(np.intp), sample_weight)
        return fitted.predict_proba(X)[:, 1]
    return _fit_model(model, X, v, sample_weight).predict(X)


class _PreliminaryFinal(BaseEstimator):
    """Featurise the effect columns and fit the flexible model to a DR target."""

    def _design(self, X):
        Xe = X if self.effect_columns is None else X[:, self.effect_columns]
        F = Xe if self.featurizer_ is None else np.asarray(
            self.featurizer_.transform(Xe), dtype=np.float64)
        return np.hstack([np.ones((F.shape[0], 1)), F]) if self.fit_cate_intercept else F

    def _fit_final(self, X, theta_dr, cov, sample_weight):
        Xe = X if self.effect_columns is None else X[:, self.effect_columns]
        self.featurizer_ = None if self.featurizer is None else clone(self.featurizer).fit(Xe)
        w = sample_weight
        if self.opt_reweighted:
            w = cov**2 if w is None else w * cov**2
        self.final_ = _fit_model(self.flexible_model, self._design(X), theta_dr, w)
        return self

    def predict(self, X):
        check_is_fitted(self, "final_")
        return self.final_.predict(self._design(X))


class _PreliminaryDRIV(_PreliminaryFinal):
    """DRIV's preliminary effect; ``fit(X, [y, t, z])`` with ``t``, ``z`` one column each."""

    def __init__(self, outcome_model, treatment_model, instrument_model, projection_model,
                 covariance_model, flexible_model, featurizer, effect_columns,
                 fit_cate_intercept, cov_clip, opt_reweighted, projection,
                 discrete_treatment, discrete_instrument):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.instrument_model = instrument_model
        self.projection_model = projection_model
        self.covariance_model = covariance_model
        self.flexible_model = flexible_model
        self.featurizer = featurizer
        self.effect_columns = effect_columns
        self.fit_cate_intercept = fit_cate_intercept
        self.cov_clip = cov_clip
        self.opt_reweighted = opt_reweighted
        self.projection = projection
        self.discrete_treatment = discrete_treatment
        self.discrete_instrument = discrete_instrument

    def fit(self, X, target, sample_weight=None):
        y, t, z = target[:, 0], target[:, 1], target[:, 2]
        y_res = y - _mean(self.outcome_model, X, y, False, sample_weight)
        t_hat = _mean(self.treatment_model, X, t, self.discrete_treatment, sample_weight)
        t_res = t - t_hat
        if self.projection:
            proj = _mean(self.projection_model, np.column_stack([X, z]), t,
                         self.discrete_treatment, sample_weight)
            z_res = proj - t_hat
            cov = np.maximum(_mean(self.covariance_model, X, z_res**2, False, sample_weight), 0)
        else:
            z_res = z - _mean(self.instrument_model, X, z, self.discrete_instrument,
                              sample_weight)
            cov = _mean(self.covariance_model, X, t_res * z_res, False, sample_weight)
        cov = clip_cov(cov, self.cov_clip)
        return self._fit_final(X, y_res * z_res / cov, cov, sample_weight)


class _PreliminaryITT(_PreliminaryFinal):
    """IntentToTreatDRIV's preliminary effect; ``fit(X, [y, t, z])``, binary ``t`` and ``z``."""

    def __init__(self, outcome_model, treatment_model, z_propensity, flexible_model,
                 featurizer, effect_columns, fit_cate_intercept, cov_clip, opt_reweighted):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.z_propensity = z_propensity
        self.flexible_model = flexible_model
        self.featurizer = featurizer
        self.effect_columns = effect_columns
        self.fit_cate_intercept = fit_cate_intercept
        self.cov_clip = cov_clip
        self.opt_reweighted = opt_reweighted

    def fit(self, X, target, sample_weight=None):
        y, t, z = target[:, 0], target[:, 1], target[:, 2]
        y_res = y - _mean(self.outcome_model, X, y, False, sample_weight)
        model = _fit_model(self.treatment_model, np.column_stack([X, z]), t.astype(np.intp),
                           sample_weight)
        n = X.shape[0]
        t1 = model.predict_proba(np.column_stack([X, np.ones(n)]))[:, 1]
        t0 = model.predict_proba(np.column_stack([X, np.zeros(n)]))[:, 1]
        p = np.average(z, weights=sample_weight) if self.z_propensity == "auto" else float(
            self.z_propensity)
        cov = clip_cov(p * (1 - p) * (t1 - t0), self.cov_clip)
        return self._fit_final(X, y_res * (z - p) / cov, cov, sample_weight)
