"""Policy learners on reward matrices (e.g. AIPW scores)."""

from ._tree import PolicyTree

__all__ = ["PolicyTree"]
