"""Drawing of a fitted policy tree."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._input_units import input_unit_rules
from ._uplift_curve import _axes

__all__ = ["plot_policy_tree"]


def _unwrap(tree):
    """The causal estimator at the end of a Pipeline, and the PolicyTree inside it.

    Returns ``(outer, inner)``: ``outer`` carries the names seen in fit
    (``feature_names_in_``, ``categories_``), ``inner`` the ``tree_`` dict.
    """
    outer = tree
    steps = getattr(tree, "steps", None)
    if steps:  # sklearn or causaldist Pipeline: draw its final estimator
        outer = steps[-1][1]
    check_is_fitted(outer)
    inner = outer
    for attr in ("policy_", "policy_tree_"):  # DistributionalPolicyTree, DRPolicyTree
        candidate = getattr(outer, attr, None)
        if isinstance(getattr(candidate, "tree_", None), dict):
            inner = candidate
    if not isinstance(getattr(inner, "tree_", None), dict):
        raise TypeError(f"{type(tree).__name__} holds no policy tree to draw.")
    return outer, inner


def _box_of(text):
    """Coordinates of a node's box (its text's extent plus the box's pad), at draw time.

    The box patch itself is positioned only when the text is drawn, possibly
    after the edges, so its extent is computed here from the text's.
    """
    from matplotlib.transforms import Bbox

    def extent(renderer):
        bb = text.get_window_extent(renderer)
        pad = text.get_bbox_patch().get_boxstyle().pad
        pad *= renderer.points_to_pixels(text.get_size())
        return Bbox.from_extents(bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)

    return extent


def plot_policy_tree(
    tree, *, feature_names=None, arm_names=None, ax=None, decimals=2, fontsize=9,
    show_counts=True, input_units=True,
):
    """Draw a fitted policy tree: split rules at inner nodes, arms at leaves.

    Each inner node shows its rule ``feature <= threshold``; its left branch is
    labelled ``True`` and its right branch ``False``. Each leaf shows the arm it
    assigns, by its treatment label (``categories_``), not its code. Edges run
    from the bottom of a node's box to the top of its child's, so they never
    cross node text. Draws :class:`causaldist.policy.PolicyTree`, the trees
    inside ``DRPolicyTree`` and ``DistributionalPolicyTree``, and a
    (causal or scikit-learn) ``Pipeline`` ending in one: the feature names are
    the tree's ``feature_names_in_``, e.g. the columns a ``ColumnTransformer``
    makes inside :class:`causaldist.pipeline.Pipeline`.

    Parameters
    ----------
    tree : fitted PolicyTree, DRPolicyTree, DistributionalPolicyTree or Pipeline
    feature_names : list of str, default=None
        Default: the names the tree saw in fit (``feature_names_in_`` of the
        estimator, else of its inner tree), else ``x0, x1, ...``.
    arm_names : list of str or dict, default=None
        Names of the arms, by code (list) or by label (dict). Default: the
        treatment labels ``categories_`` (a ``PolicyTree``'s ``classes_``,
        the columns of its reward matrix).
    ax : matplotlib Axes, default=None
    decimals : int, default=2
    fontsize : float, default=9
    show_counts : bool, default=True
        Add each node's number of training units (when the tree recorded it).
    input_units : bool, default=True
        For a ``Pipeline``, write the rules on features that scalers
        (``StandardScaler``, ``MinMaxScaler``, ``RobustScaler``,
        ``MaxAbsScaler``, alone or in a ``ColumnTransformer``) made from an
        input column in that column's name and units (``age <= 39.50``
        rather than ``standardscaler__age <= -0.43``); other features (e.g.
        one-hot columns) keep the names and units the tree saw. Ignored when
        ``feature_names`` is given.

    Returns
    -------
    annotations : list of matplotlib Text
        One per node, in node order (the branch labels and edges are in
        ``ax.texts`` and ``ax.patches``, not in this list).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> import pandas as pd
    >>> from causaldist.policy import PolicyTree
    >>> from causaldist.plotting import plot_policy_tree
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(300, 2)), columns=["age", "income"])
    >>> rewards = pd.DataFrame({"mail": X["age"], "none": -X["age"]})
    >>> tree = PolicyTree(max_depth=1).fit(X, rewards)
    >>> [a.get_text().splitlines()[0] for a in plot_policy_tree(tree)]
    ['age <= 0.02', 'arm: none', 'arm: mail']
    """
    outer, inner = _unwrap(tree)
    t = inner.tree_
    rules = None
    if input_units and feature_names is None and getattr(tree, "steps", None):
        rules = input_unit_rules(tree)
    if feature_names is None:
        feature_names = getattr(outer, "feature_names_in_", None)
    if feature_names is None:
        feature_names = getattr(inner, "feature_names_in_", None)
    if feature_names is None:
        feature_names = [f"x{k}" for k in range(inner.n_features_in_)]
    feature_names = [str(f) for f in feature_names]
    classes = getattr(outer, "categories_", None) if inner is not outer else None
    if classes is None:
        classes = getattr(inner, "classes_", None)
    n_nodes = len(t["feature"])
    counts = t.get("n_samples") if show_counts else None

    def arm(code):
        label = classes[code] if classes is not None else code
        if isinstance(arm_names, dict):
            return arm_names.get(label, label)
        if arm_names is not None:
            return arm_names[code]
        return label

    labels = []
    for node in range(n_nodes):
        if t["feature"][node] < 0:
            label = f"arm: {arm(t['action'][node])}"
        else:
            f, thr = t["feature"][node], t["threshold"][node]
            name = feature_names[f]
            if rules is not None and f < len(rules) and rules[f] is not None:
                name, thr = rules[f][0], rules[f][1](thr)
            label = f"{name} <= {thr:.{decimals}f}"
        if counts is not None:
            label += f"\nn = {int(counts[node])}"
        labels.append(label)
    return _draw_tree(t, labels, ax=ax, fontsize=fontsize, caller="plot_policy_tree")


def _draw_tree(t, labels, *, ax=None, fontsize=9, caller="plot_policy_tree"):
    """Draw a binary tree given per node ``feature`` (< 0 at leaves), ``left``,
    ``right`` and a text label; returns the node annotations in node order."""
    ax = _axes(ax, caller)
    n_nodes = len(t["feature"])
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
            box = dict(boxstyle="round", fc="#e6f2e6", ec="tab:green")
        else:
            box = dict(boxstyle="round", fc="#eef0f7", ec="tab:blue")
        annotations.append(
            ax.text(
                *xy[node], labels[node], ha="center", va="center", fontsize=fontsize,
                bbox=box, zorder=3, gid=f"node-{node}",
            )
        )
    # Edges between the boxes (bottom centre of the parent, top centre of the
    # child: coordinates relative to the Text artists, resolved at draw time),
    # and the branch labels half-way along them.
    for node in range(n_nodes):
        if t["feature"][node] < 0:
            continue
        for child, truth in ((t["left"][node], "True"), (t["right"][node], "False")):
            ax.annotate(
                "", xy=(0.5, 1.0), xycoords=_box_of(annotations[child]),
                xytext=(0.5, 0.0), textcoords=_box_of(annotations[node]),
                arrowprops=dict(arrowstyle="-", color="0.45", lw=1.0,
                                shrinkA=0, shrinkB=0),
                zorder=1,
            )
            mid = (xy[node] + xy[child]) / 2
            ax.text(
                *mid, truth, ha="center", va="center", fontsize=fontsize * 0.85,
                color="0.25", zorder=2, gid="branch-label",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    return annotations
