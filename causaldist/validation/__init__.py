"""Validate a CATE: heterogeneity tests, calibration, model selection, sensitivity.

- :class:`HeterogeneityValidator`: detect (BLP, omnibus calibration test,
  RATE), surface (covariate ranking, best linear projection) and
  characterise (GATES, CLAN) effect heterogeneity from doubly robust scores.
- :class:`CausalIsotonicCalibration`: calibrate any CATE estimator by isotonic
  regression of out-of-fold DR pseudo-outcomes; :func:`calibration_error`.
"""

from ._calibration import CausalIsotonicCalibration, calibration_error
from ._heterogeneity import GATESResult, HeterogeneityValidator

__all__ = [
    "CausalIsotonicCalibration",
    "GATESResult",
    "HeterogeneityValidator",
    "calibration_error",
]
