"""What the validation estimators share: CATE predictions through public API, OLS."""

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

__all__ = []


def _final(estimator):
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def _is_fitted(estimator):
    """Whether ``estimator`` (or the last step of a Pipeline) is fitted."""
    try:
        check_is_fitted(_final(estimator))
    except NotFittedError:
        return False
    return True


def _named(estimator, X):
    """``X`` as a DataFrame when the estimator was fitted on named columns."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        names = getattr(_final(estimator), "feature_names_in_", None)
    if names is not None and not hasattr(X, "iloc") and len(names) == X.shape[1]:
        return pd.DataFrame(X, columns=list(names))
    return X


def _cate_against(estimator, X, categories):
    """Effects of ``categories[1:]`` against ``categories[0]``, shape (n, K - 1).

    Only public API is used: ``predict`` and the fitted ``categories_`` of the
    estimator (or of the last step of a Pipeline), so that an estimator whose
    arms are in another order, or whose control is another arm, still gives
    the contrasts in ``categories`` order.
    """
    own = np.asarray(getattr(_final(estimator), "categories_", categories))
    tau = np.asarray(estimator.predict(_named(estimator, X)), dtype=np.float64)
    tau = tau.reshape(tau.shape[0], -1)
    if tau.shape[1] != len(own) - 1:
        raise ValueError(
            f"{type(estimator).__name__}.predict returned {tau.shape[1]} effect "
            f"column(s) for {len(own)} arms; a CATE estimator returns K - 1."
        )
    full = np.column_stack([np.zeros(tau.shape[0]), tau])
    own_list = own.tolist()
    try:
        pos = [own_list.index(c) for c in np.asarray(categories).tolist()]
    except ValueError as exc:
        raise ValueError(
            f"the estimator was fitted on arms {own_list}, not on "
            f"{np.asarray(categories).tolist()}."
        ) from exc
    return full[:, pos[1:]] - full[:, [pos[0]]]


def _cross_fit_cate(estimator, X, y, t, sample_weight, folds, categories):
    """Out-of-fold CATE predictions of clones of ``estimator`` fitted on each fold.

    Returns the (n, K - 1) predictions and the fitted clones.
    """
    labels = np.asarray(categories)[t]
    preds = np.empty((X.shape[0], len(categories) - 1))
    fitted = []
    for train, test in folds:
        est = clone(estimator)
        params = est.get_params()
        if "control" in params and params["control"] is None:
            est.set_params(control=categories[0])
        kw = {} if sample_weight is None else {"sample_weight": sample_weight[train]}
        est.fit(X[train], y[train], treatment=labels[train], **kw)
        preds[test] = _cate_against(est, X[test], categories)
        fitted.append(est)
    return preds, fitted


def _ols(y, Z, weights=None, cov_type="HC1"):
    """(Weighted) least squares with a sandwich covariance.

    ``beta = (Z' W Z)^{-1} Z' W y``. ``cov_type``: ``"nonrobust"``
    (``s^2 (Z' W Z)^{-1}``, ``s^2`` the weighted residual variance on
    ``n - p`` degrees of freedom, statsmodels' default), ``"HC0"``, ``"HC1"``
    (HC0 times ``n / (n - p)``) or ``"HC3"`` (residuals over ``1 - h_ii``,
    MacKinnon & White 1985; grf's default through ``sandwich``). ``n`` counts
    the rows of positive weight. Returns ``beta, cov``.

    Scale-free: the columns of ``Z``, ``y`` and the weights are divided by
    their root mean squares before solving and the results are scaled back,
    so that a pseudo-inverse cut-off relative to the largest singular value
    never drops a column because ``y`` or a covariate is in other units (with
    ``y`` in 1e9 the intercept of ``[1, S]`` was dropped: an ATE of 1e-26).
    """
    n_rows, p = Z.shape
    w = np.ones(n_rows) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = w > 0
    Z, y, w = Z[keep], y[keep], w[keep]
    n = Z.shape[0]
    w = w / np.mean(w)
    cz = _rms(Z, w)
    cy = float(_rms(y[:, None], w)[0])
    Z, y = Z / cz, y / cy
    bread = np.linalg.pinv(Z.T @ (Z * w[:, None]))
    beta = bread @ (Z.T @ (w * y))
    resid = y - Z @ beta
    unscale = cy / cz
    if cov_type == "nonrobust":
        s2 = np.sum(w * resid**2) / max(n - p, 1)
        return beta * unscale, s2 * bread * np.outer(unscale, unscale)
    u = w * resid
    if cov_type == "HC3":
        h = np.einsum("ij,jk,ik->i", Z, bread, Z) * w
        u = u / np.clip(1.0 - h, 1e-12, None)
    elif cov_type not in ("HC0", "HC1"):
        raise ValueError(f"cov_type must be nonrobust, HC0, HC1 or HC3; got {cov_type!r}.")
    meat = (Z * u[:, None]).T @ (Z * u[:, None])
    cov = bread @ meat @ bread
    if cov_type == "HC1":
        cov = cov * n / max(n - p, 1)
    return beta * unscale, cov * np.outer(unscale, unscale)


def _rms(A, w):
    """Weighted root mean square of each column (1 where a column is all zero)."""
    # Divide by the largest entry first: squares of 1e200 would overflow.
    top = np.max(np.abs(A), axis=0)
    top = np.where((top > 0) & np.isfinite(top), top, 1.0)
    r = top * np.sqrt(np.average((A / top) ** 2, axis=0, weights=w))
    return np.where(r > 0, r, 1.0)


def _wmean(a, w, axis=0):
    return np.average(a, axis=axis, weights=w)


def _effect_design(owner, X):
    """``[1, X_S]`` for ``owner.effect_features`` (only the intercept when None)."""
    from ..base import _effect_columns

    cols = _effect_columns(owner, owner.effect_features)
    if cols is None:
        return np.ones((X.shape[0], 1)), ["ATE"]
    names = getattr(owner, "feature_names_in_", None)
    labels = [str(names[c]) if names is not None else f"x{c}" for c in cols]
    return np.column_stack([np.ones(X.shape[0]), X[:, cols]]), ["intercept"] + labels


def _tournament_folds(parts):
    """``(train, test)`` pairs in which no two parts train each other's predictor.

    Part ``k`` (of an odd number ``K >= 3``) is predicted by a model fitted
    on the ``(K - 1) / 2`` parts after it, cyclically: part ``l`` trains the
    model of part ``k`` only if ``k`` does not train that of ``l``.
    """
    K = len(parts)
    h = (K - 1) // 2
    return [
        (np.sort(np.concatenate([parts[(k + j) % K] for j in range(1, h + 1)])), parts[k])
        for k in range(K)
    ]


def _content_parts(X, t, groups, k):
    """``k`` parts of the rows drawn from their content, balanced over the arms.

    Each distinct row (each group, when ``groups`` are given) gets a hash of
    its covariates and arm (not of ``y``: the parts must not move when ``y``
    changes unit); within each arm, the distinct hashes are ranked and dealt to
    the parts in turn. The parts then move with the rows under a permutation
    and keep the copies of a row together (so integer weights equal repeated
    rows), as folds given by the user do.
    """
    if groups is not None:
        keys = pd.util.hash_array(np.asarray(groups))
        strata = np.zeros(keys.size, dtype=np.intp)
    else:
        keys = pd.util.hash_pandas_object(
            pd.DataFrame(np.column_stack([np.asarray(X, dtype=np.float64), t])),
            index=False).to_numpy()
        strata = np.asarray(t)
    part = np.empty(keys.size, dtype=np.intp)
    for a in np.unique(strata):
        rows = np.flatnonzero(strata == a)
        _, rank = np.unique(keys[rows], return_inverse=True)
        part[rows] = rank % k
    return [np.flatnonzero(part == j) for j in range(k)]
