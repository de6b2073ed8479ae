"""Panels and difference-in-differences: DR DiD, staggered adoption, Mundlak features."""

from ._drdid import DRDiD
from ._dynamic_dml import DynamicDML
from ._mundlak import MundlakFeatures
from ._result import DiDAggregate
from ._staggered import StaggeredDiD

__all__ = ["DRDiD", "DiDAggregate", "DynamicDML", "MundlakFeatures", "StaggeredDiD"]
