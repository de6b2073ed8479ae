"""Clustered multiplier bootstrap of influence functions (Callaway & Sant'Anna 2021, sec. 4.1)."""

import numpy as np
from scipy.stats import norm

__all__ = []

_KAPPA = (np.sqrt(5) + 1) / 2
_CHUNK = 64


def _multipliers(kind, size, rng):
    """i.i.d. multipliers with mean 0 and variance 1.

    ``"mammen"``: ``1 - kappa`` with probability ``kappa / sqrt(5)``, else ``kappa``
    (``kappa = (1 + sqrt(5)) / 2``; Mammen 1993; third moment 1, as ``did``).
    ``"rademacher"``: -1 or 1 with probability 1/2.
    """
    if kind == "rademacher":
        return rng.randint(0, 2, size=size) * 2.0 - 1.0
    return np.where(rng.random_sample(size) < _KAPPA / np.sqrt(5), 1 - _KAPPA, _KAPPA)


def cluster_means(psi, cluster_codes):
    """Per-cluster means of the influence function rows (``did``'s ``rowsum / n_c``)."""
    counts = np.bincount(cluster_codes)
    sums = np.zeros((counts.size, psi.shape[1]))
    np.add.at(sums, cluster_codes, psi)
    return sums / counts[:, None]


def analytic_se(psi, cluster_codes=None):
    """``sqrt(mean(psi^2) / n)`` per column; clustered: ``sqrt(sum_c S_c^2) / n``.

    ``S_c`` is the sum of ``psi`` over the units of cluster ``c`` (``did``'s
    analytic standard errors, ``bstrap=FALSE``).
    """
    n = psi.shape[0]
    if cluster_codes is None:
        return np.sqrt(np.mean(psi**2, axis=0) / n)
    sums = np.zeros((np.bincount(cluster_codes).size, psi.shape[1]))
    np.add.at(sums, cluster_codes, psi)
    return np.sqrt(np.sum(sums**2, axis=0)) / n


def multiplier_draws(psi, n_bootstrap, kind, rng, cluster_codes=None):
    """Bootstrap draws of ``sqrt(n) (theta* - theta)`` for the columns of ``psi``.

    Draw ``b`` is ``sqrt(n_c) mean_c(v_bc psibar_c)`` with ``v`` i.i.d. multipliers
    over the ``n_c`` clusters (units when ``cluster_codes`` is None) and
    ``psibar_c`` the cluster mean of ``psi`` (Callaway & Sant'Anna 2021,
    Algorithm 1; ``did``'s ``mboot``). Linear in ``psi``: the draws of any
    linear combination of the columns are the same combination of the draws.

    Parameters
    ----------
    psi : ndarray of shape (n_units, k)
    n_bootstrap : int
    kind : {"mammen", "rademacher"}
    rng : numpy RandomState
    cluster_codes : ndarray of shape (n_units,) or None

    Returns
    -------
    draws : ndarray of shape (n_bootstrap, k)
    n_clusters : int
    """
    if cluster_codes is not None:
        psi = cluster_means(psi, cluster_codes)
    n_c, k = psi.shape
    draws = np.empty((n_bootstrap, k))
    for start in range(0, n_bootstrap, _CHUNK):
        stop = min(start + _CHUNK, n_bootstrap)
        draws[start:stop] = _multipliers(kind, (stop - start, n_c), rng) @ psi
    return draws / np.sqrt(n_c), n_c


def bootstrap_se(draws, n_clusters):
    """Standard errors and sup-t draws from bootstrap draws (``did``'s ``mboot``).

    ``sigma_j`` is the interquartile range of column ``j`` over
    ``Phi^{-1}(0.75) - Phi^{-1}(0.25)``, the standard error ``sigma_j / sqrt(n_c)``;
    the uniform band's critical value is the ``1 - alpha`` quantile of
    ``max_j |draw_j| / sigma_j`` over the columns with variance.

    Parameters
    ----------
    draws : ndarray of shape (n_bootstrap, k)
    n_clusters : int

    Returns
    -------
    se : ndarray of shape (k,)
        NaN for the columns without variance.
    sup_t : ndarray of shape (n_bootstrap,)
    """
    k = draws.shape[1]
    valid = np.isfinite(draws.sum(axis=0)) & (np.sum(draws**2, axis=0)
                                             > np.sqrt(np.finfo(float).eps) * 10)
    q75, q25 = np.quantile(draws[:, valid], [0.75, 0.25], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (norm.ppf(0.75) - norm.ppf(0.25))
    se = np.full(k, np.nan)
    se[valid] = sigma / np.sqrt(n_clusters)
    if valid.any():
        sup_t = np.max(np.abs(draws[:, valid] / sigma), axis=1)
    else:
        sup_t = np.full(draws.shape[0], np.nan)
    return se, sup_t


def critical_value(sup_t, alpha):
    """The ``1 - alpha`` quantile of the sup-t draws, never below the pointwise one."""
    z = norm.ppf(1 - alpha / 2)
    if sup_t is None or not np.all(np.isfinite(sup_t)):
        return z
    return max(float(np.quantile(sup_t, 1 - alpha, method="inverted_cdf")), z)
