"""Dynamic treatment effects in panels by double machine learning (Lewis & Syrgkanis 2021)."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_array, check_is_fitted

from ..inference import EffectInference
from ..model_selection import make_folds
from .._defaults import DEFAULT_MODELS

__all__ = ["DynamicDML"]


def _cross(F, T):
    """``T ⊗ F`` per row, ``F`` varying fastest (econml's ``cross_product(F, T)``)."""
    return (T[:, :, None] * F[:, None, :]).reshape(F.shape[0], -1)


class DynamicDML(BaseEstimator):
    """Effects of a treatment sequence on a final outcome, by double machine learning.

    Units are observed over ``p`` periods; treatments ``T_1, ..., T_p`` (continuous
    or 0/1, one or several columns) may depend on earlier outcomes and
    covariates, and the outcome of interest is the last one, ``Y_p``. Under
    sequential conditional exogeneity and a linear structural model with
    heterogeneity in the first-period features ``x``,
    ``Y_p = sum_t theta_t(x) . T_t + g(past) + e``, Lewis & Syrgkanis (2021)
    identify each period's effect ``theta_t(x) = phi(x)' beta_t`` by peeling
    periods off from the last:

    1. cross-fit (folds over units) ``E[Y_p | S_t]`` and ``E[T_j | S_t]`` for
       ``j >= t``, with ``S_t`` the covariates of period ``t``; residuals
       ``Y~_t`` and ``T~_{j,t}``;
    2. for ``t = p, ..., 1``: regress ``Y~_t - sum_{j > t} theta_j(x) . T~_{j,t}``
       on ``phi(x) ⊗ T~_{t,t}`` by least squares to get ``beta_t``;
    3. the stacked moment conditions give the sandwich covariance
       ``J^{-1} Sigma J^{-T} / n`` with ``J_{tj} = E[(phi ⊗ T~_{j,t})(phi ⊗ T~_{t,t})']``
       (``j >= t``) and ``Sigma_{tj} = E[e_t e_j (phi ⊗ T~_{t,t})(phi ⊗ T~_{j,j})']``.

    This is econml's ``DynamicDML`` algorithm with a linear final stage, and gives
    its numbers on the same folds and models (``tests/test_panel_parity.py``).
    Treatments are residualised by regression (a 0/1 treatment as a linear
    probability); one outcome column; no sample weights.

    Parameters
    ----------
    model_y : regressor or None, default=None
        Model of the final outcome given a period's covariates; ``None``: the
        default outcome regressor (histogram gradient boosting).
    model_t : regressor or None, default=None
        Model of a later treatment given a period's covariates; ``None``: as
        ``model_y``.
    effect_features : array-like of int or None, default=None
        Columns of ``X`` (at the first period) in ``phi(x)``; ``None``: all,
        ``[]``: constant effects. All columns are controls in every period.
    fit_cate_intercept : bool, default=True
        Include a constant in ``phi(x)``.
    cv : int, cross-validation generator or iterable, default=2
        Folds over units: an int gives ``KFold`` on the units (shuffled with
        ``random_state`` when set); an iterable holds ``(train, test)`` unit
        positions, units numbered in order of first appearance.
    random_state : int, RandomState instance or None, default=None
        Fold shuffling and the default models' seed.

    Attributes
    ----------
    n_periods_ : int
    coef_ : ndarray of shape (n_periods, n_treatments, n_effect_features)
        ``beta_t`` by period and treatment column (``phi`` = [1, x] with an
        intercept).
    params_cov_ : ndarray of shape (n_params, n_params)
        Covariance of the stacked ``coef_``.
    folds_ : list of (train, test)
        Unit-level folds.
    n_units_ : int
    n_features_in_ : int

    References
    ----------
    .. [1] Lewis, G. and Syrgkanis, V. (2021). Double/debiased machine learning
       for dynamic treatment effects. NeurIPS 34.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.panel import DynamicDML
    >>> rng = np.random.default_rng(0)
    >>> n, p = 2000, 2
    >>> x = rng.normal(size=(n, p))
    >>> t = x + rng.normal(size=(n, p))                    # confounded by x
    >>> y_last = 1.0 * t[:, 0] + 2.0 * t[:, 1] + x.sum(1) + rng.normal(size=n)
    >>> y = np.c_[np.zeros(n), y_last].ravel()            # long: unit-major rows
    >>> est = DynamicDML(model_y=LinearRegression(), model_t=LinearRegression(),
    ...                  effect_features=[], random_state=0)
    >>> est = est.fit(x.reshape(-1, 1), y, treatment=t.ravel(), groups=np.repeat(np.arange(n), p))
    >>> np.round(est.const_marginal_effect(np.zeros((1, 1))), 1)
    array([[1., 2.]])
    """

    __metadata_request__fit = {"treatment": True, "groups": True}

    _parameter_constraints = {
        "model_y": [HasMethods(["fit", "predict"]), None],
        "model_t": [HasMethods(["fit", "predict"]), None],
        "effect_features": ["array-like", None],
        "fit_cate_intercept": ["boolean"],
        "cv": [Interval(Integral, 2, None, closed="left"), "cv_object", "array-like"],
        "random_state": ["random_state"],
    }

    def __init__(self, *, model_y=None, model_t=None, effect_features=None,
                 fit_cate_intercept=True, cv=2, random_state=None):
        self.model_y = model_y
        self.model_t = model_t
        self.effect_features = effect_features
        self.fit_cate_intercept = fit_cate_intercept
        self.cv = cv
        self.random_state = random_state

    def _phi(self, X):
        cols = self.effect_columns_
        F = X[:, cols]
        if self.fit_cate_intercept:
            F = np.column_stack([np.ones(X.shape[0]), F])
        if F.shape[1] == 0:
            raise ValueError("no effect feature: pass effect_features or fit_cate_intercept=True.")
        return F

    def _model(self, which):
        model = self.model_y if which == "y" else self.model_t
        if model is None:
            return DEFAULT_MODELS["outcome"](self.random_state)
        return clone(model)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, groups=None):
        """Cross-fit the nuisances and estimate every period's effect.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Covariates of each unit and period (controls of their period; the
            ``effect_features`` of the first period modulate the effects).
        y : array-like of shape (n_rows,)
            Outcome; only each unit's last period enters.
        treatment : array-like of shape (n_rows,) or (n_rows, n_treatments)
            Treatment of each unit and period.
        groups : array-like of shape (n_rows,)
            Unit ids: a unit's rows are its periods, in order of appearance;
            every unit has the same number of periods.

        Returns
        -------
        self : DynamicDML
            The fitted estimator.
        """
        X = check_array(X, dtype=np.float64, ensure_min_features=0)
        n = X.shape[0]
        y = np.asarray(y, dtype=np.float64).ravel()
        if treatment is None or groups is None:
            raise ValueError("DynamicDML.fit needs treatment=... and groups=... (unit ids).")
        T = np.asarray(treatment, dtype=np.float64)
        T = T.reshape(n, -1)
        if y.shape[0] != n or T.shape[0] != n or len(groups) != n:
            raise ValueError("X, y, treatment and groups must have the same number of rows.")
        units, _ = pd.factorize(np.asarray(groups))
        period = pd.Series(units).groupby(units).cumcount().to_numpy()
        counts = np.bincount(units)
        if np.unique(counts).size != 1:
            raise ValueError("every unit must have the same number of periods (a balanced "
                             f"panel); got between {counts.min()} and {counts.max()}.")
        p, n_u = int(counts[0]), counts.size
        rows = np.empty((p, n_u), dtype=np.intp)
        rows[period, units] = np.arange(n)
        cols = (np.arange(X.shape[1]) if self.effect_features is None
                else np.asarray(self.effect_features, dtype=np.intp).reshape(-1))
        self.effect_columns_ = cols
        folds = make_folds(self.cv, np.zeros(n_u), random_state=self.random_state,
                           stratify=False)
        y_res, t_res = self._residuals(X, y, T, rows, folds)
        F = self._phi(X[rows[0]])
        coef, cov = self._final(F, y_res, t_res)
        d_t = T.shape[1]
        self.n_periods_ = p
        self.n_treatments_ = d_t
        self.coef_ = coef.reshape(p, d_t, F.shape[1])
        self.params_cov_ = cov / n_u
        self.folds_ = folds
        self.n_units_ = n_u
        self.n_features_in_ = X.shape[1]
        return self

    def _residuals(self, X, y, T, rows, folds):
        """Out-of-fold ``Y~_t`` (p, n_u) and ``T~_{j,t}`` (p, p, n_u, d_t), NaN for j < t."""
        p, n_u = rows.shape
        y_last = y[rows[-1]]
        y_res = np.empty((p, n_u))
        t_res = np.full((p, p, n_u, T.shape[1]), np.nan)
        for train, test in folds:
            for t in range(p):
                S = X[rows[t]]
                model = self._model("y").fit(S[train], y_last[train])
                y_res[t, test] = y_last[test] - model.predict(S[test])
                for j in range(t, p):
                    target = T[rows[j]]
                    fit_target = target[train, 0] if target.shape[1] == 1 else target[train]
                    model = self._model("t").fit(S[train], fit_target)
                    pred = np.asarray(model.predict(S[test])).reshape(len(test), -1)
                    t_res[j, t, test] = target[test] - pred
        return y_res, t_res

    @staticmethod
    def _final(F, y_res, t_res):
        """Backward least squares for each period and the stacked sandwich covariance."""
        p, n_u = y_res.shape
        coefs = [None] * p
        for t in range(p - 1, -1, -1):
            target = y_res[t] - sum(_cross(F, t_res[j, t]) @ coefs[j] for j in range(t + 1, p))
            A = _cross(F, t_res[t, t])
            coefs[t] = np.linalg.lstsq(A, target, rcond=None)[0]
        d = coefs[0].size
        eps = [y_res[t] - sum(_cross(F, t_res[j, t]) @ coefs[j] for j in range(t, p))
               for t in range(p)]
        own = [_cross(F, t_res[t, t]) for t in range(p)]
        J = np.zeros((p * d, p * d))
        Sigma = np.zeros((p * d, p * d))
        for t in range(p):
            for j in range(p):
                Sigma[t * d:(t + 1) * d, j * d:(j + 1) * d] = (
                    (own[t] * (eps[t] * eps[j])[:, None]).T @ own[j] / n_u)
                if j >= t:
                    J[t * d:(t + 1) * d, j * d:(j + 1) * d] = (
                        _cross(F, t_res[j, t]).T @ own[t] / n_u)
        J_inv = np.linalg.inv(J)
        return np.concatenate(coefs), J_inv @ Sigma @ J_inv.T

    def const_marginal_effect(self, X):
        """Effect of each period's treatment on the final outcome at ``X``.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
            First-period covariates (the ``effect_features`` are used).

        Returns
        -------
        theta : ndarray of shape (m, n_periods * n_treatments)
            ``theta_t(x)`` for period ``t`` and treatment column ``j`` at
            ``t * n_treatments + j`` (econml's layout).
        """
        check_is_fitted(self, "coef_")
        F = self._phi(check_array(X, dtype=np.float64, ensure_min_features=0))
        return np.einsum("mf,tjf->mtj", F, self.coef_).reshape(F.shape[0], -1)

    def const_marginal_effect_inference(self, X):
        """The effects at ``X`` with their standard errors.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
            First-period covariates.

        Returns
        -------
        inference : EffectInference
            ``value`` and ``stderr`` of shape (m, n_periods * n_treatments).
        """
        value = self.const_marginal_effect(X)
        F = self._phi(check_array(X, dtype=np.float64, ensure_min_features=0))
        p, d_t, d_f = self.coef_.shape
        stderr = np.empty_like(value)
        for k in range(p * d_t):
            block = slice(k * d_f, (k + 1) * d_f)
            V = self.params_cov_[block, block]
            stderr[:, k] = np.sqrt(np.einsum("mf,fg,mg->m", F, V, F))
        return EffectInference(value, stderr, n=self.n_units_, method="DynamicDML")
