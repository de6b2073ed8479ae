"""``econml.sklearn_extensions.linear_model``: the linear models econml users import.

``WeightedLasso`` / ``WeightedLassoCV`` are scikit-learn's lasso (whose
``sample_weight`` minimises econml's weighted objective
``sum_i w_i (y_i - x_i b)^2 / (2 sum_i w_i) + alpha |b|_1``);
``StatsModelsLinearRegression`` is least squares with
:func:`causaldist.inference._sandwich.ols_sandwich`'s covariance;
``DebiasedLasso`` is econml's homoskedastic debiased lasso (van de Geer,
Buhlmann, Ritov & Dezeure 2014).
"""

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Lasso, LassoCV
from sklearn.utils.validation import check_is_fitted, validate_data

from ....inference._sandwich import ols_sandwich
from .._lasso import debiased_lasso_homoskedastic

__all__ = ["DebiasedLasso", "StatsModelsLinearRegression", "WeightedLasso", "WeightedLassoCV"]


class WeightedLasso(Lasso):
    """econml's ``WeightedLasso``: scikit-learn's :class:`~sklearn.linear_model.Lasso`.

    scikit-learn rescales ``sample_weight`` to sum to ``n``, which minimises
    the same weighted objective as econml's.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.compat.econml.sklearn_extensions.linear_model import WeightedLasso
    >>> X = np.arange(20.0).reshape(10, 2); y = X[:, 0]
    >>> WeightedLasso(alpha=0.01).fit(X, y, sample_weight=np.ones(10)).coef_.shape
    (2,)
    """


class WeightedLassoCV(LassoCV):
    """econml's ``WeightedLassoCV``: scikit-learn's :class:`~sklearn.linear_model.LassoCV`.

    With an integer ``cv`` and no weights the folds are unshuffled
    ``KFold(cv)``, econml's ``WeightedKFold`` without weights.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.compat.econml.sklearn_extensions.linear_model import WeightedLassoCV
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = X[:, 0]
    >>> WeightedLassoCV(cv=3).fit(X, y).coef_.shape
    (2,)
    """


class _LinearIntervals:
    """``coef__interval``, ``intercept__interval``, ``predict_interval`` from ``_param_var``."""

    def _design(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.column_stack([np.ones(len(X)), X]) if self.fit_intercept else X

    @property
    def coef_stderr_(self):
        check_is_fitted(self, "_param_var")
        se = np.sqrt(np.diag(self._param_var))
        return se[1:] if self.fit_intercept else se

    @property
    def intercept_stderr_(self):
        check_is_fitted(self, "_param_var")
        return np.sqrt(self._param_var[0, 0]) if self.fit_intercept else 0.0

    def prediction_stderr(self, X):
        Z = self._design(X)
        return np.sqrt(np.einsum("ij,jk,ik->i", Z, self._param_var, Z))

    def coef__interval(self, alpha=0.05):
        z = stats.norm.ppf(1 - alpha / 2)
        return self.coef_ - z * self.coef_stderr_, self.coef_ + z * self.coef_stderr_

    def intercept__interval(self, alpha=0.05):
        z = stats.norm.ppf(1 - alpha / 2)
        return (self.intercept_ - z * self.intercept_stderr_,
                self.intercept_ + z * self.intercept_stderr_)

    def predict_interval(self, X, alpha=0.05):
        pred, se = self.predict(X), self.prediction_stderr(X)
        z = stats.norm.ppf(1 - alpha / 2)
        return pred - z * se, pred + z * se


class StatsModelsLinearRegression(_LinearIntervals, RegressorMixin, BaseEstimator):
    """econml's ``StatsModelsLinearRegression``: least squares with a sandwich covariance.

    Parameters
    ----------
    fit_intercept : bool, default=True
    cov_type : {"HC0", "HC1", "nonrobust"}, default="HC1"
        ``"nonrobust"``: ``s^2 (Z'Z)^-1`` with ``s^2 = e'e / (N - k)``.
    enable_federation : bool, default=False
        Accepted for econml's signature; no effect.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.compat.econml.sklearn_extensions.linear_model import (
    ...     StatsModelsLinearRegression)
    >>> X = np.random.default_rng(0).normal(size=(50, 2)); y = 1 + X[:, 0]
    >>> np.allclose(StatsModelsLinearRegression().fit(X, y).coef_, [1.0, 0.0])
    True
    """

    def __init__(self, fit_intercept=True, cov_type="HC1", enable_federation=False):
        self.fit_intercept = fit_intercept
        self.cov_type = cov_type
        self.enable_federation = enable_federation

    def fit(self, X, y, sample_weight=None, freq_weight=None, sample_var=None):
        """Fit; ``freq_weight`` counts each row that many times.

        ``sample_weight`` alone is statsmodels WLS's analytic weight (rows
        scaled by ``sqrt(w)``); together with ``freq_weight`` it is not
        supported yet.
        """
        if self.cov_type not in ("HC0", "HC1", "nonrobust"):
            raise ValueError(f"cov_type must be 'HC0', 'HC1' or 'nonrobust', got {self.cov_type!r}")
        if sample_var is not None:
            raise NotImplementedError("sample_var is not supported yet; pass the raw rows.")
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        if sample_weight is not None and freq_weight is not None:
            raise NotImplementedError("sample_weight together with freq_weight is not supported yet.")
        weights = "frequency" if sample_weight is None else "analytic"
        w = sample_weight if sample_weight is not None else freq_weight
        w = None if w is None else np.asarray(w, dtype=np.float64)
        Z = self._design(X)
        Y = y.reshape(len(y), -1)
        coef, cov = ols_sandwich(Z, Y, w, cov_type="HC0" if self.cov_type == "nonrobust"
                                 else self.cov_type, weights=weights)
        if self.cov_type == "nonrobust":
            wn = np.ones(len(Z)) if w is None else w
            E = Y - Z @ coef
            bread = np.linalg.pinv(Z.T @ (Z * wn[:, None]))
            dof = (wn.sum() if weights == "frequency" else len(Z)) - Z.shape[1]
            cov = np.kron(np.diag((wn @ E**2) / dof), bread)
        k = Z.shape[1]
        self._param_var = cov[:k, :k] if Y.shape[1] == 1 else cov
        coef = coef[:, 0] if y.ndim == 1 else coef.T
        if self.fit_intercept:
            self.intercept_, self.coef_ = coef[..., 0], coef[..., 1:]
        else:
            self.intercept_, self.coef_ = 0.0, coef
        self._param = coef
        return self

    def predict(self, X):
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False)
        return X @ np.asarray(self.coef_).T + self.intercept_


