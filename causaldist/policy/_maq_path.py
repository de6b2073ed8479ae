"""The multi-armed Qini solution path: per-unit convex hulls and the greedy over them.

Sverdrup, Wu, Athey & Wager (2025), "Qini curves for multi-armed treatment
rules", JCGS 34(3) (arXiv:2306.11979); the algorithm of grf-labs' ``maq``
(``core/src/convex_hull.hpp``, ``compute_path.hpp``), vectorised over units.
"""

import numpy as np

__all__ = []


def unit_hulls(reward, cost):
    """Arms on the upper-left convex hull of each unit's (cost, reward) points.

    For unit ``i`` the points are ``(0, 0)`` (control, free) and
    ``(c_ik, r_ik)`` for the treated arms ``k``. The hull is the increasing
    part of the concave majorant from the origin: starting at ``(0, 0)``,
    repeatedly step to the point of largest slope
    ``(r_k - r_cur) / (c_k - c_cur)`` among those costlier and better than the
    current one (the smallest cost among equal slopes, so collinear points are
    separate steps, as in maq's LP-dominance Graham scan, Kellerer et al. 2004,
    (11.6)-(11.7)). Units whose rewards are all ``<= 0`` get an empty hull:
    they are never treated.

    Gift wrapping takes at most ``K`` rounds of ``O(n K)`` array work, which
    beats a per-unit Python scan for the few arms of a targeting problem.

    Parameters
    ----------
    reward : ndarray of shape (n, K)
        Targeting rewards (estimated effects against control).
    cost : ndarray of shape (n, K)
        Positive costs.

    Returns
    -------
    hull : ndarray of shape (n, K) of int
        Hull arms of each unit in order of increasing cost, ``-1`` padded.
    """
    n, K = reward.shape
    hull = np.full((n, K), -1, dtype=np.intp)
    c_cur, r_cur = np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    rows = np.arange(n)
    for step in range(K):
        if not active.any():
            break
        ok = (cost > c_cur[:, None]) & (reward > r_cur[:, None]) & active[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (reward - r_cur[:, None]) / (cost - c_cur[:, None])
        slope = np.where(ok, slope, -np.inf)
        best = slope.max(axis=1)
        found = np.isfinite(best)
        # among the steepest, the cheapest (ties in slope are collinear points)
        tied = np.isclose(slope, best[:, None], rtol=1e-12, atol=0.0) & ok
        arm = np.argmin(np.where(tied, cost, np.inf), axis=1)
        hull[found, step] = arm[found]
        c_cur = np.where(found, cost[rows, arm], c_cur)
        r_cur = np.where(found, reward[rows, arm], r_cur)
        active = found
    return hull


def solution_path(reward, cost, weight, tie_breaker):
    """The greedy path of incremental allocations over increasing budgets.

    Along unit ``i``'s hull ``h_1, h_2, ...`` the step ``j`` (from ``h_{j-1}``,
    ``h_0`` = control, to ``h_j``) has incremental ratio
    ``rho_ij = (r_{i h_j} - r_{i h_{j-1}}) / (c_{i h_j} - c_{i h_{j-1}})``,
    non-increasing in ``j`` (concavity). The solution of the LP

    ``max_pi sum_i w_i <pi_i, r_i>  s.t.  sum_i w_i <pi_i, c_i> <= B,
    sum_k pi_ik <= 1, pi >= 0``

    at every ``B`` takes the steps in decreasing order of ``rho`` (the
    multiple-choice knapsack's greedy, Sverdrup et al. 2025, Section 3), so the
    path is one sort: by ``-rho``, then the tie breaker (maq: the smaller
    first), then ``j``. maq pops the same order from a priority queue.

    Parameters
    ----------
    reward, cost : ndarray of shape (n, K)
    weight : ndarray of shape (n,)
        Unit weights summing to one (``1/n`` by default).
    tie_breaker : ndarray of shape (n,) of int

    Returns
    -------
    unit, arm, prev : ndarray of shape (n_steps,) of int
        The unit of every step, its new arm and its previous arm (``-1`` for
        control).
    """
    n, K = reward.shape
    hull = unit_hulls(reward, cost)
    unit, step = np.nonzero(hull >= 0)
    arm = hull[unit, step]
    prev = np.where(step > 0, hull[unit, np.maximum(step - 1, 0)], -1)
    has_prev = prev >= 0
    pc = np.where(has_prev, cost[unit, np.maximum(prev, 0)], 0.0)
    pr = np.where(has_prev, reward[unit, np.maximum(prev, 0)], 0.0)
    ratio = (reward[unit, arm] - pr) / (cost[unit, arm] - pc)
    # Concavity makes a unit's ratios non-increasing; rounding must not let an
    # upgrade sort before the step it upgrades.
    ratio_mat = np.full((n, K), np.inf)
    ratio_mat[unit, step] = ratio
    ratio_mat = np.minimum.accumulate(ratio_mat, axis=1)
    ratio = ratio_mat[unit, step]
    order = np.lexsort((step, tie_breaker[unit], -ratio))
    return unit[order], arm[order], prev[order]


def path_increments(unit, arm, prev, values, weight):
    """Per-step change of ``sum_i w_i v_{i, pi(i)}`` (``v`` of control is 0)."""
    new = values[unit, arm]
    old = np.where(prev >= 0, values[unit, np.maximum(prev, 0)], 0.0)
    return weight[unit] * (new - old)


def mean_hull_path(reward, cost, weight):
    """Hull arms of the weighted mean (cost, reward) point: targeting without covariates.

    Every unit gets the same arm; the path treats units in index order with
    the first hull arm, then upgrades them in order to the next, and so on
    (maq's ``target.with.covariates = FALSE``: a straight-line baseline).

    Returns
    -------
    unit, arm, prev : ndarray of int
    """
    n = reward.shape[0]
    r_bar = (weight @ reward)[None, :]
    c_bar = (weight @ cost)[None, :]
    hull = unit_hulls(r_bar, c_bar)[0]
    hull = hull[hull >= 0]
    units = np.tile(np.arange(n), hull.size)
    arms = np.repeat(hull, n)
    prevs = np.repeat(np.concatenate([[-1], hull[:-1]]), n)
    return units, arms, prevs


def half_sample_bootstrap(R, C, G, w, tb, clusters, grid, n_bootstrap, with_covariates, rng):
    """Gain curves of maq's half-sample bootstrap on the full-sample spend grid.

    Each replicate draws half the clusters without replacement, re-solves on
    them with weights renormalised (the same hulls and order when targeting
    with covariates, so the sub-path is the full path restricted to the drawn
    units), and is interpolated, from the origin, onto ``grid``.

    Returns
    -------
    gains : ndarray of shape (n_bootstrap, len(grid))
    """
    n_clusters = clusters.max() + 1
    if with_covariates:
        unit, arm, prev = solution_path(R, C, w, tb)
    out = np.empty((n_bootstrap, grid.shape[0]))
    for b in range(n_bootstrap):
        drawn = rng.permutation(n_clusters)[: n_clusters // 2]
        in_b = np.isin(clusters, drawn)
        w_b = np.where(in_b, w, 0.0)
        w_b /= w_b.sum()
        if with_covariates:
            # the same hulls and order, restricted to the drawn units
            on = in_b[unit]
            u, a, p = unit[on], arm[on], prev[on]
            spend_b = np.cumsum(path_increments(u, a, p, C, w_b))
            gain_b = np.cumsum(path_increments(u, a, p, G, w_b))
        else:
            idx = np.flatnonzero(in_b)
            u, a, p = mean_hull_path(R[idx], C[idx], w_b[idx])
            u = idx[u]
            C_b = np.broadcast_to(w_b @ C, C.shape)
            G_b = np.broadcast_to(w_b @ G, G.shape)
            spend_b = np.cumsum(path_increments(u, a, p, C_b, w_b))
            gain_b = np.cumsum(path_increments(u, a, p, G_b, w_b))
        out[b] = np.interp(grid, np.r_[0.0, spend_b], np.r_[0.0, gain_b])
    return out


def influence_se(unit, arm, prev, G, w, gain):
    """Standard errors of the path's gains with the allocation held fixed.

    ``sqrt(n / (n - 1) sum_i w_i^2 (s_i - Q)^2)`` with ``s_i`` unit ``i``'s
    allocated score, updated move by move.
    """
    n = G.shape[0]
    G2 = G**2
    sum_w2 = np.sum(w**2)
    a = np.cumsum(path_increments(unit, arm, prev, G2, w**2))
    b = np.cumsum(path_increments(unit, arm, prev, G, w**2))
    # sum_i w_i^2 (s_i - Q)^2 = A - 2 Q B + Q^2 sum_i w_i^2, updated per move
    var = (a - 2 * gain * b + gain**2 * sum_w2) * n / (n - 1)
    return np.sqrt(np.maximum(var, 0.0))
