"""Nuisance fits of the two-period DiD estimators: logit, inverse probability tilting, WLS.

The defaults are the parametric models of Sant'Anna & Zhao's ``DRDID`` (a logit
propensity score and a linear outcome regression on ``[1, X]``), fitted exactly
(Newton's method to 1e-10), so that their estimation effect enters the
influence function as in ``DRDID`` and ``did``. Any scikit-learn model can be
injected instead; the parametric correction terms are then kept only for an
unpenalised ``LogisticRegression`` / ``LinearRegression`` with an intercept,
whose fitted values are those of the same M-estimators.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression

__all__ = []


def _solve_psd(A, b, what):
    """``A^{-1} b`` for a symmetric matrix, failing like ``DRDID`` when it is singular."""
    rcond = 1.0 / np.linalg.cond(A, 1) if np.all(np.isfinite(A)) else 0.0
    if not np.isfinite(rcond) or rcond < np.finfo(float).eps:
        raise ValueError(
            f"the {what} design matrix is singular: a covariate has no variation "
            "in this subsample or covariates are collinear; remove some covariates."
        )
    return np.linalg.solve(A, b)


def logit_newton(Z, D, w, *, tol=1e-10, max_iter=100):
    """Weighted logit MLE of ``D`` on ``Z`` by Newton-Raphson (IRLS).

    Maximises ``sum_i w_i [D_i z_i'b - log(1 + exp(z_i'b))]``; stops when a
    Newton step changes no coefficient by more than ``tol (1 + |b|_max)``.

    Returns
    -------
    coef : ndarray of shape (n_columns,)
    ps : ndarray of shape (n,)
    """
    p_bar = np.average(D, weights=w)
    if not 0 < p_bar < 1:
        raise ValueError("the propensity score needs treated and comparison units.")
    coef = np.zeros(Z.shape[1])
    coef[0] = np.log(p_bar / (1 - p_bar))
    for _ in range(max_iter):
        ps = 1.0 / (1.0 + np.exp(-np.clip(Z @ coef, -700, 700)))
        W = w * ps * (1 - ps)
        step = _solve_psd(Z.T @ (W[:, None] * Z), Z.T @ (w * (D - ps)), "propensity score")
        coef = coef + step
        if np.max(np.abs(step)) <= tol * (1 + np.max(np.abs(coef))):
            break
    else:
        warnings.warn("the logit propensity score did not converge in "
                      f"{max_iter} Newton steps.", RuntimeWarning, stacklevel=3)
    return coef, 1.0 / (1.0 + np.exp(-np.clip(Z @ coef, -700, 700)))


def inverse_probability_tilting(Z, D, w, *, tol=1e-10, max_iter=200):
    """Propensity score by inverse probability tilting (Graham, Pinto & Egel 2012).

    ``ps = logistic(z'g)`` with ``g`` minimising the convex loss
    ``mean_i w_i [(1 - D_i) exp(z_i'g) - D_i z_i'g]``, whose first-order
    condition ``mean_i w_i [D_i - (1 - D_i) ps_i / (1 - ps_i)] z_i = 0`` makes the
    odds-weighted comparison units reproduce the treated covariate means
    exactly. This is ``DRDID``'s ``pscore.cal``, which Sant'Anna & Zhao (2020,
    section 3.1) use for the improved (locally efficient, doubly robust for
    inference) estimators. Newton's method with backtracking, started at the
    logit MLE.

    Returns
    -------
    ps : ndarray of shape (n,)
    """
    g, _ = logit_newton(Z, D, w)
    n = len(D)

    def loss(g):
        eta = np.clip(Z @ g, -700, 700)
        return np.mean(w * ((1 - D) * np.exp(eta) - D * eta)), eta

    val, eta = loss(g)
    for _ in range(max_iter):
        e = np.exp(eta)
        grad = Z.T @ (w * ((1 - D) * e - D)) / n
        if np.max(np.abs(grad)) < tol:
            break
        H = Z.T @ ((w * (1 - D) * e)[:, None] * Z) / n
        step = _solve_psd(H, grad, "propensity score")
        s = 1.0
        while s > 1e-10:
            new_val, new_eta = loss(g - s * step)
            if new_val <= val:
                break
            s /= 2
        g, val, eta = g - s * step, new_val, new_eta
    else:
        warnings.warn("inverse probability tilting did not converge.", RuntimeWarning,
                      stacklevel=3)
    return 1.0 / (1.0 + np.exp(-eta))


def wls_fit(Z, y, w, mask):
    """Weighted least squares of ``y`` on ``Z`` over ``mask``; returns the coefficients."""
    Zm, ym, wm = Z[mask], y[mask], w[mask]
    A = Zm.T @ (wm[:, None] * Zm)
    return _solve_psd(A, Zm.T @ (wm * ym), "outcome regression")


def is_parametric(model, kind):
    """Whether ``model``'s fitted values are the M-estimator ``DRDID``'s corrections assume."""
    if model is None:
        return True
    if kind == "propensity":
        if type(model) is not LogisticRegression:
            return False
        # unpenalised: penalty=None before scikit-learn 1.8, C=inf from then on
        unpenalised = model.penalty is None or (model.C == np.inf and model.penalty in (
            "l2", "deprecated"))
        return unpenalised and model.fit_intercept
    return type(model) is LinearRegression and model.fit_intercept


def _fit_weighted(model, X, y, w):
    try:
        return model.fit(X, y, sample_weight=w)
    except TypeError as exc:
        if "sample_weight" not in str(exc):
            raise
        return model.fit(X, y)


def propensity(model, X, Z, D, w, *, tilting=False):
    """Fitted ``P(D = 1 | X)`` on every row: the default logit / IPT, or ``model``."""
    if model is None or X.shape[1] == 0:
        if tilting:
            return inverse_probability_tilting(Z, D, w)
        return logit_newton(Z, D, w)[1]
    if D.min() == D.max():
        raise ValueError("the propensity score needs treated and comparison units.")
    fitted = _fit_weighted(clone(model), X, D.astype(int), w)
    proba = fitted.predict_proba(X)
    return proba[:, list(fitted.classes_).index(1)]


def outcome(model, X, Z, y, w, mask):
    """Fitted ``E[y | X, mask]`` on every row: the default WLS on ``Z``, or ``model``."""
    if not np.any(mask & (w > 0)):
        raise ValueError("an outcome regression has no observation with positive weight.")
    if model is None or X.shape[1] == 0:
        return Z @ wls_fit(Z, y, w, mask)
    fitted = _fit_weighted(clone(model), X[mask], y[mask], w[mask])
    return np.asarray(fitted.predict(X), dtype=np.float64).ravel()
