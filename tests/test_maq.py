"""MultiArmQini: brute force on small problems, maq's documented behaviour."""

import itertools

import matplotlib
import numpy as np
import pytest
from scipy.optimize import linprog

from causaldist.plotting import MultiArmQiniDisplay
from causaldist.policy import MultiArmQini


def _lp_gain(R, C, B, w=None):
    """max sum_i w_i <pi_i, r_i> s.t. sum_i w_i <pi_i, c_i> <= B, rows of pi sum <= 1."""
    n, K = R.shape
    w = np.full(n, 1.0 / n) if w is None else w
    rows = np.kron(np.eye(n), np.ones(K))
    A = np.vstack([(w[:, None] * C).ravel(), rows])
    res = linprog(-(w[:, None] * R).ravel(), A_ub=A, b_ub=np.r_[B, np.ones(n)], bounds=(0, None))
    return -res.fun


@pytest.mark.parametrize("seed", range(8))
def test_gain_curve_is_the_lp_optimum(seed):
    rng = np.random.default_rng(seed)
    n, K = int(rng.integers(3, 9)), int(rng.integers(1, 4))
    R, C = rng.normal(0.3, 1, (n, K)), rng.uniform(0.1, 2, (n, K))
    mq = MultiArmQini(n_bootstrap=0).fit(R, C)
    for B in np.r_[rng.uniform(0, 1.5 * C.mean(), 6), mq.spend_[:3]]:
        gain = mq.average_gain(B).value
        assert gain == pytest.approx(_lp_gain(R, C, B), abs=1e-9)
        pi = mq.predict_allocation(B)
        assert np.all(pi.sum(axis=1) <= 1 + 1e-12)
        assert (pi * C).sum() / n <= B + 1e-12
        assert (pi * R).sum() / n == pytest.approx(gain, abs=1e-9)


def test_path_points_are_optimal_integer_allocations():
    # at every path point the LP solution is integral: no allocation of whole
    # arms (enumerated) spending as little does better
    rng = np.random.default_rng(3)
    n, K = 5, 2
    R, C = rng.normal(0.5, 1, (n, K)), rng.uniform(0.2, 1.5, (n, K))
    mq = MultiArmQini(n_bootstrap=0).fit(R, C)
    allocs = np.array(list(itertools.product(range(K + 1), repeat=n)))
    Rz, Cz = np.c_[np.zeros(n), R], np.c_[np.zeros(n), C]
    gains = Rz[np.arange(n), allocs].mean(axis=1)
    spends = Cz[np.arange(n), allocs].mean(axis=1)
    for s, g, j in zip(mq.spend_, mq.gain_, range(len(mq.spend_))):
        assert g == pytest.approx(gains[spends <= s + 1e-12].max(), abs=1e-12)
        arm = mq.predict(s)
        assert Rz[np.arange(n), arm].mean() == pytest.approx(g, abs=1e-12)


def test_one_arm_unit_cost_is_the_sorted_qini_curve():
    rng = np.random.default_rng(0)
    tau, scores = rng.normal(size=200), rng.normal(size=200)
    mq = MultiArmQini(n_bootstrap=0).fit(tau, 1.0, scores)
    order = np.argsort(-tau[tau > 0], kind="stable")
    expected = np.cumsum(scores[tau > 0][order]) / 200
    np.testing.assert_allclose(mq.gain_, expected)
    np.testing.assert_allclose(mq.spend_, np.arange(1, (tau > 0).sum() + 1) / 200)
    assert mq.complete_path_


def test_negative_rewards_are_never_treated():
    mq = MultiArmQini(n_bootstrap=0).fit(-np.ones((10, 2)), [1.0, 2.0])
    assert mq.spend_.size == 0
    np.testing.assert_array_equal(mq.predict(1.0), 0)
    assert mq.average_gain(1.0).value == 0.0


def test_budget_cuts_the_path():
    rng = np.random.default_rng(1)
    R = rng.normal(1, 1, (100, 2))
    mq = MultiArmQini(budget=0.2, n_bootstrap=0).fit(R, [1.0, 2.0])
    assert not mq.complete_path_ and mq.spend_[-1] >= 0.2 > mq.spend_[-2]
    full = MultiArmQini(n_bootstrap=0).fit(R, [1.0, 2.0])
    assert mq.average_gain(0.15).value == pytest.approx(full.average_gain(0.15).value)
    with pytest.raises(ValueError, match="traced to budget"):
        mq.predict(0.5)


def test_per_unit_costs_and_weights():
    rng = np.random.default_rng(2)
    R, C = rng.normal(0.5, 1, (40, 3)), rng.uniform(0.5, 2, (40, 3))
    w = rng.integers(1, 3, 40)
    mq = MultiArmQini(n_bootstrap=0).fit(R, C, sample_weight=w)
    dup = np.repeat(np.arange(40), w)
    mq_dup = MultiArmQini(n_bootstrap=0).fit(R[dup], C[dup])
    for B in (0.1, 0.4, 1.0):
        assert mq.average_gain(B).value == pytest.approx(mq_dup.average_gain(B).value)
        assert B == pytest.approx(
            (w[:, None] * C * mq.predict_allocation(B)).sum() / w.sum()
        ) or B > mq.spend_[-1]


def test_no_covariates_baseline_is_a_straight_line():
    rng = np.random.default_rng(4)
    tau, scores = rng.normal(0.5, 1, 300), rng.normal(0.4, 1, 300)
    mq = MultiArmQini(target_with_covariates=False, n_bootstrap=20).fit(tau, 2.0, scores)
    for B in (0.2, 1.0, 1.7):
        assert mq.average_gain(B).value == pytest.approx(B / 2 * scores.mean())
    assert mq.average_gain(3.0).value == pytest.approx(scores.mean())


