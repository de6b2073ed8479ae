"""CATE meta-learners: S, T, X, R and DR, binary and multi-valued treatments."""

from ._dr_learner import DRLearner
from ._linear_dr_learner import LinearDRLearner
from ._r_learner import RLearner
from ._s_learner import SLearner
from ._t_learner import TLearner
from ._x_learner import XLearner

__all__ = ["DRLearner", "LinearDRLearner", "RLearner", "SLearner", "TLearner", "XLearner"]
