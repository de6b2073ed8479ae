"""Synthetic data generators with known ground truth, and real data sets."""

from ._campaign import make_campaign
from ._castle import load_castle
from ._card import load_card
from ._distributional import make_distributional
from ._heterogeneous import make_heterogeneous
from ._panel import make_staggered
from ._real import load_hillstrom, load_nhefs, load_nsw

__all__ = [
    "load_castle",
    "load_card",
    "load_hillstrom",
    "load_nhefs",
    "load_nsw",
    "make_campaign",
    "make_distributional",
    "make_heterogeneous",
    "make_staggered",
]
