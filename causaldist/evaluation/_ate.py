"""Average treatment effects (ATE, ATT) by IPW or AIPW, with inference."""

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ..base import BaseCausalEstimator
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ._inference import Estimate, _linearised_ratio

__all__ = ["AverageTreatmentEffect"]


def _ate_terms(scores):
    """Per-unit terms of the ATE of every arm against the control arm.

    ``tau_a = (1/n) sum_i [Gamma_i(a) - Gamma_i(0)]``, a plain mean whose
    influence function is the centred term itself. With the AIPW scores
    ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} (Y_i - mu_a(X_i)) / e_a(X_i)`` this
    is the doubly robust ATE (Robins, Rotnitzky & Zhao 1994; Hahn 1998,
    efficient; Chernozhukov et al. 2018, eq. 5.3, with cross-fitting); with
    ``Gamma_i(a) = 1{A_i = a} Y_i / e_a(X_i)`` it is the Horvitz-Thompson IPW
    ATE (Hirano, Imbens & Ridder 2003), whose standard error then treats the
    propensities as known (conservative when they are estimated).

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_arms)

    Returns
    -------
    num : ndarray of shape (n_samples, n_arms - 1)
    den : float
    """
    return scores[:, 1:] - scores[:, [0]], 1.0


def _att_terms(y, t, propensity, mu0):
    """Per-unit ratio terms of the ATT of every arm against the control arm.

    The effect of arm ``a`` on the units that received it,
    ``theta_a = E[Y(a) - Y(0) | A = a]``, is estimated by

    ``theta_a = sum_i [D_ai - D_0i e_a(X_i) / e_0(X_i)] (Y_i - mu_0(X_i)) / sum_i D_ai``

    with ``D_ai = 1{A_i = a}``: the doubly robust ATT of Hahn (1998) and
    Chernozhukov et al. (2018, eq. 5.4), restricted to the arms ``{0, a}``
    (whose conditional odds are ``e_a / e_0``). Its influence function is

    ``psi_i = ([D_ai - D_0i e_a / e_0] (Y_i - mu_0(X_i)) - D_ai theta_a) / P(A = a)``,

    Neyman-orthogonal in ``(mu_0, e)``. With ``mu_0 = 0`` it is the IPW ATT
    (treated mean minus the odds-weighted control mean), whose standard error
    treats the propensities as known.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    t : ndarray of shape (n_samples,)
        Integer codes, control 0.
    propensity : ndarray of shape (n_samples, n_arms)
    mu0 : ndarray of shape (n_samples,) or float
        The control-arm outcome regression (0 for IPW).

    Returns
    -------
    num, den : ndarray of shape (n_samples, n_arms - 1)
        ``theta_a = sum num[:, a-1] / sum den[:, a-1]``.
    """
    n_arms = propensity.shape[1]
    D = (t[:, None] == np.arange(1, n_arms)).astype(np.float64)
    D0 = (t == 0).astype(np.float64)[:, None]
    odds = propensity[:, 1:] / propensity[:, [0]]
    resid = (y - mu0)[:, None]
    return (D - D0 * odds) * resid, D


