"""``econml.cate_interpreter``: importable, no adapters yet."""

from .._missing import missing_getattr

__all__ = []

__getattr__ = missing_getattr(__name__, {
    "SingleTreeCateInterpreter": "",
    "SingleTreePolicyInterpreter": "Native equivalent: causaldist.policy.PolicyTree.",
})
