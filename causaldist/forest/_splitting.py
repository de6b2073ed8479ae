"""Compiled split search of the honest trees: node histograms and the CART scan.

A node's split is chosen on its pseudo-outcomes ``rho_i`` (``_relabel.py``)
by the CART criterion

``sum_q (S_q,L^2 / W_L + S_q,R^2 / W_R)``

with ``S_q`` the weighted sums of ``rho_iq`` and ``W`` the weights of the
children, from one histogram per candidate feature over the binned
covariates (O(n_node + bins) per feature instead of a sort; small nodes
touch only the bins they occupy). A split is admissible when each child
keeps ``min_leaf`` splitting units, estimation units (honesty,
``_honesty.py``) and at least ``alpha`` of the parent's size: its weight for
regression, its treatment variation ``sum_i w_i |T_i - Tbar_child|^2`` for
causal trees (grf's ``alpha``). Ties keep the first split met; a split
must beat the parent's criterion by a relative ``1e-12``.

Two rules of grf's causal splitting (``InstrumentalSplittingRule`` and
``MultiCausalSplittingRule``, Athey, Tibshirani & Wager 2019; grf's
``stabilize.splits`` and ``imbalance.penalty``):

- stabilised splits (``stabilize``): each child must hold at least
  ``min_leaf`` splitting units with ``T_ia`` below the parent's mean
  ``Tbar_P,a`` and ``min_leaf`` at or above it, for every treated arm ``a``,
  so that no child is (nearly) all treated or all control;
- imbalance penalty: the criterion loses ``penalty (1/size_L + 1/size_R)``,
  with the children's treatment variations as sizes for one treatment
  column (grf's instrumental rule) and their unit counts otherwise (grf's
  multi-arm and regression rules).

The per-unit values the histograms add up are packed once per node, one row
per splitting unit: ``[1, w, w rho (q), w T (d), w |T|^2, 1{T < Tbar_P} (ds),
e]`` where ``ds`` is ``d`` with stabilised splits and 0 otherwise, and the
last column holds the estimation weight (filled per bin by the honesty
kernel).
"""

import numpy as np
from numba import njit

from ._honesty import add_estimation_weights, admits

__all__ = []


@njit(cache=True, nogil=True)
def pack_node_values(s_idx, s0, s1, T, w, rho, q, d, ds, tb, W, V):  # pragma: no cover - compiled
    """Fill ``V[0:s1 - s0]`` with the packed values of the node's splitting units.

    ``tb`` holds the parent's mean treatments; the first ``ds`` arms get a
    column counting the units below it.

    Returns
    -------
    parent_crit : float
        The node's own criterion ``sum_q S_q^2 / W``.
    """
    c_w = 1
    c_rho = 2
    c_z = 2 + q
    c_zz = 2 + q + d
    c_s = 3 + q + d
    for jj in range(s0, s1):
        i = s_idx[jj]
        wi = w[i]
        r = jj - s0
        for a in range(ds):
            V[r, c_s + a] = 1.0 if T[i, a] < tb[a] else 0.0
        V[r, 0] = 1.0
        V[r, c_w] = wi
        for a in range(q):
            V[r, c_rho + a] = wi * rho[r, a]
        zz = 0.0
        for a in range(d):
            za = T[i, a]
            V[r, c_z + a] = wi * za
            zz += za * za
        V[r, c_zz] = wi * zz
    m = s1 - s0
    crit = 0.0
    for a in range(q):
        sr = 0.0
        for r in range(m):
            sr += V[r, c_rho + a]
        crit += sr * sr / W
    return crit


@njit(cache=True, nogil=True)
def draw_features(features, mtry):  # pragma: no cover - compiled
    """Move ``mtry`` features drawn without replacement to the front (partial Fisher-Yates)."""
    p = features.shape[0]
    for jf in range(mtry):
        r = jf + np.random.randint(p - jf)
        tmp = features[jf]
        features[jf] = features[r]
        features[r] = tmp


@njit(cache=True, nogil=True)
def node_histogram(Xb, k, s_idx, s0, s1, e_idx, e0, e1, w, V, n_cols, H, seen, touched):  # pragma: no cover
    """Histogram of feature ``k`` over the node's bins, in increasing bin order.

    Columns ``0..n_cols-1`` add the packed values ``V`` of the splitting
    units, column ``n_cols`` the estimation weights.

    Returns
    -------
    nt : int
        Number of occupied bins, listed in ``touched[:nt]`` in increasing order.
    """
    nv = H.shape[1]
    nt = 0
    for jj in range(s0, s1):
        b = Xb[k, s_idx[jj]]
        if not seen[b]:
            seen[b] = True
            touched[nt] = b
            nt += 1
            for cc in range(nv):
                H[b, cc] = 0.0
        r = jj - s0
        for cc in range(n_cols):
            H[b, cc] += V[r, cc]
    nt = add_estimation_weights(Xb, k, e_idx, e0, e1, w, H, n_cols, seen, touched, nt)
    if nt <= 16:
        for jt in range(nt):
            seen[touched[jt]] = False
        for u in range(1, nt):
            key = touched[u]
            v = u - 1
            while v >= 0 and touched[v] > key:
                touched[v + 1] = touched[v]
                v -= 1
            touched[v + 1] = key
        return nt
    # bitmap scan: O(bins) with a tiny constant, no sort
    bmin = touched[0]
    bmax = touched[0]
    for jt in range(1, nt):
        if touched[jt] < bmin:
            bmin = touched[jt]
        if touched[jt] > bmax:
            bmax = touched[jt]
    nt = 0
    for b in range(bmin, bmax + 1):
        if seen[b]:
            seen[b] = False
            touched[nt] = b
            nt += 1
    return nt


