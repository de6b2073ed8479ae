"""Compiled kernels of the exact policy-tree search.

Depth 1: for each feature, one sweep of the cumulative rewards over the sorted
units. Depth 2: for each root feature ``j`` the units move one at a time from
the right child to the left child in ``x_j`` order; for every other feature
``k`` and pair of arms ``a < b`` a segment tree over the distinct values of
``x_k`` holds the sums of ``Gamma_a - Gamma_b`` of each child, so that the best
depth-1 subtree of a child on feature ``k`` is

``max_{a != b} T_b(S) + max prefix sum of (Gamma_a - Gamma_b) over S in x_k order``

(the pair ``(b, a)`` is the minimum prefix of the same tree), found in
O(log n). A depth-2 search costs O(p^2 n K^2 log n) instead of the
O(p^2 n^2 K) of moving sorted sets point by point (R policytree).
"""

import numpy as np
from numba import njit, prange

NEG = -np.inf


@njit(cache=True, nogil=True)
def best_depth1(R, ranks, sel, min_node_size):  # pragma: no cover - compiled
    """Best depth-1 tree on the units ``sel``: (value, feature, split rank, left arm, right arm).

    ``ranks[k, i]`` is the dense rank of ``x_ik`` among the distinct values of
    feature ``k``; a split at rank ``r`` sends ``rank <= r`` left. ``feature``
    is -1 when no split beats a single leaf (or none is allowed). Ties go to
    the lowest feature, then the lowest rank, then the lowest arms.
    """
    n, K = sel.shape[0], R.shape[1]
    p = ranks.shape[0]
    total = np.zeros(K)
    for ii in range(n):
        for a in range(K):
            total[a] += R[sel[ii], a]
    best_a = 0
    for a in range(1, K):
        if total[a] > total[best_a]:
            best_a = a
    best = total[best_a]
    out_k, out_r, out_l, out_rr = -1, -1, best_a, best_a
    if n < 2 * min_node_size:
        return best, out_k, out_r, out_l, out_rr
    left = np.zeros(K)
    for k in range(p):
        keys = np.empty(n, dtype=np.int64)
        for ii in range(n):
            keys[ii] = ranks[k, sel[ii]]
        order = np.argsort(keys, kind="mergesort")
        left[:] = 0.0
        for pos in range(n - 1):
            i = sel[order[pos]]
            for a in range(K):
                left[a] += R[i, a]
            count = pos + 1
            if keys[order[pos]] == keys[order[pos + 1]]:
                continue
            if count < min_node_size or n - count < min_node_size:
                continue
            la = 0
            ra = 0
            for a in range(1, K):
                if left[a] > left[la]:
                    la = a
                if total[a] - left[a] > total[ra] - left[ra]:
                    ra = a
            val = left[la] + total[ra] - left[ra]
            if val > best + 1e-12 * (1.0 + abs(best)):
                best, out_k, out_r, out_l, out_rr = val, k, keys[order[pos]], la, ra
    return best, out_k, out_r, out_l, out_rr


@njit(cache=True, nogil=True, inline="always")
def _set_leaf(s, mx, mn, node, v):  # pragma: no cover - compiled
    s[node] = v
    mx[node] = v
    mn[node] = v


@njit(cache=True, nogil=True)
def _update(s, mx, mn, cnt, size, leaf, dv, dc):  # pragma: no cover - compiled
    """Add ``dv[q]`` to leaf ``leaf`` of every pair tree ``q`` and ``dc`` to its count."""
    node = leaf + size
    Q = dv.shape[0]
    cnt[node] += dc
    for q in range(Q):
        v = s[q, node] + dv[q]
        _set_leaf(s[q], mx[q], mn[q], node, v)
    node //= 2
    while node >= 1:
        lft, rgt = 2 * node, 2 * node + 1
        cnt[node] = cnt[lft] + cnt[rgt]
        for q in range(Q):
            sl = s[q, lft]
            s[q, node] = sl + s[q, rgt]
            mx[q, node] = max(mx[q, lft], sl + mx[q, rgt])
            mn[q, node] = min(mn[q, lft], sl + mn[q, rgt])
        node //= 2


