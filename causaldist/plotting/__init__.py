"""Plots of uplift curves (with costs, over arms), TOC curves, policy trees, barycenters, distributional RDD effects and event studies; matplotlib is imported only when drawing."""

from ._barycenter import BarycenterDisplay
from ._event_study import EventStudyDisplay
from ._maq import MultiArmQiniDisplay
from ._policy_tree import plot_policy_tree
from ._rdd import plot_distributional_rdd
from ._uplift_curve import UpliftCurveDisplay, plot_qini_curve, plot_toc, plot_uplift_curve
from ._validation import CATECalibrationDisplay, GATESDisplay, SensitivityDisplay

__all__ = [
    "BarycenterDisplay",
    "CATECalibrationDisplay",
    "EventStudyDisplay",
    "GATESDisplay",
    "MultiArmQiniDisplay",
    "SensitivityDisplay",
    "UpliftCurveDisplay",
    "plot_distributional_rdd",
    "plot_policy_tree",
    "plot_qini_curve",
    "plot_toc",
    "plot_uplift_curve",
]
