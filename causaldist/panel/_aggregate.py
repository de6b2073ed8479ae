"""Aggregations of group-time ATTs (Callaway & Sant'Anna 2021, sec. 3.1 and 4).

Every aggregate is ``theta = sum_k v_k ATT(g_k, t_k)`` over a set of cells with
weights ``v_k = P(G = g_k) / sum_j P(G = g_j)`` (cohort shares among the
included cells), estimated by ``pi_g = mean_i w_i 1{G_i = g}``. Its influence
function adds to ``sum_k v_k psi_k`` the estimation effect of the weights
(``did``'s ``wif``):

``sum_k (w_i 1{G_i = g_k} - pi_k) ATT_k / S
- (sum_k (w_i 1{G_i = g_k} - pi_k)) (sum_k pi_k ATT_k) / S^2``, ``S = sum_k pi_k``,

whose constant terms cancel, leaving ``sum_c b_c w_i 1{G_i = c}`` with
``b_c = A_c / S - n_c (sum_k pi_k ATT_k) / S^2`` (``A_c``, ``n_c``: sum of the
ATTs and number of the included cells of cohort ``c``). So every influence
function is a linear combination of the basis ``[psi_1 .. psi_K, w 1{G = c_1} ..
w 1{G = c_m}]``, represented here by its coefficient vector: the multiplier
bootstrap draws the basis once per fit and every aggregation reuses the draws.

- ``simple``: all post-treatment cells (``t >= g``, event time within
  ``[min_e, max_e]``);
- ``event`` (dynamic, eq. 3.4): for each event time ``e = t - g``, the cells
  with that ``e``; overall: the mean over ``e >= 0``;
- ``group`` (eq. 3.6): for each cohort the plain mean of its post-treatment
  cells; overall: the cohort-share-weighted mean over cohorts (with the
  weights' estimation effect);
- ``calendar`` (eq. 3.7): for each period ``t`` from the first cohort on, the
  cells treated by ``t``; overall: the mean over periods.
"""

import numpy as np

__all__ = []


def group_basis(G, w, glist):
    """``w_i 1{G_i = c}`` for the cohorts ``c`` of ``glist``: shape (n_units, len(glist))."""
    return w[:, None] * (G[:, None] == glist[None, :])


def _combine(cells, att, pi_cells, cell_group, n_basis, K, with_wif=True):
    """Value and basis coefficients of ``sum_k v_k ATT_k`` over ``cells``."""
    pi = pi_cells[cells]
    S = pi.sum()
    v = pi / S
    value = float(np.sum(v * att[cells]))
    coef = np.zeros(n_basis)
    coef[cells] = v
    if with_wif:
        s_pa = np.sum(pi * att[cells])
        codes = cell_group[cells]
        n_groups = n_basis - K
        A = np.bincount(codes, weights=att[cells], minlength=n_groups)
        C = np.bincount(codes, minlength=n_groups)
        coef[K:] += A / S - C * s_pa / S**2
    return value, coef


def aggregate_cells(kind, att, group, time, G, w, *, min_e=-np.inf, max_e=np.inf):
    """Point estimates and influence-function coefficients of an aggregation.

    Parameters
    ----------
    kind : {"simple", "event", "group", "calendar"}
    att : ndarray of shape (K,)
        ``ATT(g, t)`` of the cells (finite).
    group, time : ndarray of shape (K,)
        Cohort and period of each cell.
    G : ndarray of shape (n_units,)
        Cohort of every unit (``inf`` for never treated).
    w : ndarray of shape (n_units,)
        Unit weights, mean one.
    min_e, max_e : float
        Event-time window.

    Returns
    -------
    names : ndarray or None
    values : ndarray of shape (m,) or float
    coefs : ndarray of shape (K + n_cohorts, m) or (K + n_cohorts,)
        Coefficients on the basis ``[psi, group_basis(G, w, glist)]``.
    overall : tuple (value, coef) or None
    glist : ndarray
        The cohorts of the basis.
    """
    glist = np.unique(group)
    K, n_basis = att.size, att.size + glist.size
    cell_group = np.searchsorted(glist, group)
    pi_g = np.array([np.mean(w * (G == g)) for g in glist])
    pi_cells = pi_g[cell_group]
    e = time - group
    window = (group <= time) & (e >= min_e) & (e <= max_e)
    args = (att, pi_cells, cell_group, n_basis, K)
    if kind == "simple":
        cells = np.flatnonzero(window)
        if cells.size == 0:
            raise ValueError("no post-treatment cell in the event-time window [min_e, max_e].")
        value, coef = _combine(cells, *args)
        return None, value, coef, None, glist
    if kind == "event":
        eseq = np.unique(e)
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        if eseq.size == 0:
            raise ValueError("no event time in [min_e, max_e].")
        parts = [_combine(np.flatnonzero(e == ev), *args) for ev in eseq]
        values, coefs = np.array([p[0] for p in parts]), np.column_stack([p[1] for p in parts])
        pos = eseq >= 0
        overall = None
        if pos.any():
            overall = (float(values[pos].mean()), coefs[:, pos].mean(axis=1))
        return eseq, values, coefs, overall, glist
    if kind == "group":
        keep = np.array([np.any(window & (group == g)) for g in glist])
        if not keep.any():
            raise ValueError("no post-treatment cell in the event-time window [min_e, max_e].")
        parts = [_combine(np.flatnonzero(window & (group == g)), *args, with_wif=False)
                 for g in glist[keep]]
        values, coefs = np.array([p[0] for p in parts]), np.column_stack([p[1] for p in parts])
        # the overall is a share-weighted mean of the cohort means: the same
        # combination one level up, cohorts as cells
        o_value, o_coef = _combine(np.arange(values.size), values, pi_g[keep],
                                   np.flatnonzero(keep), values.size + glist.size,
                                   values.size)
        coef = coefs @ o_coef[:values.size]
        coef[K:] += o_coef[values.size:]
        return glist[keep], values, coefs, (o_value, coef), glist
    if kind == "calendar":
        tl = np.unique(time)
        tl = np.array([t for t in tl[tl >= group.min()] if np.any((time == t) & (group <= t))])
        parts = [_combine(np.flatnonzero((time == t) & (group <= t)), *args) for t in tl]
        values, coefs = np.array([p[0] for p in parts]), np.column_stack([p[1] for p in parts])
        return tl, values, coefs, (float(values.mean()), coefs.mean(axis=1)), glist
    raise ValueError(f"kind must be 'simple', 'event', 'group' or 'calendar'; got {kind!r}.")
