"""Compiled kernels of the honest forests: tree growing, prediction, little bags.

A tree is grown on binned covariates (``Xb[k, i]``: the bin of ``x_ik``, at
most 256 bins per feature, exact when a feature has no more distinct values
than bins). At each node the split is chosen on pseudo-outcomes ``rho_i`` by
the CART criterion ``sum_q (S_q,L^2 / W_L + S_q,R^2 / W_R)`` with ``S_q`` the
weighted sums of ``rho_iq`` and ``W`` the weights, from one histogram per
candidate feature (O(n_node + bins) per feature instead of a sort):

- regression (``mode=0``): ``rho_i = y_i - ybar_P``;
- causal (``mode=1``), the gradient-based pseudo-outcomes of the R-loss
  (Athey, Tibshirani & Wager 2019, section 2.3 and grf's
  ``InstrumentalRelabelingStrategy``): with ``T_i`` and ``Y_i`` residualised
  by the shared cross-fitting stage and the parent's weighted means,
  ``A_P = Cov_P(T)``, ``tau_P = A_P^-1 Cov_P(T, Y)`` and
  ``rho_i = A_P^-1 (T_i - Tbar_P) (Y_i - Ybar_P - (T_i - Tbar_P)' tau_P)``.

Honesty: the structure is chosen on the splitting half, a split is admitted
only if both children keep estimation units (positive weight), and the
leaves store weighted means over the estimation half (grf's sufficient
statistics): ``ybar`` for regression; ``Tbar (d), Ybar, TT' (d x d), TY (d)``
for causal trees.

Storage per tree: internal nodes only (``feature`` int32, ``threshold``
float64, ``left``/``right`` int32, a negative child ``-(leaf + 1)`` naming a
leaf) plus one row of leaf statistics per leaf.

Compilation is cached on disk (``cache=True``).
"""

import math

import numpy as np
from numba import njit

_BIG = 1 << 30


@njit(cache=True, nogil=True)
def _inv_small(A, d):  # pragma: no cover - compiled
    """Inverse of a small symmetric matrix by Gauss-Jordan; NaN when (near) singular."""
    out = np.full((d, d), np.nan)
    M = np.zeros((d, 2 * d))
    scale = 0.0
    for a in range(d):
        scale = max(scale, abs(A[a, a]))
        for b in range(d):
            M[a, b] = A[a, b]
        M[a, d + a] = 1.0
    if scale <= 1e-12:
        return out
    for col in range(d):
        piv = col
        for r in range(col + 1, d):
            if abs(M[r, col]) > abs(M[piv, col]):
                piv = r
        if abs(M[piv, col]) <= 1e-10 * scale:
            return out
        if piv != col:
            for b in range(2 * d):
                tmp = M[col, b]
                M[col, b] = M[piv, b]
                M[piv, b] = tmp
        pv = M[col, col]
        for b in range(2 * d):
            M[col, b] /= pv
        for r in range(d):
            if r != col:
                f = M[r, col]
                if f != 0.0:
                    for b in range(2 * d):
                        M[r, b] -= f * M[col, b]
    for a in range(d):
        for b in range(d):
            out[a, b] = M[a, d + b]
    return out


@njit(cache=True, nogil=True)
def _matvec(M, v, d):  # pragma: no cover - compiled
    out = np.zeros(d)
    for a in range(d):
        s = 0.0
        for b in range(d):
            s += M[a, b] * v[b]
        out[a] = s
    return out


