"""A fitted holder of DR scores and CATE predictions, and the heterogeneity tests it answers.

:class:`HeterogeneityValidator` holds doubly robust (AIPW) pseudo-outcomes
``phi_i`` and CATE predictions ``S(X_i)`` made by models that never saw unit
``i`` (held-out data, or cross-fitting), and answers the questions asked of
an experiment after the fact (Sadeghi, Gupta et al., "A Systematic Paradigm
for Detecting, Surfacing, and Characterizing HTE"): is there heterogeneity at
all (BLP, omnibus calibration, RATE), along which variables (covariate
ranking, best linear projection), and what the units that respond most look
like (GATES, CLAN). This module holds the fitted state only; the tests are
functions of arrays grouped by concern, each module with the verbs that pass
them the fitted arrays: ``_blp`` (BLP, grf's calibration test), ``_gates``
(GATES, CLAN, calibration score), ``_targeting`` (RATE, TOC / Qini curves) and
``_covariates`` (best linear projection, covariate ranking).
"""

import numbers

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import clone

from ..base import BaseCausalEstimator
from ..inference._estimate import _check_alpha
from ..metalearners import TLearner
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ._blp import _BLPTests
from ._covariates import _CovariateTests
from ._common import (
    _cate_against, _content_parts, _cross_fit_cate, _is_fitted, _tournament_folds,
)
from ._gates import GATESResult, _GroupTests
from ._targeting import _TargetingTests

__all__ = ["GATESResult", "HeterogeneityValidator"]


@_fill_cross_fit_doc
class HeterogeneityValidator(_BLPTests, _GroupTests, _TargetingTests, _CovariateTests,
                             _CrossFitMixin, BaseCausalEstimator):
    """Tests and descriptions of effect heterogeneity for any CATE estimator.

    ``fit(X, y, treatment)`` cross-fits the propensity ``e_a(x)`` and the
    outcome regressions ``mu_a(x)`` on the rows given (the validation data),
    forms the AIPW pseudo-outcomes ``phi_ia = Gamma_i(a) - Gamma_i(0)``
    (:meth:`causaldist.model_selection.Nuisances.dr_scores`) and the CATE
    predictions ``S_a(X_i)`` of ``estimator``:

    - a fitted ``estimator`` (fitted on other rows, e.g. a training split)
      predicts every row: the held-out design of Chernozhukov, Demirer, Duflo
      & Fernandez-Val (CDDF) and of econml's ``DRTester``;
    - an unfitted one is cross-fitted in a tournament: the rows are cut in
      an odd number ``K >= 3`` of parts (the folds when they are, else
      ``K + 1`` or 3 parts dealt from a hash of each row's values, balanced
      over the arms, or of its group) and the rows of part ``k``
      are predicted by a clone fitted on the ``(K - 1) / 2`` parts after it,
      cyclically, so that no two parts train each other's predictor; each
      part's predictions are centred on the overall mean. Cross-fitting on
      every other fold, as for the nuisances, would make the heterogeneity
      tests reject a true null far too often: under a constant effect the
      predictions are noise learned from the very outcomes they are tested
      against (wrap a fitted estimator in ``sklearn.frozen.FrozenEstimator``
      to keep it fitted under ``clone``);
    - ``None`` does the same with a
      :class:`~causaldist.metalearners.TLearner` of ``outcome_model``.

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
        Fitted (held-out predictions), unfitted (tournament-fitted) or ``None``
        (a tournament-fitted T-learner of ``outcome_model``), see above.
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
        Out-of-sample CATE predictions ``S_a(X_i)`` (tournament-fitted ones
        centred within their part, see above).
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
        The tournament-fitted clones of ``estimator`` (or of the default
        T-learner), one per part; empty for a fitted ``estimator``.
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
        if self.estimator is not None and _is_fitted(self.estimator):
            cate, estimators = _cate_against(self.estimator, X, self.categories_), []
        else:
            cate, estimators = self._cross_fit_predictor(X, y, t, sample_weight, groups)
        n_arms = len(self.categories_)
        e = nuis.propensity
        m = np.sum(e * nuis.outcome, axis=1)
        self.estimators_ = estimators
        self._set_state(
            gamma[:, 1:] - gamma[:, [0]], cate, X, sample_weight,
            residual_outcome=y - m, residual_treatment=(np.eye(n_arms)[t] - e)[:, 1:],
        )
        return self

    def _cross_fit_predictor(self, X, y, t, sample_weight, groups):
        """Out-of-part predictions of ``estimator`` (or of the T-learner) in a tournament.

        Under a constant effect the cross-fitted predictions are pure noise,
        and with the usual design (part ``k`` predicted by a model of every
        other part) the slope's numerator pairs the noise of parts ``k`` and
        ``l`` twice, once through each one's model, while the sandwich
        counts it once: the two-sided BLP test then rejects a true null 20-25%
        of the time (n = 1,000, five folds, with linear or flexible outcome
        models alike). Fitting each part's model on the ``(K - 1) / 2`` parts
        after it (:func:`._common._tournament_folds`) uses each pair once; the
        level of each part's model, noise learned from other parts' outcomes,
        is removed by centring its predictions within the part.
        """
        base = self.estimator if self.estimator is not None else TLearner(
            outcome_model=clone(self._model("outcome_model")))
        parts = [test for _, test in self.folds_]
        n = X.shape[0]
        partition = sum(p.size for p in parts) == n and np.unique(np.concatenate(parts)).size == n
        if len(parts) < 3 or len(parts) % 2 == 0 or not partition:
            k = len(parts) + 1 if partition and len(parts) % 2 == 0 else 3
            parts = _content_parts(X, t, groups, k)
        cate, estimators = _cross_fit_cate(
            base, X, y, t, sample_weight, _tournament_folds(parts), self.categories_
        )
        w = np.ones(n) if sample_weight is None else sample_weight
        centre = np.average(cate, axis=0, weights=w)
        for part in parts:
            if w[part].sum() > 0:
                cate[part] += centre - np.average(cate[part], axis=0, weights=w[part])
        return cate, estimators

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

