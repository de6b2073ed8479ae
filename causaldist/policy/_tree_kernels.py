"""Compiled kernels of the exact policy-tree search.

Depth 1: for each feature, one sweep of the cumulative rewards over the sorted
units. Depth 2: for each root feature ``j`` the units enter the left child one
at a time in ``x_j`` order; for every other feature ``k`` a segment tree over
the distinct values of ``x_k`` holds, per node, the sums of ``Gamma_a -
Gamma_0`` and for every ordered pair of arms ``(a, b)`` the maximum prefix sum
of ``Gamma_a - Gamma_b``, so that the best depth-1 subtree of a child on
feature ``k`` is

``max_{a != b} T_b(S) + max prefix sum of (Gamma_a - Gamma_b) over S in x_k order``

read at the tree's root in O(K^2) when ``min_node_size == 1`` (a range query
otherwise). The right child is the same tree with the units removed again in
the same order. A depth-2 search costs O(p^2 n K^2 log n) instead of the
O(p^2 n^2 K) of moving sorted sets point by point (R policytree); the child
feature ``k = j`` needs no tree (prefix sums, O(n K^2)).

Layout, for the memory system: with K = 3 a node is 8 doubles, one 64-byte
cache line, and a leaf covers 8 consecutive ranks, whose sums (16 bytes a
rank, two cache lines a leaf) are kept apart and joined into the leaf's
record, when one of them changes, by the same operations as the segment tree
over them: the values are the same, the tree 8x smaller. An update walks one
path, one line a level, in straight-line code; two child features share each
pass so that their two paths, walked in lockstep, overlap each other's
latency; the paths of the units 16 places ahead are prefetched, since below
the cached top levels every level is a miss (the leaves follow ``x_k`` while
the units arrive in ``x_j`` order); trees of 2 MiB and more are put on huge
pages (one TLB entry for 32,768 nodes).

Depth 3: branch and bound over the root splits, each valued by its children's
exact depth-2 searches (``best_depth3_root``). Every search of the root
features is split over ``n_jobs`` threads; the kernels release the GIL.

Compilation is cached on disk (``cache=True``): the first fit in a fresh
environment compiles for about 15 s, later processes load in well under 1 s.
"""

import heapq
import sys

import numpy as np
from joblib import Parallel, delayed
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

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


# How many units ahead the path of a coming update is prefetched, and from
# which node down: the nodes above PREFETCH_FROM (the top 10 levels, 64 KiB at
# 64 bytes a node) stay in cache anyway. Tuned at n = 10^4 and 10^5 (p = 10,
# K = 3): 8 units ahead or from node 256 was slower at 10^5, 32 ahead no better.
PREFETCH_AHEAD = 16
PREFETCH_FROM = 1024


@intrinsic
def _prefetch(typingctx, arr, row):  # pragma: no cover - compiled
    """Prefetch the cache line of ``arr[row, 0]`` for writing (LLVM's ``llvm.prefetch``)."""

    def codegen(context, builder, sig, args):
        aryty = sig.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1], zero])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.none(arr, row), codegen


# Trees of at least one huge page (n >~ 10^5) are put on 2 MiB pages: below
# the cached top levels every level of a path is a different 4 KiB page, and
# at n = 10^6 the page walks cost about a seventh of the time.
HUGE_PAGE = 1 << 21


