"""Sensitivity of effect estimates to a hidden confounder.

- :class:`OmittedVariableSensitivity`: omitted-variable-bias bounds and
  robustness values for the ATE and the coefficients of a linear CATE
  (Chernozhukov, Cinelli, Newey, Sharma & Syrgkanis 2022, "Long Story Short";
  econml's ``sensitivity_interval`` and ``robustness_value``).
- :class:`ConfoundingBounds`: bounds on the CATE and the ATE when a hidden
  confounder changes the odds of treatment by at most a factor ``Gamma``
  (Yadlowsky, Namkoong, Basu, Duchi & Tian 2022, "Bounds on the conditional
  and average treatment effect with unobserved confounding factors").
"""

import numbers

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import BaseEstimator

from ..base import BaseCausalEstimator, _fit_model
from ..inference._estimate import Estimate, _check_alpha
from ..model_selection._crossfit import _predict_outcome, _predict_proba
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc, _shared_stage
from ._common import _effect_design, _rms

__all__ = ["ConfoundingBounds", "OmittedVariableSensitivity"]


def _ovb_interval(theta, sigma2, nu2, cov, alpha, c_y, c_t, rho, interval_type):
    """econml's ``sensitivity_interval``: bounds on theta (and their CI).

    ``|bias| <= C sqrt(sigma^2 nu^2)`` with ``C = |rho| sqrt(c_y) sqrt(c_t / (1 - c_t)) / 2``
    written as ``theta -/+ C (sigma^2 sqrt(nu^2 / sigma^2) + nu^2 sqrt(sigma^2 / nu^2)) / ...``
    (the linearisation econml uses for the delta-method CI of each bound).
    """
    C = abs(rho) * np.sqrt(c_y) * np.sqrt(c_t / (1 - c_t)) / 2
    ests = np.array([theta, sigma2, nu2])
    coefs_p = np.array([1.0, C * np.sqrt(nu2 / sigma2), C * np.sqrt(sigma2 / nu2)])
    coefs_n = np.array([1.0, -coefs_p[1], -coefs_p[2]])
    lb, ub = ests @ coefs_n, ests @ coefs_p
    if interval_type == "ci":
        z = norm.ppf(1 - alpha / 2)
        lb = lb - z * np.sqrt(max(coefs_n @ cov @ coefs_n, 0.0))
        ub = ub + z * np.sqrt(max(coefs_p @ cov @ coefs_p, 0.0))
    return float(lb), float(ub)


def _dr_params(y, t, gamma, outcome, propensity, Z, coef_names, categories, sample_weight):
    """``(theta, sigma^2, nu^2)`` and their covariance per (treated arm, coefficient).

    ``theta`` is the coefficient of the best linear projection of the DR
    pseudo-outcome on ``Z`` (the ATE for ``Z = 1``), ``sigma^2`` the mean of
    ``(Y - mu_A(X))^2`` over the units of the two arms compared and ``nu^2``
    the mean of ``2 l^2 (1/e_a + 1/e_0) - (l alpha)^2``; the covariance is
    that of their orthogonal scores over ``n``.
    """
    n = y.shape[0]
    w = np.ones(n) if sample_weight is None else sample_weight
    w = w / w.mean()
    # Columns scaled to unit root mean square: the pseudo-inverse's cut-off is
    # relative, and would drop the intercept beside a covariate in other units.
    c = _rms(Z, w)
    M_inv = np.linalg.pinv((Z / c * w[:, None]).T @ (Z / c) / n)
    ell = (Z / c) @ M_inv / c  # l(X_i), one column per coefficient
    e = propensity
    rows = np.arange(n)
    resid2 = (y - outcome[rows, t]) ** 2
    params, covs, names = [], [], []
    for k in range(1, len(categories)):
        phi = gamma[:, k] - gamma[:, 0]
        beta = np.sum(w[:, None] * ell * phi[:, None], axis=0) / n
        # influence of the projection coefficients (the Gram matrix estimated too)
        theta_if = ell * (phi - Z @ beta)[:, None] + beta
        sigma_score = np.where(np.isin(t, [0, k]), resid2, 0.0)
        a = (t == k) / e[:, k] - (t == 0) / e[:, 0]
        for j, cname in enumerate(coef_names):
            nu_score = 2 * ell[:, j] ** 2 * (1 / e[:, k] + 1 / e[:, 0]) - (ell[:, j] * a) ** 2
            S = np.column_stack([theta_if[:, j], sigma_score, nu_score])
            est = np.average(S, axis=0, weights=w)
            D = (S - est) * w[:, None]
            covs.append(D.T @ D / n / n)
            params.append(est)
            names.append(f"{categories[k]}: {cname}")
    return params, covs, names, n


