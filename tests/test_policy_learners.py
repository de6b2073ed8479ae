"""LinearPolicy, PolicyClassifier and the policy-value scorer."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from scipy.optimize import check_grad
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from causaldist.model_selection import PolicyValueScorer, cross_fit, make_folds
from causaldist.policy import DRPolicyTree, LinearPolicy, PolicyClassifier, PolicyTree
from causaldist.policy._linear_policy import _smoothed_welfare

ROUTING_HINT = "sklearn.set_config(enable_metadata_routing=True)"


def _linear_truth(n, seed, noise=2.0):
    """Three actions whose true rewards are linear in x: the oracle is a linear rule.

    ``mu_0 = 0``, ``mu_1 = x0 - 0.5 x1``, ``mu_2 = 0.5 + x1 - 0.5 x0``; the
    observed reward matrix is ``Gamma = mu + noise * eps`` (like AIPW scores:
    unbiased for the true rewards, noisy).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    mu = np.column_stack([np.zeros(n), X[:, 0] - 0.5 * X[:, 1], 0.5 + X[:, 1] - 0.5 * X[:, 0]])
    return X, mu, mu + noise * rng.normal(size=(n, 3))


@pytest.fixture(scope="module")
def population():
    X, mu, _ = _linear_truth(200_000, seed=12345)
    return X, mu, mu.max(axis=1).mean()


def _regret(policy, population):
    X, mu, oracle = population
    return oracle - mu[np.arange(len(X)), policy.predict(X)].mean()


# -- LinearPolicy ------------------------------------------------------------
def test_smoothed_welfare_gradient_is_exact():
    rng = np.random.default_rng(0)
    Xs, G = rng.normal(size=(150, 3)), rng.normal(size=(150, 4))
    w = rng.uniform(size=150)
    w /= w.sum()
    for temperature, alpha in [(1.0, 0.0), (0.1, 1e-2)]:
        theta = rng.normal(size=3 * 3 + 3)
        err = check_grad(
            lambda t: _smoothed_welfare(t, Xs, G, w, temperature, alpha)[0],
            lambda t: _smoothed_welfare(t, Xs, G, w, temperature, alpha)[1],
            theta,
        )
        assert err < 1e-6


def test_linear_policy_within_resolution_of_oracle(population):
    X, mu, G = _linear_truth(2000, seed=0)
    policy = LinearPolicy().fit(X, G)
    # The training data cannot rank policies whose values differ by less than
    # about 2 SE of one policy's empirical welfare; the oracle's SE here:
    oracle_scores = G[np.arange(len(X)), mu.argmax(axis=1)]
    se = oracle_scores.std(ddof=1) / np.sqrt(len(X))
    regret = _regret(policy, population)
    assert 0 <= regret < 2 * se
    # ... and far from the best constant action's regret.
    const = population[1].mean(axis=0).max()
    assert population[2] - const > 5 * se


def test_linear_policy_regret_falls_with_n(population):
    # EWM over a VC class: regret O(sqrt(d / n)), so 16x the data should cut it
    # by about 4 (more under a margin condition); ask for 2x, means of 5 seeds.
    def mean_regret(n):
        return np.mean([
            _regret(LinearPolicy().fit(*_linear_truth(n, seed)[::2]), population)
            for seed in range(5)
        ])

    assert mean_regret(8000) < mean_regret(500) / 2


def test_linear_policy_never_below_its_starts():
    X, mu, G = _linear_truth(800, seed=3)
    policy = LinearPolicy(n_restarts=0).fit(X, G)
    assert policy.welfare_ >= G.mean(axis=0).max()
    plug_in = LinearRegression().fit(X, G).predict(X).argmax(axis=1)
    # One unit on a tie could flip between the two least-squares solutions.
    tol = np.abs(G).max() / len(X)
    assert policy.welfare_ >= G[np.arange(len(X)), plug_in].mean() - tol
    assert policy.start_ in {"constant", "plug-in", "logistic"}


def test_linear_policy_attributes_and_decision_function():
    X, _, G = _linear_truth(600, seed=4)
    policy = LinearPolicy().fit(X, G)
    assert policy.coef_.shape == (3, 3) and np.all(policy.coef_[0] == 0)
    assert policy.intercept_[0] == 0
    z = policy.decision_function(X)
    assert z.shape == (600, 3)
    np.testing.assert_allclose(z, X @ policy.coef_.T + policy.intercept_)
    np.testing.assert_array_equal(policy.predict(X), z.argmax(axis=1))
    assert policy.welfare_ == pytest.approx(policy.score(X, G))
    np.testing.assert_array_equal(policy.classes_, [0, 1, 2])


