"""Cross-fitting, folds and causal scorers."""

from ._auto import AutoModel
from ._crossfit import Nuisances, cross_fit, make_folds
from ._scorers import DRMSEScorer, PolicyValueScorer, RLossScorer

__all__ = [
    "AutoModel",
    "DRMSEScorer",
    "Nuisances",
    "PolicyValueScorer",
    "RLossScorer",
    "cross_fit",
    "make_folds",
]
