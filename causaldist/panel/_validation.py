"""Checks shared by the DiD estimators: long-format metadata and model parameters."""

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array

__all__ = []

METHODS = StrOptions({"dr", "dr-improved", "ipw", "reg"})
MODEL_CONSTRAINTS = {
    "propensity_model": [HasMethods(["fit", "predict_proba"]), None],
    "outcome_model": [HasMethods(["fit", "predict"]), None],
    "trim_level": [Interval(Real, 0, 1, closed="right")],
}


def check_column(values, name, n):
    """A 1-D array of ``n`` per-row values, NaN-free unless numeric (NaN is kept)."""
    if values is None:
        raise ValueError(f"{name} is required: pass {name}=... to fit (one value per row).")
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be 1-D with one value per row of X ({n}); got "
                         f"shape {arr.shape}.")
    return arr


def check_covariates(X, n=None):
    """Covariates as a float array; ``None`` or zero columns mean no covariates."""
    if X is None:
        if n is None:
            raise ValueError("X is None and the number of rows is unknown.")
        return np.empty((n, 0)), None
    names = None
    if hasattr(X, "columns"):
        names = np.asarray(X.columns, dtype=object)
    if hasattr(X, "shape") and len(X.shape) == 2 and X.shape[1] == 0:
        return np.empty((X.shape[0], 0)), names
    arr = check_array(X, dtype=np.float64, ensure_2d=True)
    return arr, names


def check_weights(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64).ravel()
    if w.shape[0] != n:
        raise ValueError(f"sample_weight must have one value per row ({n}); got {w.shape[0]}.")
    if np.any(~np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero.")
    return w
