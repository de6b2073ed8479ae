"""Compiled honesty: what the estimation half of a subsample does in a tree.

With honesty (Wager & Athey 2018) the structure of a tree is chosen on the
splitting half of its subsample and its leaves are filled with the other,
the estimation half. Two rules follow, both here:

- a split is admitted only if both children keep estimation units
  (positive estimation weight), so that no leaf is empty; the split search
  carries each bin's estimation weight in one histogram column for this;
- a leaf stores weighted means over its estimation units (grf's sufficient
  statistics): ``ybar`` for regression; ``Tbar (d), Ybar, TT' (d x d),
  TY (d)`` for causal trees, in that order.

Without honesty the grower passes the splitting units as estimation units.
"""

from numba import njit

__all__ = []


@njit(cache=True, nogil=True)
def add_estimation_weights(Xb, k, e_idx, e0, e1, w, H, col, seen, touched, nt):  # pragma: no cover
    """Add the estimation units' weights to column ``col`` of feature ``k``'s histogram.

    Bins first met here are zeroed and appended to ``touched`` (marked in
    ``seen``), as the split search does for splitting units.

    Returns
    -------
    nt : int
        Number of touched bins.
    """
    nv = H.shape[1]
    for jj in range(e0, e1):
        i = e_idx[jj]
        b = Xb[k, i]
        if not seen[b]:
            seen[b] = True
            touched[nt] = b
            nt += 1
            for cc in range(nv):
                H[b, cc] = 0.0
        H[b, col] += w[i]
    return nt


@njit(cache=True, nogil=True)
def admits(left_e, total_e):  # pragma: no cover - compiled
    """Whether a split leaves estimation weight on both sides."""
    return left_e > 0 and total_e - left_e > 1e-300


@njit(cache=True, nogil=True)
def leaf_statistics(e_idx, e0, e1, Y, T, w, mode, d, st):  # pragma: no cover - compiled
    """Weighted means of a leaf's estimation units ``e_idx[e0:e1]``, written to ``st``.

    ``st`` has one entry for regression (``ybar``) and ``2 d + 1 + d^2`` for
    causal trees: ``Tbar (d), Ybar, TT' (d x d, row-major), TY (d)``.
    """
    n_stats = st.shape[0]
    for a in range(n_stats):
        st[a] = 0.0
    we = 0.0
    for jj in range(e0, e1):
        i = e_idx[jj]
        wi = w[i]
        we += wi
        if mode == 0:
            st[0] += wi * Y[i]
        else:
            for a in range(d):
                st[a] += wi * T[i, a]
                st[d + 1 + d * d + a] += wi * T[i, a] * Y[i]
                for b in range(d):
                    st[d + 1 + a * d + b] += wi * T[i, a] * T[i, b]
            st[d] += wi * Y[i]
    if we > 0:
        for a in range(n_stats):
            st[a] /= we
