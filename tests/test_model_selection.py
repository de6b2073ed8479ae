"""Shared cross-fitting stage, nuisance caching and the causal scorers."""

import re
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score, cross_validate
from sklearn.tree import DecisionTreeRegressor

from causaldist.base import BaseCausalEstimator, CATEMixin
from causaldist.datasets import make_heterogeneous
from causaldist.metalearners import DRLearner
from causaldist.model_selection import (
    DRMSEScorer,
    Nuisances,
    RLossScorer,
    cross_fit,
    make_folds,
)

ROUTING_HINT = "sklearn.set_config(enable_metadata_routing=True)"


# -- test-only estimators ----------------------------------------------------
FIT_COUNTS = {"propensity": 0}


class CountingLogisticRegression(LogisticRegression):
    """Counts its fits in a module-level dict (n_jobs=1 only)."""

    def fit(self, X, y, sample_weight=None):
        FIT_COUNTS["propensity"] += 1
        return super().fit(X, y, sample_weight=sample_weight)


class RecordingLogisticRegression(LogisticRegression):
    """Remembers the sample_weight it was fitted with."""

    def fit(self, X, y, sample_weight=None):
        self.seen_weight_ = sample_weight
        return super().fit(X, y, sample_weight=sample_weight)


class ColumnPropensity(ClassifierMixin, BaseEstimator):
    """P(A = 1 | x) = x_0: propensities chosen by the test."""

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        p = np.asarray(X)[:, 0]
        return np.column_stack([1 - p, p])


class FixedCATE(CATEMixin, BaseCausalEstimator):
    """tau(x) = slope * (1 + x_2) + shift: the truth of make_heterogeneous at slope=1."""

    def __init__(self, slope=1.0, shift=0.0, control=None):
        self.slope = slope
        self.shift = shift
        self.control = control

    def fit(self, X, y, treatment=None, sample_weight=None):
        X, y, t, _ = self._validate_fit_data(X, y, treatment, sample_weight)
        return self

    def _cate(self, X):
        tau = self.slope * (1 + X[:, 2]) + self.shift
        return np.tile(tau[:, None], (1, len(self.categories_) - 1))


@pytest.fixture
def data():
    return make_heterogeneous(n_samples=400, random_state=0)


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


# -- make_folds --------------------------------------------------------------
def test_make_folds_stratified_and_partition():
    t = np.r_[np.zeros(90, int), np.ones(10, int)]
    folds = make_folds(5, t)
    tests = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(tests), np.arange(100))
    for train, test in folds:
        assert np.sum(t[test] == 1) == 2  # 10 treated units over 5 folds
        assert set(t[train]) == {0, 1}


def test_make_folds_groups_never_split():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 300)
    groups = rng.integers(0, 40, 300)
    for cv in (4, GroupKFold(4)):
        for train, test in make_folds(cv, t, groups=groups):
            assert not set(groups[train]) & set(groups[test])


def test_make_folds_every_arm_in_every_training_fold():
    t = np.repeat([0, 1, 2], 20)
    for train, _ in make_folds(5, t):
        assert set(t[train]) == {0, 1, 2}
    # The unshuffled arm-wise blocks below leave arm 2 out of a training part.
    bad = [(np.arange(40), np.arange(40, 60)), (np.arange(20, 60), np.arange(20))]
    with pytest.raises(ValueError, match="every training fold must contain every arm"):
        make_folds(bad, t)
    with pytest.raises(ValueError, match="treatment: arm with code 2 has only 3"):
        make_folds(5, np.r_[np.zeros(20, int), np.ones(20, int), np.full(3, 2)])


# -- cross_fit -----------------------------------------------------------------
def test_clipping_warning_counts_units():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 200)
    p[:7] = 1e-5
    p[7:10] = 1 - 1e-6
    X = np.column_stack([p, rng.normal(size=200)])
    t = (rng.uniform(size=200) < 0.5).astype(int)
    with pytest.warns(UserWarning, match=r"^10 of 200 units .* clipped"):
        nuis = cross_fit(X, X[:, 1], t, folds=make_folds(2, t), propensity_model=ColumnPropensity())
    assert nuis.n_clipped == 10
    # raised to 1e-3, then the row renormalised
    assert np.all(nuis.propensity >= 1e-3 / (1 + 1e-3) - 1e-15)
    np.testing.assert_allclose(nuis.propensity.sum(axis=1), 1.0)


