"""The exact policy-tree searches over root features, on threads.

Every search of the root features (depth 2: :mod:`._tree_depth2`, depth 3:
:mod:`._tree_depth3`) is split over ``n_jobs`` threads; the compiled kernels
release the GIL. Which kernels a depth-2 search runs (K = 3 or any K,
``min_node_size`` 1 or more) is chosen here, in Python, so that a fit
compiles only those it uses. Compilation is cached on disk (``cache=True``):
later processes load the kernels in well under a second.
"""

import numpy as np
from joblib import Parallel, delayed

from ._tree_depth2 import (
    best_root_split,
    child_features,
    depth1_scan,
    root_split,
    same_feature_scan,
    scan_children3,
    scan_children_any,
    scan_children_range,
)
from ._tree_depth3 import depth3_feature
from ._tree_rules import arm_pairs

__all__ = [
    "best_depth1",
    "best_depth2_root",
    "best_depth3_root",
]


def _orders(ranks, sel):
    """The units of ``sel`` sorted by each feature (stable: ties keep ``sel``'s order)."""
    return np.ascontiguousarray(sel[np.argsort(ranks[:, sel], axis=1, kind="stable")])


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


def best_depth1(R, ranks, sel, min_node_size):
    """Best depth-1 tree on the units ``sel``: (value, feature, split rank, left arm, right arm).

    ``feature`` is -1 when no split beats a single leaf (or none is allowed);
    see :func:`~causaldist.policy._tree_depth2.depth1_scan`.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> ranks = np.array([[0, 1, 2, 3]])
    >>> best_depth1(R, ranks, np.arange(4), 1)
    (4.0, 0, 1, 0, 1)
    """
    return depth1_scan(R, ranks, sel, _orders(ranks, sel), min_node_size)


def best_depth2_root(R, ranks, sel, G, min_node_size, split_step, n_jobs=None, counter=None):
    """Best root split of an exact depth-2 tree: (value, split rank) per root feature.

    The root features are searched independently, on ``n_jobs`` threads;
    ``counter`` counts the features done (progress).
    """
    m, K = min_node_size, R.shape[1]
    pairs = arm_pairs(K)
    Dm = np.ascontiguousarray(R[:, 1:] - R[:, :1])
    orders = _orders(ranks, sel)

    def feature(j):
        split = root_split(j, R, ranks, orders[j], m, split_step)
        same_feature_scan(j, split, ranks, m, pairs)
        children = child_features(j, G)
        if m > 1:
            scan_children_range(children, G, split, ranks, Dm, m, pairs)
        elif K == 3:
            scan_children3(children, G, split, ranks, Dm, pairs)
        else:
            scan_children_any(children, G, split, ranks, Dm, pairs)
        return best_root_split(j, split, ranks)

    out = _per_root_feature(feature, ranks.shape[0], n_jobs, counter)
    return (np.array([v for v, _ in out], dtype=np.float64),
            np.array([r for _, r in out], dtype=np.int64))


def best_depth3_root(R, ranks, sel, G, min_node_size, split_step, start_value, seeds=None,
                     n_jobs=None, counter=None):
    """Best root split of an exact depth-3 tree: (value, split rank) per root feature.

    A root split's value is the sum of its children's exact depth-2 values;
    see :func:`~causaldist.policy._tree_depth3.depth3_feature` for the branch
    and bound that avoids most of them. A feature's split is reported (rank
    >= 0) only if it beats ``start_value``, the value of a known split.
    ``seeds``: per feature, the rank of a split to search first (the depth-2
    root's, -1 for none). The root features are searched on ``n_jobs``
    threads that share the best value found; ``counter`` counts the features
    done (progress).
    """
    pairs = arm_pairs(R.shape[1])
    Dm = np.ascontiguousarray(R[:, 1:] - R[:, :1])
    orders = _orders(ranks, sel)
    amax = R.max(axis=1)
    amin = R.min(axis=1)
    p = ranks.shape[0]
    seeds = np.full(p, -1, dtype=np.int64) if seeds is None else np.asarray(seeds, np.int64)
    shared = np.array([start_value], dtype=np.float64)
    out = _per_root_feature(
        lambda j: depth3_feature(j, R, Dm, ranks, orders, amax, amin, min_node_size,
                                 split_step, seeds[j], shared, start_value, pairs),
        p, n_jobs, counter,
    )
    return (np.array([v for v, _ in out], dtype=np.float64),
            np.array([r for _, r in out], dtype=np.int64))
