"""Synthetic distribution-valued outcomes with known potential distributions."""

import numpy as np
from scipy.stats import norm
from sklearn.utils import Bunch, check_random_state

from ._heterogeneous import _check_count

__all__ = ["make_distributional"]


def make_distributional(
    n_samples=1000,
    n_arms=2,
    n_levels=100,
    *,
    n_features=5,
    design="observational",
    n_draws=None,
    return_truth=False,
    random_state=None,
):
    """Units whose potential outcomes are normal distributions that depend on x.

    ``X ~ N(0, I_p)``. Under arm ``a`` (``s_a = a / (K - 1)``) unit ``i``'s
    outcome distribution is ``N(loc_a(X_i), scale_a(X_i)^2)`` with

    ``loc_a(x) = x_0 + s_a (0.5 + 0.5 x_1)``, ``scale_a(x) = exp(s_a (0.25 + 0.5 x_2))``,

    so treatment raises the mean where ``x_1 > -1`` and widens the spread where
    ``x_2 > -0.5``: the mean-optimal and the CVaR-optimal policies differ (a job
    programme that raises average earnings but makes them more volatile). The
    observed outcome is the received arm's exact quantile function on the
    midpoint grid ``p_j = (j - 0.5) / m`` (``Q(p) = loc + scale Phi^{-1}(p)``),
    and with ``n_draws`` also a finite sample per unit.

    Treatment is drawn with ``P(A = a | x) ∝ exp(s_a (0.5 x_0 - 0.5 x_2))``
    (``design="observational"``: confounded through the location and the
    scale) or uniformly (``design="rct"``).

    Parameters
    ----------
    n_samples : int, default=1000
    n_arms : int, default=2
    n_levels : int, default=100
        Number of grid levels ``m``.
    n_features : int, default=5
        At least 3.
    design : {"observational", "rct"}, default="observational"
    n_draws : int or tuple of (int, int), default=None
        If given, each unit also gets a sample of between ``n_draws // 2`` and
        ``n_draws`` draws (or between ``low`` and ``high`` for a pair) from its
        observed distribution (``samples``, a list of 1-D arrays of different
        lengths).
    return_truth : bool, default=False
        Return a ``Bunch`` with the truth (see below) instead of ``(X, y, treatment)``.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_levels)
        Observed quantile functions.
    treatment : ndarray of shape (n_samples,)

    Or, with ``return_truth=True``, a ``Bunch`` with ``X``, ``y``, ``treatment``,
    ``samples`` (if ``n_draws``), ``levels``, ``potential_quantiles`` (n, K, m),
    ``propensity`` (n, K), and two functions: ``value(policy, utility)``, the
    true utility of the barycenter a policy (arm codes, shape (n,)) induces,
    and ``oracle(utility)``, the best policy for a linear utility (the per-unit
    argmax of ``U(Q_{i,a})``, optimal because a linear utility of the
    barycenter is the mean of the units' utilities).

    Examples
    --------
    >>> from causaldist.datasets import make_distributional
    >>> X, y, t = make_distributional(200, n_levels=50, random_state=0)
    >>> X.shape, y.shape, bool((y[:, 1:] >= y[:, :-1]).all())
    ((200, 5), (200, 50), True)
    """
    _check_count(n_samples, "n_samples", 1)
    _check_count(n_features, "n_features", 3)
    _check_count(n_arms, "n_arms", 2)
    _check_count(n_levels, "n_levels", 1)
    if n_draws is not None:
        pair = n_draws if np.ndim(n_draws) == 1 else (n_draws,)
        if len(pair) not in (1, 2):
            raise ValueError(f"n_draws must be an int or a pair (low, high); got {n_draws!r}.")
        for value in pair:
            _check_count(value, "n_draws", 1)
        if len(pair) == 2 and pair[0] > pair[1]:
            raise ValueError(f"n_draws=(low, high) needs low <= high; got {n_draws!r}.")
    if n_features < 3:
        raise ValueError(f"n_features must be at least 3; got {n_features}.")
    if n_arms < 2:
        raise ValueError(f"n_arms must be at least 2; got {n_arms}.")
    if design not in ("observational", "rct"):
        raise ValueError(f"design must be 'observational' or 'rct'; got {design!r}.")
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    s = np.arange(n_arms) / (n_arms - 1)
    loc = X[:, [0]] + s * (0.5 + 0.5 * X[:, [1]])
    scale = np.exp(s * (0.25 + 0.5 * X[:, [2]]))
    levels = (np.arange(1, n_levels + 1) - 0.5) / n_levels
    potential = loc[:, :, None] + scale[:, :, None] * norm.ppf(levels)
    if design == "rct":
        propensity = np.full((n_samples, n_arms), 1.0 / n_arms)
    else:
        logits = s * (0.5 * X[:, [0]] - 0.5 * X[:, [2]])
        propensity = np.exp(logits - logits.max(axis=1, keepdims=True))
        propensity /= propensity.sum(axis=1, keepdims=True)
    u = rng.random_sample(n_samples)[:, None]
    treatment = np.minimum((u > np.cumsum(propensity, axis=1)).sum(axis=1), n_arms - 1)
    rows = np.arange(n_samples)
    y = potential[rows, treatment]
    samples = None
    if n_draws is not None:
        low, high = (max(n_draws // 2, 1), n_draws) if np.ndim(n_draws) == 0 else n_draws
        sizes = rng.randint(low, high + 1, size=n_samples)
        draws = rng.standard_normal(sizes.sum())
        unit = np.repeat(rows, sizes)
        values = loc[unit, treatment[unit]] + scale[unit, treatment[unit]] * draws
        samples = np.split(values, np.cumsum(sizes)[:-1])
    if not return_truth:
        return X, y, treatment

    def value(policy, utility):
        policy = np.asarray(policy, dtype=np.intp)
        return utility(potential[rows, policy].mean(axis=0))

    def oracle(utility):
        if not utility.is_linear:
            raise ValueError("oracle is the per-unit argmax only for a linear utility.")
        return np.argmax(utility(potential), axis=1)

    return Bunch(
        X=X, y=y, treatment=treatment, samples=samples, levels=levels,
        potential_quantiles=potential, propensity=propensity, value=value, oracle=oracle,
    )
