"""Input checks of the estimator contract: treatment labels and codes, value ranges, alignment.

Ground floor, beside :mod:`causaldist.base` (which re-exports them): every check
raises a ValueError that names the argument and what is wrong with it.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import column_or_1d

__all__ = []


def _as_label_array(values, name):
    """1-D object-safe array of treatment labels, with missing labels rejected."""
    if hasattr(values, "to_numpy"):  # pandas Series / Index / Categorical column
        values = values.to_numpy()
    try:
        arr = column_or_1d(values, warn=True)
    except ValueError as exc:
        raise ValueError(
            f"{name} must be 1-D (one label per sample); got shape "
            f"{np.shape(values)}."
        ) from exc
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values.")
    elif arr.dtype.kind == "O":
        missing = [v is None or (isinstance(v, float) and np.isnan(v)) for v in arr]
        if any(missing):
            raise ValueError(f"{name} contains missing values (None or NaN).")
    elif arr.dtype.kind == "c":
        raise ValueError(f"{name} must hold arm labels; got complex values.")
    return arr


def _codes_of(labels, categories, name):
    """Integer codes of ``labels`` in ``categories`` (ValueError if unseen)."""
    labels = np.asarray(labels)
    order = np.argsort(categories, kind="stable")
    sorted_cats = categories[order]
    try:
        pos = np.searchsorted(sorted_cats, labels)
    except TypeError as exc:
        raise ValueError(
            f"{name} has labels {np.unique(labels.astype(object)).tolist()!r} "
            f"that cannot be compared with the fitted arms "
            f"{categories.tolist()!r}."
        ) from exc
    pos = np.clip(pos, 0, len(categories) - 1)
    found = sorted_cats[pos] == labels
    if not np.all(found):
        unseen = np.unique(np.asarray(labels)[~found]).tolist()
        raise ValueError(
            f"{name} contains labels not seen in fit: {unseen}; the fitted "
            f"arms are {categories.tolist()}."
        )
    return order[pos].astype(np.intp)


# Largest |X| whose squares (and sums of a few thousand of them) stay finite
# in float64: beyond it a StandardScaler or a variance overflows.
_LARGEST = 1e150


def _check_discrete(t, name):
    """Reject a continuous treatment given to an estimator of discrete arms."""
    # A few fractional doses are arms; many distinct fractional values are a
    # continuous treatment that would become as many arms as units.
    n_unique = np.unique(t).size if t.dtype.kind == "f" else 0
    if n_unique > 10 and np.any(t != np.round(t)):
        raise ValueError(
            f"{name} looks continuous ({n_unique} distinct values, not all "
            "integers): this estimator compares discrete arms and would make "
            "every value an arm. For a continuous treatment use "
            "causaldist.dml.LinearDML or causaldist.dml.DML; to compare arms, "
            "pass integer or string labels."
        )


def _check_range(A, name):
    """Refuse values whose squares overflow float64 (means, variances, scalers)."""
    if not hasattr(A, "dtype") or A.dtype.kind != "f" or not A.size:
        return
    top = float(np.nanmax(np.abs(A))) if not np.all(np.isnan(A)) else 0.0
    if top > _LARGEST and np.isfinite(top):
        raise ValueError(
            f"{name} has values up to {top:.3g} in magnitude: their squares overflow "
            f"float64 (~1.8e308) in standardisation and variances. Rescale {name} "
            "(divide by a constant) before fitting."
        )


def _check_weight_range(sample_weight):
    """Refuse weights whose sums or squares leave float64 (they are relative)."""
    top = np.max(sample_weight)
    if top > _LARGEST or top < 1 / _LARGEST:
        raise ValueError(
            f"sample_weight reaches {top:.3g}: weights are relative, and at this "
            "scale their sums or squares leave float64. Rescale them (e.g. "
            "sample_weight / sample_weight.max())."
        )


def _check_aligned(X, **others):
    """Refuse pandas inputs whose index differs from ``X``'s.

    Rows are matched by position, as in scikit-learn; a Series indexed in
    another order than ``X`` (sorted by id, say) would be paired with the
    wrong units without a word. Alignment must be explicit.
    """
    index = getattr(X, "index", None)
    if index is None or not isinstance(X, (pd.DataFrame, pd.Series)):
        return
    for name, value in others.items():
        other = getattr(value, "index", None)
        if (isinstance(value, (pd.Series, pd.DataFrame)) and len(other) == len(index)
                and not other.equals(index)):
            raise ValueError(
                f"{name} has a pandas index that differs from X's: rows are matched by "
                f"position, not by label. Align it first ({name}.reindex(X.index)) or "
                "pass its values (.to_numpy())."
            )