@_fill_cross_fit_doc
class OmittedVariableSensitivity(_CrossFitMixin, BaseCausalEstimator):
    """Omitted-variable-bias bounds and robustness values of the ATE or a linear CATE.

    Chernozhukov, Cinelli, Newey, Sharma & Syrgkanis (2022). A target
    ``theta = E[l(X) (mu_a(X) - mu_0(X))]`` (the ATE for ``l = 1``; a
    coefficient of the best linear projection of the CATE on
    ``effect_features`` for ``l(X) = (E[Z Z'])^{-1} Z``, ``Z = [1, X_S]``)
    has Riesz representer ``alpha(W) = l(X) (1{A=a}/e_a - 1{A=0}/e_0)``. A
    confounder that explains a share ``c_y`` of the outcome's residual
    variation and whose omission changes the representer's variation by
    ``c_t`` (its ``R^2`` with the treatment odds), with correlation ``rho``
    between the two, biases ``theta`` by at most

    ``|bias| <= |rho| sqrt(c_y c_t / (1 - c_t)) sigma nu / 2``... in the
    form econml uses: ``theta -/+ C (sqrt(nu^2/sigma^2) sigma^2 + sqrt(sigma^2/nu^2) nu^2)``,
    ``C = |rho| sqrt(c_y) sqrt(c_t / (1 - c_t)) / 2``,

    with ``sigma^2 = E[(Y - mu_A(X))^2]`` and
    ``nu^2 = E[2 m(W; alpha) - alpha^2]`` (``m(W; alpha) = l(X)^2 (1/e_a + 1/e_0)``)
    estimated by their orthogonal scores; the interval's confidence bounds
    come from the joint covariance of ``(theta, sigma^2, nu^2)``. The
    robustness value is the ``c_y = c_t`` at which the bound (or its
    confidence bound) reaches the null. For the ATE the numbers equal
    econml's ``sensitivity_interval`` / ``robustness_value`` of a
    ``DRLearner`` with the same nuisances.

    Parameters
    ----------
    propensity_model : classifier, default=None
    outcome_model : regressor, default=None
    effect_features : list of str or int, default=None
        ``None`` bounds the ATE; else the coefficients of the linear CATE on
        these columns (with an intercept).
    {cross_fit}

    Attributes
    ----------
    estimate_ : Estimate
        ``theta`` of every (arm, coefficient).
    params_ : DataFrame
        ``theta, sigma2, nu2`` per (arm, coefficient).
    cov_ : ndarray of shape (n_targets, 3, 3)
        Covariance of ``(theta, sigma2, nu2)``.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.validation import OmittedVariableSensitivity
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, random_state=0)
    >>> sens = OmittedVariableSensitivity(outcome_model=LinearRegression(), cv=2)
    >>> sens = sens.fit(X, y, treatment=t)
    >>> lo, hi = sens.sensitivity_interval(c_y=0.05, c_t=0.05)
    >>> bool(lo < sens.estimate_.value[0] < hi)
    True
    """

    _default_models = {"propensity_model": "propensity", "outcome_model": "outcome"}
    _parameter_constraints: dict = {"effect_features": "no_validation"}

    def __init__(
        self, *, propensity_model=None, outcome_model=None, effect_features=None, cv=5,
        n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, verbose=0,
        control=None,
    ):
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.effect_features = effect_features
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        if np.ptp(y) == 0:
            raise ValueError(
                "y is constant: its residual variance sigma2 is 0 and the bounds "
                "(which divide by it) are undefined."
            )
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=True,
        )
        Z, coef_names = _effect_design(self, X)
        gamma = nuis.dr_scores(y, t)
        self._set_params(*_dr_params(y, t, gamma, nuis.outcome, nuis.propensity, Z, coef_names,
                                     self.categories_, sample_weight))
        return self

    def _set_params(self, params, covs, names, n):
        params = np.array(params)
        self.cov_ = np.array(covs)
        self.params_ = pd.DataFrame(params, columns=["theta", "sigma2", "nu2"], index=names)
        self.estimate_ = Estimate(
            params[:, 0], np.sqrt(self.cov_[:, 0, 0]), names=names, n=n,
            method="OVB sensitivity",
        )

    @classmethod
    def from_nuisances(cls, y, treatment, outcome, propensity, *, categories=None):
        """ATE bounds from nuisances fitted elsewhere (a DR learner's, an adapter's).

        The same orthogonal scores as :meth:`fit` with ``effect_features=None``
        (econml's ``dr_sensitivity_values``: ``DRLearner.sensitivity_interval``).

        Parameters
        ----------
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
            Integer codes ``0..K-1`` (0 the control).
        outcome : array-like of shape (n_samples, K)
            Out-of-fold ``mu_a(X_i)``.
        propensity : array-like of shape (n_samples, K)
            Out-of-fold ``e_a(X_i)``, clipped as the estimator used them.
        categories : array-like of shape (K,), default=None
            Arm labels (``None``: ``0..K-1``).

        Returns
        -------
        sensitivity : OmittedVariableSensitivity
            Fitted: ``params_``, ``cov_``, ``estimate_``, one row per treated arm.
        """
        from ..model_selection import Nuisances

        y = np.asarray(y, dtype=np.float64).ravel()
        t = np.asarray(treatment).ravel().astype(np.intp)
        outcome = np.asarray(outcome, dtype=np.float64)
        propensity = np.asarray(propensity, dtype=np.float64)
        if outcome.shape != propensity.shape or outcome.shape[0] != y.shape[0]:
            raise ValueError(
                f"outcome {outcome.shape} and propensity {propensity.shape} must both be "
                f"(n_samples, n_arms) with n_samples = {y.shape[0]}."
            )
        self = cls()
        self.categories_ = np.arange(outcome.shape[1]) if categories is None else np.asarray(
            categories)
        gamma = Nuisances(outcome=outcome, propensity=propensity).dr_scores(y, t)
        self._set_params(*_dr_params(y, t, gamma, outcome, propensity,
                                     np.ones((y.shape[0], 1)), ["ATE"], self.categories_, None))
        return self

    @classmethod
    def from_residuals(cls, y_res, t_res):
        """Bounds on the constant effect of a partially linear model (DML residuals).

        For ``Y~ = theta T~ + e``: ``theta = E[Y~ T~] / E[T~^2]``,
        ``sigma^2 = E[(Y~ - theta T~)^2]`` and ``nu^2 = 1 / E[T~^2]`` (the
        Riesz representer ``T~ / E[T~^2]``), with the sandwich covariance
        ``G^{-1} Omega G^{-1} / n`` of the three moment conditions,
        ``G = diag(E[T~^2], 1, E[T~^2])`` (Chernozhukov et al. 2022;
        econml's ``dml_sensitivity_values`` behind
        ``LinearDML.sensitivity_interval``). One treatment column and one
        outcome.

        Parameters
        ----------
        y_res, t_res : array-like of shape (n_samples,) or (n_samples, 1)
            Cross-fitted residuals ``Y - q(X)`` and ``T - f(X)``.

        Returns
        -------
        sensitivity : OmittedVariableSensitivity
            Fitted, with one target (``"theta"``).
        """
        y = np.asarray(y_res, dtype=np.float64)
        t = np.asarray(t_res, dtype=np.float64)
        if y.size != y.shape[0] or t.size != t.shape[0] or y.shape[0] != t.shape[0]:
            raise ValueError(
                "from_residuals needs one outcome and one treatment column of equal "
                f"length; got y_res {y.shape} and t_res {t.shape}."
            )
        y, t = y.ravel(), t.ravel()
        n = y.shape[0]
        tt = np.mean(t**2)
        if not tt > 0 or not np.all(np.isfinite(y)) or not np.all(np.isfinite(t)):
            raise ValueError(
                "t_res must vary (its mean square is the denominator of theta) and "
                "both residuals must be finite."
            )
        theta = np.mean(y * t) / tt
        sigma2 = np.mean((y - theta * t) ** 2)
        nu2 = 1 / tt
        G_inv = np.diag(1 / np.array([tt, 1.0, tt]))
        R = np.column_stack([y * t - theta * t**2, (y - theta * t) ** 2 - sigma2,
                             t**2 * nu2 - 1])
        cov = G_inv @ (R.T @ R / n) @ G_inv / n
        self = cls()
        self._set_params([[theta, sigma2, nu2]], [cov], ["theta"], n)
        return self

    def _target(self, target):
        if target is None:
            return 0
        if isinstance(target, numbers.Integral):
            return int(target)
        return self.params_.index.tolist().index(target)

    def sensitivity_interval(self, c_y=0.05, c_t=0.05, rho=1.0, alpha=0.05,
                             interval_type="ci", target=None):
        """Bounds on the target under confounding of strength ``(c_y, c_t, rho)``.

        Parameters
        ----------
        c_y, c_t : float in [0, 1), default=0.05
            Shares of the outcome's and of the representer's residual
            variation the confounder explains.
        rho : float in [-1, 1], default=1.0
        alpha : float, default=0.05
        interval_type : {"ci", "theta"}, default="ci"
            ``"theta"``: the bounds; ``"ci"``: their ``1 - alpha`` confidence bounds.
        target : int or str, default=None
            Row of ``params_`` (``None``: the first, the ATE of the first arm).

        Returns
        -------
        lower, upper : float
        """
        if interval_type not in ("ci", "theta"):
            raise ValueError(f"interval_type must be 'ci' or 'theta'; got {interval_type!r}.")
        if not (0 <= c_y < 1 and 0 <= c_t < 1):
            raise ValueError("c_y and c_t must lie in [0, 1).")
        if not -1 <= rho <= 1:
            raise ValueError("rho must lie in [-1, 1].")
        i = self._target(target)
        theta, sigma2, nu2 = self.params_.iloc[i].to_numpy()
        if not (sigma2 > 0 and nu2 > 0 and np.isfinite(sigma2) and np.isfinite(nu2)):
            raise ValueError(
                f"sigma2 = {sigma2:g} and nu2 = {nu2:g} must be positive and finite: the "
                "outcome is fitted exactly (sigma2 = 0), or the nuisance estimates are "
                "poor (e.g. extreme propensities)."
            )
        return _ovb_interval(theta, sigma2, nu2, self.cov_[i], _check_alpha(alpha),
                             c_y, c_t, rho, interval_type)

    def robustness_value(self, null=0.0, alpha=0.05, interval_type="ci", target=None):
        """Confounding strength ``c_y = c_t = r`` at which the bound reaches ``null``.

        0 when the interval without confounding already contains ``null``;
        found by bisection (as econml's ``RV``) to 1e-10.

        Parameters
        ----------
        null : float, default=0.0
        alpha : float, default=0.05
        interval_type : {"ci", "theta"}, default="ci"
        target : int or str, default=None

        Returns
        -------
        rv : float in [0, 1]
        """
        lb, ub = self.sensitivity_interval(0, 0, 1, alpha, interval_type, target)
        if lb < null < ub:
            return 0.0
        side = 0 if lb >= null else 1
        lo, hi = 0.0, 1.0
        while hi - lo > 1e-10:
            r = (lo + hi) / 2
            bound = self.sensitivity_interval(r, r, 1, alpha, interval_type, target)[side]
            if (bound - null) * (1 if side == 0 else -1) > 0:
                lo = r
            else:
                hi = r
        return (lo + hi) / 2

    def summary(self, c_y=0.05, c_t=0.05, rho=1.0, alpha=0.05, null=0.0):
        """Bounds and robustness values of every target.

        Returns
        -------
        frame : DataFrame
            Columns ``ci_lower, theta_lower, theta, theta_upper, ci_upper,
            rv_theta, rv_ci`` (econml's ``sensitivity_summary``).
        """
        rows = []
        for i, name in enumerate(self.params_.index):
            tl, tu = self.sensitivity_interval(c_y, c_t, rho, alpha, "theta", i)
            cl, cu = self.sensitivity_interval(c_y, c_t, rho, alpha, "ci", i)
            rows.append([cl, tl, self.params_.iloc[i, 0], tu, cu,
                         self.robustness_value(null, alpha, "theta", i),
                         self.robustness_value(null, alpha, "ci", i)])
        return pd.DataFrame(
            rows, index=self.params_.index,
            columns=["ci_lower", "theta_lower", "theta", "theta_upper", "ci_upper",
                     "rv_theta", "rv_ci"],
        )


