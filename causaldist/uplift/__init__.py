"""Uplift models: two models, class transformation and transformed outcome.

Each is a causaldist estimator (``fit(X, y, treatment=...)``) whose
``predict`` returns the uplift score, the estimated effect of each treated arm
against control.
"""

from ._class_transformation import ClassTransformation
from ._transformed_outcome import TransformedOutcome
from ._two_model import TwoModelUplift

__all__ = ["ClassTransformation", "TransformedOutcome", "TwoModelUplift"]
