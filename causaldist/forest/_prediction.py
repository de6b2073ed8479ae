"""Compiled queries of a fitted honest forest: out-of-bag sums, estimates, little bags.

The trees are stored flat (``_honest_forest._Forest``): per tree an offset
into ``feature``, ``threshold``, ``left``, ``right`` (a negative child
``-(leaf + 1)`` names a leaf) and an offset into the leaf statistics.
Compilation is cached on disk (``cache=True``).
"""

import math

import numpy as np
from numba import njit

from ._small_linalg import inv_small, matvec

__all__ = []


@njit(cache=True, nogil=True)
def oob_accumulate(Xb, feat, sbin, left, right, root, leaf_stats, in_bag, acc, cnt):  # pragma: no cover
    """Add one tree's leaf statistics to every out-of-bag unit's running sums."""
    n = Xb.shape[1]
    q = leaf_stats.shape[1]
    for i in range(n):
        if in_bag[i]:
            continue
        node = root
        while node >= 0:
            if Xb[feat[node], i] <= sbin[node]:
                node = left[node]
            else:
                node = right[node]
        leaf = -node - 1
        for a in range(q):
            acc[i, a] += leaf_stats[leaf, a]
        cnt[i] += 1


@njit(cache=True, nogil=True)
def _leaf_of(x, feature, threshold, left, right, off, root):  # pragma: no cover
    node = root
    while node >= 0:
        j = off + node
        if x[feature[j]] <= threshold[j]:
            node = left[j]
        else:
            node = right[j]
    return -node - 1


@njit(cache=True, nogil=True)
def _debias(var_between, noise, n_groups):  # pragma: no cover
    """grf's objective-Bayes debiasing of the little-bags variance.

    ``V_between - noise`` estimates the variance but can be negative; its
    posterior mean under a flat prior on ``[0, inf)`` with a normal
    likelihood of standard error ``max(V_between, noise) sqrt(2 / G)`` is
    returned (grf's ``ObjectiveBayesDebiaser``).
    """
    est = var_between - noise
    se = max(var_between, noise) * np.sqrt(2.0 / n_groups)
    if se <= 0:
        return max(est, 0.0)
    ratio = est / se
    num = np.exp(-ratio * ratio / 2) / np.sqrt(2 * np.pi)
    den = 0.5 * _erfc(-ratio / np.sqrt(2.0))
    if den <= 1e-300:
        return 0.0
    return est + se * num / den


@njit(cache=True, nogil=True)
def _erfc(x):  # pragma: no cover
    return math.erfc(x)


@njit(cache=True, nogil=True)
def predict_forest(
    X, feature, threshold, left, right, leaf_stats, node_off, leaf_off, roots, mode, d,
    group_size, contrasts, want_var,
):  # pragma: no cover - compiled
    """Forest estimates at the rows of ``X`` and their little-bags variances.

    Every tree contributes its leaf's statistics with weight ``1 / B``
    (grf's forest weights). Regression: ``yhat = mean_b ybar_b``. Causal:
    with the forest means ``S`` of the leaf statistics, ``A = S_TT - Tbar
    Tbar'`` and ``tau = A^-1 (S_TY - Tbar Ybar)`` (the locally centred
    R-learner solution). For the variance, each tree's estimating-equation
    term ``psi_b = (TY_b - Tbar Y_b - Ybar T_b + Tbar Ybar) - (TT_b - T_b
    Tbar' - Tbar T_b' + Tbar Tbar') tau`` (mean zero over trees) gives
    ``u_b = c' A^-1 psi_b`` for each contrast ``c``; the bootstrap of little
    bags (Sexton & Laake 2009; Athey, Tibshirani & Wager 2019, section 4)
    estimates ``Var(tau) = V_between - V_within / l`` from groups of ``l``
    trees sharing a half-sample, debiased as grf does.

    Returns
    -------
    est : (n, d) for causal (n, 1) for regression
    var : (n, n_contrasts)
    """
    n = X.shape[0]
    B = roots.shape[0]
    q = leaf_stats.shape[1]
    dd = d if mode == 1 else 1
    nc = contrasts.shape[0]
    est = np.full((n, dd), np.nan)
    var = np.full((n, nc), np.nan)
    G = B // group_size
    leaves = np.empty(B, np.int64)
    S = np.zeros(q)
    A = np.zeros((max(d, 1), max(d, 1)))
    c = np.zeros(max(d, 1))
    u_g = np.zeros(nc)
    Ainv = np.zeros((max(d, 1), max(d, 1)))
    tau = np.zeros(max(d, 1))
    psi = np.empty(max(d, 1))
    for i in range(n):
        x = X[i]
        for a in range(q):
            S[a] = 0.0
        for b in range(B):
            leaf = leaf_off[b] + _leaf_of(x, feature, threshold, left, right, node_off[b], roots[b])
            leaves[b] = leaf
            for a in range(q):
                S[a] += leaf_stats[leaf, a]
        for a in range(q):
            S[a] /= B
        if mode == 0:
            est[i, 0] = S[0]
        else:
            yb = S[d]
            for a in range(d):
                c[a] = S[d + 1 + d * d + a] - S[a] * yb
                for bb in range(d):
                    A[a, bb] = S[d + 1 + a * d + bb] - S[a] * S[bb]
            Ainv = inv_small(A, d)
            tau = matvec(Ainv, c, d)
            for a in range(d):
                est[i, a] = tau[a]
            if np.isnan(Ainv[0, 0]):
                continue
        if not want_var or G < 2 or group_size < 2:
            continue
        # little bags
        vb = np.zeros(nc)
        vt = np.zeros(nc)
        for g in range(G):
            for cc in range(nc):
                u_g[cc] = 0.0
            for b in range(g * group_size, (g + 1) * group_size):
                st = leaf_stats[leaves[b]]
                if mode == 0:
                    for cc in range(nc):
                        u = st[0] - S[0]
                        vt[cc] += u * u
                        u_g[cc] += u
                else:
                    yb = S[d]
                    for a in range(d):
                        v = st[d + 1 + d * d + a] - S[a] * st[d] - yb * st[a] + S[a] * yb
                        for bb in range(d):
                            m_ab = (st[d + 1 + a * d + bb] - st[a] * S[bb] - S[a] * st[bb]
                                    + S[a] * S[bb])
                            v -= m_ab * tau[bb]
                        psi[a] = v
                    up = matvec(Ainv, psi, d)
                    for cc in range(nc):
                        u = 0.0
                        for a in range(d):
                            u += contrasts[cc, a] * up[a]
                        vt[cc] += u * u
                        u_g[cc] += u
            for cc in range(nc):
                ug = u_g[cc] / group_size
                vb[cc] += ug * ug
        for cc in range(nc):
            v_between = vb[cc] / G
            v_total = vt[cc] / (G * group_size)
            noise = (v_total - v_between) / (group_size - 1)
            var[i, cc] = _debias(v_between, noise, G)
    return est, var
