"""Validation shared by the uplift curves and the rank-weighted effect metrics."""

import numpy as np
from sklearn.utils import check_array

from ..base import _as_label_array


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
    t = _as_label_array(t, "treatment")  # rejects None / NaN labels
    if t.dtype == bool and control in (None, False):
        return t.astype(np.float64)
    if t.dtype.kind in "iuf" and (control is None or np.isscalar(control)):
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
    try:
        labels = np.unique(t)
    except TypeError as exc:
        raise ValueError(
            "treatment labels must be mutually comparable (all strings or all "
            "numbers)."
        ) from exc
    if labels.size != 2:
        raise ValueError(
            "treatment must be binary (a control and one treated arm); got "
            f"{labels.size} distinct labels {labels[:10].tolist()}."
        )
    c = labels[0] if control is None else control
    if c not in labels:
        raise ValueError(f"control={control!r} is not a treatment label; labels: {labels.tolist()}.")
    return (t != c).astype(np.float64)


def _check_same_length(name, values, n):
    if values.shape[0] != n:
        raise ValueError(f"{name} has {values.shape[0]} entries but y_true has {n}.")


def _check_uplift_inputs(y_true, uplift, treatment, sample_weight=None, control=None):
    """Validated float arrays ``y, uplift, t (0/1), w (or None)``; both arms present.

    ``uplift=None`` (the perfect curves) skips the scores.
    """
    y = _check_1d(y_true, "y_true")
    u = None if uplift is None else _check_1d(uplift, "uplift")
    t = _binary_treatment(treatment, control)
    for name, values in (("uplift", u), ("treatment", t)):
        if values is not None:
            _check_same_length(name, values, y.size)
    w = None
    if sample_weight is not None:
        w = _check_1d(sample_weight, "sample_weight")
        _check_same_length("sample_weight", w, y.size)
        if np.any(w < 0):
            raise ValueError("sample_weight must be non-negative.")
        if not np.any(w[t == 1] > 0) or not np.any(w[t == 0] > 0):
            raise ValueError("sample_weight gives one arm zero total weight.")
    return y, u, t, w


def _is_binary(y):
    return bool(np.all((y == 0) | (y == 1)))
