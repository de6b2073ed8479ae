"""Causal isotonic calibration of any CATE estimator, and the calibration error."""

import numpy as np
from sklearn.base import clone
from sklearn.isotonic import IsotonicRegression

from ..base import BaseCausalEstimator, CATEMixin
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ._common import _cate_against, _cross_fit_cate, _is_fitted

__all__ = ["CausalIsotonicCalibration", "calibration_error"]


def calibration_error(cate_pred, target, *, n_bins=10, sample_weight=None, noisy_target=False):
    """L2 calibration error of CATE predictions, on quantile bins of the predictions.

    ``CE = sum_b p_b (mean_b(target) - mean_b(cate_pred))^2``: how far the
    predictions are from the mean effect of the units that receive them,
    ``E[(E[tau(X) | tau_hat(X)] - tau_hat(X))^2]`` (van der Laan, Ulloa-Perez,
    Carone & Luedtke 2023) on ``n_bins`` quantile bins. ``target`` is the
    true CATE (simulations) or, with ``noisy_target=True``, unbiased but
    noisy pseudo-outcomes such as the DR scores, whose noise then inflates
    each squared bin error by ``var_b / n_b``; that term is subtracted.

    Parameters
    ----------
    cate_pred : array-like of shape (n_samples,)
    target : array-like of shape (n_samples,)
        True effects, or DR pseudo-outcomes with ``noisy_target=True``.
    n_bins : int, default=10
    sample_weight : array-like of shape (n_samples,), default=None
    noisy_target : bool, default=False

    Returns
    -------
    error : float

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.validation import calibration_error
    >>> tau = np.linspace(-1, 1, 1000)
    >>> round(calibration_error(tau, tau), 6), round(calibration_error(2 * tau, tau), 3)
    (0.0, 0.331)
    """
    s = np.asarray(cate_pred, dtype=np.float64).ravel()
    g = np.asarray(target, dtype=np.float64).ravel()
    if s.shape != g.shape:
        raise ValueError(f"cate_pred has {s.size} entries but target has {g.size}.")
    w = np.ones_like(s) if sample_weight is None else np.asarray(sample_weight, float)
    cuts = np.quantile(s, np.linspace(0, 1, n_bins + 1))
    b = np.searchsorted(cuts[1:-1], s, side="right")
    err = 0.0
    total = w.sum()
    for j in np.unique(b):
        idx = (b == j) & (w > 0)
        if not idx.any():
            continue
        wj = w[idx]
        mg = np.average(g[idx], weights=wj)
        term = (mg - np.average(s[idx], weights=wj)) ** 2
        if noisy_target and idx.sum() > 1:
            term -= np.average((g[idx] - mg) ** 2, weights=wj) / (idx.sum() - 1)
        err += wj.sum() / total * term
    return float(err)


@_fill_cross_fit_doc
class CausalIsotonicCalibration(CATEMixin, _CrossFitMixin, BaseCausalEstimator):
    """Causal isotonic calibration of a CATE estimator, with cross-calibration.

    van der Laan, Ulloa-Perez, Carone & Luedtke (2023), "Causal isotonic
    calibration for heterogeneous treatment effects". A CATE predictor
    ``tau_hat`` is calibrated when ``E[tau(X) | tau_hat(X)] = tau_hat(X)``:
    units predicted to gain 2 gain 2 on average. The calibrator is the
    isotonic regression ``theta`` of the DR pseudo-outcomes
    ``phi_i = Gamma_i(a) - Gamma_i(0)`` on the predictions, and the
    calibrated predictor is ``theta(tau_hat(x))``: monotone in the original
    predictions (their ranking is kept, up to ties) and doubly robustly
    calibrated.

    - Unfitted ``estimator`` (cross-calibration, the paper's Algorithm 2):
      one clone is fitted on each fold's training rows and predicts its test
      rows; ``theta`` is fitted on these out-of-fold predictions and the
      cross-fitted ``phi``, and ``predict(x)`` is the median over the folds
      of ``theta(tau_hat_k(x))``. No calibration set is held out.
    - Fitted ``estimator`` (calibration on held-out rows): ``fit`` receives
      the calibration rows and ``predict(x) = theta(tau_hat(x))``. Wrap the
      estimator in ``sklearn.frozen.FrozenEstimator`` to keep it fitted
      under ``clone``.
    - ``None``: a :class:`~causaldist.metalearners.TLearner` with
      ``outcome_model``, cross-calibrated.

    Each treated arm's contrast with control is calibrated separately.

    Parameters
    ----------
    estimator : CATE estimator, default=None
        See above.
    propensity_model : classifier, default=None
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
    outcome_model : regressor, default=None
        Per-arm outcome model of the DR pseudo-outcomes (and of the default
        T-learner); ``None`` means a HistGradientBoostingRegressor.
    {cross_fit}

    Attributes
    ----------
    estimators_ : list
        The fold clones (cross-calibration) or ``[estimator]``.
    calibrators_ : list of IsotonicRegression
        One per treated arm.
    oof_cate_ : ndarray of shape (n_samples, n_arms - 1)
        The uncalibrated out-of-fold (or held-out) predictions ``theta`` was fitted on.
    scores_ : ndarray of shape (n_samples, n_arms - 1)
        The DR pseudo-outcomes.
    folds_, nuisances_, overlap_, categories_, n_features_in_, feature_names_in_

    See Also
    --------
    calibration_error : the L2 calibration error it reduces.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.validation import CausalIsotonicCalibration
    >>> X, y, t, tau = make_heterogeneous(n_samples=1000, design="rct", random_state=0)
    >>> cal = CausalIsotonicCalibration(outcome_model=LinearRegression(), cv=2)
    >>> cal.fit(X, y, treatment=t).predict(X[:3]).shape
    (3,)
    """

    _default_models = {"propensity_model": "propensity", "outcome_model": "outcome"}
    _parameter_constraints: dict = {"estimator": "no_validation"}

    def __init__(
        self, estimator=None, *, propensity_model=None, outcome_model=None, cv=5,
        n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, verbose=0,
        control=None,
    ):
        self.estimator = estimator
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _base_estimator(self):
        if self.estimator is not None:
            return self.estimator
        from ..metalearners import TLearner

        return TLearner(outcome_model=clone(self._model("outcome_model")))

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=True,
        )
        gamma = nuis.dr_scores(y, t)
        self.scores_ = gamma[:, 1:] - gamma[:, [0]]
        base = self._base_estimator()
        if self.estimator is not None and _is_fitted(base):
            self.oof_cate_ = _cate_against(base, X, self.categories_)
            self.estimators_ = [base]
        else:
            self.oof_cate_, self.estimators_ = _cross_fit_cate(
                base, X, y, t, sample_weight, self.folds_, self.categories_
            )
        self.calibrators_ = [
            IsotonicRegression(out_of_bounds="clip").fit(
                self.oof_cate_[:, k], self.scores_[:, k], sample_weight=sample_weight
            )
            for k in range(self.scores_.shape[1])
        ]
        return self

    def _calibrated(self, tau):
        return np.column_stack(
            [cal.predict(tau[:, k]) for k, cal in enumerate(self.calibrators_)]
        )

    def _cate(self, X):
        preds = [
            self._calibrated(_cate_against(est, X, self.categories_))
            for est in self.estimators_
        ]
        return np.median(np.stack(preds), axis=0)

    def _models_seeing_X(self):
        return [self._model("propensity_model"), self._model("outcome_model")]
