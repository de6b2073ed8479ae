"""Exact depth-3 search of a policy tree: branch and bound over the root splits.

A root split's value is the sum of its children's exact depth-2 values
(:func:`~causaldist.policy._tree_depth2.root_feature_scan` on each child).
The root splits are searched best first by upper bounds from the searched
neighbouring splits; within a child, the root features are searched from the
highest bound down, and the search stops when no bound can beat the best
value (``depth3_feature``).
"""

import heapq

import numpy as np
from numba import njit

from ._tree_depth2 import root_feature_scan
from ._tree_rules import NEG, beats, ties, tie_tol

__all__ = [
    "depth3_feature",
]


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
def _local_ranks(ranks, sub, local):  # pragma: no cover - compiled
    """Dense ranks among the units of ``sub`` (sorted per feature) into ``local``; their counts.

    The segment trees of a child then have as many leaves as the child has
    distinct values, not the whole sample.
    """
    p, n = sub.shape[0], sub.shape[1]
    G = np.zeros(p, dtype=np.int64)
    for k in range(p):
        r = -1
        prev = -1
        for ii in range(n):
            i = sub[k, ii]
            if ranks[k, i] != prev:
                prev = ranks[k, i]
                r += 1
            local[k, i] = r
        G[k] = r + 1
    return G


@njit(cache=True, nogil=True)
def _depth1_sorted(R, ranks, sub):  # pragma: no cover - compiled
    """Value of the best tree of depth <= 1 on the units of ``sub`` (sorted per feature)."""
    p, n, K = sub.shape[0], sub.shape[1], R.shape[1]
    tot = np.zeros(K)
    for ii in range(n):
        for a in range(K):
            tot[a] += R[sub[0, ii], a]
    best = tot.max()
    left = np.empty(K)
    for k in range(p):
        left[:] = 0.0
        for ii in range(n - 1):
            i = sub[k, ii]
            for a in range(K):
                left[a] += R[i, a]
            if ranks[k, i] == ranks[k, sub[k, ii + 1]]:
                continue
            la, ra = NEG, NEG
            for a in range(K):
                la = max(la, left[a])
                ra = max(ra, tot[a] - left[a])
            best = max(best, la + ra)
    return best


@njit(cache=True, nogil=True)
def _side_value(R, Dm, ranks, sub, m, local, bounds, need, W, pairs):  # pragma: no cover
    """Bound, and where it matters value, of the best depth-2 tree on one child ``sub``.

    ``bounds[j2]`` bounds the best tree with root feature ``j2``. Root features
    are searched from the highest bound down, and the search stops at the
    first bound that is at most the best value found (the rest cannot beat it:
    the value is exact) or below ``need`` (the child cannot matter: only the
    bound is returned). ``W[j2]`` receives the exact value of each searched
    root feature and the bound of the others. Returns (upper bound, exact).
    """
    p, n, K = sub.shape[0], sub.shape[1], R.shape[1]
    cur = NEG
    for a in range(K):
        tot = 0.0
        for ii in range(n):
            tot += R[sub[0, ii], a]
        cur = max(cur, tot)
    for j2 in range(p):
        W[j2] = bounds[j2]
    if n < 2 * m:
        return cur, True
    G = _local_ranks(ranks, sub, local)
    ub = cur
    exact = True
    for j2 in np.argsort(-bounds, kind="mergesort"):
        b = bounds[j2]
        if b <= cur:
            break
        if b < need:
            ub = max(ub, b)
            exact = False
            break
        v, r = root_feature_scan(j2, R, Dm, local, sub, G, m, 1, pairs)
        W[j2] = v
        if r >= 0 and v > cur:
            cur = v
    return max(ub, cur), exact


