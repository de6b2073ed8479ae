"""Growing and querying an honest forest: binning, (clustered) subsampling, storage.

Shared by :class:`CausalForest` and :class:`RegressionForest`; the splitting
rule and the leaf statistics are the compiled kernels' (``_grower.py`` and
the modules it calls; ``_prediction.py`` for queries).
"""

import numbers
import pickle

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

from .._progress import Progress

from ._grower import grow_tree
from ._prediction import oob_accumulate, predict_forest

__all__ = []

_MAX_ROWS_FOR_EDGES = 200_000


def bin_edges(X, max_bins, random_state=0):
    """Per-feature thresholds: midpoints between distinct values, or quantiles.

    A feature with at most ``max_bins`` distinct values is split exactly
    (every midpoint is a candidate threshold, as grf and econml); otherwise
    ``max_bins - 1`` quantile midpoints (on at most 200,000 rows) are the
    candidates, as scikit-learn's histogram gradient boosting.
    """
    n = X.shape[0]
    rows = X
    if n > _MAX_ROWS_FOR_EDGES:
        rng = np.random.default_rng(random_state)
        rows = X[rng.choice(n, _MAX_ROWS_FOR_EDGES, replace=False)]
    edges = []
    for k in range(X.shape[1]):
        u = np.unique(rows[:, k])
        if u.size <= max_bins:
            e = (u[:-1] + u[1:]) / 2
        else:
            pct = np.linspace(0, 100, max_bins + 1)[1:-1]
            e = np.unique(np.percentile(rows[:, k], pct, method="midpoint"))
        edges.append(e)
    return edges


def bin_data(X, edges):
    """``Xb[k, i]`` = number of thresholds of feature ``k`` below ``x_ik`` (uint8)."""
    Xb = np.empty((X.shape[1], X.shape[0]), dtype=np.uint8)
    for k, e in enumerate(edges):
        Xb[k] = np.searchsorted(e, X[:, k], side="left")
    return Xb


def _units_of(clusters):
    """Unit indices of every cluster: (order, offsets), or None without clusters."""
    if clusters is None:
        return None
    order = np.argsort(clusters, kind="stable")
    counts = np.bincount(clusters)
    return order, np.concatenate([[0], np.cumsum(counts)])


def _expand(chosen, units):
    if units is None:
        return np.sort(chosen).astype(np.int64)
    order, off = units
    return np.sort(np.concatenate([order[off[c]:off[c + 1]] for c in chosen])).astype(np.int64)