@intrinsic
def _madvise_huge(typingctx, start, length):  # pragma: no cover - compiled
    """``madvise(start, length, MADV_HUGEPAGE)``: a hint to back the range with 2 MiB pages.

    Linux only (elsewhere nothing: ``MADV_HUGEPAGE`` is Linux's, Windows has no ``madvise``).
    """

    def codegen(context, builder, sig, args):
        if not sys.platform.startswith("linux"):
            return context.get_dummy_value()
        i8p = ir.IntType(8).as_pointer()
        i32, i64 = ir.IntType(32), ir.IntType(64)
        fnty = ir.FunctionType(i32, [i8p, i64, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "madvise")
        builder.call(fn, [builder.inttoptr(args[0], i8p), args[1], i32(14)])
        return context.get_dummy_value()

    return types.none(start, length), codegen


@njit(cache=True, nogil=True)
def _prefetch_path(T, node):  # pragma: no cover - compiled
    """Prefetch both children of every node on the path from ``node`` up to PREFETCH_FROM.

    Units arrive in the root feature's order, so their leaves on the child
    feature are random: below the cached top levels every level of a path is
    a cache (and TLB) miss. Issued a few units ahead, the misses overlap.
    """
    while node >= PREFETCH_FROM:
        _prefetch(T, node & ~1)
        _prefetch(T, node | 1)
        node >>= 1


@njit(cache=True, nogil=True)
def _pair_diff(T, row, a, b):  # pragma: no cover - compiled
    """Sum of ``Gamma_a - Gamma_b`` under a node, from its record (``D_0 = 0``)."""
    x = T[row, a - 1] if a > 0 else 0.0
    y = T[row, b - 1] if b > 0 else 0.0
    return x - y


@njit(cache=True, nogil=True)
def _move(T, size, leaf, Dm, i, sign, arms, pa, pb):  # pragma: no cover - compiled
    """Add (``sign = 1``) or remove (``sign = -1``) unit ``i`` at ``leaf``; refresh its path.

    A node's record ``T[node]`` is ``K - 1`` sums ``D_a = sum(Gamma_a - Gamma_0)``
    then, for every ordered pair ``(a, b)``, the maximum prefix sum of
    ``Gamma_a - Gamma_b`` over the node's leaves. The pair sums are differences
    of the ``D_a``, so with K = 3 a record is 8 doubles: one 64-byte cache line
    per node, one line touched per level of the path. ``len(arms)`` is known
    at compile time, so K = 3 takes straight-line code with constant offsets
    (a third of the instructions of the loops over the pairs).
    """
    K1 = len(arms)
    node = leaf + size
    for a in range(K1):
        T[node, a] += sign * Dm[i, a]
    if K1 == 2:  # K = 3; pairs (0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)
        d1, d2 = T[node, 0], T[node, 1]
        T[node, 2] = -d1  # a leaf's prefix is all of it: ties cannot be split
        T[node, 3] = d1
        T[node, 4] = -d2
        T[node, 5] = d2
        T[node, 6] = d1 - d2
        T[node, 7] = d2 - d1
        while node > 1:
            lft = node & ~1
            rgt = lft + 1
            node >>= 1
            d1, d2 = T[lft, 0], T[lft, 1]
            T[node, 0] = d1 + T[rgt, 0]
            T[node, 1] = d2 + T[rgt, 1]
            T[node, 2] = max(T[lft, 2], T[rgt, 2] - d1)
            T[node, 3] = max(T[lft, 3], T[rgt, 3] + d1)
            T[node, 4] = max(T[lft, 4], T[rgt, 4] - d2)
            T[node, 5] = max(T[lft, 5], T[rgt, 5] + d2)
            T[node, 6] = max(T[lft, 6], T[rgt, 6] + (d1 - d2))
            T[node, 7] = max(T[lft, 7], T[rgt, 7] + (d2 - d1))
        return
    for o in range(len(pa)):
        T[node, K1 + o] = _pair_diff(T, node, pa[o], pb[o])
    while node > 1:
        lft = node & ~1
        rgt = lft + 1
        node >>= 1
        for a in range(K1):
            T[node, a] = T[lft, a] + T[rgt, a]
        for o in range(len(pa)):
            x1 = T[lft, K1 + o]
            x2 = _pair_diff(T, lft, pa[o], pb[o]) + T[rgt, K1 + o]
            T[node, K1 + o] = x1 if x1 > x2 else x2


@njit(cache=True, nogil=True)
def _move_pair(T1, leaf1, sign1, T2, leaf2, sign2, size, Dm, i, arms, pa,
               pb):  # pragma: no cover - compiled
    """``_move`` of unit ``i`` in two trees of the same size, their paths walked in lockstep.

    Each level's update waits for the level below (about 20 cycles of
    latency for a few instructions); two independent paths interleaved keep
    the core busy during each other's waits.
    """
    if len(arms) != 2:
        _move(T1, size, leaf1, Dm, i, sign1, arms, pa, pb)
        _move(T2, size, leaf2, Dm, i, sign2, arms, pa, pb)
        return
    a = leaf1 + size
    b = leaf2 + size
    for T, node, sign in ((T1, a, sign1), (T2, b, sign2)):
        T[node, 0] += sign * Dm[i, 0]
        T[node, 1] += sign * Dm[i, 1]
        d1, d2 = T[node, 0], T[node, 1]
        T[node, 2] = -d1
        T[node, 3] = d1
        T[node, 4] = -d2
        T[node, 5] = d2
        T[node, 6] = d1 - d2
        T[node, 7] = d2 - d1
    while a > 1:
        la = a & ~1
        lb = b & ~1
        a >>= 1
        b >>= 1
        x1, x2 = T1[la, 0], T1[la, 1]
        y1, y2 = T2[lb, 0], T2[lb, 1]
        T1[a, 0] = x1 + T1[la + 1, 0]
        T2[b, 0] = y1 + T2[lb + 1, 0]
        T1[a, 1] = x2 + T1[la + 1, 1]
        T2[b, 1] = y2 + T2[lb + 1, 1]
        T1[a, 2] = max(T1[la, 2], T1[la + 1, 2] - x1)
        T2[b, 2] = max(T2[lb, 2], T2[lb + 1, 2] - y1)
        T1[a, 3] = max(T1[la, 3], T1[la + 1, 3] + x1)
        T2[b, 3] = max(T2[lb, 3], T2[lb + 1, 3] + y1)
        T1[a, 4] = max(T1[la, 4], T1[la + 1, 4] - x2)
        T2[b, 4] = max(T2[lb, 4], T2[lb + 1, 4] - y2)
        T1[a, 5] = max(T1[la, 5], T1[la + 1, 5] + x2)
        T2[b, 5] = max(T2[lb, 5], T2[lb + 1, 5] + y2)
        T1[a, 6] = max(T1[la, 6], T1[la + 1, 6] + (x1 - x2))
        T2[b, 6] = max(T2[lb, 6], T2[lb + 1, 6] + (y1 - y2))
        T1[a, 7] = max(T1[la, 7], T1[la + 1, 7] + (x2 - x1))
        T2[b, 7] = max(T2[lb, 7], T2[lb + 1, 7] + (y2 - y1))


@njit(cache=True, nogil=True)
def _child_pair_scan(k1, k2, order, Dm, ranks, P, size, vl, vr, T1, T2, arms, pa,
                     pb):  # pragma: no cover - compiled
    """``_child_scan`` of two child features at once, for ``min_node_size == 1``.

    The two trees take the same units in the same order, so their updates
    interleave (``_move_pair``) and one pass serves both features' queries.
    """
    n, K, K1 = order.shape[0], P.shape[1], len(arms)
    T1[: 2 * size] = 0.0
    T2[: 2 * size] = 0.0
    for sweep in range(2):
        sign = 1.0 if sweep == 0 else -1.0
        last = n if sweep == 0 else n - 1  # the last insertion fills the trees for the removals
        for pos in range(last):
            if pos + PREFETCH_AHEAD < last:
                ahead = order[pos + PREFETCH_AHEAD]
                _prefetch_path(T1, ranks[k1, ahead] + size)
                _prefetch_path(T2, ranks[k2, ahead] + size)
            i = order[pos]
            _move_pair(T1, ranks[k1, i], sign, T2, ranks[k2, i], sign, size, Dm, i, arms, pa,
                       pb)
            if pos == n - 1 or vl[pos] == np.inf:  # not a candidate root split
                continue
            # best depth-1 value of the child: a leaf, or T_b plus the best
            # prefix of Gamma_a - Gamma_b at either tree's root
            best = vl[pos] if sweep == 0 else vr[pos]
            for a in range(K):
                t = P[pos, a] if sweep == 0 else P[n - 1, a] - P[pos, a]
                best = max(best, t)
            for o in range(len(pa)):
                b = pb[o]
                t = P[pos, b] if sweep == 0 else P[n - 1, b] - P[pos, b]
                best = max(best, t + max(T1[1, K1 + o], T2[1, K1 + o]))
            if sweep == 0:
                vl[pos] = best
            else:
                vr[pos] = best


@njit(cache=True, nogil=True)
def _child_lr_scan(k, order, Dm, ranks, P, size, vl, vr, TL, TR, arms, pa,
                   pb):  # pragma: no cover - compiled
    """``_child_scan`` of one child feature for ``min_node_size == 1``, in one pass.

    The left child's tree starts empty and the right child's full (built
    bottom up in O(size)); each unit then leaves one for the other, both
    paths walked in lockstep (``_move_pair``) as for a pair of features.
    """
    n, K, K1 = order.shape[0], P.shape[1], len(arms)
    TL[: 2 * size] = 0.0
    TR[: 2 * size] = 0.0
    for pos in range(n):
        i = order[pos]
        for a in range(K1):
            TR[ranks[k, i] + size, a] += Dm[i, a]
    for node in range(2 * size - 1, 0, -1):
        if node >= size:  # a leaf: its prefix is all of it
            for o in range(len(pa)):
                TR[node, K1 + o] = _pair_diff(TR, node, pa[o], pb[o])
            continue
        lft, rgt = 2 * node, 2 * node + 1
        for a in range(K1):
            TR[node, a] = TR[lft, a] + TR[rgt, a]
        for o in range(len(pa)):
            TR[node, K1 + o] = max(TR[lft, K1 + o], _pair_diff(TR, lft, pa[o], pb[o])
                                   + TR[rgt, K1 + o])
    for pos in range(n - 1):
        if pos + PREFETCH_AHEAD < n - 1:
            ahead = ranks[k, order[pos + PREFETCH_AHEAD]] + size
            _prefetch_path(TL, ahead)
            _prefetch_path(TR, ahead)
        i = order[pos]
        leaf = ranks[k, i]
        _move_pair(TL, leaf, 1.0, TR, leaf, -1.0, size, Dm, i, arms, pa, pb)
        if vl[pos] == np.inf:  # not a candidate root split
            continue
        left, right = vl[pos], vr[pos]
        for a in range(K):
            left = max(left, P[pos, a])
            right = max(right, P[n - 1, a] - P[pos, a])
        for o in range(len(pa)):
            b = pb[o]
            left = max(left, P[pos, b] + TL[1, K1 + o])
            right = max(right, P[n - 1, b] - P[pos, b] + TR[1, K1 + o])
        vl[pos] = left
        vr[pos] = right


# Ranks per leaf of a K = 3 tree (a power of two). The ranks' own sums live
# in a separate array, 16 bytes a rank, so a leaf's ranks share two cache
# lines; the tree above has BUCKET times fewer nodes (at n = 10^6 its top
# levels stay in L2 and the whole of it in L3). Updating a rank recomputes
# its leaf's record from the BUCKET sums with the same operations the
# segment tree did over them: the records, hence the values, are the same.
BUCKET = 8
BUCKET_FROM = 32768


@njit(cache=True, nogil=True)
def _leaf3(d1, d2):  # pragma: no cover - compiled
    """Record of one rank with sums ``D_1, D_2``: the prefix of a rank is all of it."""
    return (d1, d2, -d1, d1, -d2, d2, d1 - d2, d2 - d1)


@njit(cache=True, nogil=True)
def _join3(lft, rgt):  # pragma: no cover - compiled
    """Record of two adjacent ranges from theirs (K = 3, the columns of ``_move``)."""
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


@njit(cache=True, nogil=True)
def _bucket_width(size0):  # pragma: no cover - compiled
    """log2 of the ranks per leaf of a tree over ``size0`` (a power of two) ranks."""
    lw = 0
    while (1 << lw) < BUCKET and (1 << lw) < size0:
        lw += 1
    return lw


@njit(cache=True, nogil=True)
def _prefetch_path3(T, S, rank, lw, size):  # pragma: no cover - compiled
    """Prefetch the two lines of a rank's leaf sums and its tree path below PREFETCH_FROM."""
    base = rank & -(1 << lw)
    _prefetch(S, base)
    _prefetch(S, base + (1 << lw) - 1)
    _prefetch_path(T, (rank >> lw) + size)


@njit(cache=True, nogil=True)
def _move3_pair(T1, S1, r1, s1, T2, S2, r2, s2, size, lw, x1, x2):  # pragma: no cover
    """Add ``s (x1, x2)`` at rank ``r`` of two K = 3 trees; refresh both paths in lockstep.

    Each level's update waits for the level below; two independent paths
    interleaved keep the core busy during each other's waits.
    """
    S1[r1, 0] += s1 * x1
    S1[r1, 1] += s1 * x2
    S2[r2, 0] += s2 * x1
    S2[r2, 1] += s2 * x2
    w = 1 << lw
    a = (r1 >> lw) + size
    b = (r2 >> lw) + size
    _store3(T1, a, _bucket3(S1, r1 & -w, w))
    _store3(T2, b, _bucket3(S2, r2 & -w, w))
    while a > 1:
        la = a & ~1
        lb = b & ~1
        a >>= 1
        b >>= 1
        _store3(T1, a, _join3(_load3(T1, la), _load3(T1, la + 1)))
        _store3(T2, b, _join3(_load3(T2, lb), _load3(T2, lb + 1)))


@njit(cache=True, nogil=True)
def _pair_scan3(k1, k2, order, Dm, ranks, P, size0, vl, vr, T1, S1, T2, S2, pa,
                pb):  # pragma: no cover - compiled
    """``_child_pair_scan`` for K = 3 on trees whose leaves hold ``BUCKET`` ranks."""
    n, K = order.shape[0], P.shape[1]
    lw = _bucket_width(size0)
    size = size0 >> lw
    T1[: 2 * size] = 0.0
    T2[: 2 * size] = 0.0
    S1[:size0] = 0.0
    S2[:size0] = 0.0
    for sweep in range(2):
        sign = 1.0 if sweep == 0 else -1.0
        last = n if sweep == 0 else n - 1  # the last insertion fills the trees for the removals
        for pos in range(last):
            if pos + PREFETCH_AHEAD < last:
                ahead = order[pos + PREFETCH_AHEAD]
                _prefetch_path3(T1, S1, ranks[k1, ahead], lw, size)
                _prefetch_path3(T2, S2, ranks[k2, ahead], lw, size)
            i = order[pos]
            _move3_pair(T1, S1, ranks[k1, i], sign, T2, S2, ranks[k2, i], sign, size, lw,
                        Dm[i, 0], Dm[i, 1])
            if pos == n - 1 or vl[pos] == np.inf:  # not a candidate root split
                continue
            best = vl[pos] if sweep == 0 else vr[pos]
            for a in range(K):
                t = P[pos, a] if sweep == 0 else P[n - 1, a] - P[pos, a]
                best = max(best, t)
            for o in range(len(pa)):
                b = pb[o]
                t = P[pos, b] if sweep == 0 else P[n - 1, b] - P[pos, b]
                best = max(best, t + max(T1[1, 2 + o], T2[1, 2 + o]))
            if sweep == 0:
                vl[pos] = best
            else:
                vr[pos] = best


@njit(cache=True, nogil=True)
def _lr_scan3(k, order, Dm, ranks, P, size0, vl, vr, TL, SL, TR, SR, pa,
              pb):  # pragma: no cover - compiled
    """``_child_lr_scan`` for K = 3 on trees whose leaves hold ``BUCKET`` ranks."""
    n, K = order.shape[0], P.shape[1]
    lw = _bucket_width(size0)
    w = 1 << lw
    size = size0 >> lw
    TL[: 2 * size] = 0.0
    TR[: 2 * size] = 0.0
    SL[:size0] = 0.0
    SR[:size0] = 0.0
    for pos in range(n):
        i = order[pos]
        SR[ranks[k, i], 0] += Dm[i, 0]
        SR[ranks[k, i], 1] += Dm[i, 1]
    for leaf in range(size):
        _store3(TR, leaf + size, _bucket3(SR, leaf * w, w))
    for node in range(size - 1, 0, -1):
        _store3(TR, node, _join3(_load3(TR, 2 * node), _load3(TR, 2 * node + 1)))
    for pos in range(n - 1):
        if pos + PREFETCH_AHEAD < n - 1:
            ahead = ranks[k, order[pos + PREFETCH_AHEAD]]
            _prefetch_path3(TL, SL, ahead, lw, size)
            _prefetch_path3(TR, SR, ahead, lw, size)
        i = order[pos]
        r = ranks[k, i]
        _move3_pair(TL, SL, r, 1.0, TR, SR, r, -1.0, size, lw, Dm[i, 0], Dm[i, 1])
        if vl[pos] == np.inf:  # not a candidate root split
            continue
        left, right = vl[pos], vr[pos]
        for a in range(K):
            left = max(left, P[pos, a])
            right = max(right, P[n - 1, a] - P[pos, a])
        for o in range(len(pa)):
            b = pb[o]
            left = max(left, P[pos, b] + TL[1, 2 + o])
            right = max(right, P[n - 1, b] - P[pos, b] + TR[1, 2 + o])
        vl[pos] = left
        vr[pos] = right


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
def _child_value(T, cnt, size, tot, n_set, m, arms, pa, pb, acc, best_o, stack):  # pragma: no cover
    """Best depth-1 subtree value of one child on one feature (a leaf if no split).

    ``tot`` holds the child's reward totals. The best split for the arms
    ``(a, b)`` (``a`` left) is ``T_b`` plus the maximum prefix sum of
    ``Gamma_a - Gamma_b``. With ``min_node_size == 1`` the prefix may end
    anywhere (an empty or full prefix is a leaf, already a candidate), so the
    answer is at the root record in O(K^2); otherwise it must end between the
    ``m``-th and the ``(n - m)``-th unit, a range query.
    """
    K1 = len(arms)
    best = NEG
    for a in range(K1 + 1):
        if tot[a] > best:
            best = tot[a]
    if n_set < 2 * m:
        return best
    if m == 1:
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
            _cover(T, lft, acc, best_o, K1, pa, pb)
            lft += 1
        if rgt & 1:
            rgt -= 1
            stack[top] = rgt
            top += 1
        lft >>= 1
        rgt >>= 1
    for t in range(top - 1, -1, -1):
        _cover(T, stack[t], acc, best_o, K1, pa, pb)
    for o in range(len(pa)):
        v = tot[pb[o]] + best_o[o]
        if v > best:
            best = v
    return best


@njit(cache=True, nogil=True)
def _cover(T, node, acc, best_o, K1, pa, pb):  # pragma: no cover - compiled
    """Fold the next covering node into a left-to-right range query."""
    for o in range(len(pa)):
        a, b = pa[o], pb[o]
        pre = (acc[a - 1] if a > 0 else 0.0) - (acc[b - 1] if b > 0 else 0.0)
        v = pre + T[node, K1 + o]
        if v > best_o[o]:
            best_o[o] = v
    for a in range(K1):
        acc[a] += T[node, a]


@njit(cache=True, nogil=True)
def _child_scan(k, order, R, Dm, ranks, P, size, m, vl, vr, T, cnt, tot, acc, best_o, stack,
                arms, pa, pb):  # pragma: no cover - compiled
    """Raise ``vl[pos]`` / ``vr[pos]`` to the best depth-1 value on feature ``k`` of the
    left / right child of the root split after position ``pos`` of ``order``.

    One tree, in two sweeps: the units are inserted in ``order`` (the left
    child grows), then removed in the same order (what is left is the right
    child). Only one tree is live at a time, half the working set of updating
    both children together.
    """
    n = order.shape[0]
    K = R.shape[1]
    T[: 2 * size] = 0.0
    if m > 1:
        cnt[: 2 * size] = 0
    for sweep in range(2):
        sign = 1.0 if sweep == 0 else -1.0
        last = n if sweep == 0 else n - 1  # the last insertion fills the tree for the removals
        for pos in range(last):
            if pos + PREFETCH_AHEAD < last:
                _prefetch_path(T, ranks[k, order[pos + PREFETCH_AHEAD]] + size)
            i = order[pos]
            leaf = ranks[k, i]
            _move(T, size, leaf, Dm, i, sign, arms, pa, pb)
            if m > 1:
                node = leaf + size
                while node >= 1:
                    cnt[node] += 1 if sweep == 0 else -1
                    node >>= 1
            if pos == n - 1 or vl[pos] == np.inf:  # not a candidate root split
                continue
            if sweep == 0:
                for a in range(K):
                    tot[a] = P[pos, a]
                v = _child_value(T, cnt, size, tot, pos + 1, m, arms, pa, pb, acc, best_o, stack)
                if v > vl[pos]:
                    vl[pos] = v
            else:
                for a in range(K):
                    tot[a] = P[n - 1, a] - P[pos, a]
                v = _child_value(T, cnt, size, tot, n - pos - 1, m, arms, pa, pb, acc, best_o,
                                 stack)
                if v > vr[pos]:
                    vr[pos] = v


@njit(cache=True, nogil=True)
def _same_feature_scan(j, order, ranks, P, m, vl, vr, pa, pb):  # pragma: no cover - compiled
    """Raise ``vl`` / ``vr`` to the children's best depth-1 values on the root feature itself.

    A child's split on ``x_j`` cuts a range of ``order``, so prefix sums and a
    running maximum over the admissible cuts do in O(n K^2) what a segment
    tree does in O(n K^2 log n).
    """
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
def _tree_buffer(rows, width):  # pragma: no cover - compiled
    """A ``(rows, width)`` array of zeros starting on a 128-byte boundary (a pair of
    cache lines, which the hardware prefetcher fetches together); from 2 MiB on
    2 MiB pages (``madvise`` before the first touch)."""
    if 8 * rows * width >= HUGE_PAGE:  # on 2 MiB pages, aligned to one
        flat = np.empty(rows * width + HUGE_PAGE // 8)
        off = (-flat.ctypes.data % HUGE_PAGE) // 8
        _madvise_huge(flat.ctypes.data + 8 * off, 8 * rows * width)
    else:
        flat = np.empty(rows * width + 16)
        off = (-flat.ctypes.data % 128) // 8
    out = flat[off:off + rows * width]
    out[:] = 0.0
    return out.reshape((rows, width))


@njit(cache=True, nogil=True)
def _root_feature_scan(j, R, Dm, ranks, orders, G, m, split_step, arms, pa, pb):  # pragma: no cover
    """Best (value, root split rank) with root feature ``j`` for the units of ``orders``."""
    n = orders.shape[1]
    p, K = ranks.shape[0], R.shape[1]
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
    P = np.empty((n, K))  # reward totals of order[:pos + 1]
    acc_k = np.zeros(K)
    for pos in range(n):
        for a in range(K):
            acc_k[a] += R[order[pos], a]
            P[pos, a] = acc_k[a]
    gmax = 1
    for k in range(p):
        if k != j and G[k] > gmax:
            gmax = G[k]
    size = 1
    while size < gmax:
        size *= 2
    # K = 3: trees with BUCKET ranks a leaf once a tree of single ranks would
    # outgrow L2 (4 MiB); on smaller trees recomputing a leaf costs more than
    # it saves (exact depth 3 at n = 10^4, whose children have up to 16,384
    # ranks: 20.7 s with leaves of 8 from 8,192 ranks, 17.9 s without)
    three = m == 1 and len(arms) == 2 and size >= BUCKET_FROM
    if three:
        rows = 2 * (size >> _bucket_width(size))
        T, T2 = _tree_buffer(rows, 8), _tree_buffer(rows, 8)
        S, S2 = _tree_buffer(size, 2), _tree_buffer(size, 2)
    else:
        T = _tree_buffer(2 * size, len(arms) + len(pa))
        T2 = _tree_buffer(2 * size if m == 1 else 1, len(arms) + len(pa))
    cnt = np.zeros(2 * size if m > 1 else 1, dtype=np.int64)
    tot = np.empty(K)
    acc = np.empty(K)
    best_o = np.empty(len(pa))
    stack = np.empty(64, dtype=np.int64)
    _same_feature_scan(j, order, ranks, P, m, vl, vr, pa, pb)
    children = np.array([k for k in range(p) if k != j and G[k] > 1], dtype=np.int64)
    first = 0
    if m == 1:  # the child features two at a time
        while first + 1 < children.shape[0]:
            k1, k2 = children[first], children[first + 1]
            size_k = 1
            while size_k < max(G[k1], G[k2]):
                size_k *= 2
            if three:
                _pair_scan3(k1, k2, order, Dm, ranks, P, size_k, vl, vr, T, S, T2, S2, pa, pb)
            else:
                _child_pair_scan(k1, k2, order, Dm, ranks, P, size_k, vl, vr, T, T2, arms, pa,
                                 pb)
            first += 2
        if first < children.shape[0]:  # an odd one out: its two children in lockstep
            k = children[first]
            size_k = 1
            while size_k < G[k]:
                size_k *= 2
            if three:
                _lr_scan3(k, order, Dm, ranks, P, size_k, vl, vr, T, S, T2, S2, pa, pb)
            else:
                _child_lr_scan(k, order, Dm, ranks, P, size_k, vl, vr, T, T2, arms, pa, pb)
            first += 1
    for k in children[first:]:
        size_k = 1
        while size_k < G[k]:
            size_k *= 2
        _child_scan(k, order, R, Dm, ranks, P, size_k, m, vl, vr, T, cnt, tot, acc, best_o,
                    stack, arms, pa, pb)
    best, best_r = NEG, -1
    for pos in range(n - 1):
        if vl[pos] == np.inf:
            continue
        v = vl[pos] + vr[pos]
        if best_r < 0 or v > best + 1e-12 * (1.0 + abs(best)):
            best, best_r = v, ranks[j, order[pos]]
    return best, best_r


def _arm_pairs(K):
    """``arms`` = (1, ..., K - 1) and the ordered pairs ``a != b`` as two tuples.

    The order (0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1), ... is the one
    of the records' columns that ``_move`` writes for K = 3.
    """
    pairs = [ab for a in range(K) for b in range(a + 1, K) for ab in ((a, b), (b, a))]
    return (tuple(range(1, K)), tuple(a for a, _ in pairs), tuple(b for _, b in pairs))


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


def _per_root_feature(func, p, n_jobs, counter=None):
    """``[func(j) for j in range(p)]``, on ``n_jobs`` threads (the kernels release the GIL).

    ``counter`` (a :class:`causaldist._progress.Counter`) counts the root
    features done, from whichever thread finishes them.
    """
    if counter is not None:
        inner = func

        def func(j):
            out = inner(j)
            counter.update()
            return out

    if n_jobs is None or n_jobs == 1 or p == 1:
        return [func(j) for j in range(p)]
    return Parallel(n_jobs=n_jobs, prefer="threads")(delayed(func)(j) for j in range(p))


def best_depth2_root(R, ranks, sel, G, min_node_size, split_step, n_jobs=None, counter=None):
    """Best root split of an exact depth-2 tree: (value, split rank) per root feature.

    The root features are searched independently, on ``n_jobs`` threads;
    ``counter`` counts the features done (progress).
    """
    arms, pa, pb = _arm_pairs(R.shape[1])
    Dm = np.ascontiguousarray(R[:, 1:] - R[:, :1])
    orders = _orders(ranks, sel)
    out = _per_root_feature(
        lambda j: _root_feature_scan(j, R, Dm, ranks, orders, G, min_node_size, split_step,
                                     arms, pa, pb),
        ranks.shape[0], n_jobs, counter,
    )
    return (np.array([v for v, _ in out], dtype=np.float64),
            np.array([r for _, r in out], dtype=np.int64))


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
def _side_value(R, Dm, ranks, sub, m, local, bounds, need, W, arms, pa, pb):  # pragma: no cover
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
        v, r = _root_feature_scan(j2, R, Dm, local, sub, G, m, 1, arms, pa, pb)
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
def _depth3_feature(j, R, Dm, ranks, orders, amax, amin, m, split_step, seed_rank, shared,
                    start_value, arms, pa, pb):  # pragma: no cover - compiled
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
        tol = 1e-12 * (1.0 + abs(shared[0]))
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
        SL[t], exact_l = _side_value(R, Dm, ranks, sub, m, local, bl, thr - ubr, UL[t], arms, pa,
                                     pb)
        exact_r = False
        if SL[t] + ubr >= thr:
            for ii in range(n):
                member[order[ii]] = ii > pos
            sub = _suborders(orders, member, n - pos - 1)
            DR[t] = _depth1_sorted(R, ranks, sub)
            SR[t], exact_r = _side_value(R, Dm, ranks, sub, m, local, br, thr - SL[t], UR[t],
                                         arms, pa, pb)
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
    if not best > start_value + 1e-12 * (1.0 + abs(start_value)):
        return best, -1
    for t in range(c):
        if V[t] >= best - 1e-12 * (1.0 + abs(best)):
            return best, ranks[j, order[cand[t]]]
    return best, -1


def best_depth3_root(R, ranks, sel, G, min_node_size, split_step, start_value, seeds=None,
                     n_jobs=None, counter=None):
    """Best root split of an exact depth-3 tree: (value, split rank) per root feature.

    A root split's value is the sum of its children's exact depth-2 values;
    see ``_depth3_feature`` for the branch and bound that avoids most of them.
    A feature's split is reported (rank >= 0) only if it beats
    ``start_value``, the value of a known split. ``seeds``: per feature, the
    rank of a split to search first (the depth-2 root's, -1 for none). The
    root features are searched on ``n_jobs`` threads that share the best
    value found; ``counter`` counts the features done (progress).
    """
    arms, pa, pb = _arm_pairs(R.shape[1])
    Dm = np.ascontiguousarray(R[:, 1:] - R[:, :1])
    orders = _orders(ranks, sel)
    amax = R.max(axis=1)
    amin = R.min(axis=1)
    p = ranks.shape[0]
    seeds = np.full(p, -1, dtype=np.int64) if seeds is None else np.asarray(seeds, np.int64)
    shared = np.array([start_value], dtype=np.float64)
    out = _per_root_feature(
        lambda j: _depth3_feature(j, R, Dm, ranks, orders, amax, amin, min_node_size,
                                  split_step, seeds[j], shared, start_value, arms, pa, pb),
        p, n_jobs, counter,
    )
    return (np.array([v for v, _ in out], dtype=np.float64),
            np.array([r for _, r in out], dtype=np.int64))
