"""Compiled tree grower of the honest forests: the node stack and the tree's storage.

A tree is grown on binned covariates (``Xb[k, i]``: the bin of ``x_ik``, at
most 256 bins per feature, exact when a feature has no more distinct values
than bins), depth first. Each open node is relabelled (``_relabel.py``),
searched for its best split (``_splitting.py``) and either partitioned or
closed as a leaf filled by its estimation units (``_honesty.py``), as
scikit-learn's histogram gradient boosting keeps its grower apart from the
splitter and the histograms.

Storage per tree: internal nodes only (``feature`` int32, split bin int32,
``left``/``right`` int32, a negative child ``-(leaf + 1)`` naming a leaf)
plus one row of leaf statistics per leaf. Compilation is cached on disk
(``cache=True``).
"""

import numpy as np
from numba import njit

from ._honesty import leaf_statistics
from ._relabel import relabel
from ._splitting import best_split

__all__ = []


@njit(cache=True, nogil=True)
def _partition(idx, lo, hi, Xb, k, b):  # pragma: no cover - compiled
    """Reorder ``idx[lo:hi]`` so that units with bin ``<= b`` of feature ``k`` come first.

    Returns
    -------
    mid : int
        The first position of the right child.
    """
    hi -= 1
    while lo <= hi:
        if Xb[k, idx[lo]] <= b:
            lo += 1
        else:
            tmp = idx[lo]
            idx[lo] = idx[hi]
            idx[hi] = tmp
            hi -= 1
    return lo


@njit(cache=True, nogil=True)
def _push(stack, top, s0, s1, e0, e1, depth, parent, side):  # pragma: no cover - compiled
    stack[top, 0] = s0
    stack[top, 1] = s1
    stack[top, 2] = e0
    stack[top, 3] = e1
    stack[top, 4] = depth
    stack[top, 5] = parent
    stack[top, 6] = side
    return top + 1


@njit(cache=True, nogil=True)
def grow_tree(
    Xb, n_bins, Y, T, w, s_idx, e_idx, mode, min_leaf, max_depth, mtry, alpha, seed,
    stabilize=False, penalty=0.0,
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
    stabilize : bool
        Causal trees only: each child keeps ``min_leaf`` units below and
        ``min_leaf`` at or above the parent's mean of every treatment column
        (grf's ``stabilize.splits``).
    penalty : float
        grf's ``imbalance.penalty`` (``_splitting.py``).

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
    ds = d if (mode == 1 and stabilize) else 0
    n_stats = 1 if mode == 0 else 2 * d + 1 + d * d
    ns = s_idx.shape[0]
    cap = ns + 1
    feat = np.empty(cap, np.int32)
    sbin = np.empty(cap, np.int32)
    left = np.empty(cap, np.int32)
    right = np.empty(cap, np.int32)
    leaf_stats = np.empty((cap, n_stats))
    split_counts = np.zeros((4, p))
    # pending nodes: s0, s1, e0, e1, depth, parent, side (0 left, 1 right, -1 root)
    stack = np.empty((cap, 7), np.int64)
    top = _push(stack, 0, 0, ns, 0, e_idx.shape[0], 0, -1, -1)
    n_int = 0
    n_leaf = 0
    root = 0
    maxb = 0
    for k in range(p):
        if n_bins[k] > maxb:
            maxb = n_bins[k]
    # scratch shared by every node of the tree
    nv = 4 + q + d + ds
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
        best_f = -1
        best_b = -1
        if s1 - s0 >= 2 * min_leaf and depth < max_depth and e1 - e0 >= 2:
            ok, W, size_node = relabel(s_idx, s0, s1, Y, T, w, mode, d, rho, tb, A, c)
            if ok:
                best_f, best_b = best_split(
                    Xb, n_bins, s_idx, s0, s1, e_idx, e0, e1, w, T, tb, rho, W, size_node,
                    q, d, ds, mode, min_leaf, alpha, penalty, mtry, features, V, H, seen,
                    touched, tot, L,
                )
        if best_f < 0:
            leaf_statistics(e_idx, e0, e1, Y, T, w, mode, d, leaf_stats[n_leaf])
            node_ref = -(n_leaf + 1)
            n_leaf += 1
        else:
            node_ref = n_int
            feat[n_int] = best_f
            sbin[n_int] = best_b
            n_int += 1
            if depth < 4:
                split_counts[depth, best_f] += 1.0
            smid = _partition(s_idx, s0, s1, Xb, best_f, best_b)
            emid = _partition(e_idx, e0, e1, Xb, best_f, best_b)
            # right pushed first so that the left subtree is numbered first
            top = _push(stack, top, smid, s1, emid, e1, depth + 1, node_ref, 1)
            top = _push(stack, top, s0, smid, e0, emid, depth + 1, node_ref, 0)
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
