"""Cross-fitting, folds and causal scorers."""

from ._crossfit import Nuisances, cross_fit, make_folds

__all__ = ["Nuisances", "cross_fit", "make_folds"]
