"""``econml.validate.results`` at its own path."""

from .._validate import (
    BLPEvaluationResults, CalibrationEvaluationResults, EvaluationResults,
    UpliftEvaluationResults,
)

__all__ = ["BLPEvaluationResults", "CalibrationEvaluationResults", "EvaluationResults",
           "UpliftEvaluationResults"]
