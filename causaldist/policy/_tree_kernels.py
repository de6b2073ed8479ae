"""Compiled kernels of the exact policy-tree search.

Depth 1: for each feature, one sweep of the cumulative rewards over the sorted
units. Depth 2: for each root feature ``j`` the units move one at a time from
the right child to the left child in ``x_j`` order; for every other feature
``k`` and pair of arms ``a < b`` a segment tree over the distinct values of
``x_k`` holds the sums of ``Gamma_a - Gamma_b`` of each child, so that the best
depth-1 subtree of a child on feature ``k`` is

``max_{a != b} T_b(S) + max prefix sum of (Gamma_a - Gamma_b) over S in x_k order``

(the pair ``(b, a)`` is the minimum prefix of the same tree), found in
O(log n), or O(1) at the tree's root when ``min_node_size == 1``. A depth-2
search costs O(p^2 n K^2 log n) instead of the O(p^2 n^2 K) of moving sorted
sets point by point (R policytree). The child features are scanned one at a
time so that the two trees being updated stay in cache. Depth 3: root splits
valued by their children's exact depth-2 searches, pruned by a bound.

Compilation is cached on disk (``cache=True``): the first fit in a fresh
environment compiles for about 15 s, later processes load in well under 1 s.
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


@njit(cache=True, nogil=True)
def _update(s, mx, mn, cnt, size, leaf, dv, sign):  # pragma: no cover - compiled
    """Add ``sign * dv[q]`` to leaf ``leaf`` of every pair tree ``q``, ``sign`` to its count.

    Trees are stored node-major, ``s[node, q]``, so that the pairs of one node
    are contiguous.
    """
    node = leaf + size
    Q = dv.shape[0]
    cnt[node] += sign
    for q in range(Q):
        v = s[node, q] + sign * dv[q]
        s[node, q] = v
        mx[node, q] = v
        mn[node, q] = v
    node >>= 1
    while node >= 1:
        lft = 2 * node
        rgt = lft + 1
        cnt[node] = cnt[lft] + cnt[rgt]
        for q in range(Q):
            sl = s[lft, q]
            s[node, q] = sl + s[rgt, q]
            x1 = mx[lft, q]
            x2 = sl + mx[rgt, q]
            mx[node, q] = x1 if x1 > x2 else x2
            y1 = mn[lft, q]
            y2 = sl + mn[rgt, q]
            mn[node, q] = y1 if y1 < y2 else y2
        node >>= 1


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
    pre = 0.0
    node = lo + size
    while node > 1:  # the left siblings on the way up hold the leaves before lo
        if node & 1:
            pre += s[node - 1, q]
        node //= 2
    l = lo + size
    r = hi + size + 1
    acc_s, acc_mx, acc_mn = 0.0, NEG, np.inf
    top = 0
    while l < r:
        if l & 1:
            acc_mx = max(acc_mx, acc_s + mx[l, q])
            acc_mn = min(acc_mn, acc_s + mn[l, q])
            acc_s += s[l, q]
            l += 1
        if r & 1:
            r -= 1
            stack[top] = r
            top += 1
        l //= 2
        r //= 2
    for t in range(top - 1, -1, -1):
        nd = stack[t]
        acc_mx = max(acc_mx, acc_s + mx[nd, q])
        acc_mn = min(acc_mn, acc_s + mn[nd, q])
        acc_s += s[nd, q]
    return pre, acc_mx, acc_mn


@njit(cache=True, nogil=True)
def _child_value(s, mx, mn, cnt, size, total, n_set, pa, pb, m, stack):  # pragma: no cover
    """Best depth-1 subtree value of one child on one feature (a leaf if no split).

    With ``min_node_size == 1`` the prefix may end anywhere: a prefix holding
    none or all of the child's units is a split with an empty side, whose
    value is a leaf's, already among the candidates. The answer is then read
    at the root of each pair tree in O(1); otherwise the prefix must end
    between the ``m``-th and the ``(n - m)``-th unit, a range query.
    """
    K = total.shape[0]
    best = NEG
    for a in range(K):
        if total[a] > best:
            best = total[a]
    if n_set < 2 * m:
        return best
    if m == 1:
        for q in range(pa.shape[0]):
            v1 = total[pb[q]] + mx[1, q]  # a on the left, b on the right
            v2 = total[pa[q]] - mn[1, q]  # b on the left, a on the right
            if v1 > best:
                best = v1
            if v2 > best:
                best = v2
        return best
    lo = _find_kth(cnt, size, m)
    hi = _find_kth(cnt, size, n_set - m + 1) - 1
    if lo > hi:
        return best
    for q in range(pa.shape[0]):
        pre, pmx, pmn = _range_prefix(s, mx, mn, size, lo, hi, q, stack)
        v1 = total[pb[q]] + pre + pmx
        v2 = total[pa[q]] - (pre + pmn)
        if v1 > best:
            best = v1
        if v2 > best:
            best = v2
    return best


@njit(cache=True, nogil=True)
def _child_scan(k, order, R, ranks, sel, G_k, size, pa, pb, m, vl, vr, sL, mxL, mnL, sR, mxR, mnR, cL, cR, stack):  # pragma: no cover
    """Raise ``vl[pos]`` / ``vr[pos]`` to the best depth-1 value on feature ``k`` of the
    left / right child after the first ``pos + 1`` units of ``order`` moved left.

    One child feature at a time: the working set is two trees of one feature,
    not of all ``p``, which keeps the updates in cache.
    """
    n, K = sel.shape[0], R.shape[1]
    Q = pa.shape[0]
    sL[:] = 0.0
    sR[:] = 0.0
    mxL[:] = NEG
    mnL[:] = np.inf
    mxR[:] = NEG
    mnR[:] = np.inf
    cL[:] = 0
    cR[:] = 0
    totL = np.zeros(K)
    totR = np.zeros(K)
    dv = np.empty(Q)
    # Real (possibly empty) leaves: a prefix ending there adds 0; padding
    # leaves beyond G_k stay at -inf / +inf and never end a prefix.
    for leaf in range(G_k):
        for q in range(Q):
            mxL[leaf + size, q] = 0.0
            mnL[leaf + size, q] = 0.0
    for ii in range(n):
        i = sel[ii]
        leaf = ranks[k, i] + size
        cR[leaf] += 1
        for a in range(K):
            totR[a] += R[i, a]
        for q in range(Q):
            sR[leaf, q] += R[i, pa[q]] - R[i, pb[q]]
    for leaf in range(G_k):
        for q in range(Q):
            mxR[leaf + size, q] = sR[leaf + size, q]
            mnR[leaf + size, q] = sR[leaf + size, q]
    for node in range(size - 1, 0, -1):  # internal nodes, bottom-up
        lft, rgt = 2 * node, 2 * node + 1
        cR[node] = cR[lft] + cR[rgt]
        for q in range(Q):
            sl = sR[lft, q]
            sR[node, q] = sl + sR[rgt, q]
            mxR[node, q] = max(mxR[lft, q], sl + mxR[rgt, q])
            mnR[node, q] = min(mnR[lft, q], sl + mnR[rgt, q])
            mxL[node, q] = max(mxL[lft, q], mxL[rgt, q])
            mnL[node, q] = min(mnL[lft, q], mnL[rgt, q])
    for pos in range(n - 1):
        i = order[pos]
        for a in range(K):
            totL[a] += R[i, a]
            totR[a] -= R[i, a]
        for q in range(Q):
            dv[q] = R[i, pa[q]] - R[i, pb[q]]
        leaf = ranks[k, i]
        _update(sL, mxL, mnL, cL, size, leaf, dv, 1)
        _update(sR, mxR, mnR, cR, size, leaf, dv, -1)
        if vl[pos] == np.inf:  # not a candidate root split
            continue
        v = _child_value(sL, mxL, mnL, cL, size, totL, pos + 1, pa, pb, m, stack)
        if v > vl[pos]:
            vl[pos] = v
        v = _child_value(sR, mxR, mnR, cR, size, totR, n - pos - 1, pa, pb, m, stack)
        if v > vr[pos]:
            vr[pos] = v


@njit(cache=True, nogil=True)
def _root_feature_scan(j, R, ranks, orders, sel, G, size, pa, pb, m, split_step):  # pragma: no cover
    """Best (value, root split rank) with root feature ``j`` for the units ``sel``."""
    n = sel.shape[0]
    p, Q = ranks.shape[0], pa.shape[0]
    order = orders[j]
    # Candidate root splits: after a distinct x_j value, both children of at
    # least m units, every split_step-th; the others are marked +inf.
    vl = np.full(n, np.inf)
    vr = np.full(n, NEG)
    candidate = 0
    for pos in range(n - 1):
        n_left = pos + 1
        if ranks[j, order[pos]] == ranks[j, order[pos + 1]]:
            continue
        if n_left < m or n - n_left < m:
            continue
        candidate += 1
        if (candidate - 1) % split_step == 0:
            vl[pos] = NEG
    sL = np.empty((2 * size, Q))
    mxL = np.empty((2 * size, Q))
    mnL = np.empty((2 * size, Q))
    sR = np.empty((2 * size, Q))
    mxR = np.empty((2 * size, Q))
    mnR = np.empty((2 * size, Q))
    cL = np.empty(2 * size, dtype=np.int64)
    cR = np.empty(2 * size, dtype=np.int64)
    stack = np.empty(64, dtype=np.int64)
    for k in range(p):
        _child_scan(k, order, R, ranks, sel, G[k], size, pa, pb, m, vl, vr,
                    sL, mxL, mnL, sR, mxR, mnR, cL, cR, stack)
    best, best_r = NEG, -1
    for pos in range(n - 1):
        if vl[pos] == np.inf:
            continue
        v = vl[pos] + vr[pos]
        if best_r < 0 or v > best + 1e-12 * (1.0 + abs(best)):
            best, best_r = v, ranks[j, order[pos]]
    return best, best_r


@njit(cache=True, nogil=True)
def _arm_pairs(K):  # pragma: no cover - compiled
    """The pairs of arms ``a < b``, as two arrays."""
    Q = K * (K - 1) // 2
    pa = np.empty(Q, dtype=np.int64)
    pb = np.empty(Q, dtype=np.int64)
    q = 0
    for a in range(K):
        for b in range(a + 1, K):
            pa[q], pb[q] = a, b
            q += 1
    return pa, pb


@njit(cache=True, nogil=True)
def _orders(ranks, sel):  # pragma: no cover - compiled
    """The units of ``sel`` sorted by each feature (stable: ties keep ``sel``'s order)."""
    p, n = ranks.shape[0], sel.shape[0]
    orders = np.empty((p, n), dtype=np.int64)
    for k in range(p):
        keys = np.empty(n, dtype=np.int64)
        for ii in range(n):
            keys[ii] = ranks[k, sel[ii]]
        o = np.argsort(keys, kind="mergesort")
        for ii in range(n):
            orders[k, ii] = sel[o[ii]]
    return orders


@njit(cache=True, parallel=True)
def best_depth2_root(R, ranks, sel, G, min_node_size, split_step):  # pragma: no cover
    """Best root split of an exact depth-2 tree: (value, feature, split rank) per root feature."""
    p = ranks.shape[0]
    K = R.shape[1]
    pa, pb = _arm_pairs(K)
    size = 1
    gmax = 0
    for k in range(p):
        if G[k] > gmax:
            gmax = G[k]
    while size < gmax:
        size *= 2
    orders = _orders(ranks, sel)
    values = np.full(p, NEG)
    splits = np.full(p, -1, dtype=np.int64)
    for j in prange(p):
        v, r = _root_feature_scan(j, R, ranks, orders, sel, G, size, pa, pb, min_node_size, split_step)
        values[j] = v
        splits[j] = r
    return values, splits


@njit(cache=True, nogil=True)
def _depth2_value(R, ranks, orders, sub, pa, pb, m, local):  # pragma: no cover - compiled
    """Value of the best tree of depth <= 2 on the units ``sub`` (``orders``: sub per feature).

    Ranks are recomputed among ``sub`` (into the scratch ``local``) so that the
    segment trees have as many leaves as ``sub`` has distinct values, not the
    whole sample.
    """
    n, K, p = sub.shape[0], R.shape[1], ranks.shape[0]
    best = NEG
    for a in range(K):
        tot = 0.0
        for ii in range(n):
            tot += R[sub[ii], a]
        if tot > best:
            best = tot
    if n < 2 * m:
        return best
    G = np.zeros(p, dtype=np.int64)
    gmax = 1
    for k in range(p):
        r = -1
        prev = -1
        for ii in range(n):
            i = orders[k, ii]
            if ranks[k, i] != prev:
                prev = ranks[k, i]
                r += 1
            local[k, i] = r
        G[k] = r + 1
        if G[k] > gmax:
            gmax = G[k]
    size = 1
    while size < gmax:
        size *= 2
    for j in range(p):
        v, r = _root_feature_scan(j, R, local, orders, sub, G, size, pa, pb, m, 1)
        if r >= 0 and v > best:
            best = v
    return best


@njit(cache=True, nogil=True)
def _suborders(orders, member, count):  # pragma: no cover - compiled
    """The rows of ``orders`` restricted to the units with ``member[i]``, order kept."""
    p = orders.shape[0]
    out = np.empty((p, count), dtype=np.int64)
    for k in range(p):
        c = 0
        for ii in range(orders.shape[1]):
            i = orders[k, ii]
            if member[i]:
                out[k, c] = i
                c += 1
    return out


@njit(cache=True, nogil=True)
def _split_value(R, ranks, orders, order, pos, pa, pb, m, member, local):  # pragma: no cover
    """Sum of the exact depth-2 values of the two children of root split ``pos``."""
    n = order.shape[0]
    for ii in range(n):
        member[order[ii]] = ii <= pos
    left = _suborders(orders, member, pos + 1)
    for ii in range(n):
        member[order[ii]] = ii > pos
    right = _suborders(orders, member, n - pos - 1)
    return _depth2_value(R, ranks, left, left[0], pa, pb, m, local) + _depth2_value(
        R, ranks, right, right[0], pa, pb, m, local
    )


@njit(cache=True, parallel=True)
def best_depth3_root(R, ranks, sel, G, min_node_size, split_step, start_value):  # pragma: no cover
    """Best root split of an exact depth-3 tree: (value, split rank) per root feature.

    A root split's value is the sum of its children's exact depth-2 values.
    Moving unit ``u`` across the root threshold changes that value by at most
    ``max_a Gamma_ua - min_a Gamma_ua`` upwards (the optimal tree of a child
    after the move, restricted to the child before it, is a candidate there;
    this needs ``min_node_size == 1``). So the value of a split is at most
    ``V(s) + |S(pos) - S(s)|`` for any evaluated split ``s``, ``S`` the
    cumulative reward spread in threshold order. Each root feature is scanned
    coarse to fine: every ``sqrt``-th candidate first, then the others only
    where the bound from the evaluated neighbours on both sides can beat the
    best so far (initially ``start_value``, the value of a known split; a split
    found here must beat it strictly). With a larger ``min_node_size`` every
    split is evaluated.
    """
    p, n, K = ranks.shape[0], sel.shape[0], R.shape[1]
    pa, pb = _arm_pairs(K)
    orders = _orders(ranks, sel)
    spread = np.zeros(R.shape[0])
    for ii in range(n):
        i = sel[ii]
        lo, hi = R[i, 0], R[i, 0]
        for a in range(1, K):
            lo = min(lo, R[i, a])
            hi = max(hi, R[i, a])
        spread[i] = hi - lo
    values = np.full(p, NEG)
    splits = np.full(p, -1, dtype=np.int64)
    m = min_node_size
    for j in prange(p):
        order = orders[j]
        member = np.zeros(R.shape[0], dtype=np.bool_)
        local = np.empty((p, R.shape[0]), dtype=np.int64)
        # candidate root splits (positions), and the cumulative spread there
        cand = np.empty(n, dtype=np.int64)
        cum = np.empty(n)
        c = 0
        counted = 0
        acc = 0.0
        for pos in range(n - 1):
            acc += spread[order[pos]]
            if ranks[j, order[pos]] == ranks[j, order[pos + 1]]:
                continue
            if pos + 1 < m or n - pos - 1 < m:
                continue
            counted += 1
            if (counted - 1) % split_step != 0:
                continue
            cand[c] = pos
            cum[c] = acc
            c += 1
        best, best_r = start_value, -1
        V = np.full(c, np.nan)
        stride = max(1, int(np.sqrt(c)))
        for sweep in range(2):
            last = -1  # the last evaluated candidate to the left
            for t in range(c):
                if not np.isnan(V[t]):
                    last = t
                    continue
                if sweep == 0 and t % stride != 0 and t != c - 1:
                    continue
                if m == 1:
                    bound = np.inf
                    if last >= 0:
                        bound = V[last] + (cum[t] - cum[last])
                    for u in range(t + 1, c):  # the next evaluated one to the right
                        if not np.isnan(V[u]):
                            bound = min(bound, V[u] + (cum[u] - cum[t]))
                            break
                    if bound <= best + 1e-12 * (1.0 + abs(best)):
                        continue
                v = _split_value(R, ranks, orders, order, cand[t], pa, pb, m, member, local)
                V[t] = v
                last = t
                if v > best + 1e-12 * (1.0 + abs(best)):
                    best, best_r = v, ranks[j, order[cand[t]]]
        values[j] = best
        splits[j] = best_r
    return values, splits
