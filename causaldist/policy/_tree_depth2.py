"""Exact depth-1 and depth-2 searches of a policy tree, per root feature.

Depth 1: for each feature, one sweep of the cumulative rewards over the
sorted units. Depth 2, root feature ``j``: the units enter the left child one
at a time in ``x_j`` order; for every other feature ``k`` a segment tree over
the distinct values of ``x_k`` answers "best depth-1 subtree of this child on
``x_k``" (:mod:`._tree_segment`, :mod:`._tree_bucket` for K = 3,
:mod:`._tree_range` for ``min_node_size > 1``), and the right child is the
same tree with the units removed again in the same order. A search costs
O(p^2 n K^2 log n) instead of the O(p^2 n^2 K) of moving sorted sets point by
point (R policytree); the child feature ``k = j`` needs no tree (prefix sums,
O(n K^2)).
"""

import numpy as np
from numba import njit

from ._tree_bucket import BUCKET_FROM, bucket_width, scan3
from ._tree_memory import tree_buffer
from ._tree_range import child_scan
from ._tree_rules import NEG, beats
from ._tree_segment import child_lr_scan, child_pair_scan

__all__ = [
    "best_root_split",
    "child_features",
    "depth1_scan",
    "root_feature_scan",
    "root_split",
    "same_feature_scan",
    "scan_children3",
    "scan_children_any",
    "scan_children_range",
]


@njit(cache=True, nogil=True)
def depth1_scan(R, ranks, sel, orders, min_node_size):  # pragma: no cover - compiled
    """Best depth-1 tree on the units ``sel``: (value, feature, split rank, left arm, right arm).

    ``ranks[k, i]`` is the dense rank of ``x_ik`` among the distinct values of
    feature ``k``; ``orders[k]`` is ``sel`` sorted by it (stably); a split at
    rank ``r`` sends ``rank <= r`` left. ``feature`` is -1 when no split beats
    a single leaf (or none is allowed). Ties go to the lowest feature, then the
    lowest rank, then the lowest arms.
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
        left[:] = 0.0
        for pos in range(n - 1):
            i = orders[k, pos]
            for a in range(K):
                left[a] += R[i, a]
            count = pos + 1
            if ranks[k, i] == ranks[k, orders[k, pos + 1]]:
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
            if beats(val, best):
                best, out_k, out_r, out_l, out_rr = val, k, ranks[k, i], la, ra
    return best, out_k, out_r, out_l, out_rr


@njit(cache=True, nogil=True)
def root_split(j, R, ranks, order, m, split_step):  # pragma: no cover - compiled
    """The state of a depth-2 search with root feature ``j``: ``(order, P, vl, vr)``.

    ``P[pos]`` holds the reward totals of ``order[:pos + 1]``; ``vl[pos]`` and
    ``vr[pos]`` the best values found so far of the left and right child of
    the split after ``pos``. Candidate splits follow a distinct ``x_j`` value,
    leave both children at least ``m`` units and are every ``split_step``-th;
    the others are marked ``vl = inf``.
    """
    n, K = order.shape[0], R.shape[1]
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
    P = np.empty((n, K))
    acc = np.zeros(K)
    for pos in range(n):
        for a in range(K):
            acc[a] += R[order[pos], a]
            P[pos, a] = acc[a]
    return order, P, vl, vr


@njit(cache=True, nogil=True)
def same_feature_scan(j, split, ranks, m, pairs):  # pragma: no cover - compiled
    """Raise ``vl`` / ``vr`` to the children's best depth-1 values on the root feature itself.

    A child's split on ``x_j`` cuts a range of ``order``, so prefix sums and a
    running maximum over the admissible cuts do in O(n K^2) what a segment
    tree does in O(n K^2 log n).
    """
    order, P, vl, vr = split
    _, pa, pb = pairs
    n, K, Q = order.shape[0], P.shape[1], len(pa)
    run = np.full(Q, NEG)
    for pos in range(n - 1):  # left child order[:pos + 1], cut after c <= pos - m
        c = pos - m
        if c >= m - 1 and ranks[j, order[c]] != ranks[j, order[c + 1]]:
            for o in range(Q):
                run[o] = max(run[o], P[c, pa[o]] - P[c, pb[o]])
        if vl[pos] == np.inf:
            continue
        v = NEG
        for a in range(K):
            v = max(v, P[pos, a])
        for o in range(Q):
            v = max(v, P[pos, pb[o]] + run[o])
        if v > vl[pos]:
            vl[pos] = v
    run[:] = NEG
    for pos in range(n - 2, -1, -1):  # right child order[pos + 1:], cut after c >= pos + m
        c = pos + m
        if c <= n - 1 - m and ranks[j, order[c]] != ranks[j, order[c + 1]]:
            for o in range(Q):
                run[o] = max(run[o], P[c, pa[o]] - P[c, pb[o]])
        if vl[pos] == np.inf:
            continue
        v = NEG
        for a in range(K):
            v = max(v, P[n - 1, a] - P[pos, a])
        for o in range(Q):
            v = max(v, P[n - 1, pb[o]] - P[pos, pa[o]] + run[o])
        if v > vr[pos]:
            vr[pos] = v


@njit(cache=True, nogil=True)
def _size(G, k1, k2):  # pragma: no cover - compiled
    """Leaves of a tree over the distinct values of ``x_k1`` and ``x_k2``: a power of two."""
    size = 1
    while size < max(G[k1], G[k2]):
        size *= 2
    return size


@njit(cache=True, nogil=True)
def scan_children3(children, G, split, ranks, Dm, pairs):  # pragma: no cover - compiled
    """The child features' scans for K = 3 and ``min_node_size == 1``: two at a time, an
    odd one out with its two children in lockstep.

    Trees get leaves of 8 ranks once a root feature's largest child tree would
    outgrow L2 (``BUCKET_FROM`` ranks), of 4 below.
    """
    c = children.shape[0]
    if c == 0:
        return
    gmax = 1
    for k in children:
        gmax = max(gmax, G[k])
    size = 1
    while size < gmax:
        size *= 2
    bucketed = size >= BUCKET_FROM
    T1 = tree_buffer(2 * (size >> bucket_width(size)) if bucketed else size, 8)
    T2 = tree_buffer(T1.shape[0], 8)
    S1, S2 = tree_buffer(size, 2), tree_buffer(size, 2)
    pb = pairs[2]
    for first in range(0, c, 2):
        k1 = children[first]
        k2 = children[first + 1] if first + 1 < c else -1
        size_k = _size(G, k1, k2 if k2 >= 0 else k1)
        lw = bucket_width(size_k) if bucketed else min(2, bucket_width(size_k))
        rows_k = 2 * (size_k >> lw)
        trees = (T1[:rows_k], S1[:size_k], T2[:rows_k], S2[:size_k])
        scan3(k1, k2, split, ranks, Dm, lw, trees, pb)


@njit(cache=True, nogil=True)
def scan_children_any(children, G, split, ranks, Dm, pairs):  # pragma: no cover - compiled
    """``scan_children3`` for any number of arms (one rank a leaf)."""
    c = children.shape[0]
    if c == 0:
        return
    size = 1
    for k in children:
        size = max(size, _size(G, k, k))
    width = len(pairs[0]) + len(pairs[1])
    T1, T2 = tree_buffer(2 * size, width), tree_buffer(2 * size, width)
    for first in range(0, c, 2):
        k1 = children[first]
        k2 = children[first + 1] if first + 1 < c else k1
        rows_k = 2 * _size(G, k1, k2)
        trees = (T1[:rows_k], T2[:rows_k])
        if first + 1 < c:
            child_pair_scan(k1, k2, split, ranks, Dm, trees, pairs)
        else:
            child_lr_scan(k1, split, ranks, Dm, trees, pairs)


@njit(cache=True, nogil=True)
def scan_children_range(children, G, split, ranks, Dm, m, pairs):  # pragma: no cover
    """The child features' scans for ``min_node_size > 1``, one at a time."""
    c = children.shape[0]
    if c == 0:
        return
    size = 1
    for k in children:
        size = max(size, _size(G, k, k))
    K = split[1].shape[1]
    T = tree_buffer(2 * size, len(pairs[0]) + len(pairs[1]))
    cnt = np.zeros(2 * size, dtype=np.int64)
    work_all = (T, cnt, np.empty(K), np.empty(K), np.empty(len(pairs[1])),
                np.empty(64, dtype=np.int64))
    for k in children:
        rows_k = 2 * _size(G, k, k)
        work = (T[:rows_k], cnt[:rows_k]) + work_all[2:]
        child_scan(k, split, ranks, Dm, m, work, pairs)


