"""``econml.policy`` at its own path."""

from .._missing import missing_getattr
from .._policy import DRPolicyTree, PolicyTree

__all__ = ["DRPolicyTree", "PolicyTree"]

__getattr__ = missing_getattr(__name__, {
    "PolicyForest": "Native equivalent: causaldist.forest.PolicyForest.",
    "DRPolicyForest": "Native equivalent: causaldist.forest.DRPolicyForest.",
})
