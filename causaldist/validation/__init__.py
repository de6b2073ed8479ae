"""Validate a CATE: heterogeneity tests, calibration, model selection, sensitivity.

- :class:`HeterogeneityValidator`: detect (BLP, omnibus calibration test,
  RATE), surface (covariate ranking, best linear projection) and
  characterise (GATES, CLAN) effect heterogeneity from doubly robust scores.
- :class:`CausalIsotonicCalibration`: calibrate any CATE estimator by isotonic
  regression of out-of-fold DR pseudo-outcomes; :func:`calibration_error`.
- :class:`OmittedVariableSensitivity` (OVB bounds, robustness values) and
  :class:`ConfoundingBounds` (ATE / CATE bounds when hidden confounding
  shifts the odds of treatment by at most Gamma).
"""

from ._calibration import CausalIsotonicCalibration, calibration_error
from ._heterogeneity import GATESResult, HeterogeneityValidator
from ._sensitivity import ConfoundingBounds, OmittedVariableSensitivity

__all__ = [
    "CausalIsotonicCalibration",
    "ConfoundingBounds",
    "GATESResult",
    "HeterogeneityValidator",
    "OmittedVariableSensitivity",
    "calibration_error",
]
