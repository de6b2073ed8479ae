"""Policy learners on reward matrices (e.g. AIPW scores)."""

from ._dr_policy_tree import DRPolicyTree
from ._linear_policy import LinearPolicy
from ._maq import MultiArmQini
from ._policy_classifier import PolicyClassifier
from ._tree import PolicyTree

__all__ = ["DRPolicyTree", "LinearPolicy", "MultiArmQini", "PolicyClassifier", "PolicyTree"]
