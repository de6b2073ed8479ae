"""Uplift and targeting metrics: Qini and uplift curves, AUUC, uplift at k, RATE.

The curve metrics equal scikit-uplift's on the same inputs (to rounding) at a
fraction of its cost; they also take continuous outcomes, ``sample_weight`` and
any two treatment labels. :func:`rank_average_treatment_effect` gives the RATE
(AUTOC, Qini) and TOC curve of Yadlowsky et al. with bootstrap inference, from
randomised-trial IPW scores or from doubly robust scores.
"""

from ._curves import (
    perfect_qini_curve,
    perfect_uplift_curve,
    qini_auc_score,
    qini_curve,
    uplift_at_k,
    uplift_auc_score,
    uplift_curve,
)
from ._rate import RATEResult, rank_average_treatment_effect
from ._scorers import UpliftScorer

__all__ = [
    "RATEResult",
    "UpliftScorer",
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "qini_auc_score",
    "qini_curve",
    "rank_average_treatment_effect",
    "uplift_at_k",
    "uplift_auc_score",
    "uplift_curve",
]
