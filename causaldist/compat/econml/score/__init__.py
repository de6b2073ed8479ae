"""``econml.score`` at its own path."""

from .._score import EnsembleCateEstimator, RScorer

__all__ = ["EnsembleCateEstimator", "RScorer"]
