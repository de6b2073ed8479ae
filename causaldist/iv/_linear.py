"""The effect API of a linear final stage ``theta(x) = Phi(x)' b`` with sandwich inference."""

import numpy as np
import pandas as pd
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from ..base import _as_label_array
from ..inference._effect import EffectInference
from ..inference._estimate import _check_alpha
from ._weak import ar_confidence_set

__all__ = []


def _kron_rows(D, Phi):
    """Rows ``D_i (x) Phi_i``, treatment-major (econml's ``cross_product(Phi, D)``)."""
    return (D[:, :, None] * Phi[:, None, :]).reshape(D.shape[0], -1)


class _IVEffectMixin:
    """The effect features ``Phi(x)`` and the treatment contrasts of every IV final stage."""

    def _allows_nan(self):
        featurizer = self.featurizer
        return super()._allows_nan() and featurizer is not None and bool(
            get_tags(featurizer).input_tags.allow_nan
        )

    def _design(self, F):
        if self.fit_cate_intercept:
            return np.hstack([np.ones((F.shape[0], 1)), F])
        return F

    def _Phi(self, X):
        """``Phi(x)`` of validated rows of the full ``X``."""
        Xe = X if self.effect_features_ is None else X[:, self.effect_features_]
        return self._design(self._features_of(Xe, self.featurizer_))

    def _n_t(self):
        return self._d_t

    # -- treatments ------------------------------------------------------------
    def _treatment_matrix(self, T, m, name):
        if self.discrete_treatment:
            T = np.asarray(T)
            if T.ndim == 0:
                T = np.full(m, T.item(), dtype=T.dtype)
            codes = self._codes_of(_as_label_array(T, name), name)
            if codes.shape[0] != m:
                raise ValueError(f"{name} has {codes.shape[0]} entries but X has {m} rows.")
            return (codes[:, None] == np.arange(1, len(self.categories_))).astype(float)
        T = np.asarray(T, dtype=np.float64)
        d = self._d_t
        if T.ndim == 0:
            return np.full((m, d), float(T))
        T = T.reshape(T.shape[0], -1)
        if T.shape != (m, d):
            raise ValueError(f"{name} must have shape ({m},) or ({m}, {d}); got {T.shape}.")
        return T

    def _dT(self, m, T0, T1):
        if self.discrete_treatment:
            labels = self.categories_.tolist()
            if np.ndim(T0) == 0 and T0 == 0 and 0 not in labels:
                T0 = self.categories_[0]
            if np.ndim(T1) == 0 and T1 == 1 and 1 not in labels:
                if len(labels) > 2:
                    raise ValueError(f"T1 is required with arms {labels}.")
                T1 = self.categories_[1]
        return self._treatment_matrix(T1, m, "T1") - self._treatment_matrix(T0, m, "T0")

    # -- coefficients ----------------------------------------------------------
    def cate_feature_names(self, feature_names=None):
        """Names of the final stage's features (after the featurizer).

        Parameters
        ----------
        feature_names : list of str, default=None
            Names of the effect features; ``None`` takes the training
            ``X``'s column names, else ``X0, X1, ...``.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "effect_features_")
        if feature_names is None:
            if hasattr(self, "feature_names_in_"):
                names = self.feature_names_in_
                feature_names = names if self.effect_features_ is None else names[
                    self.effect_features_]
            else:
                k = self.n_features_in_ if self.effect_features_ is None else len(
                    self.effect_features_)
                feature_names = [f"X{j}" for j in range(k)]
        feature_names = np.asarray(feature_names, dtype=object)
        if self.featurizer_ is not None:
            return np.asarray(
                self.featurizer_.get_feature_names_out(feature_names), dtype=object)
        return feature_names



class _LinearIVMixin(_IVEffectMixin):
    """Effects, coefficients, intervals and the summary of a linear IV final stage.

    The fitted stage is ``coef_vec_`` (``d_t * p`` coefficients of
    ``T (x) Phi(x)``, treatment-major) with covariance ``coef_cov_``, where
    ``Phi(x) = [1, phi(x)]`` with an intercept and ``phi`` the featurised
    effect features.
    """

    def _combo(self, L):
        value = L @ self.coef_vec_
        var = np.einsum("ij,ij->i", L @ self.coef_cov_, L)
        return value, np.sqrt(np.maximum(var, 0.0))

    # -- effects ---------------------------------------------------------------
    def const_marginal_effect(self, X):
        """The effect of one unit of each treatment column, ``theta(x)``.

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        theta : ndarray of shape (m,) or (m, d_t)
            ``(m,)`` for one treatment column (a binary or one continuous
            treatment).
        """
        X = self._validate_X_predict(X)
        Phi = self._Phi(X)
        B = self.coef_vec_.reshape(self._d_t, -1)
        theta = Phi @ B.T
        return theta[:, 0] if self._d_t == 1 else theta

    def predict(self, X):
        """The conditional effect ``theta(x)``; :meth:`const_marginal_effect`.

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        cate : ndarray of shape (m,) or (m, d_t)
        """
        return self.const_marginal_effect(X)

    def effect(self, X, T0=0, T1=1):
        """Effect of moving each row from treatment ``T0`` to ``T1``: ``theta(x) . (T1 - T0)``.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : scalar, label or array-like of shape (m,) or (m, d_t), default 0 and 1
            Labels for a discrete treatment (``0`` / ``1`` mean the control /
            the treated arm when they are not labels).

        Returns
        -------
        effect : ndarray of shape (m,)
        """
        X = self._validate_X_predict(X)
        L = _kron_rows(self._dT(X.shape[0], T0, T1), self._Phi(X))
        return L @ self.coef_vec_

    def effect_inference(self, X, T0=0, T1=1):
        """:meth:`effect` with sandwich standard errors.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        inference : EffectInference
            ``conf_int``, ``pvalue``, ``summary_frame``; its
            ``population_summary`` uses the exact standard error of the mean.
        """
        check_is_fitted(self, "coef_vec_")
        X = self._validate_X_predict(X)
        L = _kron_rows(self._dT(X.shape[0], T0, T1), self._Phi(X))
        value, stderr = self._combo(L)
        _, mean_se = self._combo(L.mean(axis=0, keepdims=True))
        return EffectInference(
            value, stderr, mean_stderr=float(mean_se[0]), method=type(self).__name__,
        )

    def effect_interval(self, X, T0=0, T1=1, *, alpha=0.05):
        """Pointwise Wald intervals of :meth:`effect`.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : as in :meth:`effect`
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray of shape (m,)
        """
        return self.effect_inference(X, T0, T1).conf_int(alpha)

    def ate_inference(self, X, T0=0, T1=1):
        """The mean of :meth:`effect` over the rows of ``X``, with its uncertainty.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        summary : PopulationSummary
        """
        return self.effect_inference(X, T0, T1).population_summary()

    def _treatment_names(self):
        if self._d_t == 1:
            return None
        if self.discrete_treatment:
            return np.array([f"T0_{c}" for c in self.categories_[1:]], dtype=object)
        return np.array([f"T{j}" for j in range(self._d_t)], dtype=object)

    def _param_block(self, which):
        """Values and standard errors of ``coef`` (features x treatments) or the intercept."""
        check_is_fitted(self, "coef_vec_")
        if which == "intercept" and not self.fit_cate_intercept:
            raise AttributeError("fit_cate_intercept=False: there is no intercept.")
        q = self.coef_vec_.shape[0]
        value, stderr = self._combo(np.eye(q))
        p = q // self._d_t
        value, stderr = value.reshape(self._d_t, p).T, stderr.reshape(self._d_t, p).T
        rows = slice(0, 1) if which == "intercept" else slice(
            1 if self.fit_cate_intercept else 0, None)
        return value[rows], stderr[rows]

    def _shape_param(self, a, intercept=False):
        """(features, d_t) -> econml's (d_t, features), singleton axes dropped."""
        a = a.T
        if intercept:
            a = a[:, 0]
            return float(a[0]) if self._d_t == 1 else a
        return a[0] if self._d_t == 1 else a

    @property
    def coef_(self):
        """Coefficients of the featurised effect features.

        Shape ``(n_features,)``, or ``(d_t, n_features)`` with several
        treatment columns.
        """
        return self._shape_param(self._param_block("coef")[0])

    @property
    def intercept_(self):
        """The CATE intercept: a float, or ``(d_t,)`` with several treatment columns."""
        return self._shape_param(self._param_block("intercept")[0], intercept=True)

    def coef__inference(self):
        """Inference on the coefficients.

        Returns
        -------
        inference : EffectInference
            Rows are the features (``cate_feature_names()``), then the
            treatment columns when there are several.
        """
        v, s = self._param_block("coef")
        if self._d_t == 1:
            v, s = v[:, 0], s[:, 0]
        return EffectInference(
            v, s, row_names=self.cate_feature_names(),
            treatment_names=self._treatment_names(), method=type(self).__name__,
        )

    def intercept__inference(self):
        """Inference on the CATE intercept.

        Returns
        -------
        inference : EffectInference
        """
        v, s = self._param_block("intercept")
        if self._d_t == 1:
            v, s = v[:, 0], s[:, 0]
        return EffectInference(
            v, s, row_names=np.array(["cate_intercept"], dtype=object),
            treatment_names=self._treatment_names(), method=type(self).__name__,
        )

    def coef__interval(self, *, alpha=0.05):
        """Wald intervals of ``coef_``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray shaped like ``coef_``
        """
        lo, hi = self.coef__inference().conf_int(alpha)
        return np.asarray(lo).T, np.asarray(hi).T

    def intercept__interval(self, *, alpha=0.05):
        """Wald intervals of ``intercept_``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float or ndarray of shape (d_t,)
        """
        lo, hi = self.intercept__inference().conf_int(alpha)
        lo, hi = np.asarray(lo).reshape(-1), np.asarray(hi).reshape(-1)
        return (float(lo[0]), float(hi[0])) if self._d_t == 1 else (lo, hi)

    def summary(self, alpha=0.05):
        """Coefficient table, the intercept last (econml's ``summary()`` as a DataFrame).

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        table : DataFrame
            ``point_estimate, stderr, zstat, pvalue, ci_lower, ci_upper``,
            rows ``feature`` (``feature|T`` with several treatment columns).
        """
        _check_alpha(alpha)
        frames = []
        if self.coef_vec_.shape[0] > self._d_t * int(self.fit_cate_intercept):
            frames.append(self.coef__inference().summary_frame(alpha))
        if self.fit_cate_intercept:
            frames.append(self.intercept__inference().summary_frame(alpha))
        for f in frames:
            if isinstance(f.index, pd.MultiIndex):
                f.index = ["|".join(map(str, key)) for key in f.index]
            else:
                f.index = [str(k) for k in f.index]
        return pd.concat(frames)

    # -- weak-instrument-robust inference ----------------------------------------
    def ar_interval(self, *, alpha=0.05):
        """Anderson-Rubin confidence set of a constant effect, robust to weak instruments.

        Inverts the Anderson-Rubin test of ``H0: theta(x) = theta_0`` for
        every ``x`` on the cross-fitted residuals
        (``Y~ - theta_0 T~`` against ``Z~``; heteroskedasticity-robust,
        cluster-robust when ``groups`` were routed to fit). Its coverage does
        not depend on the strength of the instrument; with a weak instrument
        the set is wide, two rays or the whole line, which is the honest
        answer. One treatment column only. Formulas in
        :func:`causaldist.iv._weak.ar_confidence_set`.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        pieces : ndarray of shape (n_pieces, 2)
            Disjoint intervals ``[lower, upper]`` in increasing order, with
            ``-inf`` / ``inf`` for unbounded ends: one row for an interval
            (possibly ``[-inf, inf]``), two for a union of two rays, none for
            an empty set (the constant-effect model is rejected).
        """
        check_is_fitted(self, "coef_vec_")
        _check_alpha(alpha)
        if self._d_t != 1:
            raise ValueError(
                "ar_interval takes one treatment column; this fit has "
                f"{self._d_t} (K arms or several columns)."
            )
        y_res, t_res, z_res = (self.residuals_[k] for k in ("y", "t", "z"))
        theta = self.theta_constant_
        return ar_confidence_set(
            y_res, t_res[:, 0], z_res, self._fit_weights, self._fit_groups, alpha,
            center=theta, scale=max(abs(theta), 1.0),
        )
