"""Validate a CATE: heterogeneity tests, calibration, model selection, sensitivity.

- :class:`HeterogeneityValidator`: detect (BLP, omnibus calibration test,
  RATE), surface (covariate ranking, best linear projection) and
  characterise (GATES, CLAN) effect heterogeneity from doubly robust scores.
- :class:`CausalIsotonicCalibration`: calibrate any CATE estimator by isotonic
  regression of out-of-fold DR pseudo-outcomes; :func:`calibration_error`.
- :class:`OmittedVariableSensitivity` (OVB bounds, robustness values) and
  :class:`ConfoundingBounds` (ATE / CATE bounds when hidden confounding
  shifts the odds of treatment by at most Gamma).
- :class:`CATEScorer` / :func:`causal_scores` (R-loss, DR-MSE, plug-in and
  IF-corrected tau-risk on one PEHE scale; RATE, policy value) and
  :class:`StackedCATE` (convex stacking by a causal loss).
"""

from ._calibration import CausalIsotonicCalibration, calibration_error
from ._heterogeneity import GATESResult, HeterogeneityValidator
from ._selection import CATEScorer, StackedCATE, causal_scores
from ._sensitivity import ConfoundingBounds, OmittedVariableSensitivity

__all__ = [
    "CATEScorer",
    "CausalIsotonicCalibration",
    "ConfoundingBounds",
    "GATESResult",
    "HeterogeneityValidator",
    "OmittedVariableSensitivity",
    "StackedCATE",
    "calibration_error",
    "causal_scores",
]