@njit(cache=True, nogil=True)
def _find_kth(cnt, size, c):  # pragma: no cover - compiled
    """Smallest leaf whose cumulative count reaches ``c`` (``c >= 1``)."""
    node = 1
    while node < size:
        if cnt[2 * node] >= c:
            node = 2 * node
        else:
            c -= cnt[2 * node]
            node = 2 * node + 1
    return node - size


@njit(cache=True, nogil=True)
def _range_prefix(s, mx, mn, size, lo, hi, q, stack):  # pragma: no cover - compiled
    """(sum of leaves [0, lo), max and min prefix sum ending in [lo, hi]) of tree ``q``."""
    # sum before lo
    pre = 0.0
    node = lo + size
    # walk up accumulating left siblings
    while node > 1:
        if node & 1:
            pre += s[q, node - 1]
        node //= 2
    # ordered range combination
    l = lo + size
    r = hi + size + 1
    acc_s, acc_mx, acc_mn = 0.0, NEG, np.inf
    top = 0
    while l < r:
        if l & 1:
            acc_mx = max(acc_mx, acc_s + mx[q, l])
            acc_mn = min(acc_mn, acc_s + mn[q, l])
            acc_s += s[q, l]
            l += 1
        if r & 1:
            r -= 1
            stack[top] = r
            top += 1
        l //= 2
        r //= 2
    for t in range(top - 1, -1, -1):
        nd = stack[t]
        acc_mx = max(acc_mx, acc_s + mx[q, nd])
        acc_mn = min(acc_mn, acc_s + mn[q, nd])
        acc_s += s[q, nd]
    return pre, acc_mx, acc_mn


@njit(cache=True, nogil=True)
def _child_value(s, mx, mn, cnt, size, G, total, n_set, pa, pb, m, stack):  # pragma: no cover
    """Best depth-1 subtree value of one child on one feature (a leaf if no split)."""
    K = total.shape[0]
    best = NEG
    for a in range(K):
        if total[a] > best:
            best = total[a]
    if n_set < 2 * m:
        return best
    lo = _find_kth(cnt, size, m)
    hi = _find_kth(cnt, size, n_set - m + 1) - 1
    if lo > hi:
        return best
    for q in range(pa.shape[0]):
        pre, pmx, pmn = _range_prefix(s, mx, mn, size, lo, hi, q, stack)
        a, b = pa[q], pb[q]
        v1 = total[b] + pre + pmx  # a on the left, b on the right
        v2 = total[a] - (pre + pmn)  # b on the left, a on the right
        if v1 > best:
            best = v1
        if v2 > best:
            best = v2
    return best


