"""A fitted causal estimator's effects and intervals, read through its public API only.

Everything here works on a ``Pipeline`` whose last step is a causal estimator:
only ``predict``, ``effect_inference``, ``effect_interval`` and
``categories_`` are called, never a fitted model inside.
"""

import numpy as np
from scipy.stats import norm

__all__ = []


def final_step(estimator):
    """The last step of a Pipeline (for its ``categories_``), else the estimator."""
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def arm_labels(estimator, n_effects):
    """``(control, treated labels)`` from ``categories_``, or ``(None, T1..TK)``."""
    cats = getattr(final_step(estimator), "categories_", None)
    if cats is not None and len(cats) == n_effects + 1:
        return cats[0], list(cats[1:])
    return None, [f"T{k + 1}" for k in range(n_effects)]


def feature_names(X, estimator, n_features, given=None):
    """Names for the columns of ``X``: given, a DataFrame's, the estimator's, else ``x0..``."""
    if given is not None:
        names = [str(f) for f in given]
        if len(names) != n_features:
            raise ValueError(
                f"feature_names has {len(names)} names for {n_features} features."
            )
        return names
    if hasattr(X, "columns"):
        return [str(c) for c in X.columns]
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and len(names) == n_features:
        return [str(f) for f in names]
    return [f"x{k}" for k in range(n_features)]


def numeric(X):
    """``X`` as a float matrix for a surrogate model (trees split raw input units)."""
    arr = X.to_numpy() if hasattr(X, "to_numpy") else X
    try:
        arr = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "X must be numeric for the interpreting tree (its thresholds are in the "
            "units of X); encode categorical columns first."
        ) from exc
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D; got shape {arr.shape}.")
    return arr


def take_rows(X, rows):
    """Rows of an array or DataFrame."""
    return X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]


def effects(estimator, X):
    """``predict(X)`` as an ``(n, n_arms - 1)`` matrix of effects against control."""
    if not hasattr(estimator, "predict"):
        raise TypeError(
            f"{type(estimator).__name__} has no predict: pass a fitted CATE estimator "
            "(or a Pipeline ending in one)."
        )
    tau = np.asarray(estimator.predict(X), dtype=np.float64)
    if tau.ndim == 1:
        tau = tau[:, None]
    if tau.ndim != 2 or tau.shape[0] != np.shape(X)[0]:
        raise ValueError(
            f"{type(estimator).__name__}.predict returned shape {tau.shape}; expected "
            "one effect (or one per treated arm) per row."
        )
    return tau


def has_intervals(estimator, X=None, n_effects=1):
    """Whether the estimator gives effect intervals through its public API.

    With ``X``, also whether it answers on two of its rows: an estimator may
    have the verbs yet no inference (``DML`` without ``inference=``), which
    the interpreters then treat as no intervals.
    """
    if not (hasattr(estimator, "effect_inference") or hasattr(estimator, "effect_interval")):
        return False
    if X is None:
        return True
    try:
        pointwise_interval(estimator, take_rows(X, slice(0, 2)), 0, n_effects, 0.05)
    except (ValueError, TypeError, AttributeError, NotImplementedError):
        return False
    return True


def _arm_inference(estimator, X, arm, n_effects):
    control, labels = arm_labels(estimator, n_effects)
    if n_effects == 1:
        return estimator.effect_inference(X)
    return estimator.effect_inference(X, T0=control, T1=labels[arm])


def mean_effect_interval(estimator, X, n_effects, alpha):
    """Interval of the mean effect over the rows of ``X``, one per treated arm.

    With ``effect_inference`` the population summary's interval (exact for a
    linear final stage, else the conservative ``sqrt(mean(stderr^2))``,
    econml's ``stderr_mean``); with only ``effect_interval``, the pointwise
    standard errors ``(upper - lower) / (2 z_{1 - alpha/2})`` give the same
    conservative bound.

    Returns
    -------
    lower, upper : ndarray of shape (n_effects,)
    """
    z = norm.ppf(1 - alpha / 2)
    lower, upper = np.empty(n_effects), np.empty(n_effects)
    for k in range(n_effects):
        if hasattr(estimator, "effect_inference"):
            res = _arm_inference(estimator, X, k, n_effects)
            value = np.asarray(res.value, dtype=np.float64).reshape(np.shape(X)[0], -1)
            if value.shape[1] != 1 and value.shape[1] == n_effects:
                # an estimator answering every arm at once: take column k
                mean, se = value[:, k].mean(), np.sqrt(np.mean(
                    np.asarray(res.stderr).reshape(value.shape)[:, k] ** 2))
            elif hasattr(res, "population_summary"):
                summary = res.population_summary(alpha)
                mean, se = float(np.ravel(summary.value)[0]), float(np.ravel(summary.stderr)[0])
            else:  # pointwise errors only (e.g. a forest's little bags)
                stderr = np.asarray(res.stderr, dtype=np.float64).reshape(-1)
                mean, se = value[:, 0].mean(), np.sqrt(np.mean(stderr**2))
        else:
            tau = effects(estimator, X)[:, k]
            lo, hi = pointwise_interval(estimator, X, k, n_effects, alpha)
            mean, se = tau.mean(), np.sqrt(np.mean(((hi - lo) / (2 * z)) ** 2))
        lower[k], upper[k] = mean - z * se, mean + z * se
    return lower, upper


def pointwise_interval(estimator, X, arm, n_effects, alpha):
    """Pointwise ``1 - alpha`` interval of each row's effect of treated arm ``arm``."""
    control, labels = arm_labels(estimator, n_effects)
    if hasattr(estimator, "effect_interval"):
        if n_effects == 1:
            lo, hi = estimator.effect_interval(X, alpha=alpha)
        else:
            lo, hi = estimator.effect_interval(X, T0=control, T1=labels[arm], alpha=alpha)
    elif hasattr(estimator, "effect_inference"):
        lo, hi = _arm_inference(estimator, X, arm, n_effects).conf_int(alpha)
    else:
        raise TypeError(
            f"{type(estimator).__name__} gives no effect intervals (no effect_interval "
            "or effect_inference)."
        )
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    if lo.ndim == 2 and lo.shape[1] == n_effects:
        lo, hi = lo[:, arm], hi[:, arm]
    return lo.reshape(-1), hi.reshape(-1)
