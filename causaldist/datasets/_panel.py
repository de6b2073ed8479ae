"""A staggered-adoption panel with known group-time effects."""

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

__all__ = ["make_staggered"]


def make_staggered(n_units=1000, *, n_periods=6, cohorts=(3, 4, 5), effect_scale=1.0,
                   random_state=None):
    """A long panel with staggered adoption, conditional parallel trends and known ATT(g, t).

    Unit ``i`` has covariates ``x1 ~ N(0, 1)`` and ``x2 ~ Bernoulli(1/2)``; its
    cohort (first treated period, 0 = never) is drawn with probabilities that
    depend on ``x2``, so that untreated trends differ between cohorts
    unconditionally but are parallel given ``(x1, x2)``::

        Y_it(0) = a_i + 0.3 t + 0.5 x1 t + 0.8 x2 t + e_it,  a_i ~ N(g_i / 4, 1)
        Y_it = Y_it(0) + 1{t >= g_i} tau(g_i, t - g_i) (1 + x2 / 2)
        tau(g, e) = effect_scale (1 + 0.5 e) (1 - 0.1 (g - g_min))

    Effects vary by cohort, event time and ``x2``; the true ``ATT(g, t)`` is
    ``tau(g, t - g) (1 + E[x2 | G = g] / 2)`` (exact, by Bayes' rule on ``x2``),
    0 before ``g``. The cohort shares ``P(G = g)`` are exact too, so every
    aggregation of Callaway & Sant'Anna (2021) has a known value (``truth``).

    Parameters
    ----------
    n_units : int, default=1000
        Number of units.
    n_periods : int, default=6
        Periods ``1, ..., n_periods``.
    cohorts : tuple of int, default=(3, 4, 5)
        First treated periods (each > 1).
    effect_scale : float, default=1.0
        Multiplies every effect.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    data : Bunch
        ``frame`` (long DataFrame: ``unit, time, first_treated, x1, x2, y``),
        ``att_gt`` (DataFrame of the true ``group, time, att``), ``truth``
        (dict of the true aggregations: ``"simple"``, ``"event"`` (Series by
        event time), ``"group"`` (Series by cohort), ``"calendar"`` (Series by
        period) and their ``"<kind> overall"`` means), ``cohort_share``.

    Examples
    --------
    >>> from causaldist.datasets import make_staggered
    >>> data = make_staggered(200, random_state=0)
    >>> data.frame.shape
    (1200, 6)
    >>> round(data.truth["simple"], 3)
    1.943
    """
    rng = check_random_state(random_state)
    cohorts = np.asarray(cohorts, dtype=float)
    k = cohorts.size
    # P(G = g | x2): the never-treated share is larger when x2 = 0
    p = {0: np.r_[np.full(k, 0.5 / k), 0.5], 1: np.r_[np.full(k, 0.7 / k), 0.3]}
    p[1][:k] = p[1][:k] * np.linspace(1.3, 0.7, k) / np.mean(np.linspace(1.3, 0.7, k))
    x1 = rng.normal(size=n_units)
    x2 = (rng.random_sample(n_units) < 0.5).astype(float)
    labels = np.r_[cohorts, 0.0]
    u = rng.random_sample(n_units)
    g = np.where(x2 == 1, labels[np.searchsorted(np.cumsum(p[1]), u)],
                 labels[np.searchsorted(np.cumsum(p[0]), u)])
    t = np.arange(1, n_periods + 1, dtype=float)
    a = rng.normal(loc=g / 4, size=n_units)
    y0 = (a[:, None] + 0.3 * t + 0.5 * x1[:, None] * t + 0.8 * x2[:, None] * t
          + rng.normal(size=(n_units, n_periods)))

    def tau(gg, e):
        return effect_scale * (1 + 0.5 * e) * (1 - 0.1 * (gg - cohorts.min()))

    e = t[None, :] - g[:, None]
    treated = (g[:, None] > 0) & (e >= 0)
    y = y0 + np.where(treated, tau(g[:, None], e) * (1 + x2[:, None] / 2), 0.0)
    frame = pd.DataFrame({
        "unit": np.repeat(np.arange(n_units), n_periods),
        "time": np.tile(t, n_units).astype(int),
        "first_treated": np.repeat(g, n_periods).astype(int),
        "x1": np.repeat(x1, n_periods), "x2": np.repeat(x2, n_periods),
        "y": y.ravel(),
    })
    share = {c: 0.5 * (p[0][j] + p[1][j]) for j, c in enumerate(cohorts)}
    ex2 = {c: 0.5 * p[1][j] / share[c] for j, c in enumerate(cohorts)}
    rows = [(c, s, tau(c, s - c) * (1 + ex2[c] / 2) if s >= c else 0.0)
            for c in cohorts for s in t]
    att_gt = pd.DataFrame(rows, columns=["group", "time", "att"])
    post = att_gt[att_gt.time >= att_gt.group].copy()
    post["pi"] = post.group.map(share)
    post["e"] = post.time - post.group

    def wmean(df):
        return float(np.sum(df.att * df.pi) / np.sum(df.pi))

    event = post.groupby("e")[["att", "pi"]].apply(wmean)
    grp = post.groupby("group")["att"].mean()
    cal = post.groupby("time")[["att", "pi"]].apply(wmean)
    truth = {
        "simple": wmean(post),
        "event": event, "event overall": float(event.mean()),
        "group": grp,
        "group overall": float(np.sum(grp * pd.Series(share)) / sum(share.values())),
        "calendar": cal, "calendar overall": float(cal.mean()),
    }
    return Bunch(frame=frame, att_gt=att_gt, truth=truth, cohort_share=share)
