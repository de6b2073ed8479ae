"""Instrumental-variable least squares with sandwich (HC0, HC1, cluster) covariances.

The linear IV final stages (``OrthoIV``, ``DMLIV``) solve the moment equations
``sum_i w_i d^_i (y_i - d_i' b) = 0`` for regressors ``d`` and fitted
regressors ``d^`` (the projection of ``d`` on the instruments for two-stage
least squares; the projected treatment itself for DMLIV), and report

``b = (D^'W D^)^-1 D^'W y``,  ``V = (D^'W D^)^-1 M (D^'W D^)^-1``,

``M = sum_i w_i e_i^2 d^_i d^_i'`` with the structural residuals
``e = y - D b`` (White 1982, "Instrumental variables regression with
independent observations"; Wooldridge 2010, sec. 5.2.4), times ``N / (N - k)``
for HC1, or ``M = sum_g (sum_{i in g} w_i d^_i e_i)(...)'`` times
``G / (G - 1) (N - 1) / (N - k)`` for clusters. The weighting convention is
:func:`causaldist.evaluation._sandwich.ols_sandwich`'s: frequency weights by
default, ``weights="analytic"`` for statsmodels' (and econml's) reading.
"""

import numpy as np

__all__ = []


def iv_sandwich(D_hat, D, y, sample_weight=None, *, cov_type="HC0", groups=None,
                weights="frequency"):
    """Coefficients ``b`` of ``y`` on ``D`` with fitted regressors ``D_hat``, and their covariance.

    Parameters
    ----------
    D_hat : ndarray of shape (n, k)
        Fitted regressors (the instruments' projection of ``D``).
    D : ndarray of shape (n, k)
        Regressors, whose coefficient is reported; the residuals are
        ``y - D b``.
    y : ndarray of shape (n,)
    sample_weight : ndarray of shape (n,), default=None
    cov_type : {"HC0", "HC1"}, default="HC0"
    groups : ndarray of shape (n,), default=None
        Cluster labels: cluster-robust covariance.
    weights : {"frequency", "analytic"}, default="frequency"

    Returns
    -------
    coef : ndarray of shape (k,)
    cov : ndarray of shape (k, k)
    """
    n, k = D.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    Gram = (D_hat * w[:, None]).T @ D_hat
    if np.linalg.matrix_rank(Gram) < k:
        raise ValueError(
            "the instrumented treatment has no variation in some direction of the "
            "effect features (singular first stage): the effect is not identified. "
            "Check that the instrument moves the treatment given the controls."
        )
    bread = np.linalg.inv(Gram)
    coef = bread @ ((D_hat * w[:, None]).T @ y)
    e = y - D @ coef
    scores = D_hat * e[:, None]
    N = w.sum()
    if weights == "analytic":
        scores = scores * np.sqrt(w)[:, None]
        N = float(n)
    if groups is not None:
        codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
        G = int(codes.max()) + 1
        summed = np.zeros((G, k))
        np.add.at(summed, codes, scores * w[:, None])
        meat = summed.T @ summed
        factor = G / max(G - 1, 1) * (N - 1) / max(N - k, 1)
    else:
        meat = (scores * w[:, None]).T @ scores
        factor = N / max(N - k, 1) if cov_type == "HC1" else 1.0
    cov = factor * (bread @ meat @ bread)
    return coef, (cov + cov.T) / 2


def project(Zd, D, sample_weight=None):
    """Weighted least-squares projection of the columns of ``D`` on ``Zd``.

    ``D^ = Zd (Zd'W Zd)^-1 Zd'W D``, the first stage of two-stage least squares.
    """
    w = np.ones(Zd.shape[0]) if sample_weight is None else sample_weight
    Zw = Zd * w[:, None]
    Gram = Zw.T @ Zd
    if np.linalg.matrix_rank(Gram) < Zd.shape[1]:
        raise ValueError(
            "the residualised instruments are collinear (times the effect "
            "features): some instrument has no variation given the controls."
        )
    return Zd @ np.linalg.solve(Gram, Zw.T @ D)