def test_dr_scores_match_hand_computation():
    rng = np.random.default_rng(1)
    n, K = 50, 3
    e = rng.dirichlet(np.ones(K), size=n)
    mu = rng.normal(size=(n, K))
    t = rng.integers(0, K, n)
    y = rng.normal(size=n)
    gamma = Nuisances(propensity=e, outcome=mu).dr_scores(y, t)
    expected = np.empty((n, K))
    for i in range(n):
        for a in range(K):
            expected[i, a] = mu[i, a] + (t[i] == a) / e[i, a] * (y[i] - mu[i, a])
    np.testing.assert_allclose(gamma, expected)


def test_controls_W_enter_the_nuisances(data):
    X, y, t, _ = data
    W = np.random.default_rng(0).normal(size=(len(y), 2))
    nuis = cross_fit(X, y, t, folds=make_folds(3, t), propensity_model=LogisticRegression(),
                     outcome_model=LinearRegression(), marginal_model=LinearRegression(), W=W)
    p = X.shape[1] + 2
    assert all(m.n_features_in_ == p for m in nuis.models["propensity"])
    assert all(m.n_features_in_ == p for fold in nuis.models["outcome"] for m in fold)
    assert all(m.n_features_in_ == p for m in nuis.models["marginal"])


def test_pooled_outcome_is_one_model_per_fold():
    X, y, t, _ = make_heterogeneous(n_samples=300, n_arms=3, random_state=0)
    nuis = cross_fit(X, y, t, folds=make_folds(3, t), outcome_model=LinearRegression(),
                     pooled_outcome=True)
    assert nuis.outcome.shape == (300, 3)
    assert len(nuis.models["outcome"]) == 3
    for model in nuis.models["outcome"]:
        assert isinstance(model, LinearRegression)
        assert model.n_features_in_ == X.shape[1] + 2  # control column dropped
    # A linear model in [X, dummies] shifts each arm by its own coefficient.
    for (_, test), model in zip(nuis.folds, nuis.models["outcome"]):
        np.testing.assert_allclose(nuis.outcome[test, 2] - nuis.outcome[test, 0], model.coef_[-1])


def test_multi_output_outcome_matches_columnwise(data):
    X, y, t, _ = data
    Y = np.column_stack([y, 2 * y + X[:, 0], -y])
    folds = make_folds(3, t)
    kw = dict(folds=folds, propensity_model=LogisticRegression(), outcome_model=LinearRegression())
    multi = cross_fit(X, Y, t, marginal_model=LinearRegression(), **kw)
    assert multi.outcome.shape == (len(y), 2, 3)
    assert multi.marginal.shape == (len(y), 3)
    gamma = multi.dr_scores(Y, t)
    assert gamma.shape == (len(y), 2, 3)
    for j in range(3):
        single = cross_fit(X, Y[:, j], t, **kw)
        np.testing.assert_allclose(multi.outcome[:, :, j], single.outcome, atol=1e-10)
        np.testing.assert_allclose(gamma[:, :, j], single.dr_scores(Y[:, j], t), atol=1e-8)


