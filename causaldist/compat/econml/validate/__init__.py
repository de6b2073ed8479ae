"""``econml.validate`` at its own path (``validate.drtester``, ``validate.results`` too)."""

from .._validate import (
    BLPEvaluationResults, CalibrationEvaluationResults, DRTester, EvaluationResults,
    UpliftEvaluationResults,
)

__all__ = ["BLPEvaluationResults", "CalibrationEvaluationResults", "DRTester",
           "EvaluationResults", "UpliftEvaluationResults"]
