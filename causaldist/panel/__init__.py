"""Panels and difference-in-differences: DR DiD, staggered adoption, Mundlak features."""

from ._drdid import DRDiD
from ._mundlak import MundlakFeatures
from ._result import DiDAggregate
from ._staggered import StaggeredDiD

__all__ = ["DRDiD", "DiDAggregate", "MundlakFeatures", "StaggeredDiD"]
