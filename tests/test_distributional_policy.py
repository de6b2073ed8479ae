"""Distributional policy learning: regret, linearisation, utilities, data."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from causaldist.datasets import make_distributional
from causaldist.distributional import (
    CVaR,
    DistributionalPolicyLearner,
    DistributionalPolicyTree,
    ExpectedUtility,
    Mean,
    MeanVariance,
    QuantileGrid,
)
from causaldist.policy import PolicyTree


@pytest.fixture(scope="module")
def population():
    return make_distributional(50_000, n_levels=20, return_truth=True, random_state=999)


def _regret(learner, population, utility):
    oracle = population.value(population.oracle(utility), utility)
    return oracle - population.value(learner.predict(population.X), utility)


def test_regret_falls_with_n(population):
    # Finite samples per unit (4 to 8 draws) make the outcomes noisy; the mean-optimal
    # rule (x1 > -1) is a depth-1 tree, so regret should vanish as n grows.
    grid = QuantileGrid(20)
    regret = {}
    for n in (250, 4000):
        values = []
        for seed in range(12):
            b = make_distributional(n, n_levels=20, n_draws=8, return_truth=True, random_state=seed)
            learner = DistributionalPolicyTree(
                max_depth=1, outcome_model=LinearRegression(), cv=3, random_state=0
            ).fit(b.X, grid.from_samples(b.samples), treatment=b.treatment)
            values.append(_regret(learner, population, Mean()))
        regret[n] = (np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values)))
    print({n: f"{m:.4f} +- {s:.4f}" for n, (m, s) in regret.items()})
    (m_small, s_small), (m_large, s_large) = regret[250], regret[4000]
    assert m_small - m_large > 2 * np.hypot(s_small, s_large)
    assert m_large < m_small / 4


def test_mean_and_cvar_policies_differ_and_each_wins_its_own_utility(population):
    b = make_distributional(6000, n_levels=20, return_truth=True, random_state=1)
    fits = {
        name: DistributionalPolicyTree(
            max_depth=2, utility=U, outcome_model=LinearRegression(), cv=3, random_state=0
        ).fit(b.X, b.y, treatment=b.treatment)
        for name, U in (("mean", Mean()), ("cvar", CVaR(0.1)))
    }
    pol = {k: v.predict(population.X) for k, v in fits.items()}
    assert np.mean(pol["mean"] != pol["cvar"]) > 0.2
    for own, other, U in (("mean", "cvar", Mean()), ("cvar", "mean", CVaR(0.1))):
        assert population.value(pol[own], U) > population.value(pol[other], U)


@pytest.mark.parametrize(
    "utility", [MeanVariance(0.5), ExpectedUtility(lambda q: -np.exp(-q), lambda q: np.exp(-q))]
)
def test_nonlinear_utility_objective_never_decreases(utility, population):
    b = make_distributional(3000, n_levels=20, return_truth=True, random_state=2)
    learner = DistributionalPolicyTree(
        max_depth=2, utility=utility, outcome_model=LinearRegression(), cv=3, max_iter=10
    ).fit(b.X, b.y, treatment=b.treatment)
    path = np.array(learner.objective_path_)
    assert np.all(np.diff(path) > 0)
    assert 1 <= learner.n_iter_ <= 10
    assert len(path) <= learner.n_iter_ + 1
    # the linearised policy beats the mean-optimal start in truth, too
    mean_start = DistributionalPolicyTree(
        max_depth=2, outcome_model=LinearRegression(), cv=3
    ).fit(b.X, b.y, treatment=b.treatment)
    assert population.value(learner.predict(population.X), utility) >= population.value(
        mean_start.predict(population.X), utility
    ) - 0.01


def test_any_policy_class_and_labels():
    b = make_distributional(1500, n_arms=3, n_levels=20, return_truth=True, random_state=3)
    labels = np.array(["ctl", "low", "high"])[b.treatment]
    learner = DistributionalPolicyLearner(
        policy=PolicyTree(max_depth=1), utility=CVaR(0.2), method="ipw", cv=3, control="ctl"
    ).fit(b.X, b.y, treatment=labels)
    pred = learner.predict(b.X)
    assert set(pred) <= {"ctl", "low", "high"}
    assert learner.evaluator_.scores_.shape == (1500, 3, 20)
    assert learner.value_.value == pytest.approx(
        learner.evaluator_.evaluate(pred, utility=CVaR(0.2)).value
    )
    again = pickle.loads(pickle.dumps(learner))
    np.testing.assert_array_equal(again.predict(b.X), pred)
    assert clone(learner).get_params()["utility"] is not None


def test_bad_input():
    b = make_distributional(300, n_levels=10, return_truth=True, random_state=4)
    with pytest.raises(ValueError, match="method"):
        DistributionalPolicyTree(method="ols").fit(b.X, b.y, treatment=b.treatment)
    with pytest.raises(ValueError, match="max_depth"):
        DistributionalPolicyTree(max_depth=0).fit(b.X, b.y, treatment=b.treatment)
    y = b.y.copy()
    y[3, 2] = np.nan
    with pytest.raises(ValueError, match="y"):
        DistributionalPolicyTree().fit(b.X, y, treatment=b.treatment)
    with pytest.raises(ValueError, match="requires treatment"):
        DistributionalPolicyTree().fit(b.X, b.y)


def test_make_distributional_truth():
    b = make_distributional(4000, n_levels=50, n_draws=30, return_truth=True, random_state=5)
    np.testing.assert_allclose(b.y, b.potential_quantiles[np.arange(4000), b.treatment])
    assert len(b.samples) == 4000 and {len(s) for s in b.samples} <= set(range(15, 31))
    # each sample's mean estimates its unit's mean (z-test over units)
    means = np.array([s.mean() for s in b.samples])
    z = (means - b.y.mean(axis=1)).mean() / (means - b.y.mean(axis=1)).std() * np.sqrt(4000)
    assert abs(z) < 4
    with pytest.raises(ValueError, match="linear utility"):
        b.oracle(MeanVariance(1.0))


# -- regression tests of the contract redesign (issue 10) -----------------------


def test_policy_search_uses_sample_weight():
    # The weights entered the scores but not the policy search: integer weights
    # gave another tree than the repeated rows (CVaR -0.829 against -0.776).
    # Known propensities, so no cross-fitting split differs between the two fits.
    b = make_distributional(1500, n_levels=20, return_truth=True, random_state=8)
    w = np.random.default_rng(8).integers(0, 4, 1500)
    rep = np.repeat(np.arange(1500), w)
    kw = dict(max_depth=2, utility=CVaR(0.2), method="ipw", cv=2)
    a = DistributionalPolicyTree(**kw).fit(
        b.X, b.y, treatment=b.treatment, sample_weight=w, propensity=0.5)
    c = DistributionalPolicyTree(**kw).fit(
        b.X[rep], b.y[rep], treatment=b.treatment[rep], propensity=0.5)
    np.testing.assert_array_equal(a.predict(b.X), c.predict(b.X))
    assert a.value_.value == pytest.approx(c.value_.value, rel=1e-12)
    np.testing.assert_allclose(a.barycenter_, c.barycenter_, rtol=1e-12)
    # a nonlinear utility's linearisation steps are weighted too
    kw["utility"] = MeanVariance(0.5)
    a = DistributionalPolicyTree(**kw).fit(
        b.X, b.y, treatment=b.treatment, sample_weight=w, propensity=0.5)
    c = DistributionalPolicyTree(**kw).fit(
        b.X[rep], b.y[rep], treatment=b.treatment[rep], propensity=0.5)
    np.testing.assert_allclose(a.objective_path_, c.objective_path_, rtol=1e-10)


def test_dr_learner_takes_sample_weight_with_default_models():
    b = make_distributional(1200, n_levels=10, return_truth=True, random_state=9)
    w = np.where(b.X[:, 0] > 0, 2.0, 1.0)
    learner = DistributionalPolicyTree(max_depth=1, cv=2, random_state=0).fit(
        b.X, b.y, treatment=b.treatment, sample_weight=w)
    assert np.isfinite(learner.value_.value)

    class NoWeights(PolicyTree):
        def fit(self, X, rewards):
            return super().fit(X, rewards)

    with pytest.raises(TypeError, match="does not accept sample_weight"):
        DistributionalPolicyLearner(policy=NoWeights(), cv=2).fit(
            b.X, b.y, treatment=b.treatment, sample_weight=w)


def test_score_uses_the_learners_own_nuisance_models():
    b = make_distributional(2000, n_levels=20, return_truth=True, random_state=10)
    new = make_distributional(1000, n_levels=20, return_truth=True, random_state=11)
    learner = DistributionalPolicyTree(
        max_depth=1, utility=CVaR(0.2), outcome_model=LinearRegression(), cv=3,
        random_state=0,
    ).fit(b.X, b.y, treatment=b.treatment)
    # By hand: the fold models' average predictions at the new rows, the DR
    # scores, the barycenter of the chosen arms, its CVaR.
    nuis = learner.evaluator_.nuisances_.predict(new.X)
    gamma = nuis.dr_scores(new.y, new.treatment)
    chosen = learner.predict(new.X)
    q = gamma[np.arange(1000), chosen].mean(axis=0)
    score = learner.score(new.X, new.y, treatment=new.treatment)
    assert score == pytest.approx(CVaR(0.2)(q), rel=1e-10)
    # and it estimates the policy's true utility on those units
    truth = new.value(chosen, CVaR(0.2))
    se = learner.evaluator_.evaluate(learner.predict(b.X), utility=CVaR(0.2)).stderr
    assert abs(score - truth) < 4 * se * np.sqrt(2)
    with pytest.raises(ValueError, match="from_samples"):
        learner.score(new.X, new.y[:, ::-1], treatment=new.treatment)
    with pytest.raises(ValueError, match="20"):
        learner.score(new.X, new.y[:, :5], treatment=new.treatment)


def test_default_scoring_grid_search():
    import sklearn
    from sklearn.model_selection import GridSearchCV

    b = make_distributional(1500, n_levels=10, return_truth=True, random_state=12)
    est = DistributionalPolicyTree(outcome_model=LinearRegression(), cv=2, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(est, {"max_depth": [1, 2]}, cv=2).fit(
            b.X, b.y, treatment=b.treatment)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    with sklearn.config_context(enable_metadata_routing=False):
        with pytest.raises(ValueError, match="enable_metadata_routing=True"):
            GridSearchCV(est, {"max_depth": [1, 2]}, cv=2).fit(
                b.X, b.y, treatment=b.treatment)


def test_evaluator_fitted_on_codes_and_keyword_only_models():
    b = make_distributional(600, n_levels=10, return_truth=True, random_state=13)
    labels = np.array(["control", "treated"])[b.treatment]
    learner = DistributionalPolicyTree(max_depth=1, method="ipw", cv=2).fit(
        b.X, b.y, treatment=labels, propensity=0.5)
    # the evaluator shares the learner's arms: fitted on codes, not relabelled
    assert learner.evaluator_.categories_ is learner.categories_
    assert set(learner.predict(b.X)) <= {"control", "treated"}
    # known propensities: no model to predict them at new rows, so score
    # cross-fits the nuisances on the scored rows
    assert np.isfinite(learner.score(b.X, b.y, treatment=labels))
    with pytest.raises(TypeError):
        DistributionalPolicyLearner(PolicyTree())
    with pytest.raises(TypeError):
        DistributionalPolicyTree(estimator="ipw")


def test_policy_tree_exports_arm_labels():
    b = make_distributional(1500, n_levels=10, return_truth=True, random_state=4)
    labels = np.where(b.treatment == 1, "drug", "placebo")
    learner = DistributionalPolicyTree(
        max_depth=1, outcome_model=LinearRegression(), cv=2
    ).fit(b.X, b.y, treatment=labels)
    text = learner.export_text(feature_names=[f"f{k}" for k in range(b.X.shape[1])])
    assert text.startswith("|--- f") and "action: " in text
    actions = {line.split("action: ")[1] for line in text.splitlines() if "action: " in line}
    assert actions <= {"drug", "placebo"} and actions


@pytest.mark.parametrize("make", [
    lambda n_jobs: DistributionalPolicyTree(
        max_depth=2, utility=CVaR(0.2), outcome_model=LinearRegression(), cv=2,
        random_state=0, n_jobs=n_jobs),
    lambda n_jobs: DistributionalPolicyLearner(
        utility=MeanVariance(1.0), outcome_model=LinearRegression(), cv=2,
        random_state=0, n_jobs=n_jobs),
])
def test_policy_tree_searches_on_the_learners_n_jobs_threads(make):
    # n_jobs is the cross-fitting's and the default tree's: the root features
    # split over two threads give the same tree at every linearisation step.
    b = make_distributional(1500, n_arms=3, n_levels=10, return_truth=True,
                            random_state=14)
    one = make(1).fit(b.X, b.y, treatment=b.treatment)
    two = make(2).fit(b.X, b.y, treatment=b.treatment)
    assert two.policy_.n_jobs == 2
    for key in ("feature", "threshold", "left", "right", "action", "n_samples"):
        np.testing.assert_array_equal(two.policy_.tree_[key], one.policy_.tree_[key])
    assert two.objective_path_ == one.objective_path_