# -- bounded odds of treatment (Yadlowsky et al.) ------------------------------------


def _expectile_fit(model, X, y, level, sample_weight, max_iter=50):
    """Expectile regression at ``level`` by iteratively reweighted least squares.

    The ``level``-expectile minimises ``E[|level - 1{Y < q}| (Y - q)^2]``
    (Newey & Powell 1987); each step refits ``model`` with weights ``level``
    above and ``1 - level`` below the current fit, until the signs stop
    changing (a linear model reaches this fixed point in a few steps) or the
    fit stops moving closer to one: a tree ensemble that fits its training
    rows closely never stops flipping a few of them, and its successive fits
    settle at a distance of a few percent of ``sd(y)`` from each other after
    two or three refits. It used to run all ``max_iter`` refits (51 fits of
    each of ConfoundingBounds' 60 expectiles at n = 500, 24 s); it stops when
    the root mean square change of the fit no longer decreases.
    """
    base = np.ones_like(y) if sample_weight is None else sample_weight
    fitted = _fit_model(model, X, y, base)
    pred = _predict_outcome(fitted, X)
    above, change = None, np.inf
    for _ in range(max_iter):
        new_above = y > pred
        if above is not None and np.array_equal(new_above, above):
            break
        above = new_above
        candidate = _fit_model(model, X, y, base * np.where(above, level, 1 - level))
        new_pred = _predict_outcome(candidate, X)
        new_change = np.sqrt(np.mean((new_pred - pred) ** 2))
        if new_change >= change:
            break
        fitted, pred, change = candidate, new_pred, new_change
    return fitted