def test_n_jobs_2_identical_to_n_jobs_1(data):
    X, y, t, _ = data
    kw = dict(folds=make_folds(3, t, random_state=0), propensity_model=LogisticRegression(),
              outcome_model=DecisionTreeRegressor(max_depth=3, random_state=0),
              marginal_model=LinearRegression())
    a = cross_fit(X, y, t, n_jobs=1, **kw)
    b = cross_fit(X, y, t, n_jobs=2, **kw)
    for name in ("propensity", "outcome", "marginal"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_sample_weight_reaches_the_nuisances(data):
    X, y, t, _ = data
    w = np.random.default_rng(0).uniform(0.5, 2, len(y))
    nuis = cross_fit(X, y, t, folds=make_folds(3, t), propensity_model=RecordingLogisticRegression(),
                     sample_weight=w)
    for (train, _), model in zip(nuis.folds, nuis.models["propensity"]):
        np.testing.assert_array_equal(model.seen_weight_, w[train])
    plain = cross_fit(X, y, t, folds=nuis.folds, propensity_model=LogisticRegression())
    assert not np.allclose(plain.propensity, nuis.propensity)


# -- memory: nuisances fitted once per outer split ---------------------------------
def _counting_learner(memory):
    return DRLearner(
        outcome_model=LinearRegression(), propensity_model=CountingLogisticRegression(),
        final_model=DecisionTreeRegressor(random_state=0), cv=2, memory=memory,
    )


@pytest.mark.parametrize("use_memory", [True, False])
def test_grid_search_fits_nuisances_once_per_outer_split(data, routing, tmp_path, use_memory):
    X, y, t, _ = data
    memory = str(tmp_path) if use_memory else None
    grid = {"final_model__max_depth": list(range(1, 11))}
    FIT_COUNTS["propensity"] = 0
    search = GridSearchCV(_counting_learner(memory), grid, cv=5, n_jobs=1,
                          scoring=DRMSEScorer(cv=2, memory=memory))
    search.fit(X, y, treatment=t)
    outer = 5 + 1  # five outer splits plus the refit on all rows
    per_fit = 2    # the inner cross-fitting folds
    if use_memory:
        assert FIT_COUNTS["propensity"] == outer * per_fit
    else:
        assert FIT_COUNTS["propensity"] == (10 * 5 + 1) * per_fit
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_memory_refits_on_new_nuisance_params_or_data(data, tmp_path):
    X, y, t, _ = data
    FIT_COUNTS["propensity"] = 0
    first = _counting_learner(str(tmp_path)).fit(X, y, treatment=t)
    assert FIT_COUNTS["propensity"] == 2
    again = _counting_learner(str(tmp_path)).set_params(final_model__max_depth=2).fit(X, y, treatment=t)
    assert FIT_COUNTS["propensity"] == 2
    np.testing.assert_array_equal(first.nuisances_.propensity, again.nuisances_.propensity)
    _counting_learner(str(tmp_path)).set_params(propensity_model__C=0.1).fit(X, y, treatment=t)
    assert FIT_COUNTS["propensity"] == 4
    _counting_learner(str(tmp_path)).fit(X, y + 1, treatment=t)
    assert FIT_COUNTS["propensity"] == 6
    X2 = X.copy()
    X2[0, 0] += 1e-9
    _counting_learner(str(tmp_path)).fit(X2, y, treatment=t)
    assert FIT_COUNTS["propensity"] == 8


# -- scorers -------------------------------------------------------------------
def test_scorers_request_treatment_and_sample_weight():
    for scorer in (DRMSEScorer(), RLossScorer()):
        request = scorer.get_metadata_routing()
        assert request.score.requests == {"treatment": True, "sample_weight": True}


def test_scorers_match_hand_computation():
    X, y, t, tau = make_heterogeneous(n_samples=600, random_state=2)
    est = FixedCATE(slope=0.5).fit(X, y, treatment=t)
    tau_hat = est.predict(X)
    folds = make_folds(3, t, random_state=0)
    nuis = cross_fit(X, y, t, folds=folds, propensity_model=LogisticRegression(),
                     outcome_model=LinearRegression(), marginal_model=LinearRegression())
    gamma = nuis.dr_scores(y, t)
    kw = dict(propensity_model=LogisticRegression(), outcome_model=LinearRegression(), cv=3,
              random_state=0)
    dr = DRMSEScorer(**kw)(est, X, y, treatment=t)
    np.testing.assert_allclose(dr, -np.mean((gamma[:, 1] - gamma[:, 0] - tau_hat) ** 2))
    r = RLossScorer(**kw)(est, X, y, treatment=t)
    resid = y - nuis.marginal - (t - nuis.propensity[:, 1]) * tau_hat
    np.testing.assert_allclose(r, -np.mean(resid**2))


def test_scorers_rank_the_truth_first():
    X, y, t, tau = make_heterogeneous(n_samples=2000, random_state=3)
    kw = dict(propensity_model=LogisticRegression(), outcome_model=LinearRegression(), cv=3)
    for scorer in (DRMSEScorer(**kw), RLossScorer(**kw)):
        scores = [scorer(FixedCATE(slope=s).fit(X, y, treatment=t), X, y, treatment=t)
                  for s in (0.0, 0.5, 1.0)]
        assert scores[2] > scores[1] > scores[0]


def test_dr_mse_arms_and_string_labels():
    labels = np.array(["ctl", "low", "high"])
    X, y, t, tau = make_heterogeneous(n_samples=600, n_arms=3, treatment_labels=labels,
                                      random_state=4)
    est = FixedCATE(control="ctl").fit(X, y, treatment=t)
    assert est.categories_.tolist() == ["ctl", "high", "low"]
    kw = dict(propensity_model=LogisticRegression(), outcome_model=LinearRegression(), cv=3,
              random_state=0)
    codes = est._codes_of(t, "t")
    nuis = cross_fit(X, y, codes, folds=make_folds(3, codes, random_state=0),
                     propensity_model=LogisticRegression(), outcome_model=LinearRegression())
    gamma = nuis.dr_scores(y, codes)
    sq = (gamma[:, 1:] - gamma[:, [0]] - est.predict(X)) ** 2
    np.testing.assert_allclose(DRMSEScorer(**kw)(est, X, y, treatment=t), -sq.mean())
    np.testing.assert_allclose(DRMSEScorer(arms="low", **kw)(est, X, y, treatment=t),
                               -sq[:, 1].mean())
    with pytest.raises(ValueError, match="arms must name treated arms"):
        DRMSEScorer(arms="ctl", **kw)(est, X, y, treatment=t)
    with pytest.raises(ValueError, match="treatment contains labels not seen in fit"):
        DRMSEScorer(**kw)(est, X, y, treatment=np.where(t == "low", "new", t))


def test_scorers_in_search_with_routing(routing):
    X, y, t, _ = make_heterogeneous(n_samples=300, random_state=0)
    w = np.random.default_rng(0).uniform(0.5, 2, len(y))
    est = DRLearner(outcome_model=LinearRegression(), final_model=DecisionTreeRegressor(), cv=2)
    scoring = {"dr": DRMSEScorer(cv=2, outcome_model=LinearRegression()),
               "r": RLossScorer(cv=2, outcome_model=LinearRegression())}
    # sample_weight is requested explicitly, as for any sklearn estimator.
    res = cross_validate(est.set_fit_request(sample_weight=True), X, y, params={"treatment": t, "sample_weight": w},
                         scoring=scoring, cv=3)
    assert np.all(np.isfinite(res["test_dr"])) and np.all(np.isfinite(res["test_r"]))
    search = GridSearchCV(est, {"final_model__max_depth": [1, 3]}, cv=3, scoring=scoring["dr"])
    search.fit(X, y, treatment=t)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_scorers_fail_loudly_without_routing():
    X, y, t, _ = make_heterogeneous(n_samples=200, random_state=0)
    est = DRLearner(outcome_model=LinearRegression(), final_model=DecisionTreeRegressor(), cv=2)
    for scorer in (DRMSEScorer(cv=2), RLossScorer(cv=2)):
        with sklearn.config_context(enable_metadata_routing=False):
            # fit gets treatment the legacy way, the scorer gets nothing.
            search = GridSearchCV(est, {"final_model__max_depth": [1, 3]}, cv=2, scoring=scorer)
            with pytest.raises(ValueError, match=re.escape(ROUTING_HINT)):
                search.fit(X, y, treatment=t)
            with pytest.raises(ValueError, match=re.escape(ROUTING_HINT)):
                cross_val_score(est, X, y, params={"treatment": t}, scoring=scorer, cv=2)
            with pytest.raises(ValueError, match=re.escape(ROUTING_HINT)):
                cross_validate(est, X, y, params={"treatment": t},
                               scoring={"s": scorer}, cv=2)
        fitted = est.fit(X, y, treatment=t)
        with pytest.raises(ValueError, match=re.escape(ROUTING_HINT)):
            scorer(fitted, X, y)


def test_make_folds_deterministic_unless_seeded():
    t = np.repeat([0, 1, 2], [50, 30, 20])
    a, b = make_folds(5, t), make_folds(5, t)
    assert all(np.array_equal(x[1], z[1]) for x, z in zip(a, b))
    c = make_folds(5, t, random_state=1)
    assert not all(np.array_equal(x[1], z[1]) for x, z in zip(a, c))


def test_grid_search_picks_the_lower_pehe_candidate(routing):
    from sklearn.linear_model import Ridge

    X, y, t, _ = make_heterogeneous(3000, 4, random_state=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search = GridSearchCV(
            DRLearner(outcome_model=LinearRegression(), final_model=Ridge(), cv=3),
            {"final_model__alpha": [1e-2, 1e7]},  # 1e7 shrinks every slope to ~0
            scoring=DRMSEScorer(
                propensity_model=LogisticRegression(), outcome_model=LinearRegression(), cv=3
            ), cv=3,
        ).fit(X, y, treatment=t)
    assert search.best_params_ == {"final_model__alpha": 1e-2}


@pytest.mark.parametrize("pooled", [False, True])
def test_scalar_outcome_predicted_in_workers_as_in_the_parent(pooled):
    # A scalar outcome's out-of-fold predictions are made in the fold's worker
    # (in parallel), a vector outcome's in the parent a block at a time: the
    # two paths give the same numbers, in the same arm-major layout.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 3))
    t = rng.integers(0, 3, 600)
    y = X[:, 0] + t + rng.normal(size=600)
    kw = dict(folds=make_folds(3, t, random_state=0), pooled_outcome=pooled,
              outcome_model=DecisionTreeRegressor(max_depth=3, random_state=0))
    scalar = cross_fit(X, y, t, n_jobs=2, **kw)
    vector = cross_fit(X, y[:, None], t, **kw)
    np.testing.assert_array_equal(scalar.outcome, vector.outcome.reshape(600, 3))
    assert scalar.outcome.shape == (600, 3)
    assert np.moveaxis(scalar.outcome, 1, 0).flags.c_contiguous
