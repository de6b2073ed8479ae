"""PolicyTree: equal to brute-force enumeration, invariances, bad input."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causaldist.policy import PolicyTree


def _brute_force(X, R, m, depth):
    """Best total reward over all trees of depth <= ``depth`` with leaves >= m units."""

    def leaf(S):
        return R[S].sum(axis=0).max()

    def splits(S):
        for k in range(X.shape[1]):
            for c in np.unique(X[S, k])[:-1]:
                L, Rr = S[X[S, k] <= c], S[X[S, k] > c]
                if L.size >= m and Rr.size >= m:
                    yield L, Rr

    def best(S, d):
        b = leaf(S)
        if d > 0:
            for L, Rr in splits(S):
                b = max(b, best(L, d - 1) + best(Rr, d - 1))
        return b

    return best(np.arange(X.shape[0]), depth)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(4, 22), p=st.integers(1, 3), K=st.integers(2, 4),
    m=st.integers(1, 3), depth=st.integers(1, 2), seed=st.integers(0, 10**6),
)
def test_equals_brute_force(n, p, K, m, depth, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, p)).astype(float)  # many ties
    R = rng.integers(-3, 4, size=(n, K)).astype(float)
    tree = PolicyTree(max_depth=depth, min_node_size=m).fit(X, R)
    assert tree.welfare_ * n == pytest.approx(_brute_force(X, R, m, depth), abs=1e-9)
    leaves = tree.apply(X)
    if m > 1 and np.unique(leaves).size > 1:
        assert np.bincount(leaves)[np.unique(leaves)].min() >= m


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(4, 14), p=st.integers(1, 3), K=st.integers(2, 3),
    m=st.integers(1, 2), seed=st.integers(0, 10**6),
)
def test_depth3_equals_brute_force(n, p, K, m, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(n, p)).astype(float)
    R = rng.integers(-3, 4, size=(n, K)).astype(float)
    tree = PolicyTree(max_depth=3, min_node_size=m).fit(X, R)
    assert tree.welfare_ * n == pytest.approx(_brute_force(X, R, m, 3), abs=1e-9)
    hybrid = PolicyTree(max_depth=3, min_node_size=m, search_depth=2).fit(X, R)
    assert hybrid.welfare_ <= tree.welfare_ + 1e-12


def test_depth3_exact_on_continuous_features():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 2))
    R = rng.normal(size=(40, 3))
    R[:, 1] += X[:, 0] > 0
    tree = PolicyTree(max_depth=3).fit(X, R)
    assert tree.welfare_ * 40 == pytest.approx(_brute_force(X, R, 1, 3), abs=1e-9)


def test_row_permutation_and_monotone_transform():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    R = rng.normal(size=(400, 3))
    R[:, 1] += 2 * (X[:, 0] > 0.3)
    R[:, 2] += 2 * (X[:, 2] < -0.5)
    tree = PolicyTree().fit(X, R)
    perm = rng.permutation(400)
    again = PolicyTree().fit(X[perm], R[perm])
    np.testing.assert_array_equal(again.predict(X), tree.predict(X))
    Z = np.column_stack([np.exp(X[:, 0]), X[:, 1] ** 3, 5 * X[:, 2] - 1, np.arctan(X[:, 3])])
    np.testing.assert_array_equal(PolicyTree().fit(Z, R).predict(Z), tree.predict(X))
    assert tree.welfare_ == pytest.approx(R[np.arange(400), tree.predict(X)].mean())


def test_recovers_a_known_rule_and_exports():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 5))
    best = np.where(X[:, 1] > 0, np.where(X[:, 3] > 0.5, 2, 1), 0)
    R = rng.normal(size=(3000, 3)) + 3 * np.eye(3)[best]
    cols = pd.DataFrame(R, columns=["none", "email", "call"])
    tree = PolicyTree(max_depth=2).fit(pd.DataFrame(X, columns=list("abcde")), cols)
    pred = tree.predict(pd.DataFrame(X, columns=list("abcde")))
    assert np.mean(pred == np.array(["none", "email", "call"])[best]) > 0.97
    text = tree.export_text()
    assert "b <= " in text and "action: call" in text
    assert tree.predict_value(pd.DataFrame(X[:3], columns=list("abcde"))).shape == (3, 3)
    again = pickle.loads(pickle.dumps(tree))
    np.testing.assert_array_equal(again.predict(pd.DataFrame(X, columns=list("abcde"))), pred)


def test_deeper_trees_and_split_step():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(600, 3))
    R = rng.normal(size=(600, 2))
    w2 = PolicyTree(max_depth=2).fit(X, R).welfare_
    w3 = PolicyTree(max_depth=3).fit(X, R).welfare_
    assert w3 >= w2 - 1e-12
    hybrid = PolicyTree(max_depth=3, search_depth=2).fit(X, R).welfare_
    assert w2 - 1e-12 <= hybrid <= w3 + 1e-12  # the look-ahead keeps the depth-2 root
    assert PolicyTree(max_depth=4).fit(X, R).welfare_ >= hybrid - 1e-12
    approx = PolicyTree(max_depth=2, split_step=10).fit(X, R).welfare_
    assert approx <= w2 + 1e-12


@pytest.mark.parametrize(
    "rewards, params, match",
    [
        (np.full((20, 2), np.nan), {}, "rewards contains NaN"),
        (np.zeros((20, 1)), {}, "at least two actions"),
        (np.zeros((19, 2)), {}, "rewards has 19 rows but X has 20"),
        (np.zeros((20, 2)), {"max_depth": 0}, "max_depth"),
        (np.zeros((20, 2)), {"min_node_size": 0}, "min_node_size"),
    ],
)
def test_bad_input(rewards, params, match):
    X = np.random.default_rng(3).normal(size=(20, 2))
    with pytest.raises(ValueError, match=match):
        PolicyTree(**params).fit(X, rewards)


def test_dr_policy_tree_end_to_end():
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from causaldist.datasets import make_heterogeneous
    from causaldist.policy import DRPolicyTree

    # tau(x) = 1 + x2: the oracle treats iff x2 > -1, a depth-1 tree.
    X, y, t, tau = make_heterogeneous(4000, 5, treatment_labels=["ctl", "trt"], random_state=0)
    est = DRPolicyTree(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(), max_depth=2,
        cv=3, control="ctl",
    ).fit(X, y, treatment=t)
    Xt, _, _, taut = make_heterogeneous(20000, 5, random_state=1)
    pred = est.predict(Xt)
    assert set(pred) <= {"ctl", "trt"}
    treat = pred == "trt"
    regret = np.mean(np.maximum(taut, 0)) - np.mean(taut * treat)
    assert regret < 0.02
    assert est.predict_value(Xt[:4]).shape == (4, 2)
    assert est.value_.value == pytest.approx(est.evaluator_.evaluate(est.predict(X)).value)


def test_regret_falls_with_n():
    """Known truth: the best rule is a depth-2 tree; regret shrinks at least like n^-1/2.

    Rewards Gamma = mu(X) + N(0, 2^2) with mu_1 = 0.5 * 1{x0 > 0}, mu_2 = 1{x0 <= 0, x1 > 0.5}
    (mu_0 = 0); regret = oracle welfare - welfare of the learned tree, both under mu on
    a large test sample, averaged over 6 seeds. n^-1/2 is the worst-case rate (Athey &
    Wager 2021); a truth with jumps (a margin) allows faster, and the measured slope
    over n = 500 ... 8000 is -1.4. The test asks for a slope below -0.3 and a fall
    between every pair of sizes.
    """
    rng = np.random.default_rng(0)

    def mu(X):
        return np.column_stack([
            np.zeros(len(X)), 0.5 * (X[:, 0] > 0), 1.0 * ((X[:, 0] <= 0) & (X[:, 1] > 0.5)),
        ])

    X_test = rng.normal(size=(50_000, 3))
    mu_test = mu(X_test)
    oracle = mu_test.max(axis=1).mean()
    sizes = [500, 2000, 8000]
    regret = []
    for n in sizes:
        r = []
        for seed in range(6):
            g = np.random.default_rng(100 * seed + n)
            X = g.normal(size=(n, 3))
            G = mu(X) + 2 * g.normal(size=(n, 3))
            pred = PolicyTree(max_depth=2).fit(X, G).predict(X_test)
            r.append(oracle - mu_test[np.arange(len(X_test)), pred].mean())
        regret.append(np.mean(r))
    slope = np.polyfit(np.log(sizes), np.log(regret), 1)[0]
    assert regret[0] > regret[1] > regret[2] > 0
    assert slope < -0.3, (regret, slope)


# -- regression tests of the contract redesign (issue 10) -----------------------


def _quadrant_rewards(n, seed):
    """Rewards whose best rule is the depth-2 quadrant x0 > 0 and x1 > 0 (noise sd 2)."""
    g = np.random.default_rng(seed)
    X = g.normal(size=(n, 3))
    gain = 2.0 * ((X[:, 0] > 0) & (X[:, 1] > 0)) - 0.5
    return X, np.column_stack([np.zeros(n), gain]) + 2 * g.normal(size=(n, 2))


def test_policy_tree_has_score_and_is_grid_searched():
    # PolicyTree had no score: GridSearchCV(PolicyTree(), grid) raised TypeError.
    from sklearn.model_selection import GridSearchCV

    X, R = _quadrant_rewards(3000, seed=0)
    tree = PolicyTree(max_depth=1).fit(X, R)
    codes = tree.predict(X)
    assert tree.score(X, R) == pytest.approx(R[np.arange(3000), codes].mean())
    assert tree.score(X, R) == pytest.approx(tree.welfare_)
    search = GridSearchCV(PolicyTree(), {"max_depth": [1, 2]}, cv=3).fit(X, R)
    assert search.best_params_ == {"max_depth": 2}


def test_policy_tree_integer_weights_equal_repeated_rows():
    # welfare_ was the unweighted mean of the weighted rewards.
    X, R = _quadrant_rewards(300, seed=1)
    w = np.random.default_rng(1).integers(0, 4, 300)
    rep = np.repeat(np.arange(300), w)
    a = PolicyTree(max_depth=2).fit(X, R, sample_weight=w)
    b = PolicyTree(max_depth=2).fit(X[rep], R[rep])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.welfare_ == pytest.approx(b.welfare_)
    assert a.score(X, R, sample_weight=w) == pytest.approx(b.score(X[rep], R[rep]))


def test_policy_tree_shares_the_reward_policy_checks():
    from causaldist.policy._reward_policy import _RewardPolicy

    assert issubclass(PolicyTree, _RewardPolicy)
    X, R = _quadrant_rewards(50, seed=2)
    with pytest.raises(ValueError, match="(?i)sample.weights? must"):  # accepted before
        PolicyTree().fit(X, R, sample_weight=np.zeros(50))
    with pytest.raises(ValueError, match="columns"):
        PolicyTree().fit(X, R).score(X, np.zeros((50, 3)))


def _dr_data(n, seed):
    from causaldist.datasets import make_heterogeneous

    return make_heterogeneous(n, 5, random_state=seed)


def test_dr_policy_tree_score_uses_its_own_nuisance_models():
    from sklearn.linear_model import LinearRegression

    from causaldist.policy import DRPolicyTree

    X, y, t, _ = _dr_data(2000, seed=0)
    Xn, yn, tn, _ = _dr_data(1000, seed=1)
    est = DRPolicyTree(outcome_model=LinearRegression(), max_depth=1, cv=3).fit(
        X, y, treatment=t)
    gamma = est.evaluator_.nuisances_.predict(Xn).dr_scores(yn, tn)
    chosen = est.predict(Xn)
    score = est.score(Xn, yn, treatment=tn)
    assert score == pytest.approx(gamma[np.arange(1000), chosen].mean(), rel=1e-12)
    # it agrees with the policy's DR value cross-fitted on those rows (both
    # estimate the same value; 4 standard errors of that estimate)
    from causaldist.evaluation import DREvaluator

    ref = DREvaluator(outcome_model=LinearRegression(), cv=3).fit(Xn, yn, treatment=tn)
    res = ref.evaluate(chosen)
    assert abs(score - res.value) < 4 * res.stderr


def test_dr_policy_tree_default_scoring_grid_search_and_routing():
    import re

    import sklearn
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import GridSearchCV

    from causaldist.policy import DRPolicyTree

    g = np.random.default_rng(3)
    X = g.normal(size=(3000, 3))
    t = g.integers(0, 2, 3000)
    tau = 2.0 * ((X[:, 0] > 0) & (X[:, 1] > 0)) - 0.5
    y = X[:, 2] + t * tau + g.normal(size=3000)
    est = DRPolicyTree(outcome_model=LinearRegression(), cv=2)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(est, {"max_depth": [1, 2]}, cv=3).fit(X, y, treatment=t)
    assert search.best_params_ == {"max_depth": 2}
    with sklearn.config_context(enable_metadata_routing=False):
        with pytest.raises(ValueError, match=re.escape("enable_metadata_routing=True")):
            GridSearchCV(est, {"max_depth": [1, 2]}, cv=2).fit(X, y, treatment=t)


def test_dr_policy_tree_contract():
    from sklearn.linear_model import LinearRegression

    from causaldist.evaluation import DREvaluator
    from causaldist.policy import DRPolicyTree

    X, y, t, _ = _dr_data(600, seed=4)
    with pytest.raises(TypeError):  # model parameters are keyword-only
        DRPolicyTree(LinearRegression())
    # set_params on a None model tunes its default (GridSearchCV's call)
    est = DRPolicyTree(max_depth=1, cv=2).set_params(outcome_model__max_depth=2)
    assert est.outcome_model.max_depth == 2
    # known propensities and groups are routed to the shared stage
    groups = np.arange(600) // 10
    est = DRPolicyTree(outcome_model=LinearRegression(), max_depth=1, cv=2).fit(
        X, y, treatment=t, propensity=0.5, groups=groups)
    assert "propensity" not in est.evaluator_.nuisances_.models
    np.testing.assert_allclose(est.evaluator_.propensity_, 0.5)
    for train, test in est.evaluator_.folds_:
        assert not set(groups[train]) & set(groups[test])
    # the tree is policy_tree_, the value comes from the evaluator's codes
    assert isinstance(est.policy_tree_, PolicyTree)
    assert est.value_.value == pytest.approx(est.evaluator_.evaluate(est.predict(X)).value)
    assert est.evaluator_.categories_ is est.categories_
    # without a propensity model, score cross-fits both nuisances on the scored rows
    ev = DREvaluator(outcome_model=LinearRegression(), cv=2).fit(X, y, treatment=t)
    chosen = est.predict(X)
    assert est.score(X, y, treatment=t) == pytest.approx(
        ev.scores_[np.arange(600), chosen].mean())


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(4, 30), p=st.integers(1, 4), K=st.integers(2, 4),
    m=st.integers(1, 3), depth=st.integers(2, 3), seed=st.integers(0, 10**6),
)
def test_n_jobs_gives_the_same_tree(n, p, K, m, depth, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, p)).astype(float)  # many ties
    R = rng.integers(-3, 4, size=(n, K)).astype(float)  # many tied values
    one = PolicyTree(max_depth=depth, min_node_size=m).fit(X, R)
    two = PolicyTree(max_depth=depth, min_node_size=m, n_jobs=2).fit(X, R)
    for key in ("feature", "left", "right", "action", "n_samples"):
        np.testing.assert_array_equal(two.tree_[key], one.tree_[key])
    np.testing.assert_array_equal(two.tree_["threshold"], one.tree_["threshold"])
    assert two.welfare_ == one.welfare_


def test_n_jobs_on_continuous_features():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 6))
    R = rng.normal(size=(3000, 3))
    R[:, 1] += X[:, 0] > 0
    R[:, 2] += X[:, 3] * X[:, 4]
    one = PolicyTree(max_depth=2).fit(X, R)
    for n_jobs in (2, -1):
        other = PolicyTree(max_depth=2, n_jobs=n_jobs).fit(X, R)
        np.testing.assert_array_equal(other.tree_["feature"], one.tree_["feature"])
        np.testing.assert_array_equal(other.tree_["threshold"], one.tree_["threshold"])
        np.testing.assert_array_equal(other.tree_["action"], one.tree_["action"])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(4, 40), p=st.integers(2, 3), m=st.integers(1, 4), seed=st.integers(0, 10**6),
    levels=st.integers(2, 6),
)
def test_three_arms_equal_brute_force(n, p, m, seed, levels):
    """K = 3 takes its own straight-line node update: brute force with ties of x and of Gamma."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, levels, size=(n, p)).astype(float)
    R = rng.integers(-2, 3, size=(n, 3)).astype(float)
    tree = PolicyTree(max_depth=2, min_node_size=m).fit(X, R)
    assert tree.welfare_ * n == pytest.approx(_brute_force(X, R, m, 2), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(8, 24), p=st.integers(1, 3), seed=st.integers(0, 10**6),
       levels=st.integers(3, 8))
