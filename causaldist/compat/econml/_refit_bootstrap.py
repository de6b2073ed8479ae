"""Nonparametric bootstrap by refitting a whole estimator on resampled rows.

Every replicate refits the estimator (nuisances and final stage) on ``n``
rows drawn with replacement, within strata when asked (so every arm of a
discrete treatment keeps its size); an interval of any statistic of the
fitted estimator is then read off the replicates' values (Efron & Tibshirani
1993, ch. 12-13). This is econml's ``BootstrapInference``; the resampling
draws, their order and the three interval rules are econml 0.17's, so the
same ``RandomState`` gives the same replicates.
"""

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import norm
from sklearn.base import clone
from sklearn.utils import _safe_indexing, check_random_state

__all__ = []

_KINDS = ("percentile", "pivot", "normal")


def bootstrap_indices(n_samples, n_bootstraps, *, strata=None, random_state=None):
    """Rows of every bootstrap replicate, resampled within strata.

    The strata are taken in sorted order; for each, one
    ``random_state.choice(n_s, size=(n_bootstraps, n_s))`` draw (econml's
    ``BootstrapEstimator.fit``), and a replicate's rows are the strata's
    draws side by side.

    Parameters
    ----------
    n_samples : int
    n_bootstraps : int
    strata : array-like of shape (n_samples,), default=None
        Labels whose counts every replicate keeps (a discrete treatment).
    random_state : int, RandomState or None, default=None
        ``None`` is numpy's global ``RandomState`` (econml's source of draws).

    Returns
    -------
    indices : ndarray of shape (n_bootstraps, n_samples)

    Examples
    --------
    >>> import numpy as np
    >>> idx = bootstrap_indices(6, 2, strata=[0, 0, 0, 1, 1, 1], random_state=0)
    >>> idx.shape, bool(np.all(idx[:, 3:] >= 3))
    ((2, 6), True)
    """
    if not isinstance(n_bootstraps, (int, np.integer)) or n_bootstraps < 1:
        raise ValueError(f"n_bootstraps must be a positive int; got {n_bootstraps!r}.")
    rs = check_random_state(random_state)
    if strata is None:
        chunks = [np.arange(n_samples)]
    else:
        strata = np.asarray(strata)
        if strata.shape[0] != n_samples:
            raise ValueError(f"strata has {strata.shape[0]} rows; expected {n_samples}.")
        _, codes = np.unique(strata, axis=0, return_inverse=True)
        codes = codes.ravel()
        chunks = [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]
    return np.hstack([
        c[rs.choice(len(c), size=(n_bootstraps, len(c)), replace=True)] for c in chunks
    ])


def _fit_one(estimator, rows, args, kwargs):
    def take(a):
        if a is None or np.ndim(a) == 0:
            return a
        return _safe_indexing(a, rows)

    return estimator.fit(*[take(a) for a in args], **{k: take(v) for k, v in kwargs.items()})


def refit_replicates(estimator, indices, *args, n_jobs=None, **kwargs):
    """Fit a clone of ``estimator`` on the rows of every replicate.

    Array arguments (positional or keyword) are indexed by the replicate's
    rows; None and scalars are passed unchanged.

    Parameters
    ----------
    estimator : estimator
        Cloned (unfitted) for every replicate.
    indices : ndarray of shape (n_bootstraps, n_samples)
        From :func:`bootstrap_indices`.
    *args, **kwargs
        The arguments of ``estimator.fit``.
    n_jobs : int, default=None
        Replicates fitted in parallel (joblib processes, which joblib
        limits to ``cpu_count // n_jobs`` BLAS/OpenMP threads each, so one
        with ``n_jobs=-1``).

    Returns
    -------
    estimators : list of fitted estimators, one per replicate

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(10.0)[:, None]; y = 2 * X[:, 0]
    >>> fits = refit_replicates(LinearRegression(), bootstrap_indices(10, 3), X, y)
    >>> [round(float(f.coef_[0]), 6) for f in fits]
    [2.0, 2.0, 2.0]
    """
    return Parallel(n_jobs=n_jobs)(
        delayed(_fit_one)(clone(estimator), rows, args, kwargs) for rows in indices
    )


def bootstrap_interval(replicates, estimate, *, alpha=0.05, kind="pivot"):
    """Two-sided ``1 - alpha`` bootstrap interval from replicate values.

    With ``q_p`` the ``p``-th percentile of the replicates (numpy's linear
    interpolation) and ``s`` their standard deviation (``ddof=0``):
    ``"percentile"`` is ``(q_{alpha/2}, q_{1-alpha/2})``; ``"pivot"`` (the
    basic bootstrap) ``(2 theta - q_{1-alpha/2}, 2 theta - q_{alpha/2})``;
    ``"normal"`` ``theta -/+ z_{1-alpha/2} s`` (Efron & Tibshirani 1993,
    ch. 13; Davison & Hinkley 1997, sec. 5.2). ``theta`` is the full-sample
    estimate.

    Parameters
    ----------
    replicates : array-like of shape (n_bootstraps, ...)
    estimate : array-like of shape (...)
    alpha : float, default=0.05
    kind : {"percentile", "pivot", "normal"}, default="pivot"

    Returns
    -------
    lower, upper : ndarray of shape (...)

    Examples
    --------
    >>> bootstrap_interval([0.0, 1.0, 2.0], 1.0, alpha=0.5, kind="percentile")
    (0.5, 1.5)
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1); got {alpha!r}.")
    reps = np.asarray(replicates, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    if kind == "percentile":
        out = np.percentile(reps, lo, axis=0), np.percentile(reps, hi, axis=0)
    elif kind == "pivot":
        out = 2 * est - np.percentile(reps, hi, axis=0), 2 * est - np.percentile(reps, lo, axis=0)
    else:
        s = np.std(reps, axis=0)
        out = est - norm.ppf(1 - alpha / 2) * s, est - norm.ppf(alpha / 2) * s
    return tuple(o.item() if o.ndim == 0 else o for o in out)


def bootstrap_mean_interval(replicates, estimate, *, alpha=0.05):
    """econml's bootstrap interval of the average of per-row statistics.

    econml does not bootstrap the average itself: it takes each row's
    bootstrap standard deviation ``s_i`` (``ddof=0``) and forms the normal
    interval ``mean_i theta_i -/+ z_{1-alpha/2} sqrt(mean_i s_i^2)`` (its
    ``PopulationSummaryResults.conf_int_mean``, a conservative bound as the
    rows' errors are correlated at most perfectly).

    Parameters
    ----------
    replicates : array-like of shape (n_bootstraps, m, ...)
    estimate : array-like of shape (m, ...)
    alpha : float, default=0.05

    Returns
    -------
    lower, upper : ndarray of shape (...)

    Examples
    --------
    >>> lo, hi = bootstrap_mean_interval([[0.0, 2.0], [2.0, 0.0]], [1.0, 1.0])
    >>> round(float(lo), 3), round(float(hi), 3)
    (-0.96, 2.96)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1); got {alpha!r}.")
    reps = np.asarray(replicates, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    mean = est.mean(axis=0)
    se = np.sqrt(np.mean(np.std(reps, axis=0) ** 2, axis=0))
    z = norm.ppf(1 - alpha / 2)
    out = mean - z * se, mean + z * se
    return tuple(o.item() if np.ndim(o) == 0 else o for o in out)
