"""``econml.iv.dr``: importable, no adapters yet (causaldist's IV family is in progress)."""

from .._missing import missing_getattr

__all__ = []

__getattr__ = missing_getattr(__name__, {
    name: "" for name in ("DRIV", "LinearDRIV", "SparseLinearDRIV", "ForestDRIV",
                          "IntentToTreatDRIV", "LinearIntentToTreatDRIV")
})
