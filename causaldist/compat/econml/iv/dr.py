"""econml's ``econml.iv.dr``: ``from causaldist.compat.econml.iv.dr import LinearDRIV``."""

from .._iv import DRIV, IntentToTreatDRIV, LinearDRIV, LinearIntentToTreatDRIV

__all__ = ["DRIV", "IntentToTreatDRIV", "LinearDRIV", "LinearIntentToTreatDRIV"]
