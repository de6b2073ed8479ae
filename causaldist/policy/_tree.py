"""Exact (exhaustive) policy trees on a reward matrix."""

import time
from numbers import Integral

import numpy as np
from numba.core import event as numba_event
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import _atomic_fit
from .._progress import Progress, seconds
from ._reward_policy import _RewardPolicy, check_rewards
from ._tree_search import best_depth1, best_depth2_root, best_depth3_root

__all__ = ["PolicyTree", "check_rewards"]


class _CompileClock(numba_event.Listener):
    """Wall and CPU seconds numba spends compiling (outermost compilations; loads from
    its disk cache are not compilations)."""

    def __init__(self):
        self.seconds = self.cpu = 0.0
        self._depth = 0
        self._start = self._start_cpu = 0.0

    def on_start(self, event):
        if self._depth == 0:
            self._start, self._start_cpu = time.perf_counter(), time.thread_time()
        self._depth += 1

    def on_end(self, event):
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._start
            self.cpu += time.thread_time() - self._start_cpu


class PolicyTree(_RewardPolicy):
    """Policy tree that maximises the total reward of the chosen actions, exactly.

    Given a reward matrix ``Gamma`` (``Gamma_ia``: the reward of giving action
    ``a`` to unit ``i``, e.g. AIPW scores), finds the tree ``pi`` of depth at
    most ``max_depth`` that maximises ``sum_i Gamma_{i, pi(X_i)}`` over all
    axis-aligned trees (Athey & Wager 2021; Zhou, Athey & Wager 2023; R
    package policytree). Depth 1, 2 and 3 are exhaustive. A depth-2 search
    moves the units one at a time between the root's children and answers
    "best split of this child on feature k" with segment trees over the sorted
    values of ``x_k`` (the best split for arms ``(a, b)`` is ``T_b(S)`` plus a
    maximum prefix sum of ``Gamma_a - Gamma_b``), in O(p^2 n K^2 log n) rather
    than policytree's O(p^2 n^2 K). A depth-3 search evaluates root splits by
    their children's exact depth-2 values, skipping those (and, within a
    child, the root features) that bounds from the searched neighbouring
    splits prove cannot win (see ``_tree_depth3.depth3_feature``).
    Deeper trees (or any depth with ``search_depth`` below ``max_depth``) are
    grown by repeated exact look-ahead of depth ``search_depth``, keeping each
    search's root split (policytree's ``hybrid_policy_tree``): not globally
    optimal.

    A split at threshold ``c`` sends ``x <= c`` left; thresholds lie midway
    between consecutive distinct values, so a monotone transform of a feature
    gives the same partition. Ties go to the lowest root feature, then the
    lowest threshold, then the lowest action.

    Parameters
    ----------
    max_depth : int, default=2
    min_node_size : int, default=1
        Minimum number of units in a leaf.
    split_step : int, default=1
        Consider only every ``split_step``-th root threshold (an approximation
        for large ``n``; children are still searched exhaustively).
    search_depth : int in {1, 2, 3} or None, default=None
        Depth of each exact search. ``None`` means ``max_depth`` up to 3 (a
        globally optimal tree) and 2 beyond. A depth-3 search costs a few
        hundred depth-2 searches of the children (15-21 s CPU at n = 10^4,
        p = 10, K = 3 on one thread, growing like p^3): use
        ``search_depth=2`` for depth 3 on large samples.
    n_jobs : int, default=None
        Number of threads that search the root features of each exact search
        (depth 2 and 3) in parallel; the tree is the same for any value.
        ``None`` means 1 unless in a :obj:`joblib.parallel_backend` context,
        ``-1`` means all processors.
    verbose : int, default=0
        Progress on standard output: 1 a line when the search starts and
        when it ends (the tree's value, the elapsed time and, the first time
        in an environment, how much of it numba spent compiling), 2 also a line per
        exact search (the node, its units, the best value found, the
        incumbent a depth-3 search must beat, its time). The searches over
        root features run inside compiled kernels, so a line comes per
        search, not per feature. The tree does not depend on it.
    costs : array-like of shape (n_actions,), default=None
        Cost of each action in the rewards' units, subtracted from its
        column before fitting and scoring: the policy maximises welfare net
        of cost. ``None`` means no costs.

    Attributes
    ----------
    classes_ : ndarray of shape (n_actions,)
        Action labels: the columns of a DataFrame of rewards, else ``0..K-1``.
    tree_ : dict of ndarrays
        ``feature``, ``threshold``, ``left``, ``right`` (-1 at leaves), ``action``
        (leaf action code), ``value`` (mean reward of each action in the node)
        and ``n_samples`` (training units in the node).
    welfare_ : float
        Weighted mean reward of the chosen actions on the training units
        (``score`` gives the same on other rows, e.g. for ``GridSearchCV``).
    n_features_in_ : int
    feature_names_in_ : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.policy import PolicyTree
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> rewards = np.column_stack([np.zeros(500), X[:, 1] + rng.normal(size=500)])
    >>> tree = PolicyTree(max_depth=1).fit(X, rewards)
    >>> print(tree.export_text(decimals=1))
    |--- x1 <= 0.1
    |   |--- action: 0
    |--- x1 >  0.1
    |   |--- action: 1
    """

    _parameter_constraints: dict = {
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "min_node_size": [Interval(Integral, 1, None, closed="left")],
        "split_step": [Interval(Integral, 1, None, closed="left")],
        "search_depth": [Interval(Integral, 1, 3, closed="both"), None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "costs": ["array-like", None],
    }

    def __init__(
        self, max_depth=2, min_node_size=1, split_step=1, search_depth=None, n_jobs=None,
        verbose=0, costs=None,
    ):
        self.max_depth = max_depth
        self.min_node_size = min_node_size
        self.split_step = split_step
        self.search_depth = search_depth
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.costs = costs

    @_atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, rewards, sample_weight=None):
        """Search the best tree for the reward matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        rewards : array-like of shape (n_samples, n_actions)
            A DataFrame's columns become ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies each unit's rewards.

        Returns
        -------
        self : PolicyTree
        """
        X, rewards, sw = self._validate_fit_rewards(X, rewards, sample_weight)
        R = rewards * sw[:, None]
        self._uniques = [np.unique(X[:, k]) for k in range(X.shape[1])]
        ranks = np.ascontiguousarray(
            np.vstack([np.searchsorted(u, X[:, k]) for k, u in enumerate(self._uniques)]),
            dtype=np.int64,
        )
        G = np.array([u.size for u in self._uniques], dtype=np.int64)
        self._search_depth = (
            self.search_depth if self.search_depth is not None
            else (self.max_depth if self.max_depth <= 3 else 2)
        )
        nodes = {
            k: [] for k in ("feature", "threshold", "left", "right", "action", "value", "n_samples")
        }
        progress = Progress(self.verbose, type(self).__name__)
        progress(
            1,
            f"searching a depth-{self.max_depth} tree (exact searches of depth "
            f"{self._search_depth}) on {X.shape[0]} units, {X.shape[1]} features, "
            f"{R.shape[1]} actions",
        )
        clock = _CompileClock()
        with numba_event.install_listener("numba:compile", clock):
            self._grow(
                R, ranks, G, np.arange(X.shape[0], dtype=np.int64), self.max_depth, nodes,
                progress,
            )
        self.tree_ = {k: np.asarray(v) for k, v in nodes.items()}
        self.welfare_ = self._welfare(X, rewards, sw)
        compiled = (
            f" (compiling the search kernels {seconds(clock.seconds)} of it, "
            f"{seconds(clock.cpu)} CPU, once: numba caches them on disk)"
            if clock.seconds > 0 else ""
        )
        progress(
            1,
            f"search done in {progress.elapsed()}{compiled}: {len(nodes['feature'])} nodes, "
            f"welfare (mean reward) {self.welfare_:.6g}",
        )
        return self

    def _grow(self, R, ranks, G, sel, depth, nodes, progress):
        """Append the subtree for the units ``sel`` and return its node id."""
        m = self.min_node_size
        node = len(nodes["feature"])
        for key in nodes:
            nodes[key].append(None)
        nodes["value"][node] = R[sel].mean(axis=0) if sel.size else np.zeros(R.shape[1])
        nodes["n_samples"][node] = sel.size
        feature, rank = -1, -1
        search = min(depth, self._search_depth)
        if search >= 2 and sel.size >= 2 * m:
            clock = time.perf_counter()
            values, splits = best_depth2_root(
                R, ranks, sel, G, m, self.split_step, n_jobs=self.n_jobs,
                # one line per root feature from verbose=3: a large node's
                # depth-2 search takes a minute at 10^6 units
                counter=progress.counter(
                    ranks.shape[0], f"node {node}: depth-2 root features", level=3
                ),
            )
            if np.isfinite(values).any():
                feature = int(np.argmax(values))
                rank = int(splits[feature])
            if progress.on(2):
                best = f"total reward {values[feature]:.6g}" if feature >= 0 else "no split"
                progress(
                    2,
                    f"node {node} ({sel.size} units): depth-2 search over "
                    f"{ranks.shape[0]} root features, {best}, "
                    f"{seconds(time.perf_counter() - clock)}",
                )
            if search >= 3 and feature >= 0:
                # Exact depth 3: start from the depth-2 root, whose children's
                # exact depth-2 value is the bar a better root must clear.
                go_left = ranks[feature, sel] <= rank
                start = self._value2(R, ranks, G, sel[go_left]) + self._value2(
                    R, ranks, G, sel[~go_left]
                )
                clock = time.perf_counter()
                progress(
                    2,
                    f"node {node} ({sel.size} units): depth-3 search over "
                    f"{ranks.shape[0]} root features, incumbent total reward {start:.6g} "
                    "(the depth-2 root's split)",
                )
                values3, splits3 = best_depth3_root(
                    R, ranks, sel, G, m, self.split_step, start, seeds=splits,
                    n_jobs=self.n_jobs,
                    # a depth-3 search can take minutes: report its root features
                    counter=progress.counter(
                        ranks.shape[0], f"node {node}: depth-3 root features", level=2
                    ),
                )
                if (splits3 >= 0).any():
                    feature = int(np.argmax(np.where(splits3 >= 0, values3, -np.inf)))
                    rank = int(splits3[feature])
                if progress.on(2):
                    won = (
                        f"total reward {values3[feature]:.6g}" if (splits3 >= 0).any()
                        else "the incumbent stands"
                    )
                    progress(
                        2,
                        f"node {node}: depth-3 search done, {won}, "
                        f"{seconds(time.perf_counter() - clock)}",
                    )
        elif search == 1:
            _, feature, rank, _, _ = best_depth1(R, ranks, sel, m)
        if feature < 0:
            totals = R[sel].sum(axis=0)
            nodes["feature"][node], nodes["threshold"][node] = -1, np.nan
            nodes["left"][node] = nodes["right"][node] = -1
            nodes["action"][node] = int(np.argmax(totals))
            return node
        u = self._uniques[feature]
        nodes["feature"][node] = feature
        nodes["threshold"][node] = (u[rank] + u[rank + 1]) / 2
        nodes["action"][node] = -1
        go_left = ranks[feature, sel] <= rank
        nodes["left"][node] = self._grow(R, ranks, G, sel[go_left], depth - 1, nodes, progress)
        nodes["right"][node] = self._grow(
            R, ranks, G, sel[~go_left], depth - 1, nodes, progress
        )
        return node

    def _value2(self, R, ranks, G, sel):
        """Value of the best tree of depth <= 2 on the units ``sel``."""
        leaf = R[sel].sum(axis=0).max()
        if sel.size < 2 * self.min_node_size:
            return leaf
        values, _ = best_depth2_root(R, ranks, sel, G, self.min_node_size, 1, n_jobs=self.n_jobs)
        return max(leaf, values.max())

    def _apply(self, X):
        t = self.tree_
        node = np.zeros(X.shape[0], dtype=np.intp)
        for _ in range(self.max_depth):
            f = t["feature"][node]
            inner = f >= 0
            if not inner.any():
                break
            rows = np.flatnonzero(inner)
            left = X[rows, f[rows]] <= t["threshold"][node[rows]]
            node[rows] = np.where(left, t["left"][node[rows]], t["right"][node[rows]])
        return node

    def _predict_codes(self, X):
        return self.tree_["action"][self._apply(X)]

    def apply(self, X):
        """Leaf index of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        leaves : ndarray of shape (n_samples,)
            Node ids into the arrays of ``tree_``.
        """
        check_is_fitted(self)
        return self._apply(validate_data(self, X, reset=False, dtype=np.float64))

    def predict_value(self, X):
        """Mean (weighted) training reward of every action in each row's leaf.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        values : ndarray of shape (n_samples, n_actions)
        """
        leaves = self.apply(X)
        return np.vstack(self.tree_["value"])[leaves]

    def export_text(self, feature_names=None, class_names=None, decimals=2):
        """The tree as indented text, like ``sklearn.tree.export_text``.

        Parameters
        ----------
        feature_names : list of str, default=None
            ``None`` means the names seen in fit, else ``x0, x1, ...``.
        class_names : array-like of shape (n_actions,), default=None
            Names of the actions; ``None`` means ``classes_``.
        decimals : int, default=2
            Decimals of the thresholds.

        Returns
        -------
        text : str
        """
        check_is_fitted(self)
        if feature_names is None:
            feature_names = getattr(self, "feature_names_in_", None)
        if feature_names is None:
            feature_names = [f"x{k}" for k in range(self.n_features_in_)]
        if class_names is None:
            class_names = self.classes_
        if len(class_names) != len(self.classes_):
            raise ValueError(
                f"class_names has {len(class_names)} names; the tree has "
                f"{len(self.classes_)} actions."
            )
        t, lines = self.tree_, []

        def walk(node, depth):
            pad = "|   " * depth + "|--- "
            if t["feature"][node] < 0:
                lines.append(f"{pad}action: {class_names[t['action'][node]]}")
                return
            name, thr = feature_names[t["feature"][node]], t["threshold"][node]
            lines.append(f"{pad}{name} <= {thr:.{decimals}f}")
            walk(t["left"][node], depth + 1)
            lines.append(f"{pad}{name} >  {thr:.{decimals}f}")
            walk(t["right"][node], depth + 1)

        walk(0, 0)
        return "\n".join(lines)