@njit(cache=True, nogil=True)
def grow_tree(
    Xb, n_bins, Y, T, w, s_idx, e_idx, mode, min_leaf, max_depth, mtry, alpha, seed,
):  # pragma: no cover - compiled
    """Grow one honest tree.

    Parameters
    ----------
    Xb : uint8 array (p, n)
        Binned covariates, one row per feature.
    n_bins : int64 array (p,)
    Y : float64 array (n,)
    T : float64 array (n, d)
        Residualised treatments (causal), ignored for regression (d may be 0).
    w : float64 array (n,)
    s_idx, e_idx : int64 arrays
        Splitting and estimation units (permuted in place). Without honesty
        pass two copies of the same units.
    mode : 0 regression, 1 causal.
    min_leaf, max_depth, mtry : int
    alpha : float
        Balance: each child keeps at least ``alpha`` of the parent's size
        (weight for regression, treatment variation ``sum w |T - Tbar_P|^2``
        for causal trees, as grf's ``alpha``).
    seed : int

    Returns
    -------
    feature, split_bin, left, right : int32 arrays (n_internal,)
    leaf_stats : float64 array (n_leaves, q)
    root : int
        0, or -1 when the tree is a single leaf.
    split_counts : float64 array (4, p)
        Number of splits on each feature at depths 1..4 (grf's importance).
    """
    np.random.seed(seed)
    p = Xb.shape[0]
    d = T.shape[1] if mode == 1 else 0
    q = d if mode == 1 else 1  # pseudo-outcome dimension
    n_stats = 1 if mode == 0 else 2 * d + 1 + d * d
    ns = s_idx.shape[0]
    cap = ns + 1
    feat = np.empty(cap, np.int32)
    sbin = np.empty(cap, np.int32)
    left = np.empty(cap, np.int32)
    right = np.empty(cap, np.int32)
    leaf_stats = np.empty((cap, n_stats))
    split_counts = np.zeros((4, p))
    # stack of pending nodes: s0, s1, e0, e1, depth, parent, side (0 left, 1 right, -1 root)
    stack = np.empty((cap, 7), np.int64)
    top = 0
    stack[0, 0] = 0
    stack[0, 1] = ns
    stack[0, 2] = 0
    stack[0, 3] = e_idx.shape[0]
    stack[0, 4] = 0
    stack[0, 5] = -1
    stack[0, 6] = -1
    top = 1
    n_int = 0
    n_leaf = 0
    root = 0
    maxb = 0
    for k in range(p):
        if n_bins[k] > maxb:
            maxb = n_bins[k]
    nv = 4 + q + d
    H = np.zeros((maxb, nv))
    V = np.empty((ns, nv))
    tot = np.zeros(nv)
    L = np.zeros(nv)
    seen = np.zeros(maxb, np.bool_)
    touched = np.empty(maxb, np.int64)
    rho = np.empty((ns, q))
    features = np.arange(p)
    tb = np.zeros(max(d, 1))
    A = np.zeros((max(d, 1), max(d, 1)))
    c = np.zeros(max(d, 1))
    while top > 0:
        top -= 1
        s0, s1, e0, e1 = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        depth, parent, side = stack[top, 4], stack[top, 5], stack[top, 6]
        m = s1 - s0
        best_f = -1
        best_b = -1
        if m >= 2 * min_leaf and depth < max_depth and e1 - e0 >= 2:
            # -- node statistics and pseudo-outcomes on the splitting half
            W = 0.0
            yb = 0.0
            for a in range(d):
                tb[a] = 0.0
            for jj in range(s0, s1):
                i = s_idx[jj]
                W += w[i]
                yb += w[i] * Y[i]
                for a in range(d):
                    tb[a] += w[i] * T[i, a]
            ok = W > 0
            size_node = 0.0
            if ok:
                yb /= W
                for a in range(d):
                    tb[a] /= W
                if mode == 0:
                    size_node = W
                    for jj in range(s0, s1):
                        rho[jj - s0, 0] = Y[s_idx[jj]] - yb
                else:
                    for a in range(d):
                        c[a] = 0.0
                        for b in range(d):
                            A[a, b] = 0.0
                    for jj in range(s0, s1):
                        i = s_idx[jj]
                        ry = Y[i] - yb
                        for a in range(d):
                            za = T[i, a] - tb[a]
                            c[a] += w[i] * za * ry
                            for b in range(d):
                                A[a, b] += w[i] * za * (T[i, b] - tb[b])
                    for a in range(d):
                        size_node += A[a, a]
                        c[a] /= W
                        for b in range(d):
                            A[a, b] /= W
                    Ainv = _inv_small(A, d)
                    if np.isnan(Ainv[0, 0]) or size_node <= 1e-12:
                        ok = False
                    else:
                        tau = _matvec(Ainv, c, d)
                        for jj in range(s0, s1):
                            i = s_idx[jj]
                            r = Y[i] - yb
                            for a in range(d):
                                r -= (T[i, a] - tb[a]) * tau[a]
                            for a in range(d):
                                v = 0.0
                                for b in range(d):
                                    v += Ainv[a, b] * (T[i, b] - tb[b])
                                rho[jj - s0, a] = v * r
            if ok:
                # per-node packed values, one row per splitting unit:
                # [1, w, w rho (q), w T (d), w |T|^2]; the histogram adds
                # rows, plus one column for the estimation weight
                c_w = 1
                c_rho = 2
                c_z = 2 + q
                c_zz = 2 + q + d
                c_e = 3 + q + d
                for jj in range(s0, s1):
                    i = s_idx[jj]
                    wi = w[i]
                    r = jj - s0
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
                parent_crit = 0.0
                for a in range(q):
                    sr = 0.0
                    for r in range(m):
                        sr += V[r, c_rho + a]
                    parent_crit += sr * sr / W
                best = parent_crit + 1e-12 * (1.0 + abs(parent_crit))
                min_size = alpha * size_node
                # -- mtry candidate features (partial Fisher-Yates)
                for jf in range(mtry):
                    r = jf + np.random.randint(p - jf)
                    tmp = features[jf]
                    features[jf] = features[r]
                    features[r] = tmp
                for jf in range(mtry):
                    k = features[jf]
                    if n_bins[k] < 2:
                        continue
                    # histogram over the bins the node occupies (``touched``),
                    # so that small nodes cost O(m log m), not O(bins)
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
                        for cc in range(c_e):
                            H[b, cc] += V[r, cc]
                    for jj in range(e0, e1):
                        i = e_idx[jj]
                        b = Xb[k, i]
                        if not seen[b]:
                            seen[b] = True
                            touched[nt] = b
                            nt += 1
                            for cc in range(nv):
                                H[b, cc] = 0.0
                        H[b, c_e] += w[i]
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
                    else:
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
                    if nt < 2:
                        continue
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
                        wl = L[c_w]
                        wr = W - wl
                        if wl <= 0 or wr <= 0 or L[c_e] <= 0 or tot[c_e] - L[c_e] <= 1e-300:
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
                        if crit > best:
                            best = crit
                            best_f = k
                            best_b = b
        if best_f < 0:
            # leaf: weighted means over the estimation units
            st = leaf_stats[n_leaf]
            for a in range(n_stats):
                st[a] = 0.0
            we = 0.0
            for jj in range(e0, e1):
                i = e_idx[jj]
                wi = w[i]
                we += wi
                if mode == 0:
                    st[0] += wi * Y[i]
                else:
                    for a in range(d):
                        st[a] += wi * T[i, a]
                        st[d + 1 + d * d + a] += wi * T[i, a] * Y[i]
                        for b in range(d):
                            st[d + 1 + a * d + b] += wi * T[i, a] * T[i, b]
                    st[d] += wi * Y[i]
            if we > 0:
                for a in range(n_stats):
                    st[a] /= we
            node_ref = -(n_leaf + 1)
            n_leaf += 1
        else:
            node_ref = n_int
            feat[n_int] = best_f
            sbin[n_int] = best_b
            n_int += 1
            if depth < 4:
                split_counts[depth, best_f] += 1.0
            # partition both halves: bin <= best_b goes left
            lo = s0
            hi = s1 - 1
            while lo <= hi:
                if Xb[best_f, s_idx[lo]] <= best_b:
                    lo += 1
                else:
                    tmp = s_idx[lo]
                    s_idx[lo] = s_idx[hi]
                    s_idx[hi] = tmp
                    hi -= 1
            smid = lo
            lo = e0
            hi = e1 - 1
            while lo <= hi:
                if Xb[best_f, e_idx[lo]] <= best_b:
                    lo += 1
                else:
                    tmp = e_idx[lo]
                    e_idx[lo] = e_idx[hi]
                    e_idx[hi] = tmp
                    hi -= 1
            emid = lo
            # right pushed first so that the left subtree is numbered first
            stack[top, 0] = smid
            stack[top, 1] = s1
            stack[top, 2] = emid
            stack[top, 3] = e1
            stack[top, 4] = depth + 1
            stack[top, 5] = node_ref
            stack[top, 6] = 1
            top += 1
            stack[top, 0] = s0
            stack[top, 1] = smid
            stack[top, 2] = e0
            stack[top, 3] = emid
            stack[top, 4] = depth + 1
            stack[top, 5] = node_ref
            stack[top, 6] = 0
            top += 1
        if parent < 0:
            root = 0 if node_ref >= 0 else -1
        elif side == 0:
            left[parent] = node_ref
        else:
            right[parent] = node_ref
    return (
        feat[:n_int].copy(), sbin[:n_int].copy(), left[:n_int].copy(),
        right[:n_int].copy(), leaf_stats[:n_leaf].copy(), root, split_counts,
    )


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
            Ainv = _inv_small(A, d)
            tau = _matvec(Ainv, c, d)
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
                    up = _matvec(Ainv, psi, d)
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
