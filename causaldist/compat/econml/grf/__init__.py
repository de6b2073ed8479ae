"""``econml.grf``: importable, no adapters yet (native forests: :mod:`causaldist.forest`)."""

from .._missing import missing_getattr

__all__ = []

__getattr__ = missing_getattr(__name__, {
    "CausalForest": "Native equivalent: causaldist.forest.CausalForest.",
    "CausalIVForest": "",
    "RegressionForest": "Native equivalent: causaldist.forest.RegressionForest.",
    "MultiOutputGRF": "",
})
