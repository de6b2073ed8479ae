"""Honest causal and regression forests with confidence intervals, and policy forests."""

from ._causal_forest import CausalForest

__all__ = ["CausalForest"]
