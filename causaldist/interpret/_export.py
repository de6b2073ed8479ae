"""Text, Graphviz and matplotlib renderings of an interpreter's tree."""

from sklearn.exceptions import NotFittedError

__all__ = []


def check_interpreted(interp):
    """NotFittedError unless ``interpret`` has run."""
    if not hasattr(interp, "tree_"):
        raise NotFittedError(
            f"This {type(interp).__name__} has not interpreted an estimator yet; call "
            "interpret(cate_estimator, X) first."
        )


class TreeExportMixin:
    """``export_text``, ``export_graphviz`` and ``plot`` from ``tree_`` and ``_leaf_text``.

    The class sets ``tree_`` (``feature``, ``threshold``, ``left``, ``right``,
    ``n_samples`` per node, ``-1`` children at leaves), ``feature_names_`` and
    a ``_leaf_text(node, decimals)`` method.
    """

    def _names(self, feature_names):
        check_interpreted(self)
        names = self.feature_names_ if feature_names is None else [str(f) for f in feature_names]
        if len(names) != len(self.feature_names_):
            raise ValueError(
                f"feature_names has {len(names)} names for {len(self.feature_names_)} features."
            )
        return names

    def _rule(self, node, names, decimals):
        t = self.tree_
        return f"{names[t['feature'][node]]} <= {t['threshold'][node]:.{decimals}f}"

    def export_text(self, feature_names=None, decimals=2):
        """The tree as indented text (``sklearn.tree.export_text``'s layout).

        Parameters
        ----------
        feature_names : list of str, default=None
            ``None`` means the names found by ``interpret``.
        decimals : int, default=2
            Decimals of the thresholds and the numbers in the leaves.

        Returns
        -------
        text : str
            One line per node, ``|---`` indented by depth.
        """
        names, t, lines = self._names(feature_names), self.tree_, []

        def walk(node, depth):
            pad = "|   " * depth + "|--- "
            if t["feature"][node] < 0:
                lines.append(pad + self._leaf_text(node, decimals))
                return
            name, thr = names[t["feature"][node]], t["threshold"][node]
            lines.append(f"{pad}{name} <= {thr:.{decimals}f}")
            walk(t["left"][node], depth + 1)
            lines.append(f"{pad}{name} >  {thr:.{decimals}f}")
            walk(t["right"][node], depth + 1)

        walk(0, 0)
        return "\n".join(lines)

    def _node_label(self, node, names, decimals):
        if self.tree_["feature"][node] < 0:
            return self._leaf_text(node, decimals).replace(", ", "\n")
        return f"{self._rule(node, names, decimals)}\nn = {self.tree_['n_samples'][node]}"

    def export_graphviz(self, out_file=None, feature_names=None, decimals=2):
        """The tree in Graphviz's DOT language.

        Parameters
        ----------
        out_file : str, path or file object, default=None
            Where to write; ``None`` returns the text.
        feature_names : list of str, default=None
            ``None`` means the names found by ``interpret``.
        decimals : int, default=2
            Decimals of the thresholds and the numbers in the nodes.

        Returns
        -------
        dot : str or None
            The DOT source when ``out_file`` is None.
        """
        names, t = self._names(feature_names), self.tree_
        out = ["digraph Tree {",
               'node [shape=box, style="rounded,filled", fontname="helvetica"] ;',
               'edge [fontname="helvetica"] ;']
        for node in range(len(t["feature"])):
            # DOT's escapes: a quote, and a line break as the two characters \n
            label = self._node_label(node, names, decimals).replace('"', '\\"')
            label = label.replace("\n", "\\n")
            fill = "#e6f2e6" if t["feature"][node] < 0 else "#eef0f7"
            out.append(f'{node} [label="{label}", fillcolor="{fill}"] ;')
            if t["feature"][node] >= 0:
                for child, truth in ((t["left"][node], "True"), (t["right"][node], "False")):
                    edge = f' [labeldistance=2.5, headlabel="{truth}"]' if node == 0 else ""
                    out.append(f"{node} -> {child}{edge} ;")
        out.append("}")
        dot = "\n".join(out)
        if out_file is None:
            return dot
        if hasattr(out_file, "write"):
            out_file.write(dot)
        else:
            with open(out_file, "w", encoding="utf-8") as fh:
                fh.write(dot)
        return None

    def plot(self, *, ax=None, feature_names=None, decimals=2, fontsize=9):
        """Draw the tree with matplotlib: rules at inner nodes, summaries at leaves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        feature_names : list of str, default=None
            ``None`` means the names found by ``interpret``.
        decimals : int, default=2
            Decimals of the thresholds and the numbers in the nodes.
        fontsize : float, default=9
            Size of the node text.

        Returns
        -------
        annotations : list of matplotlib Text
            One per node, in node order.
        """
        from ..plotting._policy_tree import _draw_tree

        names = self._names(feature_names)
        labels = [self._node_label(node, names, decimals)
                  for node in range(len(self.tree_["feature"]))]
        return _draw_tree(self.tree_, labels, ax=ax, fontsize=fontsize,
                          caller=f"{type(self).__name__}.plot")

