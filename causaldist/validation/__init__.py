"""Validate a CATE: heterogeneity tests, calibration, model selection, sensitivity.

- :class:`HeterogeneityValidator`: detect (BLP, omnibus calibration test,
  RATE), surface (covariate ranking, best linear projection) and
  characterise (GATES, CLAN) effect heterogeneity from doubly robust scores.
"""

from ._heterogeneity import GATESResult, HeterogeneityValidator

__all__ = [
    "GATESResult",
    "HeterogeneityValidator",
]