def _readme_example(n, seed):
    """maq's README: three arms, Y = X1 + X2 (W = 1) + 1.5 X3 (W = 2) + noise,
    costs X4 / 4 and X5, evaluated with IPW scores of the known 1/3 design."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 5))
    W = rng.integers(0, 3, n)
    tau = np.c_[X[:, 1], 1.5 * X[:, 2]]
    Y = X[:, 0] + tau[np.arange(n), W - 1] * (W > 0) + rng.normal(size=n)
    ipw = np.c_[(W == 1), (W == 2)] * Y[:, None] * 3 - ((W == 0) * Y * 3)[:, None]
    # a noisy CATE estimate (as if from a held-out forest)
    tau_hat = tau + rng.normal(0, 0.2, tau.shape)
    return tau_hat, np.c_[X[:, 3] / 4, X[:, 4]], ipw


def test_readme_example_behaviour():
    tau_hat, cost, scores = _readme_example(6000, 0)
    kw = dict(n_bootstrap=100, random_state=7)
    both = MultiArmQini(**kw).fit(tau_hat, cost, scores)
    arm1 = MultiArmQini(**kw).fit(tau_hat[:, :1], cost[:, :1], scores[:, :1])
    arm2 = MultiArmQini(**kw).fit(tau_hat[:, 1:], cost[:, 1:], scores[:, 1:])
    base = MultiArmQini(target_with_covariates=False, **kw).fit(tau_hat, cost, scores)
    # the gain rises with spend and flattens once every worthwhile unit is treated
    g = [both.average_gain(b).value for b in (0.05, 0.2, 0.5, 5.0)]
    assert g[0] < g[1] < g[2] <= g[3] + 0.05
    assert both.average_gain(0.2).stderr > 0
    # all arms beat each arm alone and the covariate-blind baseline at a small budget
    for other in (arm1, arm2, base):
        d = both.difference_gain(other, 0.2)
        assert d.value > 0 and d.value / d.stderr > 2
    area = both.integrated_difference(base, 0.5)
    assert area.value / area.stderr > 2
    # predict spends the budget (to one unit's cost) and returns arm codes
    arm = both.predict(0.2)
    assert set(np.unique(arm)) <= {0, 1, 2}
    spent = np.c_[np.zeros(len(arm)), cost][np.arange(len(arm)), arm].mean()
    assert 0.2 - cost.max() / len(arm) <= spent <= 0.2


def test_influence_and_bootstrap_standard_errors_agree():
    tau_hat, cost, scores = _readme_example(4000, 1)
    boot = MultiArmQini(n_bootstrap=200).fit(tau_hat, cost, scores)
    infl = MultiArmQini(n_bootstrap=0).fit(tau_hat, cost, scores)
    for b in (0.1, 0.3):
        ratio = boot.average_gain(b).stderr / infl.average_gain(b).stderr
        assert 0.7 < ratio < 1.4
    again = MultiArmQini(n_bootstrap=200).fit(tau_hat, cost, scores)
    np.testing.assert_array_equal(boot.std_err_, again.std_err_)


def test_validation_errors():
    R = np.ones((10, 2))
    with pytest.raises(ValueError, match="cost must be finite and > 0"):
        MultiArmQini().fit(R, [1.0, 0.0])
    with pytest.raises(ValueError, match="cost has 3 entries"):
        MultiArmQini().fit(R, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="reward_scores must have shape"):
        MultiArmQini().fit(R, 1.0, np.ones((10, 3)))
    with pytest.raises(ValueError, match="n_bootstrap"):
        MultiArmQini(n_bootstrap=1).fit(R)
    a = MultiArmQini(n_bootstrap=0).fit(R)
    with pytest.raises(ValueError, match="paired comparisons"):
        a.difference_gain(a, 0.5)
    with pytest.raises(ValueError, match="budget must be"):
        a.predict(-1)


def test_display():
    matplotlib.use("Agg")
    tau_hat, cost, scores = _readme_example(500, 2)
    mq = MultiArmQini(n_bootstrap=20).fit(tau_hat, cost, scores)
    disp = mq.plot(name="all arms")
    assert disp.band_ is not None and disp.line_.get_xdata()[0] == 0.0
    base = MultiArmQini(target_with_covariates=False, n_bootstrap=20).fit(tau_hat, cost, scores)
    d2 = MultiArmQiniDisplay.from_estimator(base, ax=disp.ax_)
    assert d2.line_.get_linestyle() == "--"
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("learner", ["PolicyTree", "LinearPolicy", "PolicyClassifier"])
def test_reward_policy_learners_take_costs(learner):
    import causaldist.policy as P

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    R = np.c_[np.zeros(300), X[:, 0] + 1, 2 * X[:, 0] + 1.5]
    costs = np.array([0.0, 0.5, 2.0])
    kw = {"max_depth": 1} if learner == "PolicyTree" else {}
    with_costs = getattr(P, learner)(costs=costs, **kw).fit(X, R)
    netted = getattr(P, learner)(**kw).fit(X, R - costs)
    np.testing.assert_array_equal(with_costs.predict(X), netted.predict(X))
    assert with_costs.score(X, R) == pytest.approx(netted.score(X, R - costs))
    # the dearest arm is chosen less often once it costs more
    plain = getattr(P, learner)(**kw).fit(X, R)
    assert (with_costs.predict(X) == 2).sum() < (plain.predict(X) == 2).sum()
    with pytest.raises(ValueError, match="one finite cost per action"):
        getattr(P, learner)(costs=[1.0, 2.0], **kw).fit(X, R)
