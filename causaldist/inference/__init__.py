"""Estimates with their uncertainty, and the inference every family shares.

The ground floor of causaldist's inference: the result types
(:class:`Estimate`, :class:`PolicyValue`, :class:`EffectInference`,
:class:`PopulationSummary`, and :class:`SummaryTable`, the table that prints whole), least squares with sandwich covariances
(``_sandwich``), the aggregation of cross-fitting repetitions
(``_repeats``), the debiased lasso (``_debiased_lasso``), the linear
final-stage mixin (``_linear_final``) and the bootstrap of a final stage
(``_bootstrap``). It imports nothing from the estimator families, so that
every one of them can use it.
"""

from ._effect import EffectInference, PopulationSummary
from ._estimate import Estimate, PolicyValue
from ._table import SummaryTable

__all__ = ["EffectInference", "Estimate", "PolicyValue", "PopulationSummary", "SummaryTable"]
