"""Synthetic data generators with known ground truth."""

from ._heterogeneous import make_heterogeneous

__all__ = ["make_heterogeneous"]
