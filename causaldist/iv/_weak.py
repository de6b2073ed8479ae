"""Weak-instrument diagnostics and Anderson-Rubin confidence sets.

Both work on the cross-fitted residuals of the partially linear IV model
``Y~ = theta T~ + eps``, ``E[eps Z~] = 0``, where ``Y~ = Y - E[Y | X]``,
``T~ = T - E[T | X]`` and ``Z~ = Z - E[Z | X]`` (Chernozhukov et al. 2018,
sec. 4.2): the controls are partialled out by the nuisance models, so the
diagnostics are those of a linear IV model without controls.
"""

import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2

from ..inference._sandwich import ols_sandwich

__all__ = []

# Staiger & Stock (1997)'s rule of thumb; Montiel Olea & Pflueger (2013)'s
# critical values for a 10% worst-case bias are larger (about 23 at 5%).
WEAK_F_THRESHOLD = 10.0


def _cluster_sums(scores, w, groups):
    """Per-unit (or, with groups, per-cluster) weighted scores ``w_i s_i``."""
    if groups is None:
        return scores * w[:, None]
    codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
    summed = np.zeros((int(codes.max()) + 1, scores.shape[1]))
    np.add.at(summed, codes, scores * w[:, None])
    return summed


def first_stage_diagnostics(t_res, z_res, sample_weight=None, groups=None):
    """First-stage strength of the residualised instruments, per treatment column.

    For treatment column ``j`` the first stage is the least-squares fit
    ``T~_j = Z~' pi + v`` (``k`` instrument columns). Reported:

    - ``partial_r2``: ``1 - sum w v^2 / sum w T~_j^2``, the share of the
      treatment's variation given the controls that the instruments explain;
    - ``f_stat``: the heteroskedasticity- (or cluster-) robust Wald statistic
      of ``pi = 0`` divided by ``k`` (HC1);
    - ``effective_f``: Montiel Olea & Pflueger (2013), "A robust test for weak
      instruments", ``F_eff = pi' (Z~'W Z~) pi / tr(S (Z~'W Z~)^-1)`` with
      ``S = sum_i w_i z_i z_i' v_i^2`` (clustered sums with groups). It
      equals the non-robust F under homoskedasticity and the robust F with
      one instrument;
    - ``f_stat_nonrobust``: the classical ``(pi' Z~'W Z~ pi / k) / s^2``.

    Parameters
    ----------
    t_res : ndarray of shape (n, d_t)
    z_res : ndarray of shape (n, k)
    sample_weight : ndarray of shape (n,), default=None
    groups : ndarray of shape (n,), default=None

    Returns
    -------
    diagnostics : dict of str to ndarray of shape (d_t,)
    """
    n, k = z_res.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    N = w.sum()
    coef, cov = ols_sandwich(z_res, t_res, w, cov_type="HC1", groups=groups)
    ZZ = (z_res * w[:, None]).T @ z_res
    ZZ_inv = np.linalg.pinv(ZZ)
    out = {"partial_r2": [], "f_stat": [], "effective_f": [], "f_stat_nonrobust": []}
    for j in range(t_res.shape[1]):
        pi = coef[:, j]
        v = t_res[:, j] - z_res @ pi
        explained = pi @ ZZ @ pi
        total = np.sum(w * t_res[:, j] ** 2)
        out["partial_r2"].append(1.0 - np.sum(w * v**2) / total if total > 0 else 0.0)
        V = cov[j * k:(j + 1) * k, j * k:(j + 1) * k]
        out["f_stat"].append(float(pi @ np.linalg.pinv(V) @ pi) / k)
        sums = _cluster_sums(z_res * v[:, None], w, groups)
        S = sums.T @ sums if groups is not None else (z_res * (w * v**2)[:, None]).T @ z_res
        denom = np.trace(S @ ZZ_inv)
        out["effective_f"].append(explained / denom if denom > 0 else np.inf)
        s2 = np.sum(w * v**2) / max(N - k, 1)
        out["f_stat_nonrobust"].append(explained / k / s2 if s2 > 0 else np.inf)
    return {key: np.asarray(val, dtype=np.float64) for key, val in out.items()}


def _ar_moments(y_res, t_res, z_res, w, groups):
    """Means and covariance of the moments ``a_i = z_i y_i`` and ``b_i = z_i t_i``."""
    a, b = z_res * y_res[:, None], z_res * t_res[:, None]
    N = w.sum()
    ab = np.hstack([a, b])
    mean = (w @ ab) / N
    sums = _cluster_sums(ab - mean, w, groups)
    S = (sums.T @ sums if groups is not None else ((ab - mean) * w[:, None]).T @ (ab - mean)) / N
    return mean, S, N


