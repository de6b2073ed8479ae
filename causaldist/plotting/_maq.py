"""Cost-aware Qini curves of :class:`causaldist.policy.MultiArmQini`."""

import numpy as np
from scipy.stats import norm

from ._uplift_curve import _RANDOM_STYLE, _axes, _legend_clear_of_data

__all__ = ["MultiArmQiniDisplay"]


class MultiArmQiniDisplay:
    """Gain per unit over spend per unit, with pointwise intervals.

    Build it with :meth:`from_estimator` on a fitted
    :class:`~causaldist.policy.MultiArmQini` (or call its ``plot``), or from
    curve points and :meth:`plot`. Several curves can share one axes (``ax=``),
    e.g. all arms against each arm alone, or against the
    ``target_with_covariates=False`` baseline (drawn dashed when ``baseline``).
    The x axis is spend per unit: with unit costs, the fraction treated.

    Parameters
    ----------
    spend, gain : ndarray of shape (n_points,)
        The curve, starting after the origin (the origin is added).
    std_err : ndarray of shape (n_points,), default=None
        Pointwise standard errors; no band when None.
    name : str, default=None
        Legend label.
    baseline : bool, default=False
        Draw as a reference line (dashed, black).

    Attributes
    ----------
    line_ : matplotlib Line2D
    band_ : matplotlib PolyCollection or None
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from causaldist.plotting import MultiArmQiniDisplay
    >>> disp = MultiArmQiniDisplay([0.5, 1.0], [0.8, 1.0], [0.1, 0.1]).plot()
    >>> disp.line_.get_xdata().tolist()
    [0.0, 0.5, 1.0]
    """

    def __init__(self, spend, gain, std_err=None, *, name=None, baseline=False):
        self.spend = np.asarray(spend, dtype=np.float64)
        self.gain = np.asarray(gain, dtype=np.float64)
        self.std_err = None if std_err is None else np.asarray(std_err, dtype=np.float64)
        self.name = name
        self.baseline = baseline

    def plot(self, ax=None, *, name=None, show_ci=True, alpha=0.05, **kwargs):
        """Draw the curve (and its band) on ``ax``; returns self.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend label; ``None`` keeps the display's.
        show_ci : bool, default=True
            Draw the pointwise intervals (when ``std_err`` is known).
        alpha : float, default=0.05
            Pointwise intervals ``gain -/+ z_{1 - alpha/2} std_err``.
        **kwargs : dict
            Passed to ``Axes.plot``.

        Returns
        -------
        self : MultiArmQiniDisplay
            The display, drawn.
        """
        ax = _axes(ax, f"{type(self).__name__}.plot")
        name = self.name if name is None else name
        x, y = np.r_[0.0, self.spend], np.r_[0.0, self.gain]
        style = dict(_RANDOM_STYLE) if self.baseline else {}
        style.update(kwargs)
        (self.line_,) = ax.plot(x, y, label=name or ("baseline" if self.baseline else "all arms"),
                                **style)
        self.band_ = None
        if show_ci and self.std_err is not None and self.std_err.size:
            z = norm.ppf(1 - alpha / 2)
            se = np.r_[0.0, self.std_err]
            self.band_ = ax.fill_between(
                x, y - z * se, y + z * se, color=self.line_.get_color(), alpha=0.2, lw=0,
                label=f"{1 - alpha:.0%} pointwise CI",
            )
        ax.set_xlabel("spend per unit")
        ax.set_ylabel("gain per unit")
        ax.set_title("Cost-aware Qini curve")
        _legend_clear_of_data(ax)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, qini, *, ax=None, name=None, show_ci=True, alpha=0.05,
                       baseline=None, **kwargs):
        """The curve of a fitted :class:`~causaldist.policy.MultiArmQini`.

        Parameters
        ----------
        qini : MultiArmQini
            Fitted.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend label.
        show_ci : bool, default=True
            Draw the pointwise intervals.
        alpha : float, default=0.05
            One minus the intervals' coverage.
        baseline : bool, default=None
            Reference style; ``None`` means when ``qini`` ignores covariates.
        **kwargs : dict
            Passed to ``Axes.plot``.

        Returns
        -------
        display : MultiArmQiniDisplay
        """
        if not hasattr(qini, "spend_"):
            raise TypeError("qini must be a fitted MultiArmQini (it has no spend_).")
        if baseline is None:
            baseline = not qini.target_with_covariates
        disp = cls(qini.spend_, qini.gain_, qini.std_err_, name=name, baseline=baseline)
        return disp.plot(ax, show_ci=show_ci, alpha=alpha, **kwargs)
