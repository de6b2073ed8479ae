"""One-dimensional Wasserstein geometry on quantile functions."""

import numpy as np
from sklearn.isotonic import isotonic_regression

from ._grid import _as_grid, _check_quantile_functions

__all__ = ["barycenter", "project_monotone", "wasserstein2"]


def wasserstein2(q1, q2, grid=None):
    """Wasserstein-2 distance between distributions on R given by quantile functions.

    ``W2(F, G)^2 = integral_0^1 (Q_F(p) - Q_G(p))^2 dp`` (e.g. Villani 2003,
    thm 2.18; Panaretos & Zemel 2019), by the grid's quadrature rule.

    Parameters
    ----------
    q1, q2 : array-like of shape (m,) or (n, m)
        Quantile functions, non-decreasing along the last axis (broadcast
        against each other row-wise).
    grid : QuantileGrid or array-like of levels, default=None
        ``None`` means the midpoint grid (equal weights ``1/m``).

    Returns
    -------
    distance : float or ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import wasserstein2
    >>> q = np.linspace(-1, 1, 10)
    >>> round(wasserstein2(q, q + 0.5), 12)   # a location shift moves by the shift
    0.5
    """
    q1 = _check_quantile_functions(q1, "q1", ndim=(1, 2))
    q2 = _check_quantile_functions(q2, "q2", ndim=(1, 2))
    if q1.shape[-1] != q2.shape[-1] or (
        q1.ndim == q2.ndim == 2 and q1.shape[0] != q2.shape[0]
    ):
        raise ValueError(
            f"q1 and q2 must be quantile functions on the same grid, row for row; got "
            f"shapes {q1.shape} and {q2.shape}."
        )
    # Halves first, then the difference divided by its largest entry: neither
    # q1 - q2 nor its square can overflow for values near the float limit.
    diff = q1 / 2 - q2 / 2
    w = _as_grid(grid, diff.shape[-1], "the quantile functions").weights
    scale = np.max(np.abs(diff), axis=-1, keepdims=True)
    scale = np.where(scale > 0, scale, 1.0)
    out = 2 * scale[..., 0] * np.sqrt(np.maximum((diff / scale) ** 2 @ w, 0.0))
    return float(out) if out.ndim == 0 else out


def barycenter(Q, weights=None):
    """Wasserstein-2 barycenter of distributions on R.

    In one dimension the barycenter of distributions with weights ``w_i`` has
    quantile function ``sum_i w_i Q_i(p)`` (Agueh & Carlier 2011): a weighted
    mean of the quantile functions, which is again non-decreasing.

    Parameters
    ----------
    Q : array-like of shape (n, m)
        Quantile functions, rows non-decreasing.
    weights : array-like of shape (n,), default=None
        Non-negative, normalised to sum to one; ``None`` means equal weights.

    Returns
    -------
    q : ndarray of shape (m,)

    Examples
    --------
    >>> from causaldist.distributional import barycenter
    >>> barycenter([[0.0, 1.0], [2.0, 5.0]], weights=[3, 1])
    array([0.5, 2. ])
    """
    Q = _check_quantile_functions(Q, "Q")
    if Q.shape[0] == 0:
        raise ValueError("Q has no rows: the barycenter of no distributions is undefined.")
    if weights is None:
        return Q.mean(axis=0)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (Q.shape[0],):
        raise ValueError(f"weights has shape {w.shape}; expected ({Q.shape[0]},).")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero.")
    return (w / w.sum()) @ Q


def project_monotone(q, method="rearrange"):
    """Make estimated quantile functions non-decreasing.

    Estimated barycenters (IPW, DR) are signed combinations of quantile
    functions and may cross. ``"rearrange"`` sorts each row: the monotone
    rearrangement, which never increases the Lp distance to any non-decreasing
    function (Chernozhukov, Fernandez-Val & Galichon 2010), cheap and
    vectorised. ``"isotonic"`` is the L2 projection onto non-decreasing
    functions (pool adjacent violators), one row at a time.

    Parameters
    ----------
    q : array-like of shape (m,) or (n, m)
    method : {"rearrange", "isotonic"}, default="rearrange"

    Returns
    -------
    q_monotone : ndarray shaped like ``q``
    """
    q = np.asarray(q, dtype=np.float64)
    if q.ndim not in (1, 2):
        raise ValueError(f"q must have shape (m,) or (n, m); got shape {q.shape}.")
    if not np.all(np.isfinite(q)):
        raise ValueError("q contains NaN or infinite values.")
    if method == "rearrange":
        return np.sort(q, axis=-1)
    if method == "isotonic":
        rows = np.atleast_2d(q)
        out = np.vstack([isotonic_regression(r) for r in rows])
        return out.reshape(q.shape)
    raise ValueError(f"method must be 'rearrange' or 'isotonic'; got {method!r}.")