def _draw_group(rng, n_units, units, group_size, n_sub, honest, honesty_fraction):
    """Subsamples of one little bag: ``group_size`` trees within one half-sample.

    Units are clusters when ``units`` is given (grf's cluster-level
    subsampling: a cluster is drawn, and split between the honest halves,
    whole).
    """
    half = rng.choice(n_units, n_units // 2, replace=False) if group_size > 1 else None
    out = []
    for _ in range(group_size):
        if half is None:
            sub = rng.choice(n_units, n_sub, replace=False)
        else:
            sub = rng.choice(half, n_sub, replace=False)
        if honest:
            n_split = max(1, int(round(honesty_fraction * n_sub)))
            s_idx, e_idx = _expand(sub[:n_split], units), _expand(sub[n_split:], units)
        else:
            s_idx = _expand(sub, units)
            e_idx = s_idx.copy()
        out.append((s_idx, e_idx))
    return out


def _grow_chunk(
    seeds, Xb, n_bins, Y, T, w, mode, n_units, units, group_size, n_sub, honest,
    honesty_fraction, min_leaf, max_depth, mtry, alpha, oob, counter=None, stabilize=False,
    penalty=0.0,
):
    """Grow the trees of the little bags seeded by ``seeds`` (one joblib task).

    ``counter`` (a :class:`causaldist._progress.Counter`) counts each tree
    grown; a copy sent to another process stays silent.
    """
    n = Xb.shape[1]
    trees = []
    split_counts = np.zeros((4, Xb.shape[0]))
    acc = cnt = None
    in_bag = np.zeros(n, dtype=np.bool_)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for s_idx, e_idx in _draw_group(
            rng, n_units, units, group_size, n_sub, honest, honesty_fraction
        ):
            tree_seed = int(rng.integers(2**31 - 1))
            feat, sbin, left, right, stats, root, counts = grow_tree(
                Xb, n_bins, Y, T, w, s_idx, e_idx, mode, min_leaf, max_depth, mtry,
                alpha, tree_seed, stabilize, penalty,
            )
            split_counts += counts
            trees.append((feat, sbin, left, right, stats, root))
            if oob:
                if acc is None:
                    acc = np.zeros((n, stats.shape[1]))
                    cnt = np.zeros(n, dtype=np.int64)
                in_bag[s_idx] = True
                in_bag[e_idx] = True
                oob_accumulate(Xb, feat, sbin, left, right, root, stats, in_bag, acc, cnt)
                in_bag[s_idx] = False
                in_bag[e_idx] = False
            if counter is not None:
                counter.update()
    return trees, split_counts, acc, cnt


def _chunks(seq, k):
    k = max(1, min(k, len(seq)))
    bounds = np.linspace(0, len(seq), k + 1).astype(int)
    return [seq[bounds[j]:bounds[j + 1]] for j in range(k)]


def _resolve_mtry(max_features, p):
    """grf's default ``min(ceil(sqrt(p) + 20), p)``; an int, or a fraction of ``p``."""
    if max_features is None:
        return int(min(np.ceil(np.sqrt(p) + 20), p))
    if isinstance(max_features, numbers.Integral):
        return int(min(max(1, max_features), p))
    return int(min(max(1, round(max_features * p)), p))


class _Forest:
    """Flat storage of a fitted honest forest and its compiled queries.

    All trees live in a handful of flat arrays (no Python object per tree), so
    a pickle costs little more than the bytes of the arrays themselves.
    """

    def __init__(self, trees, edges, mode, d, group_size):
        feats, bins, lefts, rights, stats, roots = [], [], [], [], [], []
        node_off, leaf_off = [0], [0]
        for feat, sbin, left, right, st, root in trees:
            feats.append(feat)
            bins.append(sbin)
            lefts.append(left)
            rights.append(right)
            stats.append(st)
            roots.append(root)
            node_off.append(node_off[-1] + feat.size)
            leaf_off.append(leaf_off[-1] + st.shape[0])
        self.feature = np.concatenate(feats).astype(np.int32)
        # threshold of bin b of feature k: edges[k][b] (x <= threshold goes left)
        padded = np.zeros((len(edges), max(1, max(e.size for e in edges))))
        for k, e in enumerate(edges):
            padded[k, :e.size] = e
        self.threshold = padded[self.feature, np.concatenate(bins)].astype(np.float64)
        self.left = np.concatenate(lefts).astype(np.int32)
        self.right = np.concatenate(rights).astype(np.int32)
        self.leaf_stats = np.ascontiguousarray(np.concatenate(stats))
        self.node_off = np.asarray(node_off[:-1], dtype=np.int64)
        self.leaf_off = np.asarray(leaf_off, dtype=np.int64)
        self.roots = np.asarray(roots, dtype=np.int64)
        self.mode = mode
        self.d = d
        self.group_size = group_size

    @property
    def n_trees(self):
        return self.roots.size

    @property
    def n_leaves(self):
        return int(self.leaf_off[-1])

    def nbytes(self):
        """Bytes of the pickled forest."""
        return len(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))

    def predict(self, X, contrasts=None, want_var=False, n_jobs=None):
        """Estimates (n, d or 1) and little-bags variances (n, n_contrasts)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        dd = self.d if self.mode == 1 else 1
        if contrasts is None:
            contrasts = np.eye(dd)
        contrasts = np.ascontiguousarray(contrasts, dtype=np.float64)
        args = (
            self.feature, self.threshold, self.left, self.right, self.leaf_stats,
            self.node_off, self.leaf_off[:-1].copy(), self.roots, self.mode, self.d,
            self.group_size, contrasts, want_var,
        )
        n = X.shape[0]
        k = effective_n_jobs(n_jobs)
        if k == 1 or n < 2000:
            return predict_forest(X, *args)
        parts = Parallel(n_jobs=k, prefer="threads")(
            delayed(predict_forest)(X[sl], *args)
            for sl in (slice(a[0], a[-1] + 1) for a in np.array_split(np.arange(n), k))
        )
        return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def grow_forest(
    X, Y, T, w, *, mode, n_estimators, group_size, max_samples, honest, honesty_fraction,
    min_leaf, max_depth, max_features, alpha, max_bins, clusters, random_state, n_jobs,
    oob=True, progress=None, stabilize_splits=False, imbalance_penalty=0.0,
):
    """Grow ``n_estimators`` honest trees in little bags of ``group_size``.

    Returns the flat forest, the grf split-frequency importances, and the
    out-of-bag sums of the leaf statistics with their tree counts (None
    when ``oob`` is false). ``stabilize_splits`` and ``imbalance_penalty``
    are grf's split rules of causal trees (``_splitting.py``). ``progress`` (a
    :class:`causaldist._progress.Progress`) reports the trees grown.
    """
    n, p = X.shape
    rs = np.random.RandomState(random_state) if not isinstance(
        random_state, np.random.RandomState) else random_state
    edges = bin_edges(X, max_bins, random_state=rs.randint(2**31 - 1))
    Xb = bin_data(X, edges)
    n_bins = np.array([e.size + 1 for e in edges], dtype=np.int64)
    units = None
    n_units = n
    if clusters is not None:
        _, codes = np.unique(clusters, return_inverse=True)
        units = _units_of(codes)
        n_units = int(codes.max()) + 1
    pool = n_units // 2 if group_size > 1 else n_units
    need = 4 if honest else 2
    if pool < need:
        unit = "clusters" if clusters is not None else "sample(s)"
        raise ValueError(
            f"got {n_units} {unit}: too few to draw subsamples of at least {need} "
            f"(from {'half-samples of ' if group_size > 1 else ''}the data); an "
            f"honest forest with ci_group_size={group_size} needs at least "
            f"{need * (2 if group_size > 1 else 1)}."
        )
    n_sub = int(np.ceil(max_samples * n_units))
    n_sub = max(need, min(n_sub, pool))
    n_groups = max(1, int(np.ceil(n_estimators / group_size)))
    seeds = rs.randint(2**31 - 1, size=n_groups).tolist()
    mtry = _resolve_mtry(max_features, p)
    depth = 2**30 if max_depth is None else int(max_depth)
    T = np.ascontiguousarray(T, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    w = np.ascontiguousarray(w, dtype=np.float64)
    jobs = effective_n_jobs(n_jobs)
    progress = Progress(0) if progress is None else progress
    progress(
        1, f"growing {n_groups * group_size} trees ({n_groups} little bags of "
           f"{group_size}) on subsamples of {n_sub} of {n_units} units",
    )
    # The threads count the trees as they grow them: a chunk is a thread's
    # whole share, so counting finished chunks would report only at the end.
    counter = progress.counter(n_groups * group_size, "trees") if progress.on(1) else None
    results = Parallel(n_jobs=jobs, prefer="threads", verbose=progress.joblib_verbose)(
        delayed(_grow_chunk)(
            chunk, Xb, n_bins, Y, T, w, mode, n_units, units, group_size, n_sub, honest,
            honesty_fraction, int(min_leaf), depth, mtry, float(alpha), oob, counter,
            bool(stabilize_splits), float(imbalance_penalty),
        )
        for chunk in _chunks(seeds, jobs)
    )
    trees = [t for r in results for t in r[0]]
    split_counts = sum(r[1] for r in results)
    freq = split_counts / np.maximum(1.0, split_counts.sum(axis=1, keepdims=True))
    weight = np.arange(1, 5, dtype=np.float64) ** -2.0
    importances = freq.T @ weight / weight.sum()
    acc = cnt = None
    if oob:
        acc = sum(r[2] for r in results)
        cnt = sum(r[3] for r in results)
    d = T.shape[1] if mode == 1 else 0
    return _Forest(trees, edges, mode, d, group_size), importances, acc, cnt
