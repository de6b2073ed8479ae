"""Displays of CATE validation: GATES bars, the calibration plot and sensitivity bounds."""

import numpy as np

from ._uplift_curve import _axes

__all__ = ["CATECalibrationDisplay", "GATESDisplay", "SensitivityDisplay"]


class GATESDisplay:
    """GATES bars by CATE quantile group with pointwise and simultaneous intervals.

    Build it with :meth:`from_validator` (a fitted
    :class:`~causaldist.validation.HeterogeneityValidator`) or
    :meth:`from_result` (a :class:`~causaldist.validation.GATESResult`).

    Parameters
    ----------
    result : GATESResult
    alpha : float, default=0.05

    Attributes
    ----------
    bars_ : list of BarContainer
        One per treated arm.
    ax_, figure_ : matplotlib Axes and Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.plotting import GATESDisplay
    >>> from causaldist.validation import HeterogeneityValidator
    >>> X, y, t, tau = make_heterogeneous(n_samples=1000, design="rct", random_state=0)
    >>> val = HeterogeneityValidator(outcome_model=LinearRegression(), cv=2).fit(X, y, treatment=t)
    >>> len(GATESDisplay.from_validator(val).bars_)
    1
    """

    def __init__(self, result, *, alpha=0.05):
        self.result = result
        self.alpha = alpha

    def plot(self, ax=None):
        ax = _axes(ax, "GATESDisplay.plot")
        res = self.result
        v, s = np.atleast_2d(res.value), np.atleast_2d(res.stderr)
        lo, hi = (np.atleast_2d(a) for a in res.simultaneous_conf_int(self.alpha))
        plo, phi = (np.atleast_2d(a) for a in res.conf_int(self.alpha))
        K1, G = v.shape
        width = 0.8 / K1
        x = np.arange(1, G + 1)
        self.bars_ = []
        for k in range(K1):
            pos = x + (k - (K1 - 1) / 2) * width
            bars = ax.bar(pos, v[k], width=width * 0.9, alpha=0.7, label=f"arm {res.arms[k]}")
            color = bars.patches[0].get_facecolor()
            ax.errorbar(pos, v[k], yerr=[v[k] - lo[k], hi[k] - v[k]], fmt="none",
                        ecolor="k", capsize=4, lw=1)
            ax.errorbar(pos, v[k], yerr=[v[k] - plo[k], phi[k] - v[k]], fmt="none",
                        ecolor=color, lw=3)
            ax.axhline(res.ate[k], color=color, ls="--", lw=1)
            self.bars_.append(bars)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_xticks(x, [f"G{g}" for g in x])
        ax.set_xlabel("CATE quantile group (low to high)")
        ax.set_ylabel("group average effect (DR)")
        ax.set_title(f"GATES, {100 * (1 - self.alpha):.0f}% simultaneous (black) "
                     "and pointwise intervals")
        ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_result(cls, result, *, alpha=0.05, ax=None):
        return cls(result, alpha=alpha).plot(ax=ax)

    @classmethod
    def from_validator(cls, validator, *, n_groups=None, alpha=0.05, ax=None):
        return cls.from_result(validator.gates(n_groups), alpha=alpha, ax=ax)


class CATECalibrationDisplay:
    """Calibration plot: DR group effects against the mean CATE prediction per group.

    A calibrated predictor lies on the diagonal; the slope of the points is
    the BLP heterogeneity loading. Build it with :meth:`from_validator`.

    Parameters
    ----------
    result : GATESResult
    alpha : float, default=0.05

    Attributes
    ----------
    lines_ : list of Line2D
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, result, *, alpha=0.05):
        self.result = result
        self.alpha = alpha

    def plot(self, ax=None, name=None):
        ax = _axes(ax, "CATECalibrationDisplay.plot")
        res = self.result
        v = np.atleast_2d(res.value)
        plo, phi = (np.atleast_2d(a) for a in res.conf_int(self.alpha))
        mp = np.atleast_2d(res.mean_prediction)
        self.lines_ = []
        for k in range(v.shape[0]):
            label = f"arm {res.arms[k]}" if name is None else f"{name} (arm {res.arms[k]})"
            line = ax.errorbar(mp[k], v[k], yerr=[v[k] - plo[k], phi[k] - v[k]],
                               marker="o", capsize=3, label=label)
            self.lines_.append(line.lines[0])
        lims = np.array([np.nanmin([mp, plo]), np.nanmax([mp, phi])])
        ax.plot(lims, lims, color="k", ls="--", lw=1, label="calibrated")
        ax.set_xlabel("mean predicted CATE in group")
        ax.set_ylabel("DR group average effect")
        ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_validator(cls, validator, *, n_groups=10, alpha=0.05, ax=None, name=None):
        return cls(validator.gates(n_groups), alpha=alpha).plot(ax=ax, name=name)


class SensitivityDisplay:
    """ATE bounds as a function of Gamma, with their confidence bounds.

    Build it with :meth:`from_estimator` (a fitted
    :class:`~causaldist.validation.ConfoundingBounds`).

    Parameters
    ----------
    bounds : DataFrame
        ``ConfoundingBounds.bounds_``.
    conf_int : DataFrame
        ``ConfoundingBounds.conf_int(alpha)``.
    null : float, default=0.0

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, bounds, conf_int, *, null=0.0):
        self.bounds = bounds
        self.conf_int = conf_int
        self.null = null

    def plot(self, ax=None):
        ax = _axes(ax, "SensitivityDisplay.plot")
        g = self.bounds.index.to_numpy(dtype=float)
        ax.fill_between(g, self.conf_int["ci_lower"], self.conf_int["ci_upper"],
                        alpha=0.2, label="confidence bounds")
        ax.plot(g, self.bounds["ate_lower"], marker="o", label="ATE bounds")
        ax.plot(g, self.bounds["ate_upper"], marker="o", color=ax.lines[-1].get_color())
        ax.axhline(self.null, color="k", ls="--", lw=1)
        ax.set_xlabel("Gamma (max. odds ratio of treatment from a hidden confounder)")
        ax.set_ylabel("ATE")
        ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, alpha=0.05, null=0.0, ax=None):
        return cls(estimator.bounds_, estimator.conf_int(alpha), null=null).plot(ax=ax)
