"""Along which covariates the effect varies: best linear projection and covariate ranking.

Both read the DR pseudo-outcomes ``phi`` (``scores``, shape
``(n, n_arms - 1)``) and the covariates, not the CATE predictions: they hold
whatever CATE model was validated.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted
from scipy.stats import chi2

from ..inference._estimate import Estimate
from ._common import _ols
from ._gates import _group_codes

__all__ = []


def best_linear_projection(scores, X, cols, names, weights, arms, cov_type="HC3"):
    """Best linear projection of the CATE on covariates (grf's ``best_linear_projection``).

    OLS of ``phi_a`` on ``[1, X_S]``: the coefficients estimate
    ``argmin_b E[(tau_a(X) - b_0 - X_S b)^2]``, whatever the CATE model,
    with a sandwich covariance (HC3 by default, grf's; Semenova &
    Chernozhukov 2021, "Debiased machine learning of conditional average
    treatment effects and other causal functions").

    Returns
    -------
    projection : Estimate
        ``"<arm>: intercept"`` and ``"<arm>: <feature>"`` entries.
    """
    Z = np.column_stack([np.ones(X.shape[0]), X[:, cols]])
    values, errors, labels = [], [], []
    for k, arm in enumerate(arms):
        beta, cov = _ols(scores[:, k], Z, weights, cov_type)
        values += beta.tolist()
        errors += np.sqrt(np.diag(cov)).tolist()
        labels += [f"{arm}: intercept"] + [f"{arm}: {n}" for n in names]
    return Estimate(np.array(values), np.array(errors), names=labels,
                    method="best linear projection", n=int(np.sum(weights > 0)))


def rank_covariates(phi, X, cols, names, weights, n_bins=5):
    """Covariates ranked by the effect variance their quantile bins explain.

    Each covariate is cut into ``n_bins`` quantile bins (its distinct values
    when it has at most ``n_bins``); with ``m_b`` the DR mean effect of bin
    ``b``, ``p_b`` its share and ``se_b`` its standard error, the explained
    effect variance is estimated without the noise of the bin means,

    ``V = sum_b p_b (m_b - m)^2 - sum_b p_b (1 - p_b) se_b^2``

    (``m = sum_b p_b m_b``), an estimate of ``Var(E[tau(X) | bin(X_j)])``,
    which catches non-monotone modifiers that a linear projection misses.
    The Wald statistic ``sum_b (m_b - m_w)^2 / se_b^2`` (``m_w`` the
    inverse-variance weighted mean) tests equal bin effects against
    ``chi^2_{B-1}``. ``phi`` is one arm's scores, shape ``(n,)``.

    Returns
    -------
    frame : DataFrame
        Sorted by ``explained_variance`` (largest first); columns
        ``explained_variance, wald, df, pvalue, rank``.
    """
    keep = weights > 0
    rows = {}
    for c, name in zip(cols, names):
        x = X[keep, c]
        f, ww = phi[keep], weights[keep]
        uniq = np.unique(x)
        if uniq.size <= n_bins:
            b = np.searchsorted(uniq, x)
        else:
            cuts = np.quantile(x, np.linspace(0, 1, n_bins + 1))
            b = _group_codes(x, cuts)
        m, se, p = [], [], []
        for j in np.unique(b):
            idx = b == j
            if idx.sum() < 2:
                continue
            mj = np.average(f[idx], weights=ww[idx])
            m.append(mj)
            se.append(np.sqrt(np.average((f[idx] - mj) ** 2, weights=ww[idx]) / idx.sum()))
            p.append(ww[idx].sum())
        m, se, p = np.array(m), np.array(se), np.array(p) / np.sum(p)
        if m.size < 2:
            rows[name] = [0.0, 0.0, 0, 1.0]
            continue
        mbar = np.sum(p * m)
        v = np.sum(p * (m - mbar) ** 2) - np.sum(p * (1 - p) * se**2)
        iv = 1 / se**2
        mw = np.sum(iv * m) / np.sum(iv)
        wald = float(np.sum((m - mw) ** 2 * iv))
        rows[name] = [v, wald, m.size - 1, chi2.sf(wald, m.size - 1)]
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=["explained_variance", "wald", "df", "pvalue"]
    )
    frame.index.name = "feature"
    frame = frame.sort_values("explained_variance", ascending=False)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


class _CovariateTests:
    """Covariate analyses of a fitted :class:`HeterogeneityValidator`.

    The verbs read the holder's ``scores_``, ``cate_``, ``X_``,
    ``residual_outcome_``, ``residual_treatment_``, ``_w()``, ``_arms`` and
    ``_features()``.
    """
    def best_linear_projection(self, features=None, cov_type="HC3"):
        """Best linear projection of the CATE on covariates (grf's ``best_linear_projection``).

        OLS of ``phi_a`` on ``[1, X_S]``: the coefficients estimate
        ``argmin_b E[(tau_a(X) - b_0 - X_S b)^2]``, whatever the CATE
        model, with HC3 standard errors (grf's default).

        Parameters
        ----------
        features : list of str or int, default=None
            ``None`` means every column.
        cov_type : str, default="HC3"

        Returns
        -------
        projection : Estimate
            ``"<arm>: intercept"`` and ``"<arm>: <feature>"`` entries.
        """
        check_is_fitted(self, "scores_")
        cols, names = self._features(features)
        return best_linear_projection(self.scores_, self.X_, cols, names,
                                                  self._w(), self._arms, cov_type)

    def rank_covariates(self, features=None, n_bins=5, *, arm=None):
        """Covariates ranked by the effect heterogeneity their bins explain.

        Each covariate is cut into ``n_bins`` quantile bins; the effect
        variance the bins explain is estimated from the DR bin means with
        their noise removed (it catches non-monotone modifiers that a linear
        projection misses), and a Wald test of equal bin effects against
        ``chi^2_{B-1}`` goes with it.

        Parameters
        ----------
        features : list of str or int, default=None
        n_bins : int, default=5
        arm : label, default=None
            ``None`` is the first treated arm.

        Returns
        -------
        frame : DataFrame
            Sorted by ``explained_variance`` (largest first); columns
            ``explained_variance, wald, df, pvalue, rank``.
        """
        check_is_fitted(self, "scores_")
        cols, names = self._features(features)
        k = 0 if arm is None else self._arms.index(str(arm))
        return rank_covariates(self.scores_[:, k], self.X_, cols, names,
                                           self._w(), n_bins)