def test_linear_policy_invariances():
    # Standardised features and normalised rewards: affine maps of the
    # features, positive scaling of the rewards and per-row reward shifts
    # leave the learned rule unchanged.
    X, _, G = _linear_truth(600, seed=5)
    base = LinearPolicy().fit(X, G).predict(X)
    shift = np.random.default_rng(0).normal(size=(600, 1))
    other = LinearPolicy().fit(10 * X - 3, 4 * G + shift).predict(10 * X - 3)
    assert np.mean(base == other) >= 0.995


def test_linear_policy_temperature_and_restarts():
    X, _, G = _linear_truth(400, seed=6)
    single = LinearPolicy(temperature=0.5, n_restarts=0).fit(X, G)
    schedule = LinearPolicy(temperature=[1.0, 0.1], n_restarts=1).fit(X, G)
    assert single.welfare_ > G.mean(axis=0).max()
    assert schedule.welfare_ > G.mean(axis=0).max()
    with pytest.raises(ValueError, match="temperature"):
        LinearPolicy(temperature=[1.0, -0.1]).fit(X, G)
    with pytest.raises(ValueError, match="alpha"):
        LinearPolicy(alpha=-1.0).fit(X, G)


def test_linear_policy_sample_weight_zero_drops_rows():
    X, _, G = _linear_truth(500, seed=7)
    w = np.r_[np.ones(400), np.zeros(100)]
    a = LinearPolicy().fit(X, G, sample_weight=w)
    b = LinearPolicy().fit(X[:400], G[:400])
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), rtol=1e-5,
                               atol=1e-6)


def test_linear_policy_tuned_by_its_own_score():
    # score(X, rewards) is the mean held-out reward of the chosen actions, so
    # GridSearchCV on reward matrices needs no scorer.
    X, _, G = _linear_truth(600, seed=8)
    search = GridSearchCV(LinearPolicy(n_restarts=0), {"temperature": [1.0, None]}, cv=3)
    search.fit(X, G)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > G.mean(axis=0).max()
    assert search.best_estimator_.welfare_ > 0


# -- PolicyClassifier --------------------------------------------------------
def test_two_arms_equals_weighted_classification():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    G = np.column_stack([rng.normal(size=500), X[:, 0] - X[:, 1] + rng.normal(size=500)])
    gap = G[:, 1] - G[:, 0]
    label, weight = (gap > 0).astype(int), np.abs(gap)
    for clf in (DecisionTreeClassifier(max_depth=3, random_state=0), LogisticRegression()):
        direct = sklearn.clone(clf).fit(X, label, sample_weight=weight)
        policy = PolicyClassifier(clf).fit(X, G)
        np.testing.assert_array_equal(policy.predict(X), direct.predict(X))
        assert policy.classifier is clf and policy.classifier_ is not clf  # cloned
    np.testing.assert_allclose(policy.classifier_.coef_, direct.coef_)
    # Athey & Wager's identity: the weighted 0-1 loss IS the in-sample regret.
    pred = policy.predict(X)
    regret = G.max(axis=1).sum() - G[np.arange(500), pred].sum()
    assert regret == pytest.approx(np.sum(weight * (pred != label)))


def test_k_arms_loss_bounds_the_regret():
    X, _, G = _linear_truth(600, seed=9)
    policy = PolicyClassifier(DecisionTreeClassifier(max_depth=2, random_state=0)).fit(X, G)
    pred = policy.predict(X)
    regret = G.max(axis=1) - G[np.arange(600), pred]
    loss = (G.max(axis=1) - G.min(axis=1)) * (pred != G.argmax(axis=1))
    assert np.all(regret <= loss + 1e-12) and regret.sum() < loss.sum()


def test_policy_classifier_known_truth(population):
    X, mu, G = _linear_truth(2000, seed=0)
    policy = PolicyClassifier().fit(X, G)
    se = G[np.arange(len(X)), mu.argmax(axis=1)].std(ddof=1) / np.sqrt(len(X))
    assert 0 <= _regret(policy, population) < 2 * se


def test_one_informative_label_gives_a_constant_policy():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    G = np.column_stack([np.zeros(50), np.ones(50), 2 + rng.uniform(size=50)])
    G[:5] = 1.0  # indifferent units: zero weight, left out
    policy = PolicyClassifier().fit(X, G)
    assert policy.classifier_ is None and policy.constant_ == 2
    np.testing.assert_array_equal(policy.predict(X), np.full(50, 2))
    assert np.all(LinearPolicy().fit(X, G).predict(X) == 2)
    flat = PolicyClassifier().fit(X, np.ones((50, 3)))
    assert flat.constant_ == 0


