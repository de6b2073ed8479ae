"""The effect curve of a distributional regression discontinuity, with its bands."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["plot_distributional_rdd"]


def plot_distributional_rdd(rdd, ax=None, *, sides=False, label=None):
    """Plot ``tau(p)`` of a fitted :class:`~causaldist.distributional.DistributionalRDD`.

    The point estimate, the bias-corrected estimate with its pointwise and
    uniform bands (shaded, lighter for the uniform one), and zero; with
    ``sides=True`` a second panel shows the conditional barycenters at the
    cutoff from below and above.

    Parameters
    ----------
    rdd : DistributionalRDD
        Fitted.
    ax : matplotlib Axes or array of two Axes, default=None
        New axes when ``None``.
    sides : bool, default=False
        Also draw the two conditional barycenters.
    label : str, default=None
        Legend label of the effect curve.

    Returns
    -------
    ax : matplotlib Axes, or array of two with ``sides=True``
    """
    from ._uplift_curve import _pyplot

    check_is_fitted(rdd, "effect_")
    plt = _pyplot("plot_distributional_rdd")
    if ax is None:
        _, ax = plt.subplots(1, 2 if sides else 1, figsize=(9 if sides else 5, 3.6))
    axes = np.atleast_1d(ax)
    p = rdd.grid_.levels
    a = axes[0]
    a.fill_between(p, *rdd.uniform_band_, color="C0", alpha=0.15,
                   label=f"{1 - rdd.alpha:.0%} uniform band")
    a.fill_between(p, *rdd.pointwise_band_, color="C0", alpha=0.3, label="pointwise")
    a.plot(p, rdd.effect_, color="C0", lw=2, label=label or f"effect ({rdd.method})")
    a.plot(p, rdd.effect_bc_, color="C0", lw=1, ls="--", label="bias-corrected")
    a.axhline(0.0, color="0.4", lw=0.8)
    a.set_xlabel("quantile level p")
    a.set_ylabel("effect on the quantile function")
    null, homo = rdd.tests_["nullity"], rdd.tests_["homogeneity"]
    a.set_title(f"nullity p = {null.p_value:.3f}, homogeneity p = {homo.p_value:.3f}",
                fontsize=9)
    a.legend(fontsize=8)
    if sides and axes.size > 1:
        b = axes[1]
        b.plot(p, rdd.below_, color="C1", label="below the cutoff")
        b.plot(p, rdd.above_, color="C2", label="above the cutoff")
        b.set_xlabel("quantile level p")
        b.set_ylabel("conditional barycenter")
        b.legend(fontsize=8)
    return ax if sides else axes[0]
