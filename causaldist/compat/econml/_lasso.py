"""econml 0.17's ``DebiasedLasso``: unpenalised intercept, homoskedastic covariance."""

import numpy as np
from sklearn.linear_model import Lasso, LassoCV
from sklearn.model_selection import KFold

from ...inference._debiased_lasso import _ALPHAS_COUNT

__all__ = []


def _lasso_econml(Z, y, w, alpha, *, fit_intercept, n_alphas, cv, max_iter, tol, precompute):
    """The fitted lasso of econml's ``WeightedLasso`` / ``WeightedLassoCV``.

    ``alpha="auto"``: ``LassoCV`` on unshuffled ``KFold(cv)`` folds over a
    path of ``n_alphas`` penalties (econml's ``WeightedKFold`` without
    weights).
    """
    common = dict(fit_intercept=fit_intercept, max_iter=max_iter, tol=tol)
    if alpha == "auto":
        grid = {"alphas": n_alphas} if _ALPHAS_COUNT else {"n_alphas": n_alphas}
        pre = {} if precompute is None else {"precompute": precompute}
        return LassoCV(cv=KFold(cv), **common, **grid, **pre).fit(Z, y, sample_weight=w)
    return Lasso(alpha=alpha, precompute=bool(precompute), **common).fit(Z, y, sample_weight=w)


def debiased_lasso_homoskedastic(F, Y, sample_weight=None, *, fit_intercept=True, alpha="auto",
                                 alpha_cov="auto", n_alphas=100, n_alphas_cov=10,
                                 max_iter=1000, tol=1e-4):
    """econml's ``DebiasedLasso``: unpenalised intercept, homoskedastic covariance.

    The same estimator as :func:`causaldist.inference._debiased_lasso.debiased_lasso` (van de Geer, Buhlmann,
    Ritov & Dezeure 2014) in econml 0.17's variant, the final stage of the
    econml adapters' sparse learners. With ``F`` centred
    (weighted means ``F_bar``, ``y_bar``), the lasso ``b`` (penalty by
    unshuffled 5-fold CV over ``n_alphas`` values) and ``Theta = diag(1 /
    tau_j^2) C`` from the nodewise lassos (3-fold CV over ``n_alphas_cov``;
    ``C_jj = 1``, ``C_j,-j = -gamma_j``, ``tau_j^2 = (F_j - F_-j gamma_j)' W F_j``
    with weights ``W`` summing to one):

    ``b_d = b + Theta F' W (y - F b)``,
    ``cov(b_d) = sigma^2 Theta (F' W F) Theta' / n``,
    ``sigma^2 = sum_i W_i e_i^2 / (1 - s / n)`` with ``s`` the lasso's
    non-zero coefficients, and the intercept ``y_bar - F_bar' b_d`` with
    variance ``F_bar' cov F_bar + sigma^2 / n``.

    The native :func:`causaldist.inference._debiased_lasso.debiased_lasso` penalises an intercept column and has
    a heteroskedasticity-robust sandwich. With ``sample_weight``, econml
    searches the penalty on weight-balanced shuffled folds; here the folds
    are unshuffled ``KFold`` in both cases, so weighted fits with
    ``alpha="auto"`` may select another penalty than econml.

    Parameters
    ----------
    F : ndarray of shape (n, k)
        Features, without an intercept column.
    Y : ndarray of shape (n, d)
    sample_weight : ndarray of shape (n,), default=None
    fit_intercept : bool, default=True
    alpha, alpha_cov : "auto" or float, default="auto"
    n_alphas, n_alphas_cov : int, default=100 and 10
    max_iter : int, default=1000
    tol : float, default=1e-4

    Returns
    -------
    coef : ndarray of shape (k + fit_intercept, d)
        Intercept first when fitted.
    cov : ndarray of shape (d * p, d * p)
        Output-major, as :func:`causaldist.inference._debiased_lasso.debiased_lasso` (``p = k + fit_intercept``).
    """
    n, k = F.shape
    d = Y.shape[1]
    wn = np.full(n, 1.0 / n) if sample_weight is None else sample_weight / np.sum(sample_weight)
    off = wn @ F if fit_intercept else np.zeros(k)
    Fc = F - off
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if k == 1:
        theta = np.array([[1.0 / (Fc[:, 0] @ Fc[:, 0] / n)]])
    else:
        theta = np.eye(k)
        tau2 = np.empty(k)
        for j in range(k):
            others = np.delete(np.arange(k), j)
            gamma = _lasso_econml(
                Fc[:, others], Fc[:, j], w, alpha_cov, fit_intercept=False,
                n_alphas=n_alphas_cov, cv=3, max_iter=max_iter, tol=tol, precompute=None,
            ).coef_
            theta[j, others] = -gamma
            tau2[j] = (Fc[:, j] - Fc[:, others] @ gamma) @ (Fc[:, j] * wn)
        theta = theta / tau2[:, None]
    sigma = Fc.T @ (wn[:, None] * Fc)
    unscaled = theta @ sigma @ theta.T / n
    p = k + int(fit_intercept)
    coef = np.empty((p, d))
    cov = np.zeros((d * p, d * p))
    for c in range(d):
        y = Y[:, c]
        yc = y - (wn @ y if fit_intercept else 0.0)
        a = alpha if alpha != "auto" else _lasso_econml(
            F, y, w, "auto", fit_intercept=fit_intercept, n_alphas=n_alphas, cv=5,
            max_iter=max_iter, tol=tol, precompute=False).alpha_
        if w is None:
            # econml's unweighted lasso: sklearn centres the data itself.
            b = _lasso_econml(F, y, None, a, fit_intercept=fit_intercept, n_alphas=n_alphas,
                              cv=5, max_iter=max_iter, tol=tol, precompute=False).coef_
        else:
            b = _lasso_econml(Fc, yc, w, a, fit_intercept=False, n_alphas=n_alphas, cv=5,
                              max_iter=max_iter, tol=tol, precompute=False).coef_
        e = yc - Fc @ b
        s2 = (wn @ e**2) / (1 - np.count_nonzero(b) / n)
        bd = b + theta @ (Fc.T @ (e * wn))
        V = unscaled * s2
        block = slice(c * p, (c + 1) * p)
        if fit_intercept:
            coef[0, c] = (wn @ y) - off @ bd
            coef[1:, c] = bd
            full = np.empty((p, p))
            full[1:, 1:] = V
            full[0, 1:] = full[1:, 0] = -off @ V
            full[0, 0] = off @ V @ off + s2 / n
            cov[block, block] = full
        else:
            coef[:, c] = bd
            cov[block, block] = V
    return coef, cov
