"""Validation shared by the uplift curves and the rank-weighted effect metrics."""

import numpy as np
from sklearn.utils import check_array, check_consistent_length


def _check_1d(values, name):
    arr = check_array(values, ensure_2d=False, dtype=np.float64, input_name=name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got an array of shape {arr.shape}.")
    return arr


def _binary_treatment(treatment, control):
    """Treatment as float 0/1, with ``control`` (default: the smaller label) as 0.

    Numeric and boolean labels are checked in O(n) (min, max, one comparison);
    only other dtypes pay for ``np.unique``'s sort.
    """
    t = np.asarray(treatment)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"treatment must be 1-D; got an array of shape {t.shape}.")
    if t.dtype == bool and control in (None, False):
        return t.astype(np.float64)
    if t.dtype.kind in "iuf" and (control is None or np.isscalar(control)):
        if t.dtype.kind == "f" and not np.all(np.isfinite(t)):
            raise ValueError("treatment contains NaN or infinity.")
        lo, hi = t.min(), t.max()
        if lo == hi:
            raise ValueError(
                f"treatment must contain two arms (treated and control); got only {lo!r}."
            )
        c = lo if control is None else control
        if c not in (lo, hi) or not np.all((t == lo) | (t == hi)):
            labels = np.unique(t)
            raise ValueError(
                "treatment must be binary (a control and one treated arm), with "
                f"control={control!r} among its labels; got labels {labels[:10].tolist()}."
            )
        return (t != c).astype(np.float64)
    labels = np.unique(t)
    if labels.size != 2:
        raise ValueError(
            "treatment must be binary (a control and one treated arm); got "
            f"{labels.size} distinct labels {labels[:10].tolist()}."
        )
    c = labels[0] if control is None else control
    if c not in labels:
        raise ValueError(f"control={control!r} is not a treatment label; labels: {labels.tolist()}.")
    return (t != c).astype(np.float64)


def _check_uplift_inputs(y_true, uplift, treatment, sample_weight=None, control=None):
    """Validated float arrays ``y, uplift, t (0/1), w (or None)``; both arms present."""
    check_consistent_length(y_true, uplift, treatment)
    y = _check_1d(y_true, "y_true")
    u = _check_1d(uplift, "uplift")
    t = _binary_treatment(treatment, control)
    w = None
    if sample_weight is not None:
        check_consistent_length(y, sample_weight)
        w = _check_1d(sample_weight, "sample_weight")
        if np.any(w < 0):
            raise ValueError("sample_weight must be non-negative.")
        if not np.any(w[t == 1] > 0) or not np.any(w[t == 0] > 0):
            raise ValueError("sample_weight gives one arm zero total weight.")
    return y, u, t, w


def _is_binary(y):
    return bool(np.all((y == 0) | (y == 1)))
