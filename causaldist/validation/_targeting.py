"""Targeting tests of a ranking by the CATE predictions: RATE and the TOC / Qini curve.

Yadlowsky, Fleming, Shah, Brunskill & Wager (2021), "Evaluating Treatment
Prioritization Rules via Rank-Weighted Average Treatment Effects";
Chernozhukov et al.'s GenericML curves in the form of econml's
``DRTester.evaluate_uplift``. Every function reads arrays: ``scores`` the DR
pseudo-outcomes ``phi`` and ``cate`` the predictions ``S``, shape
``(n, n_arms - 1)``.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted
from sklearn.utils import check_random_state

from .._progress import Progress
from ..base import _warn
from ..inference._estimate import Estimate
from ..metrics import rank_average_treatment_effect

__all__ = []


def rate(scores, cate, sample_weight, arms, *, target, n_bootstrap, random_state,
         verbose=0, owner="HeterogeneityValidator"):
    """RATE of the ranking by each arm's predictions (:func:`~causaldist.metrics.rank_average_treatment_effect`).

    ``AUTOC = int_0^1 TOC(q) dq``, ``QINI = int_0^1 q TOC(q) dq`` with
    ``TOC(q) = E[phi | S in top q] - E[phi]``; bootstrap standard errors with
    the ranking held fixed.

    Returns
    -------
    results : dict of arm label to RATEResult
    """
    return {
        arm: rank_average_treatment_effect(
            cate[:, k], scores[:, k], target=target, sample_weight=sample_weight,
            n_bootstrap=n_bootstrap, random_state=random_state,
            verbose=Progress(verbose, f"{owner} RATE of {arm}"),
        )
        for k, arm in enumerate(arms)
    }


def targeting_curve(scores, cate, categories, target="AUTOC", percentiles=None, *,
                    reference=None, n_bootstrap=1000, random_state=None):
    """TOC or Qini curve at quantile thresholds, its integral and uniform bands.

    For each percentile ``p`` let ``q_p`` be the ``p``-th percentile of the
    ``reference`` predictions (``cate`` when None), ``G_p = {S >= q_p}`` and
    ``pi_p = P_n(G_p)``. Then

    ``TOC(p) = E_n[phi | G_p] - E_n[phi]`` and ``QINI(p) = pi_p TOC(p)``,

    with influence functions
    ``psi_TOC = (phi - ATE)(1{G_p} / pi_p - 1) - TOC(p)`` and
    ``psi_QINI = (phi - ATE)(1{G_p} - pi_p) - QINI(p)``, standard errors
    ``sqrt(E_n[psi^2] / n)``, and the integral the left Riemann sum
    ``sum_j value(p_j) (p_{j+1} - p_j) / 100`` with the same sum of
    influence functions. Uniform critical values come from the multiplier
    bootstrap of ``max_p |sum_i xi_i psi_i(p)| / (n se(p))``,
    ``xi_i ~ N(0, 1)``: its 95th percentile (two-sided band) and the
    absolute 5th percentile of the minimum (one-sided band). ``random_state``
    None draws from numpy's global random state (econml's ``np.random.normal``).

    Returns
    -------
    integral : Estimate
        The area under each arm's curve.
    curves : dict of arm label to DataFrame
        Columns ``percentile, value, stderr, uniform_critical_value,
        uniform_one_side_critical_value``.
    """
    target = str(target).upper()
    if target not in ("AUTOC", "QINI"):
        raise ValueError(f"target must be 'AUTOC' or 'QINI'; got {target!r}.")
    p = np.linspace(5, 95, 50) if percentiles is None else np.asarray(
        percentiles, dtype=np.float64)
    if p.ndim != 1 or p.size < 2 or np.any((p < 0) | (p > 100)) or np.any(np.diff(p) <= 0):
        raise ValueError("percentiles must be at least two increasing numbers in [0, 100].")
    ref = cate if reference is None else np.asarray(reference, dtype=np.float64)
    ref = ref.reshape(ref.shape[0], -1)
    rng = check_random_state(random_state)
    n = scores.shape[0]
    values, errors, curves = [], [], {}
    for k, arm in enumerate(categories[1:]):
        phi, s = scores[:, k], cate[:, k]
        ate = phi.mean()
        qs = np.percentile(ref[:, k], p)
        curve = np.zeros(p.size)
        psi = np.zeros((p.size, n))
        empty = p[qs > s.max()]
        if empty.size:
            _warn(
                f"arm {arm}: no unit has a prediction at or above the reference's "
                f"percentile(s) {empty.tolist()}; the curve is NaN there (and so is "
                "its integral)."
            )
        for j, q in enumerate(qs):
            g = q <= s
            share = g.mean()
            if share == 0:
                curve[j], psi[j] = np.nan, np.nan
                continue
            toc = phi[g].mean() - ate
            if target == "QINI":
                curve[j] = share * toc
                psi[j] = (phi - ate) * (g - share) - curve[j]
            else:
                curve[j] = toc
                psi[j] = (phi - ate) * (g / share - 1) - curve[j]
        se = np.sqrt(np.mean(psi**2, axis=1) / n)
        xi = rng.normal(0, 1, size=(n, n_bootstrap))
        boot = (psi / se[:, None]) @ xi / n
        two_sided = np.percentile(np.max(np.abs(boot), axis=0), 95)
        one_sided = np.abs(np.percentile(np.min(boot, axis=0), 5))
        step = np.diff(p) / 100
        values.append(np.sum(curve[:-1] * step))
        errors.append(np.sqrt(np.mean(np.sum(psi[:-1] * step[:, None], axis=0) ** 2) / n))
        curves[arm] = pd.DataFrame({
            "percentile": p, "value": curve, "stderr": se,
            "uniform_critical_value": two_sided,
            "uniform_one_side_critical_value": one_sided,
        })
    names = [str(a) for a in categories[1:]]
    integral = Estimate(np.array(values), np.array(errors), n=n, names=names,
                        method=f"{target} integral")
    return integral, curves


class _TargetingTests:
    """RATE and the TOC / Qini curve of a fitted :class:`HeterogeneityValidator`.

    The verbs read the holder's ``scores_``, ``cate_``, ``X_``,
    ``residual_outcome_``, ``residual_treatment_``, ``_w()``, ``_arms`` and
    ``_features()``.
    """
    def rate(self, target="AUTOC", *, n_bootstrap=200, random_state=None):
        """RATE of the prioritisation by the predictions (Yadlowsky et al. 2021).

        Parameters
        ----------
        target : {"AUTOC", "QINI"}, default="AUTOC"
        n_bootstrap : int, default=200
        random_state : int or None, default=None

        Returns
        -------
        results : dict of arm label to RATEResult
            ``pvalue()`` tests ``RATE = 0``.
        """
        check_is_fitted(self, "scores_")
        return rate(
            self.scores_, self.cate_, self.sample_weight_, self._arms, target=target,
            n_bootstrap=n_bootstrap, random_state=random_state, verbose=self.verbose,
            owner=type(self).__name__,
        )

    def targeting_curve(self, target="AUTOC", percentiles=None, *, reference=None,
                        n_bootstrap=1000, random_state=None):
        """TOC or Qini curve at quantile thresholds, its integral and uniform bands.

        The form of econml's ``DRTester.evaluate_uplift`` (Chernozhukov et
        al.'s GenericML curves; Yadlowsky et al. 2021 for the TOC): the
        effect among the units predicted above each percentile of the
        ``reference`` predictions, minus the ATE (times the share for the
        Qini), with influence-function standard errors and multiplier
        bootstrap uniform bands.

        Parameters
        ----------
        target : {"AUTOC", "QINI"}, default="AUTOC"
            ``"AUTOC"`` is econml's ``metric="toc"``, ``"QINI"`` its ``"qini"``.
        percentiles : array-like of float in [0, 100], default=None
            ``None`` means ``np.linspace(5, 95, 50)`` (econml's).
        reference : array-like of shape (n_reference,) or (n_reference, n_arms - 1), default=None
            Predictions whose percentiles set the thresholds (econml: the
            training predictions).
        n_bootstrap : int, default=1000
            Multiplier bootstrap draws of the uniform bands.
        random_state : int, RandomState or None, default=None
            ``None`` draws from numpy's global random state (econml's
            ``np.random.normal``), so a ``np.random.seed`` reproduces it.

        Returns
        -------
        integral : Estimate
            The area under each arm's curve (one entry per treated arm).
        curves : dict of arm label to DataFrame
            Columns ``percentile, value, stderr, uniform_critical_value,
            uniform_one_side_critical_value``.
        """
        check_is_fitted(self, "scores_")
        if self.sample_weight_ is not None:
            raise ValueError("targeting_curve does not take sample weights.")
        return targeting_curve(
            self.scores_, self.cate_, self.categories_, target, percentiles,
            reference=reference, n_bootstrap=n_bootstrap, random_state=random_state,
        )
