"""Double machine learning: the partially linear model, linear CATEs with inference.

``DML`` takes any final regressor; ``LinearDML`` (least squares, sandwich
errors) and ``SparseLinearDML`` (debiased lasso) give coefficients with
standard errors. Binary, K-arm, continuous and multi-column treatments; one or
several outcomes; controls through ``effect_features``.
"""

from ._dml import DML
from ._linear_dml import LinearDML
from ._sparse_linear_dml import SparseLinearDML

__all__ = ["DML", "LinearDML", "SparseLinearDML"]
