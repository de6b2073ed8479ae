"""The debiased (desparsified) lasso: a lasso's coefficients with a sandwich covariance.

The final stage of :class:`causaldist.dml.SparseLinearDML` and
:class:`causaldist.metalearners.SparseLinearDRLearner`.
"""

import inspect

import numpy as np
import sklearn
from sklearn.linear_model import Lasso, LassoCV

__all__ = ["debiased_lasso"]

_ALPHAS_COUNT = "n_alphas" not in inspect.signature(LassoCV).parameters or sklearn.__version__ >= "1.7"


def _lasso(alpha, Z, y, w, random_state, n_alphas, cv=3):
    """A lasso without intercept (residuals are centred), ``alpha="auto"`` by CV over ``cv``."""
    if alpha == "auto":
        # ``alphas`` takes a count from scikit-learn 1.7 (``n_alphas`` before).
        grid = {"alphas": n_alphas} if _ALPHAS_COUNT else {"n_alphas": n_alphas}
        model = LassoCV(fit_intercept=False, cv=cv, random_state=random_state, **grid)
    else:
        model = Lasso(alpha=alpha, fit_intercept=False)
    return model.fit(Z, y, sample_weight=w).coef_


def debiased_lasso(Z, Y, sample_weight=None, *, alpha="auto", alpha_cov="auto",
                   groups=None, random_state=None, cv=3):
    """Debiased (desparsified) lasso with a sandwich covariance.

    van de Geer, Buhlmann, Ritov & Dezeure (2014), "On asymptotically optimal
    confidence regions and tests for high-dimensional models": with the lasso
    ``b`` and a nodewise-lasso approximate inverse ``M`` of the Gram matrix
    ``S = Z'WZ / N``,

    ``b_d = b + M Z'W(Y - Z b) / N``,
    ``cov(b_d) = M (sum_i w_i e_i^2 z_i z_i' / N) M' / N``

    (clustered scores with ``groups``); the penalties ``"auto"`` are chosen by
    ``LassoCV`` over the folds ``cv`` (an int: unshuffled ``KFold``). Row ``j`` of ``M`` is
    ``(e_j - gamma_j) / tau_j^2`` with ``gamma_j`` the lasso of column ``j`` on
    the others and ``tau_j^2 = (Z_j - Z_{-j} gamma_j)' W Z_j / N``.

    Returns
    -------
    coef : ndarray of shape (k, d)
    cov : ndarray of shape (d * k, d * k)
        Output-major, as :func:`causaldist.inference.ols_sandwich`.
    """
    n, k = Z.shape
    d = Y.shape[1]
    w = np.ones(n) if sample_weight is None else sample_weight
    N = w.sum()
    M = np.zeros((k, k))
    for j in range(k):
        others = np.delete(np.arange(k), j)
        gamma = _lasso(alpha_cov, Z[:, others], Z[:, j], w, random_state, 10, cv) if k > 1 else (
            np.zeros(0))
        resid = Z[:, j] - Z[:, others] @ gamma
        tau2 = np.sum(w * resid * Z[:, j]) / N
        row = np.zeros(k)
        row[j] = 1.0
        row[others] = -gamma
        M[j] = row / tau2
    coef = np.empty((k, d))
    scores = np.empty((n, d * k))
    for c in range(d):
        b = _lasso(alpha, Z, Y[:, c], w, random_state, 100, cv)
        e = Y[:, c] - Z @ b
        coef[:, c] = b + M @ (Z.T @ (w * e)) / N
        scores[:, c * k:(c + 1) * k] = (Z * e[:, None]) @ M.T
    if groups is not None:
        codes = np.unique(groups, return_inverse=True)[1].ravel()
        summed = np.zeros((codes.max() + 1, d * k))
        np.add.at(summed, codes, scores * w[:, None])
        cov = summed.T @ summed / N**2
    else:
        cov = (scores * w[:, None]).T @ scores / N**2
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(cov))):
        # The L1 penalty is not scale-free: on features of extreme scale the
        # lasso paths and the nodewise tau^2 under- or overflow.
        scale = np.max(np.abs(Z)) if Z.size else 0.0
        raise ValueError(
            "the debiased lasso gave non-finite coefficients: its design reaches "
            f"only {scale:.3g} in magnitude (effect features times treatment "
            "residuals). Rescale X to moderate units (e.g. StandardScaler)."
        )
    return coef, (cov + cov.T) / 2
