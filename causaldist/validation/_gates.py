"""Group average treatment effects (GATES), CLAN and the calibration score of CATE groups.

Chernozhukov, Demirer, Duflo & Fernandez-Val (2018, CDDF), "Generic Machine
Learning Inference on Heterogeneous Treatment Effects in Randomized
Experiments"; Dwivedi et al. (2020) for the calibration ``R^2``. Every
function reads arrays: ``scores`` the DR pseudo-outcomes ``phi`` and ``cate``
the out-of-sample predictions ``S``, shape ``(n, n_arms - 1)``, ``weights`` of
shape ``(n,)``.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted
from scipy.stats import norm

from ..inference._estimate import Estimate, _check_alpha

__all__ = ["GATESResult"]


def _group_codes(s, cuts):
    """Group of each prediction between the interior ``cuts`` (0 = lowest)."""
    return np.searchsorted(cuts[1:-1], s, side="right")


def _quantile_cuts(s, n_groups, reference=None):
    ref = s if reference is None else np.asarray(reference, dtype=np.float64)
    return np.quantile(ref, np.linspace(0, 1, n_groups + 1))


def _groups(cate, k, n_groups, reference):
    """Quantile group of every unit by arm ``k``'s predictions (cut on ``reference``'s)."""
    s = cate[:, k]
    ref = None
    if reference is not None:
        ref = np.asarray(reference, dtype=np.float64)
        ref = ref.reshape(ref.shape[0], -1)[:, k]
    return _group_codes(s, _quantile_cuts(s, n_groups, ref))


class GATESResult(Estimate):
    """Group average treatment effects by CATE quantile group, with simultaneous intervals.

    An :class:`~causaldist.evaluation.Estimate` whose ``value`` holds one GATE
    per (arm, group). Groups are disjoint, so their estimates are independent
    and ``simultaneous_conf_int`` uses the Sidak critical value
    ``z = Phi^{-1}((1 + (1 - alpha)^{1/G}) / 2)``, ``G`` the number of
    intervals: all of them cover at once with probability ``1 - alpha``.

    Parameters
    ----------
    value, stderr : ndarray of shape (n_arms - 1, n_groups)
    names : list of str
        ``"<arm>: G<g>"`` labels, row-major.
    mean_prediction : ndarray of shape (n_arms - 1, n_groups)
        Mean CATE prediction in each group (the calibration plot's x axis).
    share : ndarray of shape (n_arms - 1, n_groups)
        Weighted share of units in each group.
    mean_prediction_stderr : ndarray of shape (n_arms - 1, n_groups), default=None
        Standard error of ``mean_prediction`` (``sd / sqrt(n_g)``).
    arms : ndarray
        The treated arms, one row each.
    ate : ndarray of shape (n_arms - 1,)
        The DR ATE of each arm on the same units.

    Attributes
    ----------
    difference : Estimate
        Top minus bottom GATE per arm, ``stderr`` from the two independent groups.
    """

    def __init__(self, value, stderr, *, names, mean_prediction, share, arms, ate, n=None,
                 mean_prediction_stderr=None):
        super().__init__(value, stderr, n=n, names=names, method="GATES")
        self.mean_prediction = mean_prediction
        self.mean_prediction_stderr = mean_prediction_stderr
        self.share = share
        self.arms = arms
        self.ate = ate
        v, s = np.asarray(value), np.asarray(stderr)
        self.difference = Estimate(
            v[:, -1] - v[:, 0], np.sqrt(s[:, -1] ** 2 + s[:, 0] ** 2),
            names=[f"{a}: top - bottom" for a in arms], method="GATES top - bottom", n=n,
        )

    def critical_value(self, alpha=0.05):
        """Sidak critical value of ``1 - alpha`` simultaneous intervals over every GATE."""
        g = np.size(self.value)
        return float(norm.ppf((1 + (1 - _check_alpha(alpha)) ** (1 / g)) / 2))

    def simultaneous_conf_int(self, alpha=0.05):
        """Intervals that cover every GATE at once with probability ``1 - alpha``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray shaped like ``value``
        """
        c = self.critical_value(alpha)
        v, s = np.asarray(self.value), np.asarray(self.stderr)
        return v - c * s, v + c * s

    def summary_frame(self, alpha=0.05, null=0.0):
        """Per-group table: GATE, stderr, pointwise and simultaneous intervals, mean prediction.

        Parameters
        ----------
        alpha : float, default=0.05
        null : float, default=0.0

        Returns
        -------
        frame : DataFrame indexed by (arm, group)
        """
        frame = super().summary_frame(alpha, null)
        lo, hi = self.simultaneous_conf_int(alpha)
        frame["simultaneous_lower"] = np.ravel(lo)
        frame["simultaneous_upper"] = np.ravel(hi)
        frame["mean_prediction"] = np.ravel(self.mean_prediction)
        frame["share"] = np.ravel(self.share)
        n_groups = np.shape(self.value)[1]
        frame.index = pd.MultiIndex.from_product(
            [list(self.arms), np.arange(1, n_groups + 1)], names=["arm", "group"]
        )
        return frame


def gates(scores, cate, weights, arms, n_groups, reference=None):
    """GATES of CDDF (2018): the DR mean effect of each CATE quantile group.

    Units are cut into ``n_groups`` groups ``G_1 .. G_G`` at the quantiles of
    ``S_a`` (of ``reference`` when given). The GATE of ``G_j`` is the weighted
    mean of ``phi_a`` over it, ``gamma_j = sum_{i in G_j} w_i phi_i / sum w_i``,
    with standard error ``sd_j / sqrt(n_j)`` (``sd_j`` the weighted standard
    deviation of ``phi_a`` in the group); groups are disjoint, so the GATEs are
    independent. Under heterogeneity they increase from the bottom to the top
    group.

    Returns
    -------
    gates : GATESResult
    """
    K1 = cate.shape[1]
    value = np.full((K1, n_groups), np.nan)
    stderr = np.full((K1, n_groups), np.nan)
    mean_pred = np.full((K1, n_groups), np.nan)
    mean_pred_se = np.full((K1, n_groups), np.nan)
    share = np.zeros((K1, n_groups))
    ate = np.zeros(K1)
    for k in range(K1):
        g = _groups(cate, k, n_groups, reference)
        phi = scores[:, k]
        ate[k] = np.average(phi, weights=weights)
        for j in range(n_groups):
            idx = (g == j) & (weights > 0)
            if not np.any(idx):
                continue
            wj = weights[idx]
            value[k, j] = np.average(phi[idx], weights=wj)
            var = np.average((phi[idx] - value[k, j]) ** 2, weights=wj)
            n_j = idx.sum()
            stderr[k, j] = np.sqrt(var / n_j)
            mean_pred[k, j] = np.average(cate[idx, k], weights=wj)
            mean_pred_se[k, j] = np.sqrt(np.average(
                (cate[idx, k] - mean_pred[k, j]) ** 2, weights=wj) / n_j)
            share[k, j] = wj.sum() / weights.sum()
    names = [f"{a}: G{j + 1}" for a in arms for j in range(n_groups)]
    return GATESResult(
        value, stderr, names=names, mean_prediction=mean_pred, share=share,
        arms=np.array(arms), ate=ate, n=int(np.sum(weights > 0)),
        mean_prediction_stderr=mean_pred_se,
    )


def calibration_score(gates_result, arms):
    """econml's calibration ``R^2`` (Dwivedi et al. 2020) from the GATES.

    ``Cal_G = sum_g pi_g |mean_g(S) - GATE_g|``,
    ``Cal_O = sum_g pi_g |GATE_g - ATE|`` and ``R^2 = 1 - Cal_G / Cal_O``
    (``pi_g`` the group's share): 1 for predictions as far from the ATE as
    the groups' effects, 0 or less for predictions no better than the ATE.

    Returns
    -------
    frame : DataFrame
        Index: arm; columns ``cal_g, cal_o, r2``.
    """
    v = np.asarray(gates_result.value)
    share = gates_result.share
    cal_g = np.sum(share * np.abs(gates_result.mean_prediction - v), axis=1)
    cal_o = np.sum(share * np.abs(v - gates_result.ate[:, None]), axis=1)
    return pd.DataFrame(
        {"cal_g": cal_g, "cal_o": cal_o, "r2": 1 - cal_g / cal_o},
        index=pd.Index(arms, name="arm"),
    )


def clan(X, cols, names, cate, weights, k, n_groups):
    """CLAN of CDDF (2018): covariate means of the least and the most affected group.

    For covariate ``x`` and the CATE quantile groups of arm ``k``: its
    weighted mean ``xbar_j`` in every group, the difference
    ``d = xbar_G - xbar_1`` with the normal (Welch) standard error
    ``sqrt(v_G / n_G + v_1 / n_1)`` (``v_j`` the weighted variance in the
    group), the two-sided p-value, and Holm's step-down adjustment over the
    covariates.

    Returns
    -------
    frame : DataFrame
        Index: feature; columns ``G1 .. G<n>``, ``top - bottom``,
        ``stderr``, ``pvalue``, ``pvalue_holm``.
    """
    g = _groups(cate, k, n_groups, None)
    rows = {}
    for c, name in zip(cols, names):
        x = X[:, c]
        means, var_n = [], []
        for j in range(n_groups):
            idx = (g == j) & (weights > 0)
            mu = np.average(x[idx], weights=weights[idx])
            means.append(mu)
            var_n.append(np.average((x[idx] - mu) ** 2, weights=weights[idx]) / idx.sum())
        diff = means[-1] - means[0]
        se = np.sqrt(var_n[-1] + var_n[0])
        rows[name] = means + [diff, se, 2 * norm.sf(abs(diff) / se) if se > 0 else 1.0]
    frame = pd.DataFrame.from_dict(
        rows, orient="index",
        columns=[f"G{j + 1}" for j in range(n_groups)] + ["top - bottom", "stderr", "pvalue"],
    )
    frame.index.name = "feature"
    frame["pvalue_holm"] = _holm(frame["pvalue"].to_numpy())
    return frame


def _holm(p):
    """Holm's step-down adjusted p-values: ``max_{j <= r} min(1, (m - j + 1) p_(j))``."""
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(p)
    m = p.size
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adj[i] = min(running, 1.0)
    return adj


class _GroupTests:
    """GATES, CLAN and the calibration score of a fitted :class:`HeterogeneityValidator`.

    The verbs read the holder's ``scores_``, ``cate_``, ``X_``,
    ``residual_outcome_``, ``residual_treatment_``, ``_w()``, ``_arms`` and
    ``_features()``.
    """
    def gates(self, n_groups=None, *, reference=None):
        """Group average treatment effects by CATE quantile group (GATES).

        Units are split into ``n_groups`` groups at the quantiles of the
        predictions ``S_a`` (of ``reference`` when given); the GATE of a
        group is the weighted mean of ``phi_a`` over it, its standard error
        ``sd / sqrt(n_g)``. Under heterogeneity the GATEs increase from the
        bottom to the top group; ``difference`` tests top minus bottom.

        Parameters
        ----------
        n_groups : int, default=None
            ``None`` means the ``n_groups`` parameter.
        reference : array-like, default=None
            Predictions whose quantiles cut the groups.

        Returns
        -------
        gates : GATESResult
        """
        check_is_fitted(self, "scores_")
        n_groups = self.n_groups if n_groups is None else int(n_groups)
        return gates(self.scores_, self.cate_, self._w(), self._arms, n_groups,
                            reference)

    def calibration_score(self, n_groups=None, reference=None):
        """econml's calibration ``R^2`` (Dwivedi et al. 2020) on CATE quantile groups.

        ``Cal_G = sum_g pi_g |mean_g(S) - GATE_g|``,
        ``Cal_O = sum_g pi_g |GATE_g - ATE|`` and ``R^2 = 1 - Cal_G / Cal_O``,
        equal to ``DRTester.evaluate_cal`` when ``reference`` are the
        training predictions it cuts on.

        Parameters
        ----------
        n_groups : int, default=None
            ``None`` means the ``n_groups`` parameter.
        reference : array-like of shape (n_reference,) or (n_reference, n_arms - 1), default=None
            Predictions whose quantiles cut the groups (``None``: ``cate_``).

        Returns
        -------
        frame : DataFrame
            Index: arm; columns ``cal_g, cal_o, r2``.
        """
        return calibration_score(self.gates(n_groups, reference=reference), self._arms)

    def clan(self, features=None, n_groups=None, *, arm=None):
        """Classification analysis (CLAN): covariate means of the least and most affected.

        For each covariate, its mean in every CATE quantile group and the
        difference between the top and the bottom group, with a normal
        (Welch) standard error and p-value, and the Holm-adjusted p-value
        over the covariates (CDDF 2018).

        Parameters
        ----------
        features : list of str or int, default=None
            ``None`` means every column.
        n_groups : int, default=None
        arm : label, default=None
            Treated arm whose groups are used; ``None`` is the first.

        Returns
        -------
        frame : DataFrame
            Index: feature; columns ``G1 .. G<n>``, ``top - bottom``,
            ``stderr``, ``pvalue``, ``pvalue_holm``.
        """
        check_is_fitted(self, "scores_")
        cols, names = self._features(features)
        n_groups = self.n_groups if n_groups is None else int(n_groups)
        k = 0 if arm is None else self._arms.index(str(arm))
        return clan(self.X_, cols, names, self.cate_, self._w(), k, n_groups)
