"""Depth-2 child scans with leaves of at least ``min_node_size > 1`` units.

The best split of a child for the arms ``(a, b)`` (``a`` on the left) is
``T_b`` plus the maximum prefix sum of ``Gamma_a - Gamma_b`` over prefixes
that end between the ``m``-th and the ``(n - m)``-th of its units in the
child feature's order: a range query on the segment tree of
:mod:`._tree_segment`, whose leaves are found by unit counts kept beside it.
"""

import numpy as np
from numba import njit

from ._tree_memory import PREFETCH_AHEAD, prefetch_path
from ._tree_rules import NEG
from ._tree_segment import move

__all__ = [
    "child_scan",
]


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
def _cover(T, node, acc, best_o, pairs):  # pragma: no cover - compiled
    """Fold the next covering node into a left-to-right range query."""
    arms, pa, pb = pairs
    K1 = len(arms)
    for o in range(len(pa)):
        a, b = pa[o], pb[o]
        pre = (acc[a - 1] if a > 0 else 0.0) - (acc[b - 1] if b > 0 else 0.0)
        v = pre + T[node, K1 + o]
        if v > best_o[o]:
            best_o[o] = v
    for a in range(K1):
        acc[a] += T[node, a]


@njit(cache=True, nogil=True)
def _child_value(work, n_set, m, pairs):  # pragma: no cover - compiled
    """Best depth-1 subtree value of one child on one feature (a leaf if no split).

    ``work`` is ``(T, cnt, tot, acc, best_o, stack)``: the tree and its unit
    counts, the child's reward totals, and scratch space.
    """
    T, cnt, tot, acc, best_o, stack = work
    arms, pa, pb = pairs
    K1 = len(arms)
    size = T.shape[0] >> 1
    best = NEG
    for a in range(K1 + 1):
        if tot[a] > best:
            best = tot[a]
    if n_set < 2 * m:
        return best
    if m == 1:  # an empty or full prefix is a leaf: the prefix may end anywhere
        for o in range(len(pa)):
            v = tot[pb[o]] + T[1, K1 + o]
            if v > best:
                best = v
        return best
    lo = _find_kth(cnt, size, m)
    hi = _find_kth(cnt, size, n_set - m + 1) - 1
    if lo > hi:
        return best
    acc[:] = 0.0
    node = lo + size
    while node > 1:  # the left siblings on the way up hold the leaves before lo
        if node & 1:
            for a in range(K1):
                acc[a] += T[node - 1, a]
        node >>= 1
    best_o[:] = NEG
    lft = lo + size
    rgt = hi + size + 1
    top = 0
    while lft < rgt:  # the nodes covering [lo, hi], left ones now, right ones stacked
        if lft & 1:
            _cover(T, lft, acc, best_o, pairs)
            lft += 1
        if rgt & 1:
            rgt -= 1
            stack[top] = rgt
            top += 1
        lft >>= 1
        rgt >>= 1
    for t in range(top - 1, -1, -1):
        _cover(T, stack[t], acc, best_o, pairs)
    for o in range(len(pa)):
        v = tot[pb[o]] + best_o[o]
        if v > best:
            best = v
    return best


@njit(cache=True, nogil=True)
def child_scan(k, split, ranks, Dm, m, work, pairs):  # pragma: no cover - compiled
    """Raise ``vl[pos]`` / ``vr[pos]`` to the best depth-1 value on feature ``k`` of the
    left / right child of the root split after position ``pos`` of ``order``.

    ``split`` is ``(order, P, vl, vr)`` (see
    :func:`~causaldist.policy._tree_bucket.pair_scan3`), ``work`` is ``(T,
    cnt, tot, acc, best_o, stack)`` with ``T`` and ``cnt`` of ``2 size``
    rows. One tree, in two sweeps: the units are inserted in ``order`` (the
    left child grows), then removed in the same order (what is left is the
    right child).
    """
    order, P, vl, vr = split
    T, cnt, tot = work[0], work[1], work[2]
    n, K = order.shape[0], P.shape[1]
    size = T.shape[0] >> 1
    T[:] = 0.0
    cnt[:] = 0
    for sweep in range(2):
        sign = 1.0 if sweep == 0 else -1.0
        last = n if sweep == 0 else n - 1  # the last insertion fills the tree for the removals
        for pos in range(last):
            if pos + PREFETCH_AHEAD < last:
                prefetch_path(T, ranks[k, order[pos + PREFETCH_AHEAD]] + size)
            i = order[pos]
            leaf = ranks[k, i]
            move(T, leaf, Dm, i, sign, pairs)
            node = leaf + size
            while node >= 1:
                cnt[node] += 1 if sweep == 0 else -1
                node >>= 1
            if pos == n - 1 or vl[pos] == np.inf:  # not a candidate root split
                continue
            if sweep == 0:
                for a in range(K):
                    tot[a] = P[pos, a]
                v = _child_value(work, pos + 1, m, pairs)
                if v > vl[pos]:
                    vl[pos] = v
            else:
                for a in range(K):
                    tot[a] = P[n - 1, a] - P[pos, a]
                v = _child_value(work, n - pos - 1, m, pairs)
                if v > vr[pos]:
                    vr[pos] = v
