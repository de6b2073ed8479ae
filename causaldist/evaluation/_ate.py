"""Average treatment effects (ATE, ATT) by IPW or AIPW, with inference."""

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import _CrossFittedNuisances
from ._inference import _check_alpha, _linearised_ratio

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


class AverageTreatmentEffect(_CrossFittedNuisances):
    """Average treatment effect (ATE) or effect on the treated (ATT), IPW or DR.

    Every arm is compared with the control arm ``categories_[0]``, from
    nuisances cross-fitted on the shared folds (or known propensities). The
    formulas and their papers are in the docstrings of ``_ate_terms`` (ATE,
    ``Gamma_i(a) - Gamma_i(0)`` averaged) and ``_att_terms`` (ATT of
    Hahn 1998 / Chernozhukov et al. 2018). Standard errors are the standard
    deviations of the per-unit influence-function terms over ``sqrt(n)``.

    Parameters
    ----------
    method : {"dr", "ipw"}, default="dr"
        ``"dr"``: augmented IPW (doubly robust, efficient); ``"ipw"``:
        inverse-propensity weighting only (no outcome model).
    target : {"ate", "att"}, default="ate"
        ``"ate"``: ``E[Y(a) - Y(0)]``; ``"att"``: ``E[Y(a) - Y(0) | A = a]``.
    outcome_model : regressor, default=None
        ``mu_a(x) = E[Y | A = a, X = x]`` (``method="dr"`` only); ``None``
        means ``HistGradientBoostingRegressor()``.
    propensity_model : classifier, default=None
        Estimates ``e_a(x) = P(A = a | X = x)`` with ``predict_proba``,
        cross-fitted on the shared folds. ``None`` means
        ``LogisticRegression(max_iter=1000)``. Ignored when known propensities
        are passed to fit.
    cv : int, cross-validation generator or iterable, default=5
        Cross-fitting folds, built by :func:`causaldist.model_selection.make_folds`
        (stratified on treatment, grouped when ``groups`` are given).
    n_jobs : int, default=None
        Folds fitted in parallel with joblib.
    memory : None, str or joblib.Memory, default=None
        Cache of the cross-fitting stage.
    min_propensity : float, default=1e-3
        Estimated propensities are clipped to ``[min_propensity, 1 -
        min_propensity]`` (known ones are used as given).
    random_state : int, RandomState instance or None, default=None
        Shuffling of the folds.
    control : label, default=None
        The control arm, ``categories_[0]``; ``None`` means the smallest label.

    Attributes
    ----------
    effect_ : ndarray of shape (n_arms - 1,)
        Effect of ``categories_[k + 1]`` against the control, in that order
        (length 1 with two arms).
    stderr_ : ndarray of shape (n_arms - 1,)
        Influence-function standard errors.
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
    >>> ate.fit(X, y, treatment=t).effect_.round(2)
    array([0.48, 0.87])
    >>> print(ate.summary().round(2).to_string(index_names=False))
       effect  stderr      z  pvalue  ci_lower  ci_upper
    1    0.48    0.07   6.58     0.0      0.33      0.62
    2    0.87    0.08  11.46     0.0      0.72      1.02
    """

    _parameter_constraints: dict = {
        **_CrossFittedNuisances._parameter_constraints,
        "method": [StrOptions({"dr", "ipw"})],
        "target": [StrOptions({"ate", "att"})],
        "outcome_model": [HasMethods(["fit", "predict"]), None],
    }

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
        control=None,
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
        self.control = control

    @property
    def _needs_outcome(self):
        return self.method == "dr"

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, treatment=None, *, sample_weight=None, propensity=None, groups=None
    ):
        """Cross-fit the nuisances and compute the effects.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates. Kept (as given) to apply estimator and callable
            policies to in :meth:`evaluate`.
        y : array-like of shape (n_samples,)
            Observed outcomes.
        treatment : array-like of shape (n_samples,)
            Received arm of every unit (any labels).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the units in the nuisance fits and in every mean.
        propensity : float or array-like, default=None
            Known propensities, e.g. the design of a randomised trial, used
            instead of a cross-fitted ``propensity_model``: a matrix of shape
            ``(n_samples, n_arms)`` (or ``(1, n_arms)`` for one design shared
            by all units) with columns in ``categories_`` order, or, with two
            arms, a scalar or ``(n_samples,)`` array of the probability of the
            treated arm ``categories_[1]``. Requested through metadata routing
            by default, like ``treatment``.
        groups : array-like of shape (n_samples,), default=None
            Group labels for grouped cross-fitting folds.

        Returns
        -------
        self : object
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        nuis = self._fit_nuisances(X, y, t, sample_weight, propensity, groups)
        if self.method == "dr":
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
        self.effect_ = np.atleast_1d(effect)
        self.stderr_ = np.atleast_1d(stderr)
        self.influence_ = scores - effect
        n = y.shape[0]
        self.covariance_ = np.atleast_2d(np.cov(self.influence_, rowvar=False)) / n
        return self

    def conf_int(self, alpha=0.05):
        """Normal confidence intervals of the effects.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage.

        Returns
        -------
        lower, upper : ndarray of shape (n_arms - 1,)
        """
        check_is_fitted(self, "effect_")
        z = norm.ppf(1 - _check_alpha(alpha) / 2)
        return self.effect_ - z * self.stderr_, self.effect_ + z * self.stderr_

    def summary(self, alpha=0.05):
        """Table of the effects with standard errors, z, p-values and intervals.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage of the intervals.

        Returns
        -------
        table : DataFrame
            One row per treated arm (indexed by its label), columns
            ``effect, stderr, z, pvalue, ci_lower, ci_upper``.
        """
        lower, upper = self.conf_int(alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = self.effect_ / self.stderr_
        return pd.DataFrame(
            {
                "effect": self.effect_,
                "stderr": self.stderr_,
                "z": z,
                "pvalue": 2 * norm.sf(np.abs(z)),
                "ci_lower": lower,
                "ci_upper": upper,
            },
            index=pd.Index(self.categories_[1:], name="arm"),
        )
