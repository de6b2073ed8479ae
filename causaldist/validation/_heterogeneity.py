"""Detect, surface and characterise heterogeneous effects: BLP, calibration, GATES, CLAN.

One object, :class:`HeterogeneityValidator`, holds doubly robust (AIPW)
pseudo-outcomes ``phi_i`` and CATE predictions ``S(X_i)`` made by models that
never saw unit ``i`` (held-out data, or cross-fitting), and answers the
questions asked of an experiment after the fact (Sadeghi, Gupta et al., "A
Systematic Paradigm for Detecting, Surfacing, and Characterizing HTE"): is
there heterogeneity at all (BLP, omnibus calibration, RATE), along which
variables (covariate ranking, best linear projection), and what the units
that respond most look like (GATES, CLAN).
"""

import numbers

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm, t as student_t
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..base import BaseCausalEstimator, _warn
from ..evaluation._inference import Estimate, _check_alpha
from .._progress import Progress
from ..metrics import rank_average_treatment_effect
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ._common import _cate_against, _cross_fit_cate, _is_fitted, _ols

__all__ = ["GATESResult", "HeterogeneityValidator"]


def _group_codes(s, cuts):
    """Group of each prediction between the interior ``cuts`` (0 = lowest)."""
    return np.searchsorted(cuts[1:-1], s, side="right")


def _quantile_cuts(s, n_groups, reference=None):
    ref = s if reference is None else np.asarray(reference, dtype=np.float64)
    return np.quantile(ref, np.linspace(0, 1, n_groups + 1))


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