class DebiasedLasso(_LinearIntervals, RegressorMixin, BaseEstimator):
    """econml's ``DebiasedLasso``: a lasso debiased by nodewise lassos, with standard errors.

    The numerics are
    :func:`causaldist.compat.econml._lasso.debiased_lasso_homoskedastic`
    (unpenalised intercept, homoskedastic covariance, van de Geer et al.
    2014), econml 0.17's variant.

    Parameters
    ----------
    alpha, alpha_cov : "auto" or float, default="auto"
    n_alphas, n_alphas_cov : int, default=100 and 10
    fit_intercept : bool, default=True
    max_iter : int, default=1000
    tol : float, default=1e-4

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.compat.econml.sklearn_extensions.linear_model import DebiasedLasso
    >>> X = np.random.default_rng(0).normal(size=(100, 3)); y = X[:, 0]
    >>> DebiasedLasso().fit(X, y).coef_stderr_.shape
    (3,)
    """

    def __init__(self, alpha="auto", n_alphas=100, alpha_cov="auto", n_alphas_cov=10,
                 fit_intercept=True, max_iter=1000, tol=1e-4):
        self.alpha = alpha
        self.n_alphas = n_alphas
        self.alpha_cov = alpha_cov
        self.n_alphas_cov = n_alphas_cov
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y, sample_weight=None):
        """Fit on a one-dimensional ``y``."""
        X, y = validate_data(self, X, y, y_numeric=True)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        coef, cov = debiased_lasso_homoskedastic(
            X, y[:, None], w, fit_intercept=self.fit_intercept, alpha=self.alpha,
            alpha_cov=self.alpha_cov, n_alphas=self.n_alphas, n_alphas_cov=self.n_alphas_cov,
            max_iter=self.max_iter, tol=self.tol)
        coef = coef[:, 0]
        self._param_var = cov
        if self.fit_intercept:
            self.intercept_, self.coef_ = coef[0], coef[1:]
        else:
            self.intercept_, self.coef_ = 0.0, coef
        return self

    def predict(self, X):
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False)
        return X @ self.coef_ + self.intercept_
