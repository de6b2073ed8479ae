"""Synthetic data with known heterogeneous treatment effects."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

__all__ = ["make_heterogeneous"]


def make_heterogeneous(
    n_samples=1000,
    n_features=5,
    *,
    n_arms=2,
    design="observational",
    noise=1.0,
    treatment_labels=None,
    as_frame=False,
    return_truth=False,
    random_state=None,
):
    """Simulate covariates, treatments and outcomes with a known CATE.

    ``X ~ N(0, I_p)``; the baseline is ``b(x) = x_0 + 0.5 x_1^2``; arm ``a``
    (``a = 0`` is control) adds

    ``tau_a(x) = (a / (K - 1)) (1 + x_2) + 0.5 x_3 1{a even, a > 0}``,

    so that two arms give ``tau(x) = 1 + x_2`` (the design of the peer
    benchmarks) and more arms differ in shape as well as in size. The outcome is
    ``y = b(X) + tau_A(X) + noise * eps`` with ``eps ~ N(0, 1)``.

    Treatment is drawn with ``P(A = a | x) ∝ exp(s_a (0.5 x_0 - 0.25 x_1))``,
    ``s_a = a / (K - 1)`` (``design="observational"``: confounded through
    ``x_0`` and ``x_1``, which also drive the baseline; for two arms
    ``e(x) = sigmoid(0.5 x_0 - 0.25 x_1)``), or uniformly (``design="rct"``).

    Parameters
    ----------
    n_samples : int, default=1000
    n_features : int, default=5
        At least 4.
    n_arms : int, default=2
        Number of arms K, control included.
    design : {"observational", "rct"}, default="observational"
    noise : float, default=1.0
        Standard deviation of the outcome noise.
    treatment_labels : sequence of length n_arms, default=None
        Labels of the arms, control first; ``None`` means ``0..K-1``.
    as_frame : bool, default=False
        Return ``X`` as a DataFrame with columns ``x0, x1, ...`` and the
        treatment as a Series.
    return_truth : bool, default=False
        Return a ``Bunch`` that also holds ``propensity`` (n, K), ``mu``
        (n, K, the noiseless potential outcomes) and ``tau``.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray or DataFrame of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    treatment : ndarray or Series of shape (n_samples,)
    tau : ndarray of shape (n_samples,) or (n_samples, n_arms - 1)
        True CATE of each arm against control.

    Or, with ``return_truth=True``, a ``Bunch`` with those keys plus
    ``propensity`` and ``mu``.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> X, y, t, tau = make_heterogeneous(n_samples=200, random_state=0)
    >>> X.shape, y.shape, sorted(set(t.tolist())), tau.shape
    ((200, 5), (200,), [0, 1], (200,))
    """
    _check_count(n_samples, "n_samples", 1)
    _check_count(n_features, "n_features", 4)
    _check_count(n_arms, "n_arms", 2)
    if not (isinstance(noise, Real) and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}.")
    if n_features < 4:
        raise ValueError(f"n_features must be at least 4; got {n_features}.")
    if n_arms < 2:
        raise ValueError(f"n_arms must be at least 2; got {n_arms}.")
    if design not in ("observational", "rct"):
        raise ValueError(f"design must be 'observational' or 'rct'; got {design!r}.")
    if treatment_labels is not None and len(treatment_labels) != n_arms:
        raise ValueError(
            f"treatment_labels has {len(treatment_labels)} labels for {n_arms} arms."
        )
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    arms = np.arange(n_arms)
    scale = arms / (n_arms - 1)
    tau_all = scale * (1.0 + X[:, [2]]) + 0.5 * X[:, [3]] * ((arms % 2 == 0) & (arms > 0))
    mu = (X[:, 0] + 0.5 * X[:, 1] ** 2)[:, None] + tau_all
    if design == "rct":
        propensity = np.full((n_samples, n_arms), 1.0 / n_arms)
    else:
        logits = scale * (0.5 * X[:, [0]] - 0.25 * X[:, [1]])
        logits -= logits.max(axis=1, keepdims=True)
        propensity = np.exp(logits)
        propensity /= propensity.sum(axis=1, keepdims=True)
    u = rng.random_sample(n_samples)[:, None]
    codes = np.minimum((u > np.cumsum(propensity, axis=1)).sum(axis=1), n_arms - 1)
    y = mu[np.arange(n_samples), codes] + noise * rng.standard_normal(n_samples)
    labels = arms if treatment_labels is None else np.asarray(treatment_labels)
    treatment = labels[codes]
    tau = tau_all[:, 1] if n_arms == 2 else tau_all[:, 1:]
    if as_frame:
        X = pd.DataFrame(X, columns=[f"x{j}" for j in range(n_features)])
        treatment = pd.Series(treatment, name="treatment")
    if return_truth:
        return Bunch(X=X, y=y, treatment=treatment, tau=tau, propensity=propensity, mu=mu)
    return X, y, treatment, tau


def _check_count(value, name, low):
    """An integer parameter of a generator, at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer; got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be at least {low}; got {value}.")
