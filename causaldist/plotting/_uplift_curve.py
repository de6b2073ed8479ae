"""Qini and uplift curve displays, and the TOC plot of a RATE result."""

import numpy as np
from scipy.stats import norm

from ..metrics import (
    RATEResult,
    perfect_qini_curve,
    perfect_uplift_curve,
    qini_auc_score,
    qini_curve,
    uplift_auc_score,
    uplift_curve,
)
from ..model_selection._scorers import _categories

__all__ = ["UpliftCurveDisplay", "plot_qini_curve", "plot_toc", "plot_uplift_curve"]


def _pyplot(caller):
    """matplotlib.pyplot, imported only when a plot is drawn."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib: pip install matplotlib "
            '(or pip install "causaldist[plot]").'
        ) from exc
    return plt


def _axes(ax, caller):
    if ax is None:
        _, ax = _pyplot(caller).subplots()
    return ax


# One style per reference curve, distinct from the model curves (which take the
# colour cycle, solid): several displays sharing an axis draw each reference once.
_PERFECT_STYLE = dict(color="0.35", ls=":", lw=1.6)
_RANDOM_STYLE = dict(color="k", ls="--", lw=1.0)
_PERFECT_GID, _RANDOM_GID = "causaldist-perfect", "causaldist-random"


def _same_line(line, x, y):
    """The same reference curve (to rounding: sums in another order differ in the last bits)."""
    lx, ly = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    x, y = np.asarray(x, float), np.asarray(y, float)
    return lx.shape == x.shape and np.allclose(lx, x) and ly.shape == y.shape and np.allclose(ly, y)


def _legend_clear_of_data(ax, loc="upper left", fontsize="small", include_zero=True):
    """Legend in a band added above the data, so that it covers no curve.

    ``loc="best"`` only minimises the overlap (and is slow on long curves).
    Here the y-limits are extended by the legend's own height, estimated
    from its number of entries and font size against the axes' height in
    points, and the legend goes in that empty band (re-done when another
    curve is added to the axes).
    """
    from matplotlib.font_manager import FontProperties

    handles, labels = ax.get_legend_handles_labels()
    # the models first, then the reference curves
    order = sorted(range(len(handles)),
                   key=lambda i: handles[i].get_gid() in (_PERFECT_GID, _RANDOM_GID))
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    ys = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
    for coll in ax.collections:  # bands (fill_between), in data coordinates
        ys += [np.asarray(path.vertices[:, 1], dtype=float) for path in coll.get_paths()]
    ys = np.concatenate([v[np.isfinite(v)] for v in ys] + [np.zeros(int(include_zero))])
    lo, hi = float(ys.min()), float(ys.max())
    span = hi - lo if hi > lo else 1.0
    fig = ax.figure
    axes_pt = max(ax.get_position().height * fig.get_figheight() * 72.0, 1.0)
    for size_name in (fontsize, "x-small"):  # smaller type on small axes
        size = FontProperties(size=size_name).get_size_in_points()
        # entries (1 + labelspacing 0.5), borderpad 0.4 x 2, borderaxespad 0.5 x 2, slack
        frac = size * (1.5 * len(labels) + 2.6) / axes_pt
        if frac <= 0.5:
            break
    fontsize = size
    frac = min(frac, 0.75)
    bottom = lo - 0.04 * span
    # the data occupy the lower (1 - frac) of the axes: top = data top + room
    top = bottom + (hi - bottom + 0.02 * span) / (1.0 - frac)
    ax.set_ylim(bottom, top)
    return ax.legend(handles, labels, loc=loc, fontsize=fontsize)


class UpliftCurveDisplay:
    """Qini or uplift curve, with the perfect and random-targeting curves.

    Build it with :meth:`from_predictions` or :meth:`from_estimator` (as
    scikit-learn's ``RocCurveDisplay``), or from curve points and
    :meth:`plot`. Several displays can share one axes (``ax=``): each model
    curve takes the next colour of the cycle (solid); the perfect curve (grey,
    dotted) and the random one (black, dashed) are drawn once. The legend goes
    in a band above the curves, never over them.

    Parameters
    ----------
    x, y : ndarray
        The curve (:func:`causaldist.metrics.qini_curve` or ``uplift_curve``).
    kind : {"qini", "uplift"}
    perfect_x, perfect_y : ndarray, default=None
        The perfect curve, drawn when given.
    score : float, default=None
        Normalised area, shown in the legend.
    name : str, default=None
        Legend label of the curve.
    outcome_name : str, default=None
        What the outcome counts, used in the y label
        (``"incremental <outcome_name>"``): e.g. ``"revenue"``, ``"visits"``.
        ``None`` means ``"responses"`` for a binary outcome and ``"outcome"``
        otherwise (when known, else ``"outcome"``).
    y_label : str, default=None
        The whole y label, overriding ``outcome_name``.

    Attributes
    ----------
    line_, perfect_line_, random_line_ : matplotlib Line2D
        The drawn curves (``perfect_line_`` is None without a perfect curve;
        on a shared axes, the reference lines are the ones already drawn).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from causaldist.plotting import UpliftCurveDisplay
    >>> y, t = [1, 0, 1, 0, 1, 0], [1, 0, 0, 1, 1, 0]
    >>> disp = UpliftCurveDisplay.from_predictions(y, [6, 5, 1, 2, 4, 3], t)
    >>> disp.line_.get_xdata().tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    >>> disp.ax_.get_ylabel()
    'incremental responses'
    """

    def __init__(
        self, x, y, *, kind="qini", perfect_x=None, perfect_y=None, score=None, name=None,
        outcome_name=None, y_label=None,
    ):
        if kind not in ("qini", "uplift"):
            raise ValueError(f"kind must be 'qini' or 'uplift'; got {kind!r}.")
        self.x = x
        self.y = y
        self.kind = kind
        self.perfect_x = perfect_x
        self.perfect_y = perfect_y
        self.score = score
        self.name = name
        self.outcome_name = outcome_name
        self.y_label = y_label

    def _y_label(self):
        if self.y_label is not None:
            return self.y_label
        outcome = self.outcome_name or "outcome"
        label = f"incremental {outcome}"
        return label if self.kind == "qini" else f"{label} (uplift x targeted)"

    def plot(self, ax=None, *, name=None, show_perfect=True, show_random=True, **kwargs):
        """Draw the curves on ``ax`` (a new figure when None); returns self."""
        ax = _axes(ax, f"{type(self).__name__}.plot")
        name = self.name if name is None else name
        label = name or "model"
        if self.score is not None:
            label = f"{label} ({self.kind} AUC = {self.score:.3f})"
        (self.line_,) = ax.plot(self.x, self.y, label=label, **kwargs)
        self.perfect_line_ = self.random_line_ = None
        if show_perfect and self.perfect_x is not None:
            drawn = [ln for ln in ax.get_lines() if ln.get_gid() == _PERFECT_GID]
            same = [ln for ln in drawn if _same_line(ln, self.perfect_x, self.perfect_y)]
            if same:
                self.perfect_line_ = same[0]
            else:
                (self.perfect_line_,) = ax.plot(
                    self.perfect_x, self.perfect_y, gid=_PERFECT_GID,
                    label="perfect ranking" if not drawn else f"perfect ranking ({label})",
                    **_PERFECT_STYLE,
                )
        if show_random:
            rx, ry = [0, self.x[-1]], [0, self.y[-1]]
            drawn = [ln for ln in ax.get_lines() if ln.get_gid() == _RANDOM_GID]
            same = [ln for ln in drawn if _same_line(ln, rx, ry)]
            if same:
                self.random_line_ = same[0]
            else:
                (self.random_line_,) = ax.plot(
                    rx, ry, gid=_RANDOM_GID,
                    label="random ranking" if not drawn else f"random ranking ({label})",
                    **_RANDOM_STYLE,
                )
        ax.set_xlabel("number of targeted units")
        ax.set_ylabel(self._y_label())
        ax.set_title(f"{'Qini' if self.kind == 'qini' else 'Uplift'} curve")
        _legend_clear_of_data(ax)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls, y_true, uplift, treatment, *, kind="qini", sample_weight=None, control=None,
        negative_effect=True, name=None, ax=None, show_perfect=True, show_random=True,
        outcome_name=None, y_label=None, **kwargs,
    ):
        """Curves of given uplift predictions; returns the drawn display.

        The perfect curve (and so the normalised score) needs a binary outcome
        for ``kind="uplift"``; with a continuous outcome it is left out. The y
        label is ``"incremental responses"`` for a binary outcome and
        ``"incremental outcome"`` otherwise, unless ``outcome_name`` (e.g.
        ``"revenue"``) or ``y_label`` says more. Other keyword arguments go to
        the model curve's ``ax.plot``.
        """
        common = dict(sample_weight=sample_weight, control=control)
        if kind == "qini":
            x, y = qini_curve(y_true, uplift, treatment, **common)
            px, py = perfect_qini_curve(y_true, treatment, negative_effect=negative_effect, **common)
            score = qini_auc_score(
                y_true, uplift, treatment, negative_effect=negative_effect, **common
            )
        elif kind == "uplift":
            x, y = uplift_curve(y_true, uplift, treatment, **common)
            binary = np.all(np.isin(np.asarray(y_true, dtype=float), (0.0, 1.0)))
            px = py = score = None
            if binary:
                px, py = perfect_uplift_curve(y_true, treatment, **common)
                score = uplift_auc_score(y_true, uplift, treatment, **common)
        else:
            raise ValueError(f"kind must be 'qini' or 'uplift'; got {kind!r}.")
        if outcome_name is None:
            binary = np.all(np.isin(np.asarray(y_true, dtype=float), (0.0, 1.0)))
            outcome_name = "responses" if binary else "outcome"
        display = cls(
            x, y, kind=kind, perfect_x=px, perfect_y=py, score=score, name=name,
            outcome_name=outcome_name, y_label=y_label,
        )
        return display.plot(ax, show_perfect=show_perfect, show_random=show_random, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, X, y, treatment, *, name=None, **kwargs):
        """Curves of a fitted uplift or CATE estimator's ``predict(X)`` (two arms).

        The estimator's control (``categories_[0]``, read from the last step
        of a ``Pipeline``) is the curve's control.
        """
        uplift = np.asarray(estimator.predict(X), dtype=np.float64)
        if uplift.ndim != 1:
            raise ValueError(
                f"{type(estimator).__name__}.predict returned shape {uplift.shape}; the "
                "uplift curve needs a binary treatment (one effect per unit)."
            )
        kwargs.setdefault("control", _categories(estimator)[0])
        name = type(estimator).__name__ if name is None else name
        return cls.from_predictions(y, uplift, treatment, name=name, **kwargs)


def plot_qini_curve(y_true, uplift, treatment, *, ax=None, **kwargs):
    """Draw the Qini curve with its perfect and random curves.

    Shortcut for ``UpliftCurveDisplay.from_predictions(..., kind="qini")``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from causaldist.plotting import plot_qini_curve
    >>> disp = plot_qini_curve([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 0, 0, 1])
    >>> disp.line_.get_ydata().tolist()
    [0.0, 1.0, 1.0, 0.5, 0.0]
    """
    return UpliftCurveDisplay.from_predictions(y_true, uplift, treatment, kind="qini", ax=ax, **kwargs)


def plot_uplift_curve(y_true, uplift, treatment, *, ax=None, **kwargs):
    """Draw the uplift curve; ``UpliftCurveDisplay.from_predictions(..., kind="uplift")``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from causaldist.plotting import plot_uplift_curve
    >>> disp = plot_uplift_curve([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 0, 0, 1])
    >>> disp.line_.get_ydata().tolist()
    [0.0, 1.0, 2.0, 1.5, 0.0]
    """
    return UpliftCurveDisplay.from_predictions(
        y_true, uplift, treatment, kind="uplift", ax=ax, **kwargs
    )


def plot_toc(result, *, ax=None, alpha=0.05, label=None, **kwargs):
    """Draw the TOC curve of a RATE result with its pointwise bootstrap band.

    The legend goes in a band above the curves and bands, never over them
    (as on :class:`UpliftCurveDisplay`).

    Parameters
    ----------
    result : RATEResult
        From :func:`causaldist.metrics.rank_average_treatment_effect`.
    ax : matplotlib Axes, default=None
    alpha : float, default=0.05
        One minus the coverage of the pointwise normal band
        ``toc -/+ z_{1 - alpha/2} toc_stderr`` and of the RATE's interval
        in the default label.
    label : str, default=None
        Legend label; default shows the RATE and its interval.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from causaldist.metrics import rank_average_treatment_effect
    >>> from causaldist.plotting import plot_toc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500)
    >>> res = rank_average_treatment_effect(x, x + rng.normal(size=500), random_state=0)
    >>> ax = plot_toc(res)
    >>> ax.lines[0].get_xdata().shape
    (100,)
    """
    if not isinstance(result, RATEResult):
        raise TypeError(
            "result must be a RATEResult from rank_average_treatment_effect; got "
            f"{type(result).__name__}."
        )
    lo, hi = result.conf_int(alpha)  # validates alpha before drawing
    ax = _axes(ax, "plot_toc")
    z = norm.ppf(1 - alpha / 2)
    if label is None:
        label = f"{result.target} = {result.value:.3g} [{lo:.3g}, {hi:.3g}]"
    (line,) = ax.plot(result.q, result.toc, label=label, **kwargs)
    ax.fill_between(
        result.q, result.toc - z * result.toc_stderr, result.toc + z * result.toc_stderr,
        color=line.get_color(), alpha=0.2,
    )
    ax.axhline(0.0, color="k", lw=1, ls="--")
    ax.set_xlabel("treated fraction q")
    ax.set_ylabel("TOC(q)")
    ax.set_title("Targeting operator characteristic")
    # As the uplift curves': a band above the curves and their bands (re-done
    # when another TOC is drawn on the same axes), never over the data.
    _legend_clear_of_data(ax)
    return ax
