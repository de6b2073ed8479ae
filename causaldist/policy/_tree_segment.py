"""Segment trees of the depth-2 search for any number of arms, one rank a leaf.

Over the distinct values (ranks) of a child feature ``x_k``, a node's record
``T[node]`` is ``K - 1`` sums ``D_a = sum(Gamma_a - Gamma_0)`` of the units
under it, then, for every ordered pair of arms ``(a, b)`` (the order of
:func:`~causaldist.policy._tree_rules.arm_pairs`), the maximum prefix sum of
``Gamma_a - Gamma_b`` over its leaves (the pair sums are differences of the
``D_a``). The best depth-1 subtree of a child on ``x_k`` is then

``max_{a != b} T_b(S) + max prefix sum of (Gamma_a - Gamma_b) over S in x_k order``,

read at the root in O(K^2) when ``min_node_size == 1``. K = 3 has its own
layout (:mod:`._tree_bucket`); the range queries of ``min_node_size > 1`` are
in :mod:`._tree_range`.
"""

import numpy as np
from numba import njit

from ._tree_bucket import child_value
from ._tree_memory import PREFETCH_AHEAD, prefetch_path

__all__ = [
    "child_lr_scan",
    "child_pair_scan",
    "move",
    "pair_diff",
]


@njit(inline="always", cache=True, nogil=True)
def pair_diff(T, row, a, b):  # pragma: no cover - compiled
    """Sum of ``Gamma_a - Gamma_b`` under a node, from its record (``D_0 = 0``)."""
    x = T[row, a - 1] if a > 0 else 0.0
    y = T[row, b - 1] if b > 0 else 0.0
    return x - y


@njit(inline="always", cache=True, nogil=True)
def move(T, leaf, Dm, i, sign, pairs):  # pragma: no cover - compiled
    """Add (``sign = 1``) or remove (``sign = -1``) unit ``i`` at ``leaf``; refresh its path.

    ``T`` has ``2 size`` rows (leaves from ``size``); ``Dm[i, a - 1]`` is
    ``Gamma_ia - Gamma_i0``; ``pairs`` is ``(arms, pa, pb)``.
    """
    arms, pa, pb = pairs
    K1 = len(arms)
    node = leaf + (T.shape[0] >> 1)
    for a in range(K1):
        T[node, a] += sign * Dm[i, a]
    for o in range(len(pa)):  # a leaf's prefix is all of it: ties cannot be split
        T[node, K1 + o] = pair_diff(T, node, pa[o], pb[o])
    while node > 1:
        lft = node & ~1
        rgt = lft + 1
        node >>= 1
        for a in range(K1):
            T[node, a] = T[lft, a] + T[rgt, a]
        for o in range(len(pa)):
            x1 = T[lft, K1 + o]
            x2 = pair_diff(T, lft, pa[o], pb[o]) + T[rgt, K1 + o]
            T[node, K1 + o] = x1 if x1 > x2 else x2


@njit(cache=True, nogil=True)
def child_pair_scan(k1, k2, split, ranks, Dm, trees, pairs):  # pragma: no cover - compiled
    """Raise the root split's child values to their best depth-1 values on the child
    features ``k1`` and ``k2`` (``min_node_size == 1``).

    ``split`` is ``(order, P, vl, vr)`` and the sweeps are those of
    :func:`~causaldist.policy._tree_bucket.pair_scan3`; ``trees`` is
    ``(T1, T2)``, each of ``2 size`` rows.
    """
    order, P, vl, vr = split
    T1, T2 = trees
    arms, pa, pb = pairs
    n, K1 = order.shape[0], len(arms)
    size = T1.shape[0] >> 1
    T1[:] = 0.0
    T2[:] = 0.0
    for sweep in range(2):
        sign = 1.0 if sweep == 0 else -1.0
        last = n if sweep == 0 else n - 1  # the last insertion fills the trees for the removals
        for pos in range(last):
            if pos + PREFETCH_AHEAD < last:
                ahead = order[pos + PREFETCH_AHEAD]
                prefetch_path(T1, ranks[k1, ahead] + size)
                prefetch_path(T2, ranks[k2, ahead] + size)
            i = order[pos]
            move(T1, ranks[k1, i], Dm, i, sign, pairs)
            move(T2, ranks[k2, i], Dm, i, sign, pairs)
            if pos == n - 1 or vl[pos] == np.inf:  # not a candidate root split
                continue
            if sweep == 0:
                vl[pos] = child_value(vl[pos], P, pos, False, T1, T2, K1, pb)
            else:
                vr[pos] = child_value(vr[pos], P, pos, True, T1, T2, K1, pb)


@njit(cache=True, nogil=True)
def child_lr_scan(k, split, ranks, Dm, trees, pairs):  # pragma: no cover - compiled
    """``child_pair_scan`` of one child feature, in one pass.

    The left child's tree starts empty and the right child's full (built
    bottom up in O(size)); each unit then leaves one for the other.
    """
    order, P, vl, vr = split
    TL, TR = trees
    arms, pa, pb = pairs
    n, K1 = order.shape[0], len(arms)
    size = TL.shape[0] >> 1
    TL[:] = 0.0
    TR[:] = 0.0
    for pos in range(n):
        i = order[pos]
        for a in range(K1):
            TR[ranks[k, i] + size, a] += Dm[i, a]
    for node in range(2 * size - 1, 0, -1):
        if node >= size:  # a leaf: its prefix is all of it
            for o in range(len(pa)):
                TR[node, K1 + o] = pair_diff(TR, node, pa[o], pb[o])
            continue
        lft, rgt = 2 * node, 2 * node + 1
        for a in range(K1):
            TR[node, a] = TR[lft, a] + TR[rgt, a]
        for o in range(len(pa)):
            TR[node, K1 + o] = max(TR[lft, K1 + o], pair_diff(TR, lft, pa[o], pb[o])
                                   + TR[rgt, K1 + o])
    for pos in range(n - 1):
        if pos + PREFETCH_AHEAD < n - 1:
            ahead = ranks[k, order[pos + PREFETCH_AHEAD]] + size
            prefetch_path(TL, ahead)
            prefetch_path(TR, ahead)
        i = order[pos]
        leaf = ranks[k, i]
        move(TL, leaf, Dm, i, 1.0, pairs)
        move(TR, leaf, Dm, i, -1.0, pairs)
        if vl[pos] == np.inf:  # not a candidate root split
            continue
        vl[pos] = child_value(vl[pos], P, pos, False, TL, TL, K1, pb)
        vr[pos] = child_value(vr[pos], P, pos, True, TR, TR, K1, pb)
