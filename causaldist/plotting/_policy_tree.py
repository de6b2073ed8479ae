"""Drawing of a fitted policy tree."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._uplift_curve import _axes

__all__ = ["plot_policy_tree"]


def plot_policy_tree(tree, *, feature_names=None, ax=None, decimals=2, fontsize=9):
    """Draw a fitted policy tree: split rules at inner nodes, actions at leaves.

    Each node shows its rule (``x <= threshold``, left branch true) or, at a
    leaf, the chosen action, with the node's training units and the mean
    Draws :class:`causaldist.policy.PolicyTree` and the trees
    inside ``DRPolicyTree`` and ``DistributionalPolicyTree`` (labelled with
    their treatment labels).

    Parameters
    ----------
    tree : fitted PolicyTree or DRPolicyTree
    feature_names : list of str, default=None
        Default: the names seen in fit, else ``x0, x1, ...``.
    ax : matplotlib Axes, default=None
    decimals : int, default=2
    fontsize : float, default=9

    Returns
    -------
    annotations : list of matplotlib Text
        One per node, in node order.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from causaldist.policy import PolicyTree
    >>> from causaldist.plotting import plot_policy_tree
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> tree = PolicyTree(max_depth=1).fit(X, np.column_stack([X[:, 0], -X[:, 0]]))
    >>> [a.get_text().splitlines()[0] for a in plot_policy_tree(tree)]
    ['x0 <= 0.02', 'action: 1', 'action: 0']
    """
    check_is_fitted(tree)
    inner = tree
    for attr in ("policy_", "policy_tree_"):  # DistributionalPolicyTree, DRPolicyTree
        candidate = getattr(tree, attr, None)
        if isinstance(getattr(candidate, "tree_", None), dict):
            inner = candidate
    if not isinstance(getattr(inner, "tree_", None), dict):
        raise TypeError(f"{type(tree).__name__} holds no policy tree to draw.")
    t = inner.tree_
    if feature_names is None:
        feature_names = getattr(inner, "feature_names_in_", None)
    if feature_names is None:
        feature_names = [f"x{k}" for k in range(inner.n_features_in_)]
    ax = _axes(ax, "plot_policy_tree")
    classes = getattr(tree, "categories_", None) if inner is not tree else inner.classes_
    n_nodes = len(t["feature"])
    counts = t.get("n_samples")

    # x position: in-order leaf index (leaves evenly spaced); y: depth.
    pos, depth = np.zeros(n_nodes), np.zeros(n_nodes, dtype=int)
    next_leaf = [0]

    def place(node, d):
        depth[node] = d
        if t["feature"][node] < 0:
            pos[node] = next_leaf[0]
            next_leaf[0] += 1
            return
        place(t["left"][node], d + 1)
        place(t["right"][node], d + 1)
        pos[node] = (pos[t["left"][node]] + pos[t["right"][node]]) / 2

    place(0, 0)
    width = max(next_leaf[0] - 1, 1)
    height = max(depth.max(), 1)
    xy = np.column_stack([(pos + 0.5) / (width + 1), 1 - (depth + 0.5) / (height + 1)])
    annotations = []
    for node in range(n_nodes):
        if t["feature"][node] < 0:
            action = t["action"][node]
            label = f"action: {classes[action] if classes is not None else action}"
            box = dict(boxstyle="round", fc="#e6f2e6", ec="tab:green")
        else:
            name = feature_names[t["feature"][node]]
            label = f"{name} <= {t['threshold'][node]:.{decimals}f}"
            box = dict(boxstyle="round", fc="#eef0f7", ec="tab:blue")
        if counts is not None:
            label += f"\nn = {int(counts[node])}"
        parent = [p for p in range(n_nodes) if node in (t["left"][p], t["right"][p])]
        if parent:
            ax.annotate(
                "", xy=xy[node], xytext=xy[parent[0]],
                arrowprops=dict(arrowstyle="-", color="0.5"),
            )
        annotations.append(
            ax.text(*xy[node], label, ha="center", va="center", fontsize=fontsize, bbox=box)
        )
    ax.set_axis_off()
    return annotations
