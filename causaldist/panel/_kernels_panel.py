"""Two-period DiD with panel data: ATT and influence function (Sant'Anna & Zhao 2020).

Notation (one row per unit): ``dY = Y_1 - Y_0``, ``D`` the treated-group
indicator, ``w`` unit weights normalised to mean one, ``p(X)`` the propensity
score and ``m(X) = E[dY | X, D = 0]`` the comparison units' outcome trend.
Every estimator returns ``(att, psi)`` with ``psi`` the per-unit influence
function: ``att - ATT ~ mean(psi)``, so ``se = sqrt(mean(psi^2) / n)`` (the
``did`` convention) or ``sd(psi) / sqrt(n)`` (``DRDID``'s).

- ``"dr"`` (traditional DR, Sant'Anna & Zhao 2020, eq. 3.1; ``DRDID::drdid_panel``,
  the estimator ``did::att_gt`` uses): with ``w_1 = w D`` and
  ``w_0 = w (1 - D) p / (1 - p)``,
  ``ATT = mean(w_1 (dY - m)) / mean(w_1) - mean(w_0 (dY - m)) / mean(w_0)``.
- ``"dr-improved"`` (eq. 3.3, ``drdid_imp_panel``): ``p`` by inverse probability
  tilting and ``m`` by least squares weighted by ``w p / (1 - p)``; then
  ``ATT = mean(w (D - (1 - D) p / (1 - p)) (dY - m)) / mean(w D)``, whose
  influence function has no estimation effect of the nuisances (Theorem 3.2).
- ``"ipw"`` (Abadie 2005, normalised weights; ``std_ipw_did_panel``):
  ``mean(w_1 dY) / mean(w_1) - mean(w_0 dY) / mean(w_0)``.
- ``"reg"`` (Heckman, Ichimura & Todd 1997; ``reg_did_panel``):
  ``mean(w_1 (dY - m)) / mean(w_1)``.

Comparison units with ``p >= trim_level`` are dropped from the weights
(``DRDID``'s trimming) and ``p`` is capped at ``1 - 1e-6``. With the default
parametric nuisances the influence function includes the estimation effect of
the logit and least-squares coefficients (their asymptotic linear
representations ``score @ inverse information``); with other models it is the
plug-in influence function, first-order valid for the DR estimators (the score
is Neyman-orthogonal) but not for ``"ipw"`` or ``"reg"``.
"""

import numpy as np

from . import _nuisance as nu

__all__ = []


def _with_intercept(X):
    return np.column_stack([np.ones(X.shape[0]), X])


def trim(ps, D, trim_level):
    """Cap ``ps`` below one and drop comparison units with ``ps >= trim_level``."""
    ps = np.minimum(ps, 1 - 1e-6)
    keep = np.where(D == 0, ps < trim_level, True).astype(np.float64)
    return ps, keep


def ps_linear_rep(Z, D, w, ps):
    """Asymptotic linear representation of the logit MLE: ``w (D - p) z' (Z'WZ / n)^{-1}``."""
    info = Z.T @ ((w * ps * (1 - ps))[:, None] * Z)
    return (w * (D - ps))[:, None] * Z @ nu._solve_psd(info, np.eye(Z.shape[1]),
                                                        "propensity score") * len(D)


def ols_linear_rep(Z, resid, w_sub):
    """Asymptotic linear representation of WLS on the rows with ``w_sub > 0``."""
    XpX = (w_sub[:, None] * Z).T @ Z / len(resid)
    return (w_sub * resid)[:, None] * Z @ nu._solve_psd(XpX, np.eye(Z.shape[1]),
                                                         "outcome regression")


def _mean_w(v):
    m = np.mean(v)
    if not m > 0:
        raise ValueError("a treated or comparison group has no weight left after trimming.")
    return m


def panel_att(method, dy, D, X, w, *, propensity_model=None, outcome_model=None,
              trim_level=0.995, ps=None):
    """ATT and influence function of a two-period panel DiD (module docstring).

    Parameters
    ----------
    method : {"dr", "dr-improved", "ipw", "reg"}
    dy, D, w : ndarray of shape (n,)
        Outcome change, treated indicator (0/1) and weights (mean one).
    X : ndarray of shape (n, p)
        Covariates, ``p`` may be 0.
    propensity_model, outcome_model : estimator or None
        None: the parametric defaults.
    trim_level : float
    ps : ndarray of shape (n,), default=None
        Propensity scores already fitted on the same rows (reused, not refitted).

    Returns
    -------
    att : float
    psi : ndarray of shape (n,)
    ps : ndarray of shape (n,) or None
        The fitted propensity scores, before capping and trimming.
    """
    Z = _with_intercept(X)
    Zp = Z if (nu.is_parametric(propensity_model, "propensity") or X.shape[1] == 0) else None
    Zo = Z if (nu.is_parametric(outcome_model, "outcome") or X.shape[1] == 0) else None
    control = D == 0
    ps_fitted = None
    if method != "reg":
        ps_fitted = ps if ps is not None else nu.propensity(
            propensity_model, X, Z, D, w, tilting=method == "dr-improved")
        ps, keep = trim(ps_fitted, D, trim_level)
    if method == "dr-improved":
        odds = ps / (1 - ps)
        m = nu.outcome(outcome_model, X, Z, dy, w * odds, control)
        summand = (D - (1 - D) * odds) * keep * (dy - m)
        den = _mean_w(w * D)
        att = np.mean(w * summand) / den
        return att, w * (summand - D * att) / den, ps_fitted
    if method in ("dr", "reg"):
        m = nu.outcome(outcome_model, X, Z, dy, w, control)
        lin_ols = None if Zo is None else ols_linear_rep(Zo, dy - m, w * (1 - D))
    if method == "reg":
        w1 = w * D
        mw1 = _mean_w(w1)
        eta_t = np.mean(w1 * dy) / mw1
        eta_c = np.mean(w1 * m) / mw1
        psi_c = w1 * m - w1 * eta_c
        if lin_ols is not None:
            psi_c = psi_c + lin_ols @ np.mean(w1[:, None] * Zo, axis=0)
        return eta_t - eta_c, (w1 * dy - w1 * eta_t) / mw1 - psi_c / mw1, None
    w1 = keep * w * D
    w0 = keep * w * ps * (1 - D) / (1 - ps)
    mw1, mw0 = _mean_w(w1), _mean_w(w0)
    r = dy - m if method == "dr" else dy
    eta_t = np.mean(w1 * r) / mw1
    eta_c = np.mean(w0 * r) / mw0
    psi_t = w1 * r - w1 * eta_t
    psi_c = w0 * r - w0 * eta_c
    if Zp is not None:
        lin_ps = ps_linear_rep(Zp, D, w, ps)
        psi_c = psi_c + lin_ps @ np.mean((w0 * (r - eta_c))[:, None] * Zp, axis=0)
    if method == "dr" and lin_ols is not None:
        psi_t = psi_t - lin_ols @ np.mean(w1[:, None] * Zo, axis=0)
        psi_c = psi_c - lin_ols @ np.mean(w0[:, None] * Zo, axis=0)
    return eta_t - eta_c, psi_t / mw1 - psi_c / mw0, ps_fitted