@pytest.mark.parametrize("cls", [LinearPolicy, PolicyClassifier, PolicyTree])
def test_three_actions_with_string_labels(cls):
    X, mu, G = _linear_truth(600, seed=10)
    frame = pd.DataFrame(G, columns=["wait", "drug", "surgery"])
    policy = cls().fit(X, frame)
    np.testing.assert_array_equal(policy.classes_, ["wait", "drug", "surgery"])
    pred = policy.predict(X)
    assert set(pred) <= {"wait", "drug", "surgery"} and len(set(pred)) >= 2
    codes = pd.Index(policy.classes_).get_indexer(pred)
    assert policy.welfare_ == pytest.approx(G[np.arange(600), codes].mean())
    if hasattr(policy, "score"):
        assert policy.score(X, frame) == pytest.approx(policy.welfare_)


@pytest.mark.parametrize("cls", [LinearPolicy, PolicyClassifier])
@pytest.mark.parametrize(
    "rewards, match",
    [
        (np.where(np.eye(20, 2) > 0, np.nan, 0.0), "rewards contains NaN"),
        (np.zeros(20), "rewards must be a 2-D array"),
        (np.zeros((20, 1)), "at least two actions"),
        (np.zeros((19, 2)), "rewards has 19 rows but X has 20"),
        (None, "requires y to be passed"),
    ],
)
def test_bad_rewards(cls, rewards, match):
    X = np.random.default_rng(3).normal(size=(20, 2))
    with pytest.raises(ValueError, match=match):
        cls().fit(X, rewards)


def test_bad_input_classifier_and_weights():
    X, _, G = _linear_truth(100, seed=11)
    with pytest.raises(TypeError, match="KNeighborsClassifier does not accept sample_weight"):
        PolicyClassifier(KNeighborsClassifier()).fit(X, G)
    for cls in (LinearPolicy, PolicyClassifier):
        with pytest.raises(ValueError, match="sample_weight"):
            cls().fit(X, G, sample_weight=-np.ones(100))
        with pytest.raises(ValueError, match="(?i)sample.weights? must"):
            cls().fit(X, G, sample_weight=np.zeros(100))
        with pytest.raises(ValueError, match="columns"):
            cls().fit(X, G).score(X, G[:, :2])


