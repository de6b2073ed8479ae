"""Panels and difference-in-differences: DR DiD, staggered adoption, Mundlak features."""

from ._drdid import DRDiD

__all__ = ["DRDiD"]
