"""``econml.dml`` at its own path: ``from causaldist.compat.econml.dml import LinearDML``."""

from .._dml import DML, LinearDML, NonParamDML, SparseLinearDML
from .._missing import missing_getattr

__all__ = ["DML", "LinearDML", "NonParamDML", "SparseLinearDML"]

__getattr__ = missing_getattr(__name__, {
    "CausalForestDML": "Native equivalent: causaldist.forest.CausalForest.",
    "KernelDML": "",
})
