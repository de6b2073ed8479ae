"""``econml.dr`` at its own path: ``from causaldist.compat.econml.dr import DRLearner``."""

from .._dr import DRLearner, LinearDRLearner, SparseLinearDRLearner
from .._missing import missing_getattr

__all__ = ["DRLearner", "LinearDRLearner", "SparseLinearDRLearner"]

__getattr__ = missing_getattr(__name__, {
    "ForestDRLearner": "Native equivalent: causaldist.forest.ForestDRLearner.",
})