class _Expectile(BaseEstimator):
    """The ``level``-expectile of ``Y | X`` (:func:`_expectile_fit`) and ``P(Y > it | X)``.

    A regressor for the shared stage: ``predict`` is the expectile;
    :meth:`exceedance` the probability that ``Y`` exceeds it, by a clone of
    ``classifier`` fitted on the training rows' signs (their share when one
    sign is missing).
    """

    def __init__(self, estimator=None, classifier=None, level=0.5, max_iter=50):
        self.estimator = estimator
        self.classifier = classifier
        self.level = level
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        self.estimator_ = _expectile_fit(self.estimator, X, y, self.level, sample_weight,
                                         self.max_iter)
        above = y > _predict_outcome(self.estimator_, X)
        self.share_above_ = float(above.mean())
        self.classifier_ = None
        if 0 < above.sum() < above.size:
            self.classifier_ = _fit_model(self.classifier, X, above.astype(int), sample_weight)
        return self

    def predict(self, X):
        return _predict_outcome(self.estimator_, X)

    def exceedance(self, X):
        if self.classifier_ is None:
            return np.full(X.shape[0], self.share_above_)
        return _predict_proba(self.classifier_, X, 2)[:, 1]


@_fill_cross_fit_doc
class ConfoundingBounds(_CrossFitMixin, BaseCausalEstimator):
    """Bounds on the ATE and the CATE when a hidden confounder shifts treatment odds by <= Gamma.

    Yadlowsky, Namkoong, Basu, Duchi & Tian (2022). The sensitivity model: an
    unobserved ``U`` may confound, but for units with the same ``X`` the
    odds of treatment differ by at most a factor ``Gamma``,
    ``1/Gamma <= [e(X, u) / (1 - e(X, u))] / [e(X, u') / (1 - e(X, u'))] <= Gamma``
    (Rosenbaum's model; ``Gamma = 1`` is no hidden confounding). Then the
    counterfactual mean of the treated outcome among the controls,
    ``E[Y(1) | X, A = 0]``, lies between the lower and upper
    ``Gamma / (1 + Gamma)``-expectiles ``theta_1^-(X) <= theta_1^+(X)`` of
    ``Y | X, A = 1`` (solutions of the weighted least-squares problems
    ``E[(Y - theta)_+] Gamma = E[(theta - Y)_+]`` and its mirror; the
    paper's loss-minimisation approach), and symmetrically for ``Y(0)``. So

    ``tau^+(x) = e mu_1 + (1 - e) theta_1^+ - (1 - e) mu_0 - e theta_0^-``

    and ``tau^-`` with the signs swapped. The ATE bounds average the
    Neyman-orthogonal scores of the paper,

    ``phi_1^+ = A Y + (1 - A) theta_1^+(X) + A (1 - e)/e psi^+(Y - theta_1^+(X)) / D_1^+(X)``,

    ``psi^+(r) = Gamma r_+ - r_-`` and ``D_1^+(X) = 1 + (Gamma - 1) P(Y > theta_1^+ | X, A = 1)``
    (and the mirrors for ``Y(0)`` and the lower bound), so each bound is a
    regular root-n estimator when the nuisances converge at
    ``o_p(n^{-1/4})``, with standard errors from the scores. At
    ``Gamma = 1`` both bounds equal the AIPW ATE.

    The expectiles are fitted by ``outcome_model`` (iteratively reweighted:
    it must take ``sample_weight``), the exceedance probabilities by a clone
    of ``propensity_model``, all cross-fitted on the folds of the shared
    stage. Two arms only.

    Parameters
    ----------
    gammas : array-like of float >= 1, default=(1, 1.5, 2, 3)
        Values of Gamma at which the bounds are computed.
    propensity_model : classifier, default=None
    outcome_model : regressor, default=None
    {cross_fit}

    Attributes
    ----------
    bounds_ : DataFrame
        Index ``gamma``; columns ``ate_lower, ate_upper, stderr_lower,
        stderr_upper``.
    scores_ : dict of gamma to ndarray of shape (n_samples, 2)
        Per-unit scores of the lower and upper ATE bounds.
    estimate_ : Estimate
        The ATE bounds at every Gamma, ``[lower, upper]`` per Gamma.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.validation import ConfoundingBounds
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, random_state=0)
    >>> cb = ConfoundingBounds(gammas=[1, 2], outcome_model=LinearRegression(), cv=2)
    >>> b = cb.fit(X, y, treatment=t).bounds_
    >>> bool(b.loc[2.0, "ate_lower"] < b.loc[1.0, "ate_lower"])
    True
    """

    _default_models = {"propensity_model": "propensity", "outcome_model": "outcome"}
    _parameter_constraints: dict = {"gammas": ["array-like"]}

    def __init__(
        self, *, gammas=(1.0, 1.5, 2.0, 3.0), propensity_model=None, outcome_model=None,
        cv=5, n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, verbose=0,
        control=None,
    ):
        self.gammas = gammas
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        gammas = np.asarray(self.gammas, dtype=np.float64).ravel()
        if gammas.size == 0 or np.any(gammas < 1) or not np.all(np.isfinite(gammas)):
            raise ValueError(f"gammas must be finite numbers >= 1; got {self.gammas!r}.")
        if len(self.categories_) != 2:
            raise ValueError(
                f"ConfoundingBounds compares two arms; got {len(self.categories_)}."
            )
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=True,
        )
        n = X.shape[0]
        e1 = nuis.propensity[:, 1]
        A = (t == 1).astype(float)
        model = self._model("outcome_model")
        classifier = self._model("propensity_model")
        self.gammas_ = np.unique(gammas)
        self.models_ = {}
        self.scores_ = {}
        rows, est_v, est_s, names = [], [], [], []
        for g in self.gammas_:
            theta = np.repeat(nuis.outcome[:, :, None], 2, axis=2)  # unit, arm, (lower, upper)
            D = np.ones((n, 2, 2))
            fold_models = [{} for _ in self.folds_]
            for side, level in ((0, 1 / (1 + g)), (1, g / (1 + g))):
                if g == 1:
                    continue
                # Through the stage: the memory cache, verbose, n_jobs and the
                # folds (grouped when groups were routed) of the nuisances.
                _, fitted = _shared_stage(
                    self, X, y, t, 2, sample_weight, folds=self.folds_,
                    outcome_model=_Expectile(model, classifier, level),
                )
                theta[:, :, side] = fitted.outcome
                for k, (_, test) in enumerate(self.folds_):
                    for arm in (0, 1):
                        m = fitted.models["outcome"][k][arm]
                        p = m.exceedance(X[test])
                        # |d psi / d theta|: Gamma above theta for the upper
                        # bound, Gamma below it for the lower one.
                        D[test, arm, side] = 1 + (g - 1) * (p if side == 1 else 1 - p)
                        fold_models[k][(arm, side)] = m
            self.models_[float(g)] = fold_models
            phi = {}
            for arm, a_ind, e_arm in ((1, A, e1), (0, 1 - A, 1 - e1)):
                for side in (0, 1):
                    r = y - theta[:, arm, side]
                    if side == 1:
                        psi = g * np.maximum(r, 0) - np.maximum(-r, 0)
                    else:
                        psi = np.maximum(r, 0) - g * np.maximum(-r, 0)
                    phi[(arm, side)] = (
                        a_ind * y + (1 - a_ind) * theta[:, arm, side]
                        + a_ind * (1 - e_arm) / e_arm * psi / D[:, arm, side]
                    )
            lower = phi[(1, 0)] - phi[(0, 1)]
            upper = phi[(1, 1)] - phi[(0, 0)]
            S = np.column_stack([lower, upper])
            self.scores_[float(g)] = S
            w = np.ones(n) if sample_weight is None else sample_weight
            mean = np.average(S, axis=0, weights=w)
            n_eff = np.sum(w) ** 2 / np.sum(w**2)
            se = np.sqrt(np.average((S - mean) ** 2, axis=0, weights=w) / n_eff)
            rows.append([mean[0], mean[1], se[0], se[1]])
            est_v += mean.tolist()
            est_s += se.tolist()
            names += [f"Gamma={g:g}: lower", f"Gamma={g:g}: upper"]
        self.bounds_ = pd.DataFrame(
            rows, index=pd.Index(self.gammas_, name="gamma"),
            columns=["ate_lower", "ate_upper", "stderr_lower", "stderr_upper"],
        )
        self.estimate_ = Estimate(np.array(est_v), np.array(est_s), names=names, n=n,
                                  method="ATE bounds")
        return self

    def conf_int(self, alpha=0.05):
        """Confidence bounds for the ATE at every Gamma.

        ``[lower - z se_lower, upper + z se_upper]``, ``z = z_{1 - alpha/2}``:
        covers the true ATE with probability at least ``1 - alpha`` when
        Gamma is at least the true one.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        frame : DataFrame
            Index ``gamma``; columns ``ci_lower, ci_upper``.
        """
        z = norm.ppf(1 - _check_alpha(alpha) / 2)
        b = self.bounds_
        return pd.DataFrame(
            {"ci_lower": b["ate_lower"] - z * b["stderr_lower"],
             "ci_upper": b["ate_upper"] + z * b["stderr_upper"]},
            index=b.index,
        )

    def cate_bounds(self, X, gamma):
        """Bounds ``tau^-(x) <= tau^+(x)`` on the CATE at ``gamma`` (one of ``gammas_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        gamma : float

        Returns
        -------
        lower, upper : ndarray of shape (n_samples,)
        """
        X = self._validate_X_predict(X)
        key = float(gamma)
        if key not in self.models_:
            raise ValueError(f"gamma={gamma} is not one of the fitted {self.gammas_.tolist()}.")
        nuis = self.nuisances_.predict(X)
        e1 = nuis.propensity[:, 1]
        mu = nuis.outcome
        theta = np.empty((X.shape[0], 2, 2))
        for arm in (0, 1):
            for side in (0, 1):
                if key == 1.0:
                    theta[:, arm, side] = mu[:, arm]
                else:
                    theta[:, arm, side] = np.mean(
                        [_predict_outcome(f[(arm, side)], X) for f in self.models_[key]],
                        axis=0,
                    )
        m1 = lambda side: e1 * mu[:, 1] + (1 - e1) * theta[:, 1, side]  # noqa: E731
        m0 = lambda side: (1 - e1) * mu[:, 0] + e1 * theta[:, 0, side]  # noqa: E731
        return m1(0) - m0(1), m1(1) - m0(0)

    def breakdown_gamma(self, null=0.0, alpha=0.05):
        """Smallest fitted Gamma whose confidence bounds contain ``null`` (inf if none).

        Parameters
        ----------
        null : float, default=0.0
        alpha : float, default=0.05

        Returns
        -------
        gamma : float
        """
        ci = self.conf_int(alpha)
        inside = (ci["ci_lower"] <= null) & (ci["ci_upper"] >= null)
        return float(ci.index[inside.to_numpy()][0]) if inside.any() else float("inf")
