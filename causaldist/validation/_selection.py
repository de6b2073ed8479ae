"""CATE model selection: one family of causal scores on one scale, and stacking by a causal score.

Mahajan et al. (2024), "Empirical Analysis of Model Selection for Heterogeneous
Causal Effect Estimation"; Curth & van der Schaar (2023), "In Search of
Insights, Not Magic Bullets". Every score is computed from one set of
nuisances cross-fitted on the scored rows, so candidates of any learner family
(meta-learners, DML, forests, a Pipeline) are compared on the same footing,
which econml's per-learner ``score_`` does not allow.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import clone

from ..base import BaseCausalEstimator, CATEMixin, _as_label_array, _codes_of
from ..metrics._rate import _rate, _ranked
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ..model_selection._scorers import _CrossFittedScorer, _scoring_X, _categories
from ._common import _cate_against, _cross_fit_cate, _is_fitted

__all__ = ["CATEScorer", "StackedCATE", "causal_scores"]

# Scores that estimate the same quantity, the reduction in PEHE
# E[(tau - tau_hat)^2] relative to the constant ATE predictor: they share one
# scale, can be averaged ("family") and compared across learners.
PEHE_SCALE = ("dr", "r", "plugin", "if")
METRICS = PEHE_SCALE + ("autoc", "qini", "policy", "family")


def _metric_values(metric, tau_hat, phi, tau_plugin, y_res, t_res):
    """One score of the predictions ``tau_hat`` (n, K-1); higher is better.

    PEHE scale (gain over the constant ATE ``c = mean(phi)``):

    - ``dr``: ``mean (phi - c)^2 - mean (phi - tau_hat)^2`` (Kennedy 2023; Saito & Yasui 2020);
    - ``plugin``: the same with the T-learner ``tau_tilde = mu_1 - mu_0`` for ``phi`` (plug-in tau-risk);
    - ``if``: the influence-function-corrected plug-in PEHE
      ``mean (tau_tilde - tau_hat)^2 + 2 (tau_tilde - tau_hat)(phi - tau_tilde)``
      (Alaa & van der Schaar 2019), as a gain over ``c``; it differs from
      ``dr`` by a term free of ``tau_hat``, so the two rank alike;
    - ``r``: the R-loss gain ``mean (y_res - t_res c)^2 - mean (y_res - t_res tau_hat)^2``
      over ``mean t_res^2`` (Nie & Wager 2021), a PEHE gain weighted by
      ``e (1 - e)``: the PEHE gain itself when the propensity is constant.

    Value scale: ``autoc`` / ``qini`` — the RATE of the ranking by
    ``tau_hat`` on the DR scores; ``policy`` — the DR value gain of treating
    with the arm of largest predicted effect when it is positive, over
    treating no one.
    """
    c = phi.mean(axis=0)
    if metric == "dr":
        return float(np.mean((phi - c) ** 2 - (phi - tau_hat) ** 2))
    if metric == "plugin":
        return float(np.mean((tau_plugin - c) ** 2 - (tau_plugin - tau_hat) ** 2))
    if metric == "if":
        def pehe(pred):
            d = tau_plugin - pred
            return np.mean(d**2 + 2 * d * (phi - tau_plugin))
        return float(pehe(np.broadcast_to(c, phi.shape)) - pehe(tau_hat))
    if metric == "r":
        base = np.sum(t_res * c, axis=1)
        fit = np.sum(t_res * tau_hat, axis=1)
        gain = np.mean((y_res - base) ** 2 - (y_res - fit) ** 2)
        return float(gain / np.mean(np.sum(t_res**2, axis=1)))
    if metric in ("autoc", "qini"):
        vals = []
        for k in range(phi.shape[1]):
            if np.ptp(tau_hat[:, k]) == 0:
                vals.append(0.0)
                continue
            g, sw, starts = _ranked(tau_hat[:, k], phi[:, k], np.ones(phi.shape[0]))
            vals.append(float(_rate(g, sw[None, :], starts, np.ones(1), metric.upper())[0][0]))
        return float(np.mean(vals))
    if metric == "policy":
        full = np.column_stack([np.zeros(tau_hat.shape[0]), tau_hat])
        chosen = np.argmax(full, axis=1)
        gain = np.column_stack([np.zeros(phi.shape[0]), phi])
        return float(np.mean(gain[np.arange(phi.shape[0]), chosen]))
    raise ValueError(f"metric must be one of {METRICS}; got {metric!r}.")


def _family(values):
    """Mean of the PEHE-scale scores (they estimate the same gain)."""
    return float(np.mean([values[m] for m in ("dr", "r", "plugin")]))


class CATEScorer(_CrossFittedScorer):
    """A causal score of a CATE estimator, one of a family on one scale; higher is better.

    ``metric`` picks the score (see :func:`causal_scores` for the formulas):
    ``"dr"``, ``"r"``, ``"plugin"``, ``"if"`` and ``"family"`` (their mean)
    estimate the reduction in PEHE ``E[(tau - tau_hat)^2]`` that the
    estimator achieves over the constant-ATE predictor, so they are
    comparable with each other and across learner families (a positive
    score beats the ATE); ``"autoc"``, ``"qini"`` (RATE) and ``"policy"``
    (DR value gain of the implied treatment rule) are on the outcome scale.
    Nuisances are cross-fitted on the scored rows with the shared stage
    (``memory`` shares them across candidates). Requests ``treatment``
    through metadata routing.

    Parameters
    ----------
    metric : str, default="dr"
    propensity_model : classifier, default=None
    outcome_model : regressor, default=None
    cv : int, splitter or iterable, default=5
    min_propensity : float, default=1e-3
    memory : None, str or joblib.Memory, default=None
    random_state : int or None, default=None

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import SLearner, TLearner
    >>> from causaldist.validation import CATEScorer
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, design="rct", random_state=0)
    >>> scorer = CATEScorer(metric="family", outcome_model=LinearRegression(), cv=2)
    >>> t_learner = TLearner(outcome_model=LinearRegression()).fit(X[:1000], y[:1000], treatment=t[:1000])
    >>> bool(scorer(t_learner, X[1000:], y[1000:], treatment=t[1000:]) > 0)
    True
    """

    def __init__(
        self, metric="dr", *, propensity_model=None, outcome_model=None, cv=5,
        min_propensity=1e-3, memory=None, random_state=None,
    ):
        super().__init__(
            propensity_model=propensity_model, outcome_model=outcome_model, cv=cv,
            min_propensity=min_propensity, memory=memory, random_state=random_state,
        )
        self.metric = metric

    def _parts(self, X_valid, y, t, n_arms, sample_weight):
        nuis = self._nuisances(X_valid, y, t, n_arms, sample_weight, outcome=True)
        gamma = nuis.dr_scores(y, t)
        phi = gamma[:, 1:] - gamma[:, [0]]
        tau_plugin = nuis.outcome[:, 1:] - nuis.outcome[:, [0]]
        m = np.sum(nuis.propensity * nuis.outcome, axis=1)
        t_res = (np.eye(n_arms)[t] - nuis.propensity)[:, 1:]
        return phi, tau_plugin, y - m, t_res

    def _score(self, estimator, X, X_valid, y, t, sample_weight, categories):
        if sample_weight is not None:
            raise ValueError("CATEScorer does not take sample weights yet.")
        parts = self._parts(X_valid, y, t, len(categories), sample_weight)
        tau_hat = _cate_against(estimator, X, categories)
        if self.metric == "family":
            return _family({m: _metric_values(m, tau_hat, *parts) for m in ("dr", "r", "plugin")})
        return _metric_values(self.metric, tau_hat, *parts)

    def __repr__(self):
        return f"CATEScorer(metric={self.metric!r})"


def causal_scores(estimators, X, y, treatment, *, metrics=METRICS, propensity_model=None,
                  outcome_model=None, cv=5, random_state=None):
    """Every causal score of every candidate, from one set of nuisances.

    Parameters
    ----------
    estimators : dict of str to fitted CATE estimator
        Candidates fitted on other rows (any causaldist CATE estimator or a
        Pipeline ending in one), all with the same arms.
    X, y, treatment : validation data
    metrics : sequence of str, default=all
        Among ``"dr", "r", "plugin", "if", "autoc", "qini", "policy", "family"``.
        An unknown name, no candidate, or candidates fitted on different arms
        raise a ValueError.
    propensity_model, outcome_model, cv, random_state
        Nuisances of the scores (as :class:`CATEScorer`).

    Returns
    -------
    scores : DataFrame
        One row per candidate, one column per metric (higher is better), and
        ``best_<metric>`` is not added: use ``scores.idxmax()``.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import SLearner, TLearner
    >>> from causaldist.validation import causal_scores
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, design="rct", random_state=0)
    >>> fit = dict(X=X[:1000], y=y[:1000], treatment=t[:1000])
    >>> cands = {"T": TLearner(outcome_model=LinearRegression()).fit(**fit),
    ...          "S": SLearner(outcome_model=LinearRegression()).fit(**fit)}
    >>> table = causal_scores(cands, X[1000:], y[1000:], t[1000:],
    ...                       outcome_model=LinearRegression(), cv=2)
    >>> table.idxmax()["family"]
    'T'
    """
    if not isinstance(estimators, dict) or not estimators:
        raise ValueError(
            "estimators must be a non-empty dict of name to fitted CATE estimator; got "
            f"{estimators!r}."
        )
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if not metrics or unknown:
        raise ValueError(f"metrics must be among {METRICS}; got {unknown or metrics!r}.")
    arms = {name: np.asarray(_categories(est)) for name, est in estimators.items()}
    categories = next(iter(arms.values()))
    # The arms' order may differ (_cate_against reorders by label), not the arms.
    differ = {name: a.tolist() for name, a in arms.items()
              if sorted(a.tolist()) != sorted(categories.tolist())}
    if differ:
        raise ValueError(
            "estimators must all be fitted on the same arms to be scored on one set "
            f"of nuisances; {next(iter(arms))!r} has "
            f"{categories.tolist()} but {differ}."
        )
    scorer = CATEScorer(propensity_model=propensity_model, outcome_model=outcome_model,
                        cv=cv, random_state=random_state)
    X_valid = _scoring_X(X)
    y = np.asarray(y, dtype=np.float64)
    t = _codes_of(_as_label_array(treatment, "treatment"), categories, "treatment")
    parts = scorer._parts(X_valid, y, t, len(categories), None)
    rows = {}
    for name, est in estimators.items():
        tau_hat = _cate_against(est, X, categories)
        vals = {m: _metric_values(m, tau_hat, *parts) for m in METRICS if m != "family"}
        vals["family"] = _family(vals)
        rows[name] = [vals[m] for m in metrics]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(metrics))


@_fill_cross_fit_doc
class StackedCATE(CATEMixin, _CrossFitMixin, BaseCausalEstimator):
    """A convex combination of CATE estimators with weights chosen by a causal loss.

    Every candidate is cross-fitted on the folds of the shared stage; the
    weights ``beta`` (non-negative, summing to one, per treated arm) minimise
    the DR loss ``sum_i (phi_i - sum_k beta_k S_k(X_i))^2`` on their
    out-of-fold predictions (``metric="dr"``) or the R-loss
    ``sum_i (Y_i - m(X_i) - (A_i - e(X_i)) sum_k beta_k S_k(X_i))^2``
    (``metric="r"``, two arms). The candidates are then refitted on all rows
    and ``predict`` returns the weighted sum. ``include_ate`` adds the
    constant ATE as a candidate, a shrinkage target that wins when there is
    little heterogeneity (the causal ensembling of Mahajan et al. 2024).

    Parameters
    ----------
    estimators : list of (str, estimator), default=None
        Unfitted CATE estimators; ``None`` means one T-learner with ``outcome_model``.
    metric : {"dr", "r"}, default="dr"
    include_ate : bool, default=True
    propensity_model : classifier, default=None
    outcome_model : regressor, default=None
    {cross_fit}

    Attributes
    ----------
    weights_ : DataFrame
        Index: candidate names (and ``"ATE"``); one column per treated arm.
    estimators_ : list of (str, estimator)
        Candidates refitted on all rows.
    ate_ : ndarray of shape (n_arms - 1,)
    oof_cate_ : ndarray of shape (n_samples, n_candidates, n_arms - 1)

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import SLearner, TLearner
    >>> from causaldist.validation import StackedCATE
    >>> X, y, t, tau = make_heterogeneous(n_samples=1000, design="rct", random_state=0)
    >>> stack = StackedCATE([("T", TLearner(outcome_model=LinearRegression())),
    ...                      ("S", SLearner(outcome_model=LinearRegression()))],
    ...                     outcome_model=LinearRegression(), cv=2).fit(X, y, treatment=t)
    >>> stack.weights_.index.tolist()
    ['T', 'S', 'ATE']
    """

    _default_models = {"propensity_model": "propensity", "outcome_model": "outcome"}
    _parameter_constraints: dict = {
        "estimators": [list, None],
        "metric": [str],
        "include_ate": ["boolean"],
    }

    def __init__(
        self, estimators=None, *, metric="dr", include_ate=True, propensity_model=None,
        outcome_model=None, cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, verbose=0, control=None,
    ):
        self.estimators = estimators
        self.metric = metric
        self.include_ate = include_ate
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _candidates(self):
        if self.estimators is not None:
            return list(self.estimators)
        from ..metalearners import TLearner

        return [("TLearner", TLearner(outcome_model=clone(self._model("outcome_model"))))]

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        if self.metric not in ("dr", "r"):
            raise ValueError(f"metric must be 'dr' or 'r'; got {self.metric!r}.")
        n_arms = len(self.categories_)
        if self.metric == "r" and n_arms != 2:
            raise ValueError("metric='r' needs two arms; use metric='dr' with more.")
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=True,
        )
        gamma = nuis.dr_scores(y, t)
        phi = gamma[:, 1:] - gamma[:, [0]]
        w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        self.ate_ = np.average(phi, axis=0, weights=w)
        cands = self._candidates()
        names = [name for name, _ in cands]
        oof = np.stack(
            [_cross_fit_cate(est, X, y, t, sample_weight, self.folds_, self.categories_)[0]
             for _, est in cands], axis=1,
        )
        if self.include_ate:
            oof = np.concatenate(
                [oof, np.broadcast_to(self.ate_, (X.shape[0], 1, n_arms - 1))], axis=1
            )
            names = names + ["ATE"]
        self.oof_cate_ = oof
        if self.metric == "dr":
            targets, weights = phi, w[:, None] * np.ones_like(phi)
        else:
            r_t = (t == 1) - nuis.propensity[:, 1]
            m = np.sum(nuis.propensity * nuis.outcome, axis=1)
            targets = ((y - m) / r_t)[:, None]
            weights = (w * r_t**2)[:, None]
        beta = np.column_stack(
            [_simplex_lsq(oof[:, :, k], targets[:, k], weights[:, k])
             for k in range(n_arms - 1)]
        )
        self.weights_ = pd.DataFrame(beta, index=names,
                                     columns=[str(c) for c in self.categories_[1:]])
        self.estimators_ = []
        labels = self.categories_[t]
        for name, est in cands:
            est = clone(est)
            if "control" in est.get_params() and est.get_params()["control"] is None:
                est.set_params(control=self.categories_[0])
            kw = {} if sample_weight is None else {"sample_weight": sample_weight}
            self.estimators_.append((name, est.fit(X, y, treatment=labels, **kw)))
        return self

    def _cate(self, X):
        preds = [_cate_against(est, X, self.categories_) for _, est in self.estimators_]
        if self.include_ate:
            preds.append(np.broadcast_to(self.ate_, (X.shape[0], len(self.ate_))))
        P = np.stack(preds, axis=1)
        return np.einsum("nkj,kj->nj", P, self.weights_.to_numpy())

    def _models_seeing_X(self):
        return [self._model("propensity_model"), self._model("outcome_model")]


def _simplex_lsq(S, target, weight):
    """``argmin_beta sum_i w_i (target_i - S_i beta)^2`` over the probability simplex.

    The minimiser does not change when ``S`` and ``target`` are multiplied by
    one constant, but SLSQP stops on an absolute tolerance of the objective
    (in the unit of y squared): both are divided by the root mean square of
    the target first, so that the weights do not depend on the unit of y.
    """
    k = S.shape[1]
    sw = np.sqrt(weight / weight.sum())
    A, b = S * sw[:, None], target * sw
    scale = np.sqrt(np.sum(b**2)) or np.sqrt(np.sum(A**2)) or 1.0
    A, b = A / scale, b / scale
    G, h = A.T @ A, A.T @ b

    def obj(beta):
        return beta @ G @ beta - 2 * h @ beta, 2 * (G @ beta - h)

    res = minimize(
        obj, np.full(k, 1.0 / k), jac=True, method="SLSQP", bounds=[(0, 1)] * k,
        constraints=[{"type": "eq", "fun": lambda b: b.sum() - 1, "jac": lambda b: np.ones(k)}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    beta = np.clip(res.x, 0, None)
    return beta / beta.sum()
