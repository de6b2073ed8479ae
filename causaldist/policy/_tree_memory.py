"""Memory of the policy-tree segment trees: aligned buffers, huge pages, prefetches.

The depth-2 search updates segment trees whose leaves follow the child
feature's order while the units arrive in the root feature's order, so below
the cached top levels every level of an update's path is a cache (and TLB)
miss. The kernels prefetch the paths of the units ``PREFETCH_AHEAD`` places
ahead, and trees of 2 MiB and more are put on huge pages (one TLB entry for
32,768 nodes of 64 bytes).
"""

import sys

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "HUGE_PAGE",
    "PREFETCH_AHEAD",
    "PREFETCH_FROM",
    "prefetch_line",
    "prefetch_path",
    "tree_buffer",
]

# How many units ahead the path of a coming update is prefetched, and from
# which node down: the nodes above PREFETCH_FROM (the top 10 levels, 64 KiB at
# 64 bytes a node) stay in cache anyway. Tuned at n = 10^4 and 10^5 (p = 10,
# K = 3): 8 units ahead or from node 256 was slower at 10^5, 32 ahead no better.
PREFETCH_AHEAD = 16
PREFETCH_FROM = 1024

# Trees of at least one huge page (n >~ 10^5) are put on 2 MiB pages: below
# the cached top levels every level of a path is a different 4 KiB page, and
# at n = 10^6 the page walks cost about a seventh of the time.
HUGE_PAGE = 1 << 21


@intrinsic
def prefetch_line(typingctx, arr, row):  # pragma: no cover - compiled
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
def tree_buffer(rows, width):  # pragma: no cover - compiled
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


@njit(inline="always", cache=True, nogil=True)
def prefetch_path(T, node):  # pragma: no cover - compiled
    """Prefetch both children of every node on the path from ``node`` up to PREFETCH_FROM.

    Issued a few units ahead of the update that walks the path, so that its
    misses overlap.
    """
    while node >= PREFETCH_FROM:
        prefetch_line(T, node & ~1)
        prefetch_line(T, node | 1)
        node >>= 1