@njit(cache=True, nogil=True)
def _root_feature_scan(j, R, ranks, orders, sel, G, size, pa, pb, m, split_step):  # pragma: no cover
    """Best (value, root split rank) with root feature ``j`` for the units ``sel``."""
    n, K = sel.shape[0], R.shape[1]
    p, Q = ranks.shape[0], pa.shape[0]
    sL = np.zeros((p, Q, 2 * size))
    mxL = np.full((p, Q, 2 * size), NEG)
    mnL = np.full((p, Q, 2 * size), np.inf)
    sR = np.zeros((p, Q, 2 * size))
    mxR = np.full((p, Q, 2 * size), NEG)
    mnR = np.full((p, Q, 2 * size), np.inf)
    cL = np.zeros((p, 2 * size), dtype=np.int64)
    cR = np.zeros((p, 2 * size), dtype=np.int64)
    stack = np.empty(64, dtype=np.int64)
    totL = np.zeros(K)
    totR = np.zeros(K)
    dv = np.empty(Q)
    # empty leaves: a prefix ending there adds 0
    for k in range(p):
        for q in range(Q):
            for leaf in range(G[k]):
                _set_leaf(sL[k, q], mxL[k, q], mnL[k, q], leaf + size, 0.0)
                _set_leaf(sR[k, q], mxR[k, q], mnR[k, q], leaf + size, 0.0)
    for ii in range(n):
        i = sel[ii]
        for a in range(K):
            totR[a] += R[i, a]
        for q in range(Q):
            dv[q] = R[i, pa[q]] - R[i, pb[q]]
        for k in range(p):
            leaf = ranks[k, i] + size
            cR[k, leaf] += 1
            for q in range(Q):
                sR[k, q, leaf] += dv[q]
                mxR[k, q, leaf] = sR[k, q, leaf]
                mnR[k, q, leaf] = sR[k, q, leaf]
    for k in range(p):  # build internal nodes bottom-up
        for node in range(size - 1, 0, -1):
            lft, rgt = 2 * node, 2 * node + 1
            cR[k, node] = cR[k, lft] + cR[k, rgt]
            for q in range(Q):
                sl = sR[k, q, lft]
                sR[k, q, node] = sl + sR[k, q, rgt]
                mxR[k, q, node] = max(mxR[k, q, lft], sl + mxR[k, q, rgt])
                mnR[k, q, node] = min(mnR[k, q, lft], sl + mnR[k, q, rgt])
                sL[k, q, node] = 0.0
                mxL[k, q, node] = max(mxL[k, q, lft], mxL[k, q, rgt])
                mnL[k, q, node] = min(mnL[k, q, lft], mnL[k, q, rgt])
    best, best_r = NEG, -1
    n_left = 0
    candidate = 0
    order = orders[j]
    for pos in range(n - 1):
        i = order[pos]
        for a in range(K):
            totL[a] += R[i, a]
            totR[a] -= R[i, a]
        for q in range(Q):
            dv[q] = R[i, pa[q]] - R[i, pb[q]]
        for k in range(p):
            leaf = ranks[k, i]
            _update(sL[k], mxL[k], mnL[k], cL[k], size, leaf, dv, 1)
            for q in range(Q):
                dv[q] = -dv[q]
            _update(sR[k], mxR[k], mnR[k], cR[k], size, leaf, dv, -1)
            for q in range(Q):
                dv[q] = -dv[q]
        n_left += 1
        if ranks[j, i] == ranks[j, order[pos + 1]]:
            continue
        if n_left < m or n - n_left < m:
            continue
        candidate += 1
        if (candidate - 1) % split_step != 0:
            continue
        vl, vr = NEG, NEG
        for k in range(p):
            v = _child_value(sL[k], mxL[k], mnL[k], cL[k], size, G[k], totL, n_left, pa, pb, m, stack)
            if v > vl:
                vl = v
            v = _child_value(sR[k], mxR[k], mnR[k], cR[k], size, G[k], totR, n - n_left, pa, pb, m, stack)
            if v > vr:
                vr = v
        if best_r < 0 or vl + vr > best + 1e-12 * (1.0 + abs(best)):
            best, best_r = vl + vr, ranks[j, i]
    return best, best_r


@njit(cache=True, parallel=True)
def best_depth2_root(R, ranks, sel, G, min_node_size, split_step):  # pragma: no cover
    """Best root split of an exact depth-2 tree: (value, feature, split rank) per root feature."""
    p = ranks.shape[0]
    K = R.shape[1]
    Q = K * (K - 1) // 2
    pa = np.empty(Q, dtype=np.int64)
    pb = np.empty(Q, dtype=np.int64)
    q = 0
    for a in range(K):
        for b in range(a + 1, K):
            pa[q], pb[q] = a, b
            q += 1
    size = 1
    gmax = 0
    for k in range(p):
        if G[k] > gmax:
            gmax = G[k]
    while size < gmax:
        size *= 2
    # the units of sel in x_j order, per feature
    orders = np.empty((p, sel.shape[0]), dtype=np.int64)
    for k in range(p):
        keys = np.empty(sel.shape[0], dtype=np.int64)
        for ii in range(sel.shape[0]):
            keys[ii] = ranks[k, sel[ii]]
        o = np.argsort(keys, kind="mergesort")
        for ii in range(sel.shape[0]):
            orders[k, ii] = sel[o[ii]]
    values = np.full(p, NEG)
    splits = np.full(p, -1, dtype=np.int64)
    for j in prange(p):
        v, r = _root_feature_scan(j, R, ranks, orders, sel, G, size, pa, pb, min_node_size, split_step)
        values[j] = v
        splits[j] = r
    return values, splits
