"""Synthetic data generators with known ground truth."""

from ._distributional import make_distributional
from ._heterogeneous import make_heterogeneous

__all__ = ["make_distributional", "make_heterogeneous"]