# -- PolicyValueScorer -------------------------------------------------------
def _quadrant(n, seed):
    """RCT where treating pays only in the quadrant x0 > 0, x1 > 0: a depth-2 rule.

    ``tau(x) = 2 * 1{x0 > 0, x1 > 0} - 0.5``: the oracle (depth 2) has value
    0.375 over never treating, the best depth-1 rule 0.25.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = rng.integers(0, 2, size=n)
    tau = 2.0 * ((X[:, 0] > 0) & (X[:, 1] > 0)) - 0.5
    y = X[:, 2] + t * tau + rng.normal(size=n)
    return X, y, np.where(t == 1, "trt", "ctl"), tau


def test_policy_value_scorer_matches_hand_computation(tmp_path):
    X, y, t, _ = _quadrant(600, seed=0)
    est = DRPolicyTree(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(), max_depth=1,
        cv=2, control="ctl",
    ).fit(X, y, treatment=t)
    kw = dict(propensity_model=LogisticRegression(), outcome_model=LinearRegression(), cv=3)
    score = PolicyValueScorer(**kw)(est, X, y, treatment=t)
    codes = (t == "trt").astype(int)
    nuis = cross_fit(X, y, codes, n_arms=2, folds=make_folds(3, codes),
                     propensity_model=LogisticRegression(max_iter=1000),
                     outcome_model=LinearRegression())
    gamma = nuis.dr_scores(y, codes)
    chosen = (est.predict(X) == "trt").astype(int)
    assert score == pytest.approx(gamma[np.arange(600), chosen].mean())
    cached = PolicyValueScorer(memory=str(tmp_path), **kw)
    assert cached(est, X, y, treatment=t) == pytest.approx(score)
    w = np.random.default_rng(1).uniform(0.5, 2.0, 600)
    nuis = cross_fit(X, y, codes, n_arms=2, folds=make_folds(3, codes), sample_weight=w,
                     propensity_model=LogisticRegression(max_iter=1000),
                     outcome_model=LinearRegression())
    assert PolicyValueScorer(**kw)(est, X, y, treatment=t, sample_weight=w) == pytest.approx(
        np.average(nuis.dr_scores(y, codes)[np.arange(600), chosen], weights=w))


def test_dr_policy_tree_searches_on_its_n_jobs_threads():
    # n_jobs is the cross-fitting's and the tree search's: the same folds and
    # models, the root features split over two threads, the same tree.
    X, y, t, _ = _quadrant(1500, seed=4)
    X = np.column_stack([X, np.round(X[:, :2], 1)])  # tied values too
    kw = dict(outcome_model=LinearRegression(), propensity_model=LogisticRegression(),
              max_depth=2, cv=2, control="ctl")
    one = DRPolicyTree(n_jobs=1, **kw).fit(X, y, treatment=t)
    two = DRPolicyTree(n_jobs=2, **kw).fit(X, y, treatment=t)
    assert two.policy_tree_.n_jobs == 2
    np.testing.assert_array_equal(two.evaluator_.scores_, one.evaluator_.scores_)
    for key in ("feature", "threshold", "left", "right", "action", "n_samples"):
        np.testing.assert_array_equal(
            two.policy_tree_.tree_[key], one.policy_tree_.tree_[key]
        )
    assert two.policy_tree_.welfare_ == one.policy_tree_.welfare_


def test_policy_value_scorer_requests_treatment():
    request = PolicyValueScorer().get_metadata_routing()
    assert request.score.requests["treatment"] is True
    assert request.score.requests["sample_weight"] is True


def test_grid_search_picks_the_better_depth():
    X, y, t, _ = _quadrant(3000, seed=1)
    est = DRPolicyTree(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(), cv=2,
        control="ctl",
    )
    scorer = PolicyValueScorer(
        propensity_model=LogisticRegression(), outcome_model=LinearRegression(), cv=2
    )
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(est, {"max_depth": [1, 2]}, scoring=scorer, cv=3).fit(
            X, y, treatment=t)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_ == {"max_depth": 2}
    # Truth: 0.375 - 0.25 = 0.125 between the best rules of depth 2 and 1.
    assert 0.05 < scores[1] - scores[0] < 0.2


def test_policy_value_scorer_fails_loudly_without_routing():
    X, y, t, _ = _quadrant(400, seed=2)
    est = DRPolicyTree(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(), cv=2,
        control="ctl",
    )
    scorer = PolicyValueScorer(outcome_model=LinearRegression(), cv=2)
    with sklearn.config_context(enable_metadata_routing=False):
        search = GridSearchCV(est, {"max_depth": [1, 2]}, cv=2, scoring=scorer)
        with pytest.raises(ValueError, match=re.escape(ROUTING_HINT)):
            search.fit(X, y, treatment=t)
        with pytest.raises(ValueError, match=re.escape(ROUTING_HINT)):
            cross_val_score(est, X, y, params={"treatment": t}, scoring=scorer, cv=2)
    with pytest.raises(ValueError, match=re.escape(ROUTING_HINT)):
        scorer(est.fit(X, y, treatment=t), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(scorer(est, X, y, treatment=t))


@pytest.mark.parametrize("cls", [PolicyTree, LinearPolicy, PolicyClassifier])
def test_every_reward_policy_scores_its_weighted_welfare(cls):
    X, _, G = _linear_truth(400, seed=21)
    w = np.random.default_rng(21).uniform(0.5, 2.0, 400)
    policy = cls().fit(X, G, sample_weight=w)
    chosen = policy.predict(X)
    assert policy.score(X, G, sample_weight=w) == pytest.approx(
        np.average(G[np.arange(400), chosen], weights=w))
    assert policy.welfare_ == pytest.approx(policy.score(X, G, sample_weight=w))


def test_dr_policy_tree_exports_labels_and_names():
    # Regression: policy_tree_.export_text() printed arm codes ("action: 1").
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(1500, 3)), columns=["age", "visits", "spend"])
    t = rng.choice(np.array(["none", "email"]), size=1500)
    y = rng.normal(size=1500) + np.where(t == "email", np.where(X["visits"] > 0, 1.0, -1.0), 0)
    est = DRPolicyTree(outcome_model=LinearRegression(), max_depth=1, cv=2, control="none")
    text = est.fit(X, y, treatment=t).export_text()
    assert text.splitlines()[0].startswith("|--- visits <= ")
    assert "action: email" in text and "action: none" in text
    with pytest.raises(ValueError, match="class_names has 1 names"):
        est.policy_tree_.export_text(class_names=["a"])
