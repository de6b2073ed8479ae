"""Compiled linear algebra on the d x d systems of the causal forests (d = treated arms).

Shared by the tree grower (the parent's R-learner solution) and the
prediction kernels (the forest-weighted solution and its linearisation).
"""

import numpy as np
from numba import njit

__all__ = []


@njit(cache=True, nogil=True)
def inv_small(A, d):  # pragma: no cover - compiled
    """Inverse of a small symmetric matrix by Gauss-Jordan; NaN when (near) singular.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.forest._small_linalg import inv_small
    >>> inv_small(np.array([[2.0, 0.0], [0.0, 4.0]]), 2).diagonal().tolist()
    [0.5, 0.25]
    """
    out = np.full((d, d), np.nan)
    M = np.zeros((d, 2 * d))
    scale = 0.0
    for a in range(d):
        scale = max(scale, abs(A[a, a]))
        for b in range(d):
            M[a, b] = A[a, b]
        M[a, d + a] = 1.0
    if scale <= 1e-12:
        return out
    for col in range(d):
        piv = col
        for r in range(col + 1, d):
            if abs(M[r, col]) > abs(M[piv, col]):
                piv = r
        # relative to the diagonal's scale: residualised treatments can be tiny
        if abs(M[piv, col]) <= 1e-10 * scale:
            return out
        if piv != col:
            for b in range(2 * d):
                tmp = M[col, b]
                M[col, b] = M[piv, b]
                M[piv, b] = tmp
        pv = M[col, col]
        for b in range(2 * d):
            M[col, b] /= pv
        for r in range(d):
            if r != col:
                f = M[r, col]
                if f != 0.0:
                    for b in range(2 * d):
                        M[r, b] -= f * M[col, b]
    for a in range(d):
        for b in range(d):
            out[a, b] = M[a, d + b]
    return out


@njit(cache=True, nogil=True)
def matvec(M, v, d):  # pragma: no cover - compiled
    """``M v`` for a d x d matrix ``M``."""
    out = np.zeros(d)
    for a in range(d):
        s = 0.0
        for b in range(d):
            s += M[a, b] * v[b]
        out[a] = s
    return out