@_fill_cross_fit_doc
class AverageTreatmentEffect(_CrossFitMixin, BaseCausalEstimator):
    """Average treatment effect (ATE) or effect on the treated (ATT), IPW or DR.

    Every arm is compared with the control arm ``categories_[0]``, from
    nuisances cross-fitted on the shared folds (or known propensities). The
    formulas and their papers are in the docstrings of ``_ate_terms`` (ATE,
    ``Gamma_i(a) - Gamma_i(0)`` averaged) and ``_att_terms`` (ATT of
    Hahn 1998 / Chernozhukov et al. 2018). Standard errors are the standard
    deviations of the per-unit influence-function terms over ``sqrt(n)``.
    The overlap report follows the estimand: inverse-propensity weights for
    the ATE, the control units' odds weights for the ATT.

    Parameters
    ----------
    method : {"dr", "ipw"}, default="dr"
        ``"dr"``: augmented IPW (doubly robust, efficient); ``"ipw"``:
        inverse-propensity weighting only (no outcome model).
    target : {"ate", "att"}, default="ate"
        ``"ate"``: ``E[Y(a) - Y(0)]``; ``"att"``: ``E[Y(a) - Y(0) | A = a]``.
    outcome_model : regressor, default=None
        ``mu_a(x) = E[Y | A = a, X = x]`` (``method="dr"`` only); ``None``
        means ``HistGradientBoostingRegressor(early_stopping=False)``.
    propensity_model : classifier, default=None
        Estimates ``e_a(x) = P(A = a | X = x)`` with ``predict_proba``,
        cross-fitted on the shared folds. ``None`` means ``StandardScaler`` +
        ``LogisticRegression``. Ignored when known propensities are passed to
        fit (``propensity=``).
    {cross_fit}

    Attributes
    ----------
    estimate_ : Estimate
        Effect of ``categories_[k + 1]`` against the control, in that order
        (a scalar with two arms), with influence-function standard errors;
        ``estimate_.summary_frame()`` is the table.
    covariance_ : ndarray of shape (n_arms - 1, n_arms - 1)
        Covariance of the effects (they share the control units).
    influence_ : ndarray of shape (n_samples, n_arms - 1)
        Per-unit influence-function values (mean zero).
    scores_ : ndarray of shape (n_samples, n_arms)
        The per-unit DR (or IPW) scores of every arm.
    propensity_ : ndarray of shape (n_samples, n_arms)
        Out-of-fold (or known) propensities.
    outcome_ : ndarray of shape (n_samples, n_arms)
        Out-of-fold outcome regressions (``method="dr"``).
    overlap_ : DataFrame
        Per-arm overlap report, see :func:`overlap_diagnostics`.
    nuisances_ : Nuisances
        The shared cross-fitting stage's output.
    folds_ : list of (train, test) or None
        Cross-fitting folds.
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    DREvaluator : the value of a policy from the same scores.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.evaluation import AverageTreatmentEffect
    >>> X, y, t, tau = make_heterogeneous(2000, n_arms=3, random_state=0)
    >>> ate = AverageTreatmentEffect(outcome_model=LinearRegression(), random_state=0)
    >>> ate.fit(X, y, treatment=t).estimate_.value.round(2)
    array([0.48, 0.87])
    >>> print(ate.estimate_.summary_frame().round(2).to_string())
       point_estimate  stderr  zstat  pvalue  ci_lower  ci_upper
    1            0.48    0.07   6.58     0.0      0.33      0.62
    2            0.87    0.08  11.46     0.0      0.72      1.02
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"dr", "ipw"})],
        "target": [StrOptions({"ate", "att"})],
    }
    _default_models = {"outcome_model": "outcome", "propensity_model": "propensity"}
    _keep_frame = True

    def __init__(
        self,
        method="dr",
        target="ate",
        *,
        outcome_model=None,
        propensity_model=None,
        cv=5,
        n_jobs=None,
        memory=None,
        min_propensity=1e-3,
        random_state=None,
        verbose=0, control=None,
    ):
        self.method = method
        self.target = target
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    @property
    def _estimand(self):
        return self.target

    def _models_seeing_X(self):
        names = ["propensity_model"] + (["outcome_model"] if self.method == "dr" else [])
        return [self._model(name) for name in names]

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=self.method == "dr",
        )
        self.propensity_ = nuis.propensity
        if self.method == "dr":
            self.outcome_ = nuis.outcome
            self.scores_ = nuis.dr_scores(y, t)
            mu0 = nuis.outcome[:, 0]
        else:
            rows = np.arange(y.shape[0])
            self.scores_ = np.zeros_like(nuis.propensity)
            self.scores_[rows, t] = y / nuis.propensity[rows, t]
            mu0 = 0.0
        if self.target == "ate":
            num, den = _ate_terms(self.scores_)
        else:
            num, den = _att_terms(y, t, nuis.propensity, mu0)
        effect, scores, stderr = _linearised_ratio(num, den, sample_weight)
        self.influence_ = scores - effect
        n = y.shape[0]
        self.covariance_ = np.atleast_2d(np.cov(self.influence_, rowvar=False)) / n
        single = np.size(effect) == 1
        self.estimate_ = Estimate(
            effect[0] if single else effect, stderr[0] if single else stderr, n=n,
            scores=scores[:, 0] if single else scores,
            names=self.categories_[1:],
            method=f"{self.method.upper()} {self.target.upper()}",
        )
        return self
