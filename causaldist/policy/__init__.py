"""Policy learners on reward matrices (e.g. AIPW scores)."""

from ._dr_policy_tree import DRPolicyTree
from ._tree import PolicyTree

__all__ = ["DRPolicyTree", "PolicyTree"]