@njit(cache=True, nogil=True)
def _gap_peak(t0, t1, SL, SR, CMX, CMN, oracle):  # pragma: no cover - compiled
    """Highest upper bound on a root split's value strictly between the searched splits
    ``t0`` and ``t1`` (-1 and ``len(CMX)`` for none), and where.

    ``CMX`` / ``CMN`` are the cumulative ``max_a Gamma`` / ``min_a Gamma`` at
    the candidate splits. A child gaining the units ``B`` gains at most
    ``sum_B max_a Gamma`` and at least ``sum_B min_a Gamma`` (restrict its best
    tree to the smaller child), so each child's bound runs from both
    neighbours; neither can beat the oracle ``sum max_a Gamma``.
    """
    c = CMX.shape[0]
    peak, where = NEG, -1
    for t in range(t0 + 1, t1):
        ubl = CMX[t]
        ubr = oracle - CMX[t]
        if t0 >= 0:
            ubl = min(ubl, SL[t0] + (CMX[t] - CMX[t0]))
            ubr = min(ubr, SR[t0] - (CMN[t] - CMN[t0]))
        if t1 < c:
            ubl = min(ubl, SL[t1] - (CMN[t1] - CMN[t]))
            ubr = min(ubr, SR[t1] + (CMX[t1] - CMX[t]))
        if ubl + ubr > peak:
            peak, where = ubl + ubr, t
    return peak, where


@njit(cache=True, nogil=True)
def _child_bounds(t, t0, t1, U, D1, CMX, CMN, left, out):  # pragma: no cover - compiled
    """Per-root-feature bounds of a child at split ``t`` from the searched neighbours.

    The best tree with root feature ``j2`` on the larger child, restricted to
    the smaller, is a root-``j2`` tree or (all units on one side) a depth-1
    tree: so ``max(U[s, j2], D1[s])`` plus the gain bound carries over.
    """
    c = CMX.shape[0]
    out[:] = np.inf
    if t0 >= 0:
        gain = (CMX[t] - CMX[t0]) if left else -(CMN[t] - CMN[t0])
        for j2 in range(out.shape[0]):
            out[j2] = min(out[j2], max(U[t0, j2], D1[t0]) + gain)
    if t1 < c:
        gain = -(CMN[t1] - CMN[t]) if left else (CMX[t1] - CMX[t])
        for j2 in range(out.shape[0]):
            out[j2] = min(out[j2], max(U[t1, j2], D1[t1]) + gain)