def test_depth3_branch_and_bound_equals_brute_force(n, p, seed, levels):
    """The depth-3 search skips root splits and children's root features by bounds:
    brute force with K = 3 and tied rewards and features (many equal-valued splits)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, levels, size=(n, p)).astype(float)
    R = rng.integers(-2, 3, size=(n, 3)).astype(float)
    tree = PolicyTree(max_depth=3).fit(X, R)
    assert tree.welfare_ * n == pytest.approx(_brute_force(X, R, 1, 3), abs=1e-9)



@pytest.mark.parametrize("levels", [None, 3, 20, 300])
@pytest.mark.parametrize("j", [0, 2])
def test_three_arms_bucketed_trees_equal_plain_trees(levels, j):
    """K = 3 trees keep ``2^lw`` ranks a leaf (``scan3``, two child features or one); the
    child values they give every root split equal, bit for bit, for every ``lw``, those
    of the trees for any K (``child_pair_scan``, ``child_lr_scan``) that the brute-force
    tests check with K = 2 and 4."""
    from causaldist.policy._tree_bucket import bucket_width, scan3
    from causaldist.policy._tree_memory import tree_buffer
    from causaldist.policy._tree_rules import arm_pairs
    from causaldist.policy._tree_segment import child_lr_scan, child_pair_scan

    rng = np.random.default_rng(7)
    n = 1500
    X = rng.normal(size=(n, 3)) if levels is None else rng.integers(0, levels, (n, 3)) * 1.0
    R = rng.integers(-2, 3, size=(n, 3)) + (rng.normal(size=(n, 3)) if levels is None else 0)
    R = np.asarray(R, dtype=float)
    ranks = np.vstack([np.searchsorted(np.unique(x), x) for x in X.T]).astype(np.int64)
    G = ranks.max(axis=1) + 1
    order = np.argsort(ranks[j], kind="mergesort").astype(np.int64)
    P = np.cumsum(R[order], axis=0)
    Dm = np.ascontiguousarray(R[:, 1:] - R[:, :1])
    vl0 = np.where(np.r_[ranks[j, order[:-1]] != ranks[j, order[1:]], False], -np.inf, np.inf)
    pairs = arm_pairs(3)
    k1, k2 = [k for k in range(3) if k != j]
    size0 = 1 << int(np.ceil(np.log2(max(G[k1], G[k2]))))
    out = []
    for lw in [None] + sorted({min(lw, bucket_width(size0)) for lw in range(4)}):
        vl, vr, vl2, vr2 = vl0.copy(), np.full(n, -np.inf), vl0.copy(), np.full(n, -np.inf)
        split, split2 = (order, P, vl, vr), (order, P, vl2, vr2)
        if lw is None:
            trees = (tree_buffer(2 * size0, 8), tree_buffer(2 * size0, 8))
            child_pair_scan(k1, k2, split, ranks, Dm, trees, pairs)
            child_lr_scan(k1, split2, ranks, Dm, trees, pairs)
        else:
            rows = 2 * (size0 >> lw)
            trees = (tree_buffer(rows, 8), tree_buffer(size0, 2), tree_buffer(rows, 8),
                     tree_buffer(size0, 2))
            scan3(k1, k2, split, ranks, Dm, lw, trees, pairs[2])
            scan3(k1, -1, split2, ranks, Dm, lw, trees, pairs[2])
        out.append((vl, vr, vl2, vr2))
    assert np.isfinite(out[0][0]).sum() > 0
    for plain, *bucketed in zip(*out):
        for values in bucketed:
            np.testing.assert_array_equal(values, plain)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(20, 80), p=st.integers(2, 3), seed=st.integers(0, 10**6),
       levels=st.integers(9, 80))
def test_three_arms_many_values_equal_brute_force(n, p, seed, levels):
    """K = 3: brute force with many distinct values (trees of several levels, partly
    empty) and tied rewards."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, levels, size=(n, p)).astype(float)
    R = rng.integers(-2, 3, size=(n, 3)).astype(float)
    tree = PolicyTree(max_depth=2).fit(X, R)
    assert tree.welfare_ * n == pytest.approx(_brute_force(X, R, 1, 2), abs=1e-9)
