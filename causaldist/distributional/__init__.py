"""Distribution-valued outcomes: quantile functions, Wasserstein barycenters,
utilities, and the IPW / DR evaluation of the barycenter a policy induces."""

from ._draws import Draws
from ._cate import DistributionalDRLearner, DistributionalEffect, DistributionalTLearner
from ._dr import DistributionalDREvaluator
from ._few_draws import few_draw_correction
from ._geometry import barycenter, project_monotone, wasserstein2
from ._grid import QuantileGrid
from ._ipw import DistributionalIPWEvaluator
from ._policy import DistributionalPolicyLearner, DistributionalPolicyTree
from ._rdd import DistributionalRDD
from ._result import DistributionalPolicyValue
from ._utilities import (
    CVaR,
    DistortionUtility,
    ExpectedUtility,
    Mean,
    MeanVariance,
    Quantile,
    Utility,
)

__all__ = [
    "CVaR",
    "DistortionUtility",
    "DistributionalDREvaluator",
    "DistributionalDRLearner",
    "DistributionalEffect",
    "DistributionalIPWEvaluator",
    "DistributionalPolicyLearner",
    "DistributionalPolicyTree",
    "DistributionalPolicyValue",
    "DistributionalRDD",
    "DistributionalTLearner",
    "Draws",
    "ExpectedUtility",
    "Mean",
    "MeanVariance",
    "QuantileGrid",
    "Quantile",
    "Utility",
    "barycenter",
    "few_draw_correction",
    "project_monotone",
    "wasserstein2",
]
