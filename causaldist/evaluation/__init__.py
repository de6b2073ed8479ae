"""Off-policy evaluation and average treatment effects with inference.

IPW, self-normalised IPW and doubly robust (AIPW) evaluators of a policy's
value, the ATE and ATT, and overlap diagnostics, all computed from the shared
cross-fitted nuisances (:func:`causaldist.model_selection.cross_fit`) with
influence-function standard errors.
"""

from ._ate import AverageTreatmentEffect
from ._dr import DREvaluator
from ..inference import EffectInference, Estimate, PolicyValue, PopulationSummary
from ._ipw import IPWEvaluator
from ..model_selection._overlap import overlap_diagnostics
from ._snipw import SNIPWEvaluator

__all__ = [
    "AverageTreatmentEffect",
    "EffectInference",
    "Estimate",
    "DREvaluator",
    "IPWEvaluator",
    "PolicyValue",
    "PopulationSummary",
    "SNIPWEvaluator",
    "overlap_diagnostics",
]