def ar_statistic(theta, y_res, t_res, z_res, sample_weight=None, groups=None):
    """Anderson-Rubin statistic of ``H0: theta`` (chi-square with ``k`` degrees of freedom).

    ``AR(theta) = N g' Omega(theta)^-1 g`` with ``g = mean_i z_i (y_i - theta t_i)``
    and ``Omega(theta)`` the (cluster-) robust covariance of the moments
    (Anderson & Rubin 1949; Stock & Wright 2000's GMM form). Its
    distribution does not depend on the strength of the instruments.
    """
    w = np.ones(y_res.shape[0]) if sample_weight is None else sample_weight
    mean, S, N = _ar_moments(y_res, t_res, z_res, w, groups)
    return _ar_from_moments(np.atleast_1d(theta), mean, S, N, z_res.shape[1])


def _ar_from_moments(thetas, mean, S, N, k):
    """``AR(theta)`` at many ``theta``.

    ``Omega(theta) = S_aa - theta (S_ab + S_ba) + theta^2 S_bb``.
    """
    a, b = mean[:k], mean[k:]
    S_aa, S_ab, S_bb = S[:k, :k], S[:k, k:], S[k:, k:]
    th = thetas[:, None, None]
    omega = S_aa - th * (S_ab + S_ab.T) + th**2 * S_bb
    g = a[None, :] - thetas[:, None] * b[None, :]
    x = np.linalg.solve(omega, g[:, :, None])[:, :, 0]
    return N * np.einsum("ij,ij->i", g, x)


def ar_confidence_set(y_res, t_res, z_res, sample_weight=None, groups=None, alpha=0.05,
                      center=0.0, scale=1.0):
    """The ``1 - alpha`` Anderson-Rubin confidence set of a constant effect.

    ``{theta : AR(theta) <= chi2_{k, 1 - alpha}}``, valid whatever the
    strength of the instruments (it is unbounded when they cannot rule out
    any value). With one instrument the set solves the quadratic inequality
    ``N (a - theta b)^2 <= c (S_aa - 2 theta S_ab + theta^2 S_bb)`` in closed
    form: an interval, the complement of an interval (two rays), the whole
    line or empty. With several instruments it is found numerically on a
    grid ``center + scale tan(u)`` refined by Brent's method, and the limit
    ``AR(+-inf) = N b' S_bb^-1 b`` decides whether it is bounded.

    Returns
    -------
    pieces : ndarray of shape (n_pieces, 2)
        Disjoint closed intervals ``[lower, upper]`` in increasing order,
        with ``-inf`` / ``inf`` for unbounded ends; no rows when empty.
    """
    w = np.ones(y_res.shape[0]) if sample_weight is None else sample_weight
    k = z_res.shape[1]
    mean, S, N = _ar_moments(y_res, t_res, z_res, w, groups)
    c = chi2.ppf(1 - alpha, k)
    if k == 1:
        a_bar, b_bar = mean
        S_aa, S_ab, S_bb = S[0, 0], S[0, 1], S[1, 1]
        A = N * b_bar**2 - c * S_bb
        B = -2 * N * a_bar * b_bar + 2 * c * S_ab
        C = N * a_bar**2 - c * S_aa
        disc = B**2 - 4 * A * C
        if abs(A) < 1e-12 * max(N * b_bar**2, c * S_bb, 1e-300):
            if B == 0:
                return np.array([[-np.inf, np.inf]]) if C <= 0 else np.empty((0, 2))
            root = -C / B
            return np.array([[-np.inf, root]]) if B > 0 else np.array([[root, np.inf]])
        if disc < 0:
            return np.empty((0, 2)) if A > 0 else np.array([[-np.inf, np.inf]])
        r1, r2 = sorted(((-B - np.sqrt(disc)) / (2 * A), (-B + np.sqrt(disc)) / (2 * A)))
        if A > 0:
            return np.array([[r1, r2]])
        return np.array([[-np.inf, r1], [r2, np.inf]])

    def f(u):
        return _ar_from_moments(np.array([center + scale * np.tan(u)]), mean, S, N, k)[0] - c

    b = mean[k:]
    limit = N * b @ np.linalg.pinv(S[k:, k:]) @ b - c
    grid = np.linspace(-np.pi / 2, np.pi / 2, 4001)[1:-1]
    vals = _ar_from_moments(center + scale * np.tan(grid), mean, S, N, k) - c
    u = np.concatenate([[-np.pi / 2], grid, [np.pi / 2]])
    vals = np.concatenate([[limit], vals, [limit]])
    inside = vals <= 0
    pieces, start = [], (-np.inf if inside[0] else None)
    for i in range(1, len(u)):
        if inside[i] != inside[i - 1]:
            lo, hi = u[i - 1], u[i]
            if 0 < i - 1 and i < len(u) - 1:
                root = brentq(f, lo, hi, xtol=1e-12)
            else:
                root = lo if i - 1 > 0 else hi
            theta = center + scale * np.tan(root)
            if inside[i]:
                start = theta
            else:
                pieces.append([start, theta])
                start = None
    if start is not None:
        pieces.append([start, np.inf])
    return np.array(pieces, dtype=np.float64).reshape(-1, 2)