@_fill_cross_fit_doc
class HeterogeneityValidator(_CrossFitMixin, BaseCausalEstimator):
    """Tests and descriptions of effect heterogeneity for any CATE estimator.

    ``fit(X, y, treatment)`` cross-fits the propensity ``e_a(x)`` and the
    outcome regressions ``mu_a(x)`` on the rows given (the validation data),
    forms the AIPW pseudo-outcomes ``phi_ia = Gamma_i(a) - Gamma_i(0)``
    (:meth:`causaldist.model_selection.Nuisances.dr_scores`) and the CATE
    predictions ``S_a(X_i)`` of ``estimator``:

    - a fitted ``estimator`` (fitted on other rows, e.g. a training split)
      predicts every row: the held-out design of Chernozhukov, Demirer, Duflo
      & Fernandez-Val (CDDF) and of econml's ``DRTester``;
    - an unfitted one is cross-fitted: a clone is fitted on each fold's
      training rows and predicts its test rows (wrap a fitted estimator in
      ``sklearn.frozen.FrozenEstimator`` to keep it fitted under ``clone``);
    - ``None`` uses the cross-fitted T-learner of the outcome nuisances,
      ``S_a = mu_a - mu_0``, at no extra cost.

    Every test below then reads ``phi`` and ``S`` (all arms are analysed one
    contrast with the control at a time; with K arms every result has one row
    per treated arm):

    - :meth:`blp` — best linear predictor (CDDF 2018):
      ``phi_a = beta_1 + beta_2 (S_a - mean S_a) + error``; ``beta_1`` is the
      ATE, ``beta_2 > 0`` says the predictions carry heterogeneity
      (``beta_2 = 1`` for a calibrated predictor). The slope and its standard
      error equal econml's ``DRTester.evaluate_blp`` on the same scores.
    - :meth:`calibration_test` — grf's omnibus test (Chernozhukov et al.;
      Athey & Wager 2019): OLS without intercept of ``Y - m(X)`` on
      ``(1{A=a} - e_a) mean(S_a)`` and ``(1{A=a} - e_a)(S_a - mean S_a)``
      over the treated arms jointly, ``m(x) = sum_a e_a(x) mu_a(x)``, HC3
      standard errors, one-sided t p-values.
    - :meth:`calibration_score` — econml's calibration ``R^2``
      (Dwivedi et al. 2020) on CATE quantile groups.
    - :meth:`gates` — group average effects by quantile groups of ``S_a``
      with simultaneous intervals; :meth:`clan` — covariate means of the
      top and bottom groups with tests.
    - :meth:`rate` — the RATE (AUTOC / Qini) of the ranking by ``S_a``.
    - :meth:`best_linear_projection` — OLS of ``phi_a`` on chosen
      covariates (grf's ``best_linear_projection``); :meth:`rank_covariates`
      — covariates ranked by the effect variance explained by their
      quantile bins.

    The fitted object can also be built from scores computed elsewhere
    (:meth:`from_scores`), e.g. by econml's ``DRTester`` or an adapter of it.

    Parameters
    ----------
    estimator : CATE estimator, default=None
        Fitted (held-out predictions), unfitted (cross-fitted) or ``None``
        (cross-fitted T-learner of the nuisances), see above.
    propensity_model : classifier, default=None
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
    outcome_model : regressor, default=None
        Per-arm outcome model; ``None`` means a HistGradientBoostingRegressor.
    n_groups : int, default=4
        Number of CATE quantile groups of GATES, CLAN and the calibration score.
    {cross_fit}

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples, n_arms - 1)
        DR pseudo-outcomes ``phi_ia``.
    cate_ : ndarray of shape (n_samples, n_arms - 1)
        Out-of-sample CATE predictions ``S_a(X_i)``.
    residual_outcome_ : ndarray of shape (n_samples,) or None
        ``Y - m(X)`` of the calibration test.
    residual_treatment_ : ndarray of shape (n_samples, n_arms - 1) or None
        ``1{A = a} - e_a(X)``.
    X_ : ndarray of shape (n_samples, n_features)
        The covariates, for CLAN and the covariate analyses.
    estimate_ : Estimate
        The BLP ``[ATE, heterogeneity loading]`` of every treated arm
        (:meth:`blp` with HC1 errors).
    estimators_ : list
        The cross-fitted clones of ``estimator`` (empty otherwise).
    folds_, nuisances_, overlap_, categories_, n_features_in_, feature_names_in_
        As in the other cross-fitted estimators.

    References
    ----------
    Chernozhukov, Demirer, Duflo & Fernandez-Val (2018), "Generic Machine
    Learning Inference on Heterogeneous Treatment Effects in Randomized
    Experiments". Athey & Wager (2019), "Estimating Treatment Effects with
    Causal Forests: An Application". Yadlowsky et al. (2021), RATE.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.validation import HeterogeneityValidator
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, design="rct", random_state=0)
    >>> val = HeterogeneityValidator(outcome_model=LinearRegression(), cv=2,
    ...                              random_state=0).fit(X, y, treatment=t)
    >>> blp = val.blp()
    >>> blp.names.tolist()
    ['1: ATE', '1: HET']
    >>> bool(blp.pvalue()[1] < 0.01)  # heterogeneity detected
    True
    """

    _default_models = {"propensity_model": "propensity", "outcome_model": "outcome"}
    _parameter_constraints: dict = {
        "estimator": "no_validation",
        "n_groups": [numbers.Integral],
    }

    def __init__(
        self, estimator=None, *, propensity_model=None, outcome_model=None, n_groups=4,
        cv=5, n_jobs=None, memory=None, min_propensity=1e-3, random_state=None,
        verbose=0, control=None,
    ):
        self.estimator = estimator
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.n_groups = n_groups
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        if self.n_groups < 2:
            raise ValueError(f"n_groups must be at least 2; got {self.n_groups}.")
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=True,
        )
        gamma = nuis.dr_scores(y, t)
        self.estimators_ = []
        if self.estimator is None:
            cate = nuis.outcome[:, 1:] - nuis.outcome[:, [0]]
        elif _is_fitted(self.estimator):
            cate = _cate_against(self.estimator, X, self.categories_)
        else:
            cate, self.estimators_ = _cross_fit_cate(
                self.estimator, X, y, t, sample_weight, self.folds_, self.categories_
            )
        n_arms = len(self.categories_)
        e = nuis.propensity
        m = np.sum(e * nuis.outcome, axis=1)
        self._set_state(
            gamma[:, 1:] - gamma[:, [0]], cate, X, sample_weight,
            residual_outcome=y - m, residual_treatment=(np.eye(n_arms)[t] - e)[:, 1:],
        )
        return self

    def _set_state(self, scores, cate, X, sample_weight, residual_outcome=None,
                   residual_treatment=None):
        self.scores_ = scores
        self.cate_ = cate
        self.X_ = X
        self.sample_weight_ = sample_weight
        self.residual_outcome_ = residual_outcome
        self.residual_treatment_ = residual_treatment
        self.estimate_ = self.blp()

    @classmethod
    def from_scores(cls, scores, cate, X=None, *, categories=None, sample_weight=None,
                    residual_outcome=None, residual_treatment=None, feature_names=None,
                    n_groups=4):
        """A fitted validator from DR pseudo-outcomes and CATE predictions made elsewhere.

        Serves adapters (econml's ``DRTester``: its ``dr_val_`` and
        ``cate_preds_val_``) and users with their own nuisances. The
        calibration test needs ``residual_outcome`` and ``residual_treatment``.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, n_arms - 1)
            DR pseudo-outcomes of each treated arm against control.
        cate : array-like, shaped like ``scores``
            Out-of-sample CATE predictions.
        X : array-like of shape (n_samples, n_features), default=None
            Covariates, for CLAN and the covariate analyses.
        categories : array-like of shape (n_arms,), default=None
            Arm labels, control first; ``None`` means ``0..K-1``.
        sample_weight : array-like of shape (n_samples,), default=None
        residual_outcome : array-like of shape (n_samples,), default=None
            ``Y - m(X)``.
        residual_treatment : array-like, shaped like ``scores``, default=None
            ``1{A = a} - e_a(X)``.
        feature_names : array-like of str, default=None
        n_groups : int, default=4

        Returns
        -------
        validator : HeterogeneityValidator
        """
        scores = np.asarray(scores, dtype=np.float64)
        scores = scores.reshape(scores.shape[0], -1)
        cate = np.asarray(cate, dtype=np.float64).reshape(scores.shape[0], -1)
        if cate.shape != scores.shape:
            raise ValueError(
                f"cate has shape {cate.shape} but scores has {scores.shape}."
            )
        self = cls(n_groups=n_groups)
        if categories is None:
            categories = np.arange(scores.shape[1] + 1)
        self.categories_ = np.asarray(categories)
        if self.categories_.shape != (scores.shape[1] + 1,):
            raise ValueError(
                f"categories must hold {scores.shape[1] + 1} arms (control first)."
            )
        if X is not None:
            if hasattr(X, "columns") and feature_names is None:
                feature_names = np.asarray(X.columns, dtype=object)
            X = np.asarray(X, dtype=np.float64).reshape(scores.shape[0], -1)
            self.n_features_in_ = X.shape[1]
            if feature_names is not None:
                self.feature_names_in_ = np.asarray(feature_names, dtype=object)
        if residual_treatment is not None:
            residual_treatment = np.asarray(residual_treatment, dtype=np.float64).reshape(
                scores.shape
            )
        if residual_outcome is not None:
            residual_outcome = np.asarray(residual_outcome, dtype=np.float64).ravel()
        self.estimators_ = []
        self._set_state(
            scores, cate, X,
            None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64),
            residual_outcome=residual_outcome, residual_treatment=residual_treatment,
        )
        return self

    # -- helpers ---------------------------------------------------------------
    @property
    def _arms(self):
        return [str(a) for a in self.categories_[1:]]

    def _feature_names(self):
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        return [f"x{j}" for j in range(self.X_.shape[1])]

    def _features(self, features):
        """Column positions and names of ``features`` (names, positions or None = all)."""
        if self.X_ is None:
            raise ValueError("this validator holds no X; pass X to from_scores.")
        names = self._feature_names()
        if features is None:
            return np.arange(len(names)), names
        cols = []
        for f in np.atleast_1d(features).tolist():
            if isinstance(f, str):
                if f not in names:
                    raise ValueError(f"feature {f!r} is not one of {names}.")
                cols.append(names.index(f))
            else:
                cols.append(int(f))
        return np.asarray(cols), [names[c] for c in cols]

    def _w(self):
        w = self.sample_weight_
        return np.ones(self.scores_.shape[0]) if w is None else w

    # -- detect ------------------------------------------------------------------
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
        w = self._w()
        values, errors, names = [], [], []
        for k, arm in enumerate(self._arms):
            s = self.cate_[:, k]
            Z = np.column_stack([np.ones_like(s), s - np.average(s, weights=w)])
            beta, cov = _ols(self.scores_[:, k], Z, w, cov_type)
            if np.ptp(s[w > 0]) == 0:
                _warn(
                    f"the CATE predictions of arm {arm} are constant: the BLP slope "
                    "is not identified."
                )
                beta[1], cov[1, 1] = np.nan, np.nan
            values += beta.tolist()
            errors += np.sqrt(np.diag(cov)).tolist()
            names += [f"{arm}: ATE", f"{arm}: HET"]
        return Estimate(np.array(values), np.array(errors), names=names, method="BLP",
                        n=int(np.sum(w > 0)))

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
        blp = self.blp(cov_type)
        het = np.asarray(blp.value)[1::2]
        se = np.asarray(blp.stderr)[1::2]
        z = het / se
        return pd.DataFrame(
            {"estimate": het, "stderr": se, "zstat": z, "pvalue": norm.sf(z)},
            index=pd.Index(self._arms, name="arm"),
        )

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
        w = self._w()
        cols = []
        for k in range(self.cate_.shape[1]):
            s = self.cate_[:, k]
            mean = np.average(s, weights=w)
            r = self.residual_treatment_[:, k]
            cols += [r * mean, r * (s - mean)]
        Z = np.column_stack(cols)
        beta, cov = _ols(self.residual_outcome_, Z, w, "HC3")
        se = np.sqrt(np.diag(cov))
        tstat = beta / se
        df = int(np.sum(w > 0)) - Z.shape[1]
        index = pd.MultiIndex.from_product(
            [self._arms, ["mean.forest.prediction", "differential.forest.prediction"]],
            names=["arm", "term"],
        )
        return pd.DataFrame(
            {"estimate": beta, "stderr": se, "tstat": tstat,
             "pvalue": student_t.sf(tstat, df)},
            index=index,
        )

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
        return {
            arm: rank_average_treatment_effect(
                self.cate_[:, k], self.scores_[:, k], target=target,
                sample_weight=self.sample_weight_, n_bootstrap=n_bootstrap,
                random_state=random_state,
                verbose=Progress(self.verbose, f"{type(self).__name__} RATE of {arm}"),
            )
            for k, arm in enumerate(self._arms)
        }

    def targeting_curve(self, target="AUTOC", percentiles=None, *, reference=None,
                        n_bootstrap=1000, random_state=None):
        """TOC or Qini curve at quantile thresholds, its integral and uniform bands.

        The form of econml's ``DRTester.evaluate_uplift`` (Chernozhukov et
        al.'s GenericML curves; Yadlowsky et al. 2021 for the TOC). For each
        percentile ``p`` let ``q_p`` be the ``p``-th percentile of the
        ``reference`` predictions (``cate_`` when None), ``G_p = {S >= q_p}``
        and ``pi_p = P_n(G_p)``. Then

        ``TOC(p) = E_n[phi | G_p] - E_n[phi]`` and ``QINI(p) = pi_p TOC(p)``,

        with influence functions
        ``psi_TOC = (phi - ATE)(1{G_p} / pi_p - 1) - TOC(p)`` and
        ``psi_QINI = (phi - ATE)(1{G_p} - pi_p) - QINI(p)``, standard errors
        ``sqrt(E_n[psi^2] / n)``, and the integral the left Riemann sum
        ``sum_j value(p_j) (p_{j+1} - p_j) / 100`` with the same sum of
        influence functions. Uniform critical values come from the multiplier
        bootstrap of ``max_p |sum_i xi_i psi_i(p)| / (n se(p))``,
        ``xi_i ~ N(0, 1)``: its 95th percentile (two-sided band) and the
        absolute 5th percentile of the minimum (one-sided band).

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
        target = str(target).upper()
        if target not in ("AUTOC", "QINI"):
            raise ValueError(f"target must be 'AUTOC' or 'QINI'; got {target!r}.")
        p = np.linspace(5, 95, 50) if percentiles is None else np.asarray(
            percentiles, dtype=np.float64)
        if p.ndim != 1 or p.size < 2 or np.any((p < 0) | (p > 100)) or np.any(np.diff(p) <= 0):
            raise ValueError("percentiles must be at least two increasing numbers in [0, 100].")
        ref = self.cate_ if reference is None else np.asarray(reference, dtype=np.float64)
        ref = ref.reshape(ref.shape[0], -1)
        rng = check_random_state(random_state)
        n = self.scores_.shape[0]
        values, errors, curves = [], [], {}
        for k, arm in enumerate(self.categories_[1:]):
            phi, s = self.scores_[:, k], self.cate_[:, k]
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
        integral = Estimate(np.array(values), np.array(errors), n=n, names=self._arms,
                            method=f"{target} integral")
        return integral, curves

    # -- surface -------------------------------------------------------------------
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
        gates = self.gates(n_groups, reference=reference)
        v = np.asarray(gates.value)
        cal_g = np.sum(gates.share * np.abs(gates.mean_prediction - v), axis=1)
        cal_o = np.sum(gates.share * np.abs(v - gates.ate[:, None]), axis=1)
        return pd.DataFrame(
            {"cal_g": cal_g, "cal_o": cal_o, "r2": 1 - cal_g / cal_o},
            index=pd.Index(self._arms, name="arm"),
        )

    def _groups(self, k, n_groups, reference):
        s = self.cate_[:, k]
        ref = None
        if reference is not None:
            ref = np.asarray(reference, dtype=np.float64)
            ref = ref.reshape(ref.shape[0], -1)[:, k]
        cuts = _quantile_cuts(s, n_groups, ref)
        return _group_codes(s, cuts)

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
        w = self._w()
        K1 = self.cate_.shape[1]
        value = np.full((K1, n_groups), np.nan)
        stderr = np.full((K1, n_groups), np.nan)
        mean_pred = np.full((K1, n_groups), np.nan)
        mean_pred_se = np.full((K1, n_groups), np.nan)
        share = np.zeros((K1, n_groups))
        ate = np.zeros(K1)
        for k in range(K1):
            g = self._groups(k, n_groups, reference)
            phi = self.scores_[:, k]
            ate[k] = np.average(phi, weights=w)
            for j in range(n_groups):
                idx = (g == j) & (w > 0)
                if not np.any(idx):
                    continue
                wj = w[idx]
                value[k, j] = np.average(phi[idx], weights=wj)
                var = np.average((phi[idx] - value[k, j]) ** 2, weights=wj)
                n_j = idx.sum()
                stderr[k, j] = np.sqrt(var / n_j)
                mean_pred[k, j] = np.average(self.cate_[idx, k], weights=wj)
                mean_pred_se[k, j] = np.sqrt(np.average(
                    (self.cate_[idx, k] - mean_pred[k, j]) ** 2, weights=wj) / n_j)
                share[k, j] = wj.sum() / w.sum()
        names = [f"{a}: G{j + 1}" for a in self._arms for j in range(n_groups)]
        return GATESResult(
            value, stderr, names=names, mean_prediction=mean_pred, share=share,
            arms=np.array(self._arms), ate=ate, n=int(np.sum(w > 0)),
            mean_prediction_stderr=mean_pred_se,
        )

    # -- characterise --------------------------------------------------------------
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
        g = self._groups(k, n_groups, None)
        w = self._w()
        rows = {}
        for c, name in zip(cols, names):
            x = self.X_[:, c]
            means, var_n = [], []
            for j in range(n_groups):
                idx = (g == j) & (w > 0)
                mu = np.average(x[idx], weights=w[idx])
                means.append(mu)
                var_n.append(np.average((x[idx] - mu) ** 2, weights=w[idx]) / idx.sum())
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
        w = self._w()
        Z = np.column_stack([np.ones(self.X_.shape[0]), self.X_[:, cols]])
        values, errors, labels = [], [], []
        for k, arm in enumerate(self._arms):
            beta, cov = _ols(self.scores_[:, k], Z, w, cov_type)
            values += beta.tolist()
            errors += np.sqrt(np.diag(cov)).tolist()
            labels += [f"{arm}: intercept"] + [f"{arm}: {n}" for n in names]
        return Estimate(np.array(values), np.array(errors), names=labels,
                        method="best linear projection", n=int(np.sum(w > 0)))

    def rank_covariates(self, features=None, n_bins=5, *, arm=None):
        """Covariates ranked by the effect heterogeneity their bins explain.

        Each covariate is cut into ``n_bins`` quantile bins (its distinct
        values when it has at most ``n_bins``); with ``m_b`` the DR mean effect
        of bin ``b``, ``p_b`` its share and ``se_b`` its standard error, the
        explained effect variance is estimated without the noise of the bin
        means,

        ``V = sum_b p_b (m_b - m)^2 - sum_b p_b (1 - p_b) se_b^2``

        (``m = sum_b p_b m_b``), an estimate of ``Var(E[tau(X) | bin(X_j)])``,
        which catches non-monotone modifiers that a linear projection misses.
        The Wald statistic ``sum_b (m_b - m_w)^2 / se_b^2`` (``m_w`` the
        inverse-variance weighted mean) tests equal bin effects against
        ``chi^2_{B-1}``.

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
        phi = self.scores_[:, k]
        w = self._w()
        keep = w > 0
        rows = {}
        for c, name in zip(cols, names):
            x = self.X_[keep, c]
            f, ww = phi[keep], w[keep]
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

    # -- report ----------------------------------------------------------------------
    def summary(self, alpha=0.05, *, n_bootstrap=200, random_state=0):
        """One table of the detection tests, per treated arm.

        Rows: the BLP ATE and heterogeneity loading, grf's calibration
        coefficients (when residuals are available), the GATES top-minus-
        bottom difference and the RATE (AUTOC). ``pvalue`` is one-sided
        (``> 0``) for the heterogeneity tests and two-sided for the ATE.

        Parameters
        ----------
        alpha : float, default=0.05
        n_bootstrap : int, default=200
            Bootstrap replicates of the RATE.
        random_state : int or None, default=0

        Returns
        -------
        frame : DataFrame
            Index: (arm, test); columns ``estimate, stderr, ci_lower,
            ci_upper, pvalue, null``.
        """
        z = norm.ppf(1 - _check_alpha(alpha) / 2)
        rows, index = [], []

        def add(arm, test, est, se, p, null):
            rows.append([est, se, est - z * se, est + z * se, p, null])
            index.append((arm, test))

        blp = self.blp()
        gates = self.gates()
        cal = None
        if self.residual_outcome_ is not None and self.residual_treatment_ is not None:
            cal = self.calibration_test()
        rate = self.rate(n_bootstrap=n_bootstrap, random_state=random_state)
        for k, arm in enumerate(self._arms):
            v, s = np.asarray(blp.value), np.asarray(blp.stderr)
            add(arm, "BLP ATE", v[2 * k], s[2 * k], 2 * norm.sf(abs(v[2 * k] / s[2 * k])),
                "ATE = 0")
            add(arm, "BLP heterogeneity loading", v[2 * k + 1], s[2 * k + 1],
                norm.sf(v[2 * k + 1] / s[2 * k + 1]), "beta_2 = 0 (vs > 0)")
            if cal is not None:
                for term in ("mean.forest.prediction", "differential.forest.prediction"):
                    r = cal.loc[(arm, term)]
                    add(arm, f"calibration {term}", r["estimate"], r["stderr"], r["pvalue"],
                        "coefficient = 0 (vs > 0)")
            d = gates.difference
            dv, ds = np.asarray(d.value)[k], np.asarray(d.stderr)[k]
            add(arm, "GATES top - bottom", dv, ds, norm.sf(dv / ds), "difference = 0 (vs > 0)")
            rr = rate[arm]
            add(arm, "RATE (AUTOC)", rr.value, rr.stderr, norm.sf(rr.value / rr.stderr),
                "RATE = 0 (vs > 0)")
        return pd.DataFrame(
            rows, index=pd.MultiIndex.from_tuples(index, names=["arm", "test"]),
            columns=["estimate", "stderr", "ci_lower", "ci_upper", "pvalue", "null"],
        )


def _holm(p):
    """Holm's step-down adjusted p-values."""
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(p)
    m = p.size
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adj[i] = min(running, 1.0)
    return adj