@njit(cache=True, nogil=True)
def depth3_feature(j, R, Dm, ranks, orders, amax, amin, m, split_step, seed_rank, shared,
                   start_value, pairs):  # pragma: no cover - compiled
    """Best (value, split rank) of an exact depth-3 tree with root feature ``j``.

    Branch and bound over the root splits (``min_node_size == 1``): the split
    with the highest upper bound is searched next (first the depth-2 root's
    split on this feature, ``seed_rank``), each child's depth-2 search reuses
    the per-root-feature values of the nearest searched splits as bounds and
    stops as soon as it cannot matter, and the search ends when no bound
    reaches ``shared[0]``, the best value over all root features so far
    (threads share it; a stale read only prunes less). A split whose value is
    within the tie tolerance of the best is always searched exactly, so the
    answer does not depend on the order or the threads. With a larger
    ``min_node_size`` bounds do not hold and every split is searched.
    """
    p, n = orders.shape[0], orders.shape[1]
    order = orders[j]
    member = np.zeros(R.shape[0], dtype=np.bool_)
    local = np.empty((p, R.shape[0]), dtype=np.int64)
    cand = np.empty(n, dtype=np.int64)
    CMX = np.empty(n)
    CMN = np.empty(n)
    c = 0
    counted = 0
    sx, sn = 0.0, 0.0
    seed = -1
    for pos in range(n - 1):
        sx += amax[order[pos]]
        sn += amin[order[pos]]
        if ranks[j, order[pos]] == ranks[j, order[pos + 1]]:
            continue
        if pos + 1 < m or n - pos - 1 < m:
            continue
        counted += 1
        if (counted - 1) % split_step != 0:
            continue
        if ranks[j, order[pos]] <= seed_rank:
            seed = c
        cand[c] = pos
        CMX[c] = sx
        CMN[c] = sn
        c += 1
    oracle = sx + amax[order[n - 1]]
    CMX, CMN = CMX[:c], CMN[:c]
    SL = np.full(c, np.inf)  # upper bounds of the children's depth-2 values
    SR = np.full(c, np.inf)
    DL = np.full(c, np.inf)  # upper bounds of the children's depth-1 values
    DR = np.full(c, np.inf)
    UL = np.full((c, p), np.inf)  # per root feature of the child
    UR = np.full((c, p), np.inf)
    V = np.full(c, NEG)  # exact values of the splits searched to the end
    bl = np.empty(p)
    br = np.empty(p)
    searched = np.zeros(c, dtype=np.bool_)
    heap = [(0.0, 0, 0, 0)]  # (-peak, where, left neighbour, right neighbour)
    heap.pop()
    if c == 0:
        return NEG, -1
    if m > 1:
        for t in range(c):
            heapq.heappush(heap, (-np.inf, t, -1, c))
    else:
        t = seed if seed >= 0 else c // 2
        heapq.heappush(heap, (-np.inf, t, -1, c))
    while len(heap) > 0:
        negpeak, t, t0, t1 = heapq.heappop(heap)
        tol = tie_tol(shared[0])
        if m == 1 and -negpeak < shared[0] - 3 * tol:
            break  # no split left can tie the best: all peaks are lower
        pos = cand[t]
        ubl, ubr = np.inf, np.inf
        if m == 1:
            ubl = CMX[t]
            ubr = oracle - CMX[t]
            if t0 >= 0:
                ubl = min(ubl, SL[t0] + (CMX[t] - CMX[t0]))
                ubr = min(ubr, SR[t0] - (CMN[t] - CMN[t0]))
            if t1 < c:
                ubl = min(ubl, SL[t1] - (CMN[t1] - CMN[t]))
                ubr = min(ubr, SR[t1] + (CMX[t1] - CMX[t]))
            _child_bounds(t, t0, t1, UL, DL, CMX, CMN, True, bl)
            _child_bounds(t, t0, t1, UR, DR, CMX, CMN, False, br)
        else:
            bl[:] = np.inf
            br[:] = np.inf
        thr = shared[0] - 3 * tol if m == 1 else NEG
        for ii in range(n):
            member[order[ii]] = ii <= pos
        sub = _suborders(orders, member, pos + 1)
        DL[t] = _depth1_sorted(R, ranks, sub)
        SL[t], exact_l = _side_value(R, Dm, ranks, sub, m, local, bl, thr - ubr, UL[t], pairs)
        exact_r = False
        if SL[t] + ubr >= thr:
            for ii in range(n):
                member[order[ii]] = ii > pos
            sub = _suborders(orders, member, n - pos - 1)
            DR[t] = _depth1_sorted(R, ranks, sub)
            SR[t], exact_r = _side_value(R, Dm, ranks, sub, m, local, br, thr - SL[t], UR[t],
                                         pairs)
        else:
            SR[t] = ubr
            DR[t] = ubr
            for j2 in range(p):
                UR[t, j2] = br[j2]
        searched[t] = True
        if exact_l and exact_r:
            V[t] = SL[t] + SR[t]
            if V[t] > shared[0]:
                shared[0] = V[t]
        if m == 1:
            for lo, hi in ((t0, t), (t, t1)):
                if hi - lo > 1:
                    peak, where = _gap_peak(lo, hi, SL, SR, CMX, CMN, oracle)
                    heapq.heappush(heap, (-peak, where, lo, hi))
    # the best split; a tie within the tolerance goes to the lowest threshold
    best = NEG
    for t in range(c):
        best = max(best, V[t])
    if not beats(best, start_value):
        return best, -1
    for t in range(c):
        if ties(V[t], best):
            return best, ranks[j, order[cand[t]]]
    return best, -1
