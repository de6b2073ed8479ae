"""CATE meta-learners: S, T, X, R, DR and domain adaptation, binary and multi-valued treatments."""

from ._domain_adaptation_learner import DomainAdaptationLearner
from ._dr_learner import DRLearner
from ._linear_dr_learner import LinearDRLearner
from ._r_learner import RLearner
from ._s_learner import SLearner
from ._sparse_linear_dr_learner import SparseLinearDRLearner
from ._t_learner import TLearner
from ._x_learner import XLearner

__all__ = [
    "DomainAdaptationLearner", "DRLearner", "LinearDRLearner", "RLearner", "SLearner", "SparseLinearDRLearner",
    "TLearner", "XLearner",
]
