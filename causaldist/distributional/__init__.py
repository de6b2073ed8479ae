"""Distribution-valued outcomes: quantile functions, Wasserstein barycenters,
utilities, and the IPW / DR evaluation of the barycenter a policy induces."""

from ._evaluators import (
    DistributionalDREvaluator,
    DistributionalIPWEvaluator,
    DistributionalPolicyValue,
)
from ._geometry import barycenter, project_monotone, wasserstein2
from ._grid import QuantileGrid
from ._policy import DistributionalPolicyLearner, DistributionalPolicyTree
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
    "DistributionalIPWEvaluator",
    "DistributionalPolicyLearner",
    "DistributionalPolicyTree",
    "DistributionalPolicyValue",
    "ExpectedUtility",
    "Mean",
    "MeanVariance",
    "QuantileGrid",
    "Quantile",
    "Utility",
    "barycenter",
    "project_monotone",
    "wasserstein2",
]
