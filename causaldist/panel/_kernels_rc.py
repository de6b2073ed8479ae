"""Two-period DiD with repeated cross-sections: ATT and influence function.

One row per observation: ``y``, ``post`` (1 in the later period), ``D`` (treated
group), ``w`` (mean one). ``m_{d,s}(X)`` is the regression of ``y`` on ``X`` among
the rows of group ``d`` in period ``s``; ``m_0 = post m_{0,1} + (1 - post) m_{0,0}``.
With ``w_{d,s}`` the weights of the rows of group ``d`` in period ``s`` (comparison
rows reweighted by ``p / (1 - p)``) and ``E_{d,s}[f] = mean(w_{d,s} f) / mean(w_{d,s})``:

- ``"dr"`` (locally efficient traditional DR, Sant'Anna & Zhao 2020, eq. 3.4;
  ``DRDID::drdid_rc``):
  ``ATT = (E_{1,1} - E_{1,0} - E_{0,1} + E_{0,0})[y - m_0]
  + E_1[m_{1,1} - m_{0,1}] - E_{1,1}[m_{1,1} - m_{0,1}]
  - E_1[m_{1,0} - m_{0,0}] + E_{1,0}[m_{1,0} - m_{0,0}]``.
- ``"dr-improved"`` (``drdid_imp_rc``): the same with ``p`` by inverse probability
  tilting and all four regressions weighted by ``w p / (1 - p)``; its influence
  function has no nuisance estimation effect.
- ``"ipw"`` (``std_ipw_did_rc``): ``(E_{1,1} - E_{1,0} - E_{0,1} + E_{0,0})[y]``.
- ``"reg"`` (``reg_did_rc``): ``E_{1,1}[y] - E_{1,0}[y] - E_1[m_{0,1} - m_{0,0}]``.

See :mod:`._kernels_panel` for the conventions (trimming, estimation effects).
"""

import numpy as np

from . import _nuisance as nu
from ._kernels_panel import _mean_w, _with_intercept, ols_linear_rep, ps_linear_rep, trim

__all__ = []


def _ratio(wv, f):
    """``E_w[f]`` and its per-row linearisation ``(w f - w E) / mean(w)``."""
    mw = _mean_w(wv)
    e = np.mean(wv * f) / mw
    return e, (wv * f - wv * e) / mw


def rc_att(method, y, post, D, X, w, *, propensity_model=None, outcome_model=None,
           trim_level=0.995):
    """ATT and influence function of a two-period repeated cross-section DiD.

    Parameters
    ----------
    method : {"dr", "dr-improved", "ipw", "reg"}
    y, post, D, w : ndarray of shape (n,)
    X : ndarray of shape (n, p)
    propensity_model, outcome_model : estimator or None
    trim_level : float

    Returns
    -------
    att : float
    psi : ndarray of shape (n,)
    ps : ndarray of shape (n,) or None
    """
    Z = _with_intercept(X)
    Zp = Z if (nu.is_parametric(propensity_model, "propensity") or X.shape[1] == 0) else None
    Zo = Z if (nu.is_parametric(outcome_model, "outcome") or X.shape[1] == 0) else None
    pre = 1 - post
    cells = {(d, s): (D == d) & (post == s) for d in (0, 1) for s in (0, 1)}
    if method == "reg":
        m = {s: nu.outcome(outcome_model, X, Z, y, w, cells[0, s]) for s in (0, 1)}
        e11, i11 = _ratio(w * D * post, y)
        e10, i10 = _ratio(w * D * pre, y)
        e1, i1 = _ratio(w * D, m[1] - m[0])
        psi = i11 - i10 - i1
        if Zo is not None:
            mom = np.mean((w * D)[:, None] * Zo, axis=0) / np.mean(w * D)
            for s, sign in ((1, -1), (0, 1)):
                lin = ols_linear_rep(Zo, y - m[s], w * cells[0, s])
                psi = psi + sign * lin @ mom
        return e11 - e10 - e1, psi, None
    ps = nu.propensity(propensity_model, X, Z, D, w, tilting=method == "dr-improved")
    ps, keep = trim(ps, D, trim_level)
    odds = ps / (1 - ps)
    wts = {(1, s): keep * w * D * (post if s else pre) for s in (0, 1)}
    wts.update({(0, s): keep * w * odds * (1 - D) * (post if s else pre) for s in (0, 1)})
    if method == "ipw":
        est = {k: _ratio(v, y) for k, v in wts.items()}
        att = est[1, 1][0] - est[1, 0][0] - est[0, 1][0] + est[0, 0][0]
        psi = est[1, 1][1] - est[1, 0][1] - est[0, 1][1] + est[0, 0][1]
        if Zp is not None:
            lin_ps = ps_linear_rep(Zp, D, w, ps)
            M2 = [np.mean((wts[0, s] * (y - est[0, s][0]))[:, None] * Zp, axis=0)
                  / np.mean(wts[0, s]) for s in (0, 1)]
            psi = psi - lin_ps @ (M2[1] - M2[0])
        return att, psi, ps
    ow = w * odds if method == "dr-improved" else w
    m = {k: nu.outcome(outcome_model, X, Z, y, ow, cells[k]) for k in cells}
    m0 = post * m[0, 1] + pre * m[0, 0]
    est = {k: _ratio(v, y - m0) for k, v in wts.items()}
    w_d = keep * w * D
    e_d1, i_d1 = _ratio(w_d, m[1, 1] - m[0, 1])
    e_dt1, i_dt1 = _ratio(wts[1, 1], m[1, 1] - m[0, 1])
    e_d0, i_d0 = _ratio(w_d, m[1, 0] - m[0, 0])
    e_dt0, i_dt0 = _ratio(wts[1, 0], m[1, 0] - m[0, 0])
    att = (est[1, 1][0] - est[1, 0][0] - est[0, 1][0] + est[0, 0][0]
           + (e_d1 - e_dt1) - (e_d0 - e_dt0))
    psi = (est[1, 1][1] - est[1, 0][1] - est[0, 1][1] + est[0, 0][1]
           + (i_d1 - i_dt1) - (i_d0 - i_dt0))
    if method == "dr-improved":
        return att, psi, ps
    if Zp is not None:
        lin_ps = ps_linear_rep(Zp, D, w, ps)
        M2 = [np.mean((wts[0, s] * (y - m0 - est[0, s][0]))[:, None] * Zp, axis=0)
              / np.mean(wts[0, s]) for s in (0, 1)]
        psi = psi - lin_ps @ (M2[1] - M2[0])
    if Zo is not None:
        lin = {k: ols_linear_rep(Zo, y - m[k], w * cells[k]) for k in cells}
        mean_z = {k: np.mean(v[:, None] * Zo, axis=0) / np.mean(v) for k, v in wts.items()}
        # estimation effect of m_0 in the four ratio terms
        psi = psi + lin[0, 1] @ (-mean_z[1, 1] + mean_z[0, 1])
        psi = psi - lin[0, 0] @ (-mean_z[1, 0] + mean_z[0, 0])
        mom1 = np.mean((w_d / np.mean(w_d))[:, None] * Zo - (wts[1, 1] / np.mean(
            wts[1, 1]))[:, None] * Zo, axis=0)
        mom0 = np.mean((w_d / np.mean(w_d))[:, None] * Zo - (wts[1, 0] / np.mean(
            wts[1, 0]))[:, None] * Zo, axis=0)
        psi = psi + (lin[1, 1] - lin[0, 1]) @ mom1 - (lin[1, 0] - lin[0, 0]) @ mom0
    return att, psi, ps
