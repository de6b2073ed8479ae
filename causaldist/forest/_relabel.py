"""Compiled node relabelling: the pseudo-outcomes a node's split is chosen on.

As grf's ``RelabelingStrategy``: each node, before its split search, turns
its splitting units into pseudo-outcomes ``rho_i`` whose CART criterion
approximates the gain of the forest's estimating equation:

- regression (``mode=0``): ``rho_i = y_i - ybar_P``;
- causal (``mode=1``), the gradient-based pseudo-outcomes of the R-loss
  (Athey, Tibshirani & Wager 2019, section 2.3; grf's
  ``InstrumentalRelabelingStrategy``): with ``T_i`` and ``Y_i`` residualised
  by the shared cross-fitting stage and the parent's weighted means,
  ``A_P = Cov_P(T)``, ``tau_P = A_P^-1 Cov_P(T, Y)`` and
  ``rho_i = A_P^-1 (T_i - Tbar_P) (Y_i - Ybar_P - (T_i - Tbar_P)' tau_P)``.
"""

import numpy as np
from numba import njit

from ._small_linalg import inv_small, matvec

__all__ = []


@njit(cache=True, nogil=True)
def relabel(s_idx, s0, s1, Y, T, w, mode, d, rho, tb, A, c):  # pragma: no cover - compiled
    """Pseudo-outcomes of the node holding splitting units ``s_idx[s0:s1]``.

    Fills ``rho[0:s1 - s0]`` (one row per unit, in the order of ``s_idx``)
    and the parent's treatment means ``tb``; ``A`` and ``c`` are scratch.

    Returns
    -------
    ok : bool
        False when the node has no weight or (causal) no treatment variation:
        it cannot be split.
    W : float
        The node's weight ``sum_i w_i``.
    size_node : float
        The node's size in grf's sense: ``W`` for regression, the treatment
        variation ``sum_i w_i |T_i - Tbar_P|^2`` for causal trees.
    """
    W = 0.0
    yb = 0.0
    for a in range(d):
        tb[a] = 0.0
    for jj in range(s0, s1):
        i = s_idx[jj]
        W += w[i]
        yb += w[i] * Y[i]
        for a in range(d):
            tb[a] += w[i] * T[i, a]
    if not W > 0:
        return False, W, 0.0
    size_node = 0.0
    yb /= W
    for a in range(d):
        tb[a] /= W
    if mode == 0:
        for jj in range(s0, s1):
            rho[jj - s0, 0] = Y[s_idx[jj]] - yb
        return True, W, W
    for a in range(d):
        c[a] = 0.0
        for b in range(d):
            A[a, b] = 0.0
    for jj in range(s0, s1):
        i = s_idx[jj]
        ry = Y[i] - yb
        for a in range(d):
            za = T[i, a] - tb[a]
            c[a] += w[i] * za * ry
            for b in range(d):
                A[a, b] += w[i] * za * (T[i, b] - tb[b])
    for a in range(d):
        size_node += A[a, a]
        c[a] /= W
        for b in range(d):
            A[a, b] /= W
    Ainv = inv_small(A, d)
    if np.isnan(Ainv[0, 0]) or size_node <= 1e-12:
        return False, W, size_node
    tau = matvec(Ainv, c, d)
    for jj in range(s0, s1):
        i = s_idx[jj]
        r = Y[i] - yb
        for a in range(d):
            r -= (T[i, a] - tb[a]) * tau[a]
        for a in range(d):
            v = 0.0
            for b in range(d):
                v += Ainv[a, b] * (T[i, b] - tb[b])
            rho[jj - s0, a] = v * r
    return True, W, size_node
