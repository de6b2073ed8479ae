"""Regression tests of heterogeneity on the CATE predictions: BLP and grf's calibration test.

Every function reads arrays: ``scores`` the DR pseudo-outcomes ``phi`` and
``cate`` the out-of-sample predictions ``S``, shape ``(n, n_arms - 1)``,
``weights`` of shape ``(n,)``, ``arms`` the treated arms' labels.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted
from scipy.stats import norm, t as student_t

from ..base import _warn
from ..inference._estimate import Estimate
from ._common import _ols

__all__ = []


def blp(scores, cate, weights, arms, cov_type="HC1"):
    """Best linear predictor of the CATE given the predictions (CDDF 2018).

    Per treated arm, weighted OLS of ``phi_a`` on ``[1, S_a - mean_w(S_a)]``:

    ``phi_a = beta_1 + beta_2 (S_a - mean_w S_a) + error``,

    ``beta_1`` the average effect, ``beta_2`` the heterogeneity loading
    (1 for calibrated predictions, 0 when they carry no heterogeneity), with
    a sandwich covariance ``cov_type`` (:func:`._common._ols`). Chernozhukov,
    Demirer, Duflo & Fernandez-Val (2018), "Generic Machine Learning Inference
    on Heterogeneous Treatment Effects in Randomized Experiments"; equal to
    econml's ``DRTester.evaluate_blp`` on the same scores. A constant ``S_a``
    leaves ``beta_2`` unidentified: NaN, with a warning.

    Returns
    -------
    blp : Estimate
        ``[ATE, HET]`` per arm, named ``"<arm>: ATE"``, ``"<arm>: HET"``.
    """
    values, errors, names = [], [], []
    for k, arm in enumerate(arms):
        s = cate[:, k]
        Z = np.column_stack([np.ones_like(s), s - np.average(s, weights=weights)])
        beta, cov = _ols(scores[:, k], Z, weights, cov_type)
        if np.ptp(s[weights > 0]) == 0:
            _warn(
                f"the CATE predictions of arm {arm} are constant: the BLP slope "
                "is not identified."
            )
            beta[1], cov[1, 1] = np.nan, np.nan
        values += beta.tolist()
        errors += np.sqrt(np.diag(cov)).tolist()
        names += [f"{arm}: ATE", f"{arm}: HET"]
    return Estimate(np.array(values), np.array(errors), names=names, method="BLP",
                    n=int(np.sum(weights > 0)))


def heterogeneity_test(blp_estimate, arms):
    """One-sided test of ``beta_2 = 0`` against ``beta_2 > 0``: ``z = beta_2 / se``, ``p = 1 - Phi(z)``.

    Returns
    -------
    frame : DataFrame
        Index: arm; columns ``estimate, stderr, zstat, pvalue``.
    """
    het = np.asarray(blp_estimate.value)[1::2]
    se = np.asarray(blp_estimate.stderr)[1::2]
    z = het / se
    return pd.DataFrame(
        {"estimate": het, "stderr": se, "zstat": z, "pvalue": norm.sf(z)},
        index=pd.Index(arms, name="arm"),
    )


def calibration_test(residual_outcome, residual_treatment, cate, weights, arms):
    """grf's omnibus calibration test (``test_calibration``; Athey & Wager 2019).

    OLS without intercept of ``Y - m(X)`` on
    ``C_a = (1{A=a} - e_a(X)) mean_w(S_a)`` and
    ``D_a = (1{A=a} - e_a(X)) (S_a - mean_w(S_a))`` for every treated arm
    jointly (``m(x) = sum_a e_a(x) mu_a(x)``), with HC3 standard errors and
    one-sided p-values from the t distribution on ``n - 2 (K - 1)`` degrees
    of freedom. The coefficient of ``C_a`` ("mean.forest.prediction") is 1
    when the average prediction is right; that of ``D_a``
    ("differential.forest.prediction") is 1 when the predictions are
    calibrated and significantly positive when they carry heterogeneity.

    Returns
    -------
    frame : DataFrame
        Index: (arm, term); columns ``estimate, stderr, tstat, pvalue``.
    """
    cols = []
    for k in range(cate.shape[1]):
        s = cate[:, k]
        mean = np.average(s, weights=weights)
        r = residual_treatment[:, k]
        cols += [r * mean, r * (s - mean)]
    Z = np.column_stack(cols)
    beta, cov = _ols(residual_outcome, Z, weights, "HC3")
    se = np.sqrt(np.diag(cov))
    tstat = beta / se
    df = int(np.sum(weights > 0)) - Z.shape[1]
    index = pd.MultiIndex.from_product(
        [arms, ["mean.forest.prediction", "differential.forest.prediction"]],
        names=["arm", "term"],
    )
    return pd.DataFrame(
        {"estimate": beta, "stderr": se, "tstat": tstat, "pvalue": student_t.sf(tstat, df)},
        index=index,
    )


class _BLPTests:
    """BLP and grf's calibration test of a fitted :class:`HeterogeneityValidator`.

    The verbs read the holder's ``scores_``, ``cate_``, ``X_``,
    ``residual_outcome_``, ``residual_treatment_``, ``_w()``, ``_arms`` and
    ``_features()``.
    """
    def blp(self, cov_type="HC1"):
        """Best linear predictor of the CATE given the predictions (CDDF 2018).

        Per treated arm, OLS of ``phi_a`` on ``[1, S_a - mean(S_a)]``:
        ``beta_1`` ("ATE") is the average effect, ``beta_2`` ("HET") the
        heterogeneity loading. ``beta_2 = 0`` (no heterogeneity the
        predictions find) is tested by ``pvalue()`` (two-sided) or
        :meth:`heterogeneity_test` (one-sided, ``beta_2 > 0``).
        ``beta_2`` and its standard error equal econml's
        ``DRTester.evaluate_blp`` (``cov_type="nonrobust"`` for two arms,
        ``"HC1"`` for more) on the same scores.

        Parameters
        ----------
        cov_type : {"HC1", "HC0", "HC3", "nonrobust"}, default="HC1"

        Returns
        -------
        blp : Estimate
            ``value`` of shape ``(2 (n_arms - 1),)``: ``[ATE, HET]`` per arm.
        """
        check_is_fitted(self, "scores_")
        return blp(self.scores_, self.cate_, self._w(), self._arms, cov_type)

    def heterogeneity_test(self, cov_type="HC1"):
        """One-sided BLP test of ``beta_2 = 0`` against ``beta_2 > 0`` per arm.

        Parameters
        ----------
        cov_type : str, default="HC1"

        Returns
        -------
        frame : DataFrame
            Index: arm; columns ``estimate, stderr, zstat, pvalue``.
        """
        return heterogeneity_test(self.blp(cov_type), self._arms)

    def calibration_test(self):
        """grf's omnibus calibration test (``test_calibration``).

        OLS without intercept of ``Y - m(X)`` on
        ``C_a = (1{A=a} - e_a(X)) mean(S_a)`` and
        ``D_a = (1{A=a} - e_a(X)) (S_a - mean(S_a))`` for every treated arm
        jointly, with HC3 standard errors and one-sided p-values from the t
        distribution on ``n - 2 (K - 1)`` degrees of freedom.
        ``mean.forest.prediction`` (the coefficient of ``C``) is 1 when the
        average prediction is right; ``differential.forest.prediction`` (of
        ``D``) is 1 when the predictions are calibrated and significantly
        positive when they capture heterogeneity.

        Returns
        -------
        frame : DataFrame
            Index: (arm, term); columns ``estimate, stderr, tstat, pvalue``
            (one-sided, ``coefficient > 0``).
        """
        check_is_fitted(self, "scores_")
        if self.residual_outcome_ is None or self.residual_treatment_ is None:
            raise ValueError(
                "the calibration test needs Y - m(X) and 1{A=a} - e_a(X): fit the "
                "validator, or pass residual_outcome and residual_treatment to "
                "from_scores."
            )
        return calibration_test(self.residual_outcome_, self.residual_treatment_,
                                     self.cate_, self._w(), self._arms)
