"""Synthetic data generators with known ground truth, and real data sets."""

from ._card import load_card
from ._distributional import make_distributional
from ._heterogeneous import make_heterogeneous
from ._real import load_hillstrom, load_nhefs, load_nsw

__all__ = [
    "load_card",
    "load_hillstrom",
    "load_nhefs",
    "load_nsw",
    "make_distributional",
    "make_heterogeneous",
]
