"""Plots of uplift curves and TOC curves; matplotlib is imported only when drawing."""

from ._uplift_curve import UpliftCurveDisplay, plot_qini_curve, plot_toc, plot_uplift_curve

__all__ = ["UpliftCurveDisplay", "plot_qini_curve", "plot_toc", "plot_uplift_curve"]
