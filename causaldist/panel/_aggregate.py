"""Aggregations of group-time ATTs (Callaway & Sant'Anna 2021, sec. 3.1 and 4).

Every aggregate is ``theta = sum_k v_k ATT(g_k, t_k)`` over a set of cells with
weights ``v_k = P(G = g_k) / sum_j P(G = g_j)`` (cohort shares among the
included cells), estimated by ``pi_g = mean_i w_i 1{G_i = g}``. Its influence
function adds to ``sum_k v_k psi_k`` the estimation effect of the weights
(``did``'s ``wif``):

``sum_k (w_i 1{G_i = g_k} - pi_k) ATT_k / S
- (sum_k (w_i 1{G_i = g_k} - pi_k)) (sum_k pi_k ATT_k) / S^2``, ``S = sum_k pi_k``.

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


def _weights_if(keep_groups, att, pi, G, w, glist):
    """``wif @ att`` for cells of cohorts ``keep_groups`` (codes into ``glist``) as one vector."""
    S = np.sum(pi)
    s_pa = np.sum(pi * att)
    code = np.searchsorted(glist, G)
    code = np.where((code < len(glist)) & (glist[np.minimum(code, len(glist) - 1)] == G),
                    code, len(glist))
    A = np.bincount(keep_groups, weights=att, minlength=len(glist) + 1)
    C = np.bincount(keep_groups, minlength=len(glist) + 1).astype(float)
    return (w * A[code] - s_pa) / S - (w * C[code] - S) * s_pa / S**2


def _combine(cells, att, psi, pi_cells, cell_group, G, w, glist, with_wif=True):
    pi = pi_cells[cells]
    v = pi / pi.sum()
    value = float(np.sum(v * att[cells]))
    infl = psi[:, cells] @ v
    if with_wif:
        infl = infl + _weights_if(cell_group[cells], att[cells], pi, G, w, glist)
    return value, infl


def aggregate_cells(kind, att, psi, group, time, G, w, *, min_e=-np.inf, max_e=np.inf):
    """Point estimates and influence functions of an aggregation (module docstring).

    Parameters
    ----------
    kind : {"simple", "event", "group", "calendar"}
    att : ndarray of shape (k,)
        ``ATT(g, t)`` of the cells (finite).
    psi : ndarray of shape (n_units, k)
        Their influence functions.
    group, time : ndarray of shape (k,)
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
    infl : ndarray of shape (n_units, m) or (n_units,)
    overall : tuple (value, influence) or None
    """
    glist = np.unique(group)
    cell_group = np.searchsorted(glist, group)
    pi_g = np.array([np.mean(w * (G == g)) for g in glist])
    pi_cells = pi_g[cell_group]
    e = time - group
    window = (group <= time) & (e >= min_e) & (e <= max_e)
    if kind == "simple":
        cells = np.flatnonzero(window)
        if cells.size == 0:
            raise ValueError("no post-treatment cell in the event-time window [min_e, max_e].")
        value, infl = _combine(cells, att, psi, pi_cells, cell_group, G, w, glist)
        return None, value, infl, None
    if kind == "event":
        eseq = np.unique(e)
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        if eseq.size == 0:
            raise ValueError("no event time in [min_e, max_e].")
        parts = [_combine(np.flatnonzero(e == ev), att, psi, pi_cells, cell_group, G, w, glist)
                 for ev in eseq]
        values = np.array([p[0] for p in parts])
        infl = np.column_stack([p[1] for p in parts])
        pos = eseq >= 0
        overall = None
        if pos.any():
            overall = (float(values[pos].mean()), infl[:, pos].mean(axis=1))
        return eseq, values, infl, overall
    if kind == "group":
        keep = np.array([np.any(window & (group == g)) for g in glist])
        if not keep.any():
            raise ValueError("no post-treatment cell in the event-time window [min_e, max_e].")
        parts = [_combine(np.flatnonzero(window & (group == g)), att, psi, pi_cells,
                          cell_group, G, w, glist, with_wif=False) for g in glist[keep]]
        values = np.array([p[0] for p in parts])
        infl = np.column_stack([p[1] for p in parts])
        gl = glist[keep]
        overall = _combine(np.arange(gl.size), values, infl, pi_g[keep],
                           np.flatnonzero(keep), G, w, glist)
        return gl, values, infl, overall
    if kind == "calendar":
        tl = np.unique(time)
        tl = tl[tl >= group.min()]
        tl = np.array([t for t in tl if np.any((time == t) & (group <= t))])
        parts = [_combine(np.flatnonzero((time == t) & (group <= t)), att, psi, pi_cells,
                          cell_group, G, w, glist) for t in tl]
        values = np.array([p[0] for p in parts])
        infl = np.column_stack([p[1] for p in parts])
        return tl, values, infl, (float(values.mean()), infl.mean(axis=1))
    raise ValueError(f"kind must be 'simple', 'event', 'group' or 'calendar'; got {kind!r}.")
