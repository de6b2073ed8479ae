"""Instrumental variables: orthogonal IV, DMLIV, LATE and weak-instrument diagnostics.

The instrument is routed metadata like the treatment:
``fit(X, y, treatment=t, instrument=z)``.
"""

from ._dmliv import DMLIV
from ._driv import DRIV, LinearDRIV
from ._itt_driv import IntentToTreatDRIV, LinearIntentToTreatDRIV
from ._late import LATE
from ._ortho_iv import OrthoIV

__all__ = [
    "DMLIV",
    "DRIV",
    "IntentToTreatDRIV",
    "LATE",
    "LinearDRIV",
    "LinearIntentToTreatDRIV",
    "OrthoIV",
]
