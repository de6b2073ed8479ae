"""The event-study plot of a staggered difference-in-differences."""

import numpy as np

from ._uplift_curve import _axes

__all__ = ["EventStudyDisplay"]


class EventStudyDisplay:
    """ATT by event time with pointwise intervals and the uniform band.

    Build it with :meth:`from_estimator` (a fitted
    :class:`~causaldist.panel.StaggeredDiD`) or :meth:`from_result` (the
    :class:`~causaldist.panel.DiDAggregate` of ``aggregate("event")``).
    Pre-treatment event times (``e < 0``, placebo effects that should be near
    zero under parallel trends) and post-treatment ones are drawn in two colours.

    Parameters
    ----------
    result : DiDAggregate
        An event-study aggregation.
    alpha : float, default=0.05
        One minus the coverage of the intervals and the band.

    Attributes
    ----------
    event_times : ndarray
    ax_, figure_ : matplotlib Axes and Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from causaldist.datasets import make_staggered
    >>> from causaldist.panel import StaggeredDiD
    >>> from causaldist.plotting import EventStudyDisplay
    >>> df = make_staggered(500, random_state=0).frame
    >>> did = StaggeredDiD(n_bootstrap=199, random_state=0).fit(
    ...     df[["x1", "x2"]], df.y, unit=df.unit, time=df.time,
    ...     first_treated=df.first_treated)
    >>> EventStudyDisplay.from_estimator(did).event_times
    array([-3, -2, -1,  0,  1,  2,  3])
    """

    def __init__(self, result, *, alpha=0.05):
        self.result = result
        self.alpha = alpha
        self.event_times = np.asarray(result.names)

    @classmethod
    def from_estimator(cls, estimator, *, min_e=-np.inf, max_e=np.inf, alpha=0.05, ax=None):
        """Aggregate a fitted ``StaggeredDiD`` by event time and plot it.

        Parameters
        ----------
        estimator : StaggeredDiD
            Fitted.
        min_e, max_e : float, default=-inf, inf
            Event-time window.
        alpha : float, default=0.05
            One minus the coverage of the intervals and the band.
        ax : matplotlib Axes, default=None
            New axes when ``None``.

        Returns
        -------
        display : EventStudyDisplay
            With ``ax_`` and ``figure_``.
        """
        result = estimator.aggregate("event", min_e=min_e, max_e=max_e)
        return cls(result, alpha=alpha).plot(ax=ax)

    @classmethod
    def from_result(cls, result, *, alpha=0.05, ax=None):
        """Plot an event-study :class:`~causaldist.panel.DiDAggregate`.

        Parameters
        ----------
        result : DiDAggregate
            The result of ``StaggeredDiD.aggregate("event")``.
        alpha : float, default=0.05
            One minus the coverage of the intervals and the band.
        ax : matplotlib Axes, default=None
            New axes when ``None``.

        Returns
        -------
        display : EventStudyDisplay
            With ``ax_`` and ``figure_``.
        """
        return cls(result, alpha=alpha).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the estimates, the pointwise intervals (bars) and the uniform band (caps).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            New axes when ``None``.

        Returns
        -------
        self : EventStudyDisplay
            With ``ax_`` and ``figure_``.
        """
        ax = _axes(ax, "EventStudyDisplay.plot")
        res, e = self.result, self.event_times
        v = np.asarray(res.value)
        lo, hi = res.conf_int(self.alpha, uniform=True)
        plo, phi = res.conf_int(self.alpha, uniform=False)
        for mask, color, label in ((e < 0, "0.45", "pre-treatment"),
                                   (e >= 0, "C0", "post-treatment")):
            if not mask.any():
                continue
            ax.errorbar(e[mask], v[mask], yerr=[v[mask] - lo[mask], hi[mask] - v[mask]],
                        fmt="none", ecolor=color, elinewidth=1, capsize=4, alpha=0.6)
            ax.errorbar(e[mask], v[mask], yerr=[v[mask] - plo[mask], phi[mask] - v[mask]],
                        fmt="o", color=color, elinewidth=2.5, capsize=0, label=label)
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
        ax.set_xlabel("event time (periods since first treatment)")
        ax.set_ylabel("ATT")
        band = "uniform band (caps)" if res.sup_t is not None else "pointwise"
        ax.set_title(f"event study: {1 - self.alpha:.0%} intervals, {band}", fontsize=9)
        ax.legend(fontsize=8)
        self.ax_, self.figure_ = ax, ax.figure
        return self