@njit(cache=True, nogil=True)
def scan_feature(
    H, touched, nt, k, m, W, q, d, ds, mode, min_leaf, min_size, penalty, tot, L, best,
    best_f, best_b,
):  # pragma: no cover - compiled
    """Scan the thresholds of feature ``k`` left to right; keep the best split.

    Returns
    -------
    best, best_f, best_b : float, int, int
        The best criterion so far and its feature and bin (bin ``<= best_b``
        goes left), updated when a split of ``k`` beats ``best``.
    """
    nv = H.shape[1]
    c_w = 1
    c_rho = 2
    c_z = 2 + q
    c_zz = 2 + q + d
    c_s = 3 + q + d
    c_e = nv - 1
    for cc in range(nv):
        tot[cc] = 0.0
        L[cc] = 0.0
    for jt in range(nt):
        b = touched[jt]
        for cc in range(nv):
            tot[cc] += H[b, cc]
    for jt in range(nt - 1):
        b = touched[jt]
        for cc in range(nv):
            L[cc] += H[b, cc]
        nl = L[0]
        if nl < min_leaf:
            continue
        if m - nl < min_leaf:
            break
        if ds > 0:
            # grf's order: a short left child skips, a short right child stops
            # (its counts only fall as the threshold moves right)
            short_left = False
            short_right = False
            for a in range(ds):
                sl = L[c_s + a]
                sr = tot[c_s + a] - sl
                if sl < min_leaf or nl - sl < min_leaf:
                    short_left = True
                if sr < min_leaf or (m - nl) - sr < min_leaf:
                    short_right = True
            if short_left:
                continue
            if short_right:
                break
        wl = L[c_w]
        wr = W - wl
        if wl <= 0 or wr <= 0 or not admits(L[c_e], tot[c_e]):
            continue
        if mode == 0:
            size_l = wl
            size_r = wr
        else:
            # within-child treatment variation
            size_l = L[c_zz]
            size_r = tot[c_zz] - L[c_zz]
            for a in range(d):
                zl = L[c_z + a]
                size_l -= zl * zl / wl
                zr = tot[c_z + a] - zl
                size_r -= zr * zr / wr
        if size_l < min_size or size_r < min_size or size_l <= 1e-12 or size_r <= 1e-12:
            continue
        crit = 0.0
        for a in range(q):
            sl = L[c_rho + a]
            sr = tot[c_rho + a] - sl
            crit += sl * sl / wl + sr * sr / wr
        if penalty > 0:
            if mode == 1 and d == 1:
                crit -= penalty * (1.0 / size_l + 1.0 / size_r)
            else:
                crit -= penalty * (1.0 / nl + 1.0 / (m - nl))
        if crit > best:
            best = crit
            best_f = k
            best_b = b
    return best, best_f, best_b


@njit(cache=True, nogil=True)
def best_split(
    Xb, n_bins, s_idx, s0, s1, e_idx, e0, e1, w, T, tb, rho, W, size_node, q, d, ds, mode,
    min_leaf, alpha, penalty, mtry, features, V, H, seen, touched, tot, L,
):  # pragma: no cover - compiled
    """Best admissible split of a node over ``mtry`` random candidate features.

    Returns
    -------
    best_f, best_b : int
        Feature and bin of the split (bin ``<= best_b`` goes left); ``-1``
        when no admissible split beats the parent.
    """
    m = s1 - s0
    parent_crit = pack_node_values(s_idx, s0, s1, T, w, rho, q, d, ds, tb, W, V)
    best = parent_crit + 1e-12 * (1.0 + abs(parent_crit))
    best_f = -1
    best_b = -1
    min_size = alpha * size_node
    draw_features(features, mtry)
    n_cols = 3 + q + d + ds
    for jf in range(mtry):
        k = features[jf]
        if n_bins[k] < 2:
            continue
        nt = node_histogram(Xb, k, s_idx, s0, s1, e_idx, e0, e1, w, V, n_cols, H, seen, touched)
        if nt < 2:
            continue
        best, best_f, best_b = scan_feature(
            H, touched, nt, k, m, W, q, d, ds, mode, min_leaf, min_size, penalty, tot, L,
            best, best_f, best_b,
        )
    return best_f, best_b
