"""Segment trees of the depth-2 search for K = 3 arms, ``2^lw`` ranks a leaf.

A node's record is the sums ``D_1, D_2`` of ``Gamma_a - Gamma_0`` under it
and, for the six ordered arm pairs (0, 1), (1, 0), (0, 2), (2, 0), (1, 2),
(2, 1), the maximum prefix sum of ``Gamma_a - Gamma_b`` over its leaves in
the child feature's order: 8 doubles, one 64-byte cache line, one line
touched per level of an update's path, in straight-line code.

With ``lw = 3`` a leaf covers 8 consecutive ranks, whose sums (16 bytes a
rank, two cache lines a leaf) are kept apart in ``S`` and joined into the
leaf's record, when one of them changes, by the same operations as the
segment tree over them: the values are the same, the tree 8x smaller (at
n = 10^6 its top levels stay in L2). Trees under ``BUCKET_FROM`` ranks keep
four ranks a leaf (``lw = 2``): smaller ones (exact depth 3 at n = 10^4, whose
children have up to 16,384 ranks) stay in L2 that way, and a leaf of 8 costs
more to recompute than it saves there (on an Intel Xeon: 20.7 s with leaves
of 8 from 8,192 ranks, 17.9 s with one rank a leaf; on an AMD EPYC, loaded,
leaves of 4 took 4.3-4.5 s where one rank a leaf took 4.9-5.5 s at n = 3000).
"""

import numpy as np
from numba import njit

from ._tree_memory import PREFETCH_AHEAD, prefetch_line, prefetch_path

__all__ = [
    "BUCKET",
    "BUCKET_FROM",
    "bucket_width",
    "child_value",
    "scan3",
]

BUCKET = 8
BUCKET_FROM = 32768


@njit(cache=True, nogil=True)
def bucket_width(size0):  # pragma: no cover - compiled
    """log2 of the ranks per leaf of a tree over ``size0`` (a power of two) ranks."""
    lw = 0
    while (1 << lw) < BUCKET and (1 << lw) < size0:
        lw += 1
    return lw


@njit(cache=True, nogil=True)
def _leaf3(d1, d2):  # pragma: no cover - compiled
    """Record of one rank with sums ``D_1, D_2``: the prefix of a rank is all of it."""
    return (d1, d2, -d1, d1, -d2, d2, d1 - d2, d2 - d1)


@njit(cache=True, nogil=True)
def _join3(lft, rgt):  # pragma: no cover - compiled
    """Record of two adjacent ranges from theirs."""
    d1, d2 = lft[0], lft[1]
    return (d1 + rgt[0], d2 + rgt[1], max(lft[2], rgt[2] - d1), max(lft[3], rgt[3] + d1),
            max(lft[4], rgt[4] - d2), max(lft[5], rgt[5] + d2),
            max(lft[6], rgt[6] + (d1 - d2)), max(lft[7], rgt[7] + (d2 - d1)))


@njit(cache=True, nogil=True)
def _load3(T, node):  # pragma: no cover - compiled
    return (T[node, 0], T[node, 1], T[node, 2], T[node, 3], T[node, 4], T[node, 5],
            T[node, 6], T[node, 7])


@njit(cache=True, nogil=True)
def _store3(T, node, rec):  # pragma: no cover - compiled
    T[node, 0] = rec[0]
    T[node, 1] = rec[1]
    T[node, 2] = rec[2]
    T[node, 3] = rec[3]
    T[node, 4] = rec[4]
    T[node, 5] = rec[5]
    T[node, 6] = rec[6]
    T[node, 7] = rec[7]


@njit(cache=True, nogil=True)
def _two3(S, r):  # pragma: no cover - compiled
    return _join3(_leaf3(S[r, 0], S[r, 1]), _leaf3(S[r + 1, 0], S[r + 1, 1]))


@njit(cache=True, nogil=True)
def _bucket3(S, base, w):  # pragma: no cover - compiled
    """Record of the ``w`` ranks from ``base`` (``w`` in 1, 2, 4, 8), joined pairwise as the
    segment tree's subtree over them would be."""
    if w == 8:
        return _join3(_join3(_two3(S, base), _two3(S, base + 2)),
                      _join3(_two3(S, base + 4), _two3(S, base + 6)))
    if w == 4:
        return _join3(_two3(S, base), _two3(S, base + 2))
    if w == 2:
        return _two3(S, base)
    return _leaf3(S[base, 0], S[base, 1])


@njit(inline="always", cache=True, nogil=True)
def _prefetch_path3(T, S, rank, lw, size):  # pragma: no cover - compiled
    """Prefetch the lines of a rank's leaf sums and its tree path below PREFETCH_FROM."""
    if lw > 0:
        base = rank & -(1 << lw)
        prefetch_line(S, base)
        prefetch_line(S, base + (1 << lw) - 1)
    prefetch_path(T, (rank >> lw) + size)


