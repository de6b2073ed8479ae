"""Honest causal and regression forests with confidence intervals, and policy forests."""

from ._causal_forest import CausalForest
from ._forest_dr_learner import ForestDRLearner
from ._policy_forest import DRPolicyForest, PolicyForest
from ._regression_forest import RegressionForest

__all__ = [
    "CausalForest",
    "DRPolicyForest",
    "ForestDRLearner",
    "PolicyForest",
    "RegressionForest",
]