@njit(cache=True, nogil=True)
def best_root_split(j, split, ranks):  # pragma: no cover - compiled
    """(value, split rank) of the best candidate split of ``split``; ties to the lowest."""
    order, _, vl, vr = split
    best, best_r = NEG, -1
    for pos in range(order.shape[0] - 1):
        if vl[pos] == np.inf:
            continue
        v = vl[pos] + vr[pos]
        if best_r < 0 or beats(v, best):
            best, best_r = v, ranks[j, order[pos]]
    return best, best_r


def child_features(j, G):
    """The child features of root feature ``j`` that can split (two distinct values)."""
    return np.array([k for k in range(G.shape[0]) if k != j and G[k] > 1], dtype=np.int64)


@njit(cache=True, nogil=True)
def root_feature_scan(j, R, Dm, ranks, orders, G, m, split_step, pairs):  # pragma: no cover
    """Best (value, root split rank) with root feature ``j`` for the units of ``orders``.

    The compiled form of :func:`~causaldist.policy._tree_search.best_depth2_root`'s
    per-feature work, for the depth-3 search, which calls it many times
    (depth 2 picks the one child scan it needs in Python, so that only that
    one is compiled).
    """
    split = root_split(j, R, ranks, orders[j], m, split_step)
    same_feature_scan(j, split, ranks, m, pairs)
    c = 0
    children = np.empty(G.shape[0], dtype=np.int64)
    for k in range(G.shape[0]):
        if k != j and G[k] > 1:
            children[c] = k
            c += 1
    if m > 1:
        scan_children_range(children[:c], G, split, ranks, Dm, m, pairs)
    elif len(pairs[0]) == 2:
        scan_children3(children[:c], G, split, ranks, Dm, pairs)
    else:
        scan_children_any(children[:c], G, split, ranks, Dm, pairs)
    return best_root_split(j, split, ranks)