@njit(inline="always", cache=True, nogil=True)
def _move3_pair(T1, S1, r1, s1, T2, S2, r2, s2, lw, x1, x2):  # pragma: no cover
    """Add ``s (x1, x2)`` at rank ``r`` of two trees (``T``, sums ``S``); refresh both paths.

    Each level's update waits for the level below (about 20 cycles of
    latency for a few instructions); two independent paths walked in lockstep
    keep the core busy during each other's waits. With ``lw = 0`` a rank's
    sums are its leaf's record and ``S`` is not used.
    """
    size = T1.shape[0] >> 1
    a = (r1 >> lw) + size
    b = (r2 >> lw) + size
    if lw == 0:
        T1[a, 0] += s1 * x1
        T1[a, 1] += s1 * x2
        T2[b, 0] += s2 * x1
        T2[b, 1] += s2 * x2
        _store3(T1, a, _leaf3(T1[a, 0], T1[a, 1]))
        _store3(T2, b, _leaf3(T2[b, 0], T2[b, 1]))
    else:
        S1[r1, 0] += s1 * x1
        S1[r1, 1] += s1 * x2
        S2[r2, 0] += s2 * x1
        S2[r2, 1] += s2 * x2
        w = 1 << lw
        _store3(T1, a, _bucket3(S1, r1 & -w, w))
        _store3(T2, b, _bucket3(S2, r2 & -w, w))
    while a > 1:
        la = a & ~1
        lb = b & ~1
        a >>= 1
        b >>= 1
        _store3(T1, a, _join3(_load3(T1, la), _load3(T1, la + 1)))
        _store3(T2, b, _join3(_load3(T2, lb), _load3(T2, lb + 1)))


@njit(inline="always", cache=True, nogil=True)
def child_value(v, P, pos, right, T1, T2, off, pb):  # pragma: no cover - compiled
    """``max(v, best tree of depth <= 1)`` of the left (``right`` False) or right child of
    the root split after ``pos``, with ``min_node_size == 1``.

    A leaf, or for arms ``(a, b)`` (``a`` on the left) ``T_b`` plus the best
    prefix of ``Gamma_a - Gamma_b``, read at the root of ``T1`` or ``T2``
    (column ``off + o`` for the ``o``-th pair): an empty or full prefix is a
    leaf, so the prefix may end anywhere.
    """
    n = P.shape[0]
    for a in range(P.shape[1]):
        t = P[n - 1, a] - P[pos, a] if right else P[pos, a]
        v = max(v, t)
    for o in range(len(pb)):
        b = pb[o]
        t = P[n - 1, b] - P[pos, b] if right else P[pos, b]
        v = max(v, t + max(T1[1, off + o], T2[1, off + o]))
    return v


@njit(cache=True, nogil=True)
def scan3(k1, k2, split, ranks, Dm, lw, trees, pb):  # pragma: no cover - compiled
    """Raise the root split's child values ``vl`` / ``vr`` to their best depth-1 values on
    the child features ``k1`` and ``k2`` (``min_node_size == 1``), or on ``k1`` alone
    if ``k2 < 0``.

    ``split`` is ``(order, P, vl, vr)``: the units in the root feature's
    order, their cumulative rewards, and the best values so far of the left
    and right child of the split after each position (``vl = inf``: not a
    candidate). ``trees`` is ``(T1, S1, T2, S2)``: ``T`` has ``2 size`` rows,
    ``S`` ``size << lw`` (unused when ``lw = 0``).

    Two features: the units are inserted in ``order`` (the left child grows),
    then removed in the same order (what is left is the right child); the two
    features' trees take the same units, so their updates interleave and one
    pass serves both features' queries. One feature: the left child's tree
    ``T1`` starts empty and the right child's ``T2`` full (built bottom up in
    O(size)); each unit then leaves one for the other, both paths walked in
    lockstep, in one pass.
    """
    order, P, vl, vr = split
    T1, S1, T2, S2 = trees
    n = order.shape[0]
    w = 1 << lw
    size = T1.shape[0] >> 1
    T1[:] = 0.0
    T2[:] = 0.0
    S1[:] = 0.0
    S2[:] = 0.0
    one = k2 < 0
    if one:
        k2 = k1
        for pos in range(n):
            i = order[pos]
            if lw == 0:
                T2[ranks[k1, i] + size, 0] += Dm[i, 0]
                T2[ranks[k1, i] + size, 1] += Dm[i, 1]
            else:
                S2[ranks[k1, i], 0] += Dm[i, 0]
                S2[ranks[k1, i], 1] += Dm[i, 1]
        for leaf in range(size, 2 * size):
            if lw == 0:
                _store3(T2, leaf, _leaf3(T2[leaf, 0], T2[leaf, 1]))
            else:
                _store3(T2, leaf, _bucket3(S2, (leaf - size) * w, w))
        for node in range(size - 1, 0, -1):
            _store3(T2, node, _join3(_load3(T2, 2 * node), _load3(T2, 2 * node + 1)))
    for sweep in range(1 if one else 2):
        s1 = 1.0 if sweep == 0 else -1.0
        s2 = -1.0 if one else s1
        # the last insertion of two features fills the trees for the removals
        last = n if sweep == 0 and not one else n - 1
        for pos in range(last):
            if pos + PREFETCH_AHEAD < last:
                ahead = order[pos + PREFETCH_AHEAD]
                _prefetch_path3(T1, S1, ranks[k1, ahead], lw, size)
                _prefetch_path3(T2, S2, ranks[k2, ahead], lw, size)
            i = order[pos]
            _move3_pair(T1, S1, ranks[k1, i], s1, T2, S2, ranks[k2, i], s2, lw, Dm[i, 0],
                        Dm[i, 1])
            if pos == n - 1 or vl[pos] == np.inf:  # not a candidate root split
                continue
            if one:
                vl[pos] = child_value(vl[pos], P, pos, False, T1, T1, 2, pb)
                vr[pos] = child_value(vr[pos], P, pos, True, T2, T2, 2, pb)
            elif sweep == 0:
                vl[pos] = child_value(vl[pos], P, pos, False, T1, T2, 2, pb)
            else:
                vr[pos] = child_value(vr[pos], P, pos, True, T1, T2, 2, pb)
