"""Least squares with heteroskedasticity- and cluster-robust (sandwich) covariances.

The linear final stages (``LinearDML``, ``LinearDRLearner``) regress a
residualised outcome or a pseudo-outcome on a design ``Z`` and report the
coefficients with the sandwich covariance

``V = (Z'WZ)^-1 M (Z'WZ)^-1``,

``M = sum_i w_i e_i^2 z_i z_i'`` (HC0, White 1980), times ``N / (N - k)`` for
HC1 (MacKinnon & White 1985), or ``M = sum_g (sum_{i in g} w_i z_i e_i)(...)'``
times ``G / (G - 1) (N - 1) / (N - k)`` for clusters (Liang & Zeger 1986;
statsmodels' default correction). ``sample_weight`` are frequency weights: the
covariance equals that of the data with each row repeated ``w_i`` times
(``N = sum_i w_i``). With several outputs (outcome
columns, or the arms of a DR learner) the cross-output covariances are kept,
so that a contrast of two outputs has its right standard error.
"""

import numpy as np

__all__ = []

COV_TYPES = ("HC0", "HC1")


def ols_sandwich(Z, Y, sample_weight=None, *, cov_type="HC1", groups=None,
                 weights="frequency"):
    """Weighted least squares of every column of ``Y`` on ``Z`` with a sandwich covariance.

    Parameters
    ----------
    Z : ndarray of shape (n, k)
        Design (no intercept is added).
    Y : ndarray of shape (n, d)
        One regression per column, same design.
    sample_weight : ndarray of shape (n,), default=None
        Frequency weights.
    cov_type : {"HC0", "HC1"}, default="HC1"
        Small-sample factor 1 or ``N / (N - k)``; ignored with ``groups``.
    groups : ndarray of shape (n,), default=None
        Cluster labels: cluster-robust covariance.
    weights : {"frequency", "analytic"}, default="frequency"
        ``"analytic"`` is statsmodels WLS's reading of
        ``sample_weight``: rows scaled by ``sqrt(w)``, so the meat holds
        ``w^2 e^2 z z'`` and ``N`` is the number of rows.

    Returns
    -------
    coef : ndarray of shape (k, d)
    cov : ndarray of shape (d * k, d * k)
        Covariance of ``coef.T.ravel()`` (output-major).
    """
    # Scale-free: the columns of Z and Y are divided by their largest absolute
    # value and the result scaled back, so that Z'Z and the meat's squared
    # residuals neither overflow (|x| ~ 1e155) nor underflow.
    cz, cy = _column_scale(Z), _column_scale(Y)
    coef, cov = _ols_sandwich(Z / cz, Y / cy, sample_weight, cov_type, groups, weights)
    with np.errstate(over="ignore", invalid="ignore"):
        coef = coef / cz[:, None] * cy[None, :]
        scale = np.concatenate([cy_j / cz for cy_j in cy])
        cov_out = cov * np.outer(scale, scale)
    if np.all(np.isfinite(cov)) and not np.all(np.isfinite(cov_out)):
        # The variance is in units of (y / x)^2, beyond float64 for
        # |y / x| >~ 1e154; a silent inf would give infinite intervals.
        raise ValueError(
            f"The final stage's covariance overflows float64: y reaches "
            f"{cy.max():.3g} in magnitude against regressors as small as "
            f"{cz.min():.3g}. Rescale y (or X) to moderate units."
        )
    return coef, cov_out


def _column_scale(A):
    scale = np.max(np.abs(A), axis=0) if A.shape[0] else np.ones(A.shape[1])
    return np.where((scale > 0) & np.isfinite(scale), scale, 1.0)


def _ols_sandwich(Z, Y, sample_weight, cov_type, groups, weights):
    n, k = Z.shape
    d = Y.shape[1]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    Zw = Z * w[:, None]
    # pinv, as statsmodels: a rank-deficient design still gives the minimum-norm fit.
    bread = np.linalg.pinv(Zw.T @ Z)
    coef = bread @ (Zw.T @ Y)
    E = Y - Z @ coef
    # Per-row scores z_i e_i for every output, output-major: (n, d * k).
    scores = (E[:, :, None] * Z[:, None, :]).reshape(n, d * k)
    N = w.sum()
    if weights == "analytic":
        # meat sum_i w_i (sqrt(w_i) e_i z_i)^2 = sum_i w_i^2 e_i^2 z_i z_i'
        scores = scores * np.sqrt(w)[:, None]
        N = float(n)
    if groups is not None:
        codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
        G = int(codes.max()) + 1
        summed = np.zeros((G, d * k))
        np.add.at(summed, codes, scores * w[:, None])
        meat = summed.T @ summed
        factor = G / max(G - 1, 1) * (N - 1) / max(N - k, 1)
    else:
        meat = (scores * w[:, None]).T @ scores
        factor = N / max(N - k, 1) if cov_type == "HC1" else 1.0
    B = np.kron(np.eye(d), bread)
    cov = factor * (B @ meat @ B)
    return coef, (cov + cov.T) / 2


def linear_combination(L, coef, cov):
    """Estimates ``L vec(coef)`` and their standard errors ``sqrt(diag(L cov L'))``.

    Parameters
    ----------
    L : ndarray of shape (m, d * k)
        One row of weights per reported entry, output-major like ``cov``.
    coef : ndarray of shape (k, d)
    cov : ndarray of shape (d * k, d * k)

    Returns
    -------
    value, stderr : ndarray of shape (m,)
    """
    vec = coef.T.ravel()
    value = L @ vec
    var = np.einsum("ij,ij->i", L @ cov, L)
    return value, np.sqrt(np.maximum(var, 0.0))
