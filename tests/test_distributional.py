"""Quantile grids, Wasserstein geometry, utilities and barycenter evaluators."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import norm
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeRegressor

from causaldist.datasets import make_distributional
from causaldist.distributional import (
    CVaR,
    DistortionUtility,
    DistributionalDREvaluator,
    DistributionalIPWEvaluator,
    ExpectedUtility,
    Mean,
    MeanVariance,
    Quantile,
    QuantileGrid,
    barycenter,
    project_monotone,
    wasserstein2,
)

# -- representation ------------------------------------------------------------


def test_converters_agree_with_numpy_quantiles():
    rng = np.random.default_rng(0)
    samples = [rng.normal(size=k) for k in rng.integers(1, 40, size=30)]
    grid = QuantileGrid(17)
    Q = grid.from_samples(samples)
    expect = np.vstack([np.quantile(s, grid.levels) for s in samples])
    np.testing.assert_allclose(Q, expect, rtol=0, atol=1e-12)
    long = pd.DataFrame({
        "id": np.repeat([f"u{i}" for i in range(30)], [len(s) for s in samples]),
        "v": np.concatenate(samples),
    }).sample(frac=1.0, random_state=0)
    Q_long, ids = grid.from_long(long, "id", "v")
    order = [int(i[1:]) for i in ids]
    np.testing.assert_allclose(Q_long, expect[order], atol=1e-12)


def test_from_quantiles_interpolates_and_repairs():
    grid = QuantileGrid(4)
    src = np.array([0.1, 0.5, 0.9])
    Q = grid.from_quantiles(np.array([[0.0, 1.0, 2.0]]), levels=src)
    # linear between the given levels: (0.125 - 0.1) / 0.4 = 0.0625, ...
    np.testing.assert_allclose(Q, [[0.0625, 0.6875, 1.3125, 1.9375]])
    bad = np.array([[0.0, 2.0, 1.0, 3.0], [0.0, 1.0, 2.0, 3.0]])
    with pytest.warns(UserWarning, match="for 1 units; they were rearranged"):
        fixed = grid.from_quantiles(bad)
    np.testing.assert_allclose(fixed[0], [0, 1, 2, 3])
    with pytest.raises(ValueError, match="decrease along the levels for 1 units"):
        grid.from_quantiles(bad, repair=False)
    np.testing.assert_array_equal(bad[0], [0.0, 2.0, 1.0, 3.0])  # input untouched


def test_bad_samples():
    grid = QuantileGrid(5)
    with pytest.raises(ValueError, match="unit 1 has an empty sample"):
        grid.from_samples([np.ones(3), np.array([])])
    with pytest.raises(ValueError, match="unit 0 has a NaN"):
        grid.from_samples([np.array([1.0, np.nan]), np.ones(2)])
    df = pd.DataFrame({"id": ["a", "b", "b"], "v": [1.0, np.inf, 2.0]})
    with pytest.raises(ValueError, match="unit 'b' has a NaN or infinite"):
        grid.from_long(df, "id", "v")
    with pytest.raises(ValueError, match="value='w' is not a column"):
        grid.from_long(df, "id", "w")
    with pytest.raises(ValueError, match="strictly increasing"):
        QuantileGrid(levels=[0.5, 0.2])


# -- geometry ------------------------------------------------------------------

quantile_rows = arrays(
    np.float64, (3, 12), elements=st.floats(-50, 50, allow_nan=False)
).map(lambda a: np.sort(a, axis=1))


@settings(max_examples=60, deadline=None)
@given(quantile_rows)
def test_w2_is_a_metric(Q):
    a, b, c = Q
    assert wasserstein2(a, b) == pytest.approx(wasserstein2(b, a))
    assert wasserstein2(a, a) == 0
    assert wasserstein2(a, c) <= wasserstein2(a, b) + wasserstein2(b, c) + 1e-9


@settings(max_examples=60, deadline=None)
@given(quantile_rows, st.floats(0.01, 10))
def test_barycenter_identities(Q, w0):
    weights = np.array([w0, 1.0, 2.0])
    bary = barycenter(Q, weights)
    np.testing.assert_allclose(bary, (weights / weights.sum()) @ Q)
    assert np.all(np.diff(bary) >= -1e-9)  # a mixture of quantile functions is one
    np.testing.assert_allclose(barycenter(np.vstack([Q[0]] * 4)), Q[0])
    np.testing.assert_allclose(barycenter(Q, 5 * weights), bary)  # scale-free weights


def test_w2_closed_forms():
    grid = QuantileGrid(2000)
    z = norm.ppf(grid.levels)
    q1, q2 = 1.0 + 2.0 * z, -0.5 + 0.5 * z
    # W2(N(m1, s1), N(m2, s2))^2 = (m1 - m2)^2 + (s1 - s2)^2; the grid truncates
    # the tails, so the tolerance is the midpoint rule's error on z^2.
    assert wasserstein2(q1, q2, grid) == pytest.approx(np.sqrt(1.5**2 + 1.5**2), rel=2e-3)
    assert wasserstein2(z, z + 3, grid) == pytest.approx(3.0)


def test_project_monotone():
    q = np.array([[0.0, 2.0, 1.0, 3.0]])
    np.testing.assert_allclose(project_monotone(q), [[0, 1, 2, 3]])
    np.testing.assert_allclose(project_monotone(q, "isotonic"), [[0, 1.5, 1.5, 3]])
    with pytest.raises(ValueError, match="method"):
        project_monotone(q, "spline")


# -- utilities -----------------------------------------------------------------


def test_utilities_on_a_normal():
    grid = QuantileGrid(4000)
    q = 1.0 + 2.0 * norm.ppf(grid.levels)
    assert Mean()(q, grid) == pytest.approx(1.0, abs=1e-9)
    assert Quantile(0.3)(q, grid) == pytest.approx(1 + 2 * norm.ppf(0.3), abs=1e-3)
    cvar = 1 - 2 * norm.pdf(norm.ppf(0.1)) / 0.1
    assert CVaR(0.1)(q, grid) == pytest.approx(cvar, abs=2e-3)
    assert MeanVariance(0.5)(q, grid) == pytest.approx(1 - 0.5 * 4, abs=1e-2)
    assert DistortionUtility(lambda p: 2 * (1 - p))(q, grid) == pytest.approx(
        1 - 2 / np.sqrt(np.pi), abs=2e-3  # E[min(Y1, Y2)] for two iid draws
    )
    assert CVaR(1.0)(q, grid) == pytest.approx(Mean()(q, grid))
    for U in (Mean(), CVaR(0.2), Quantile(0.7)):
        assert U.is_linear
        np.testing.assert_allclose(U(np.vstack([q, q + 1]), grid), [U(q, grid), U(q, grid) + 1])


@pytest.mark.parametrize("U", [MeanVariance(0.7), ExpectedUtility(np.tanh, lambda x: 1 - np.tanh(x) ** 2)])
def test_nonlinear_gradients_match_finite_differences(U):
    rng = np.random.default_rng(1)
    q = np.sort(rng.normal(size=15))
    g = U.gradient(q)
    eps = 1e-6
    fd = [(U(q + eps * e) - U(q - eps * e)) / (2 * eps) for e in np.eye(15)]
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)
    assert not U.is_linear


# -- evaluators ----------------------------------------------------------------


def _truth_value(b, policy, utility):
    return b.value(policy, utility)


def test_ipw_and_dr_unbiased_for_the_barycenter_in_an_rct():
    # Mean over seeds of each estimate within 3 SE (spread over seeds) of truth,
    # at every level of the barycenter and for a nonlinear utility.
    est = {"ipw": [], "snipw": [], "dr": []}
    truth, cvar = [], {"dr": [], "truth": []}
    for seed in range(30):
        b = make_distributional(600, n_levels=20, design="rct", return_truth=True, random_state=seed)
        policy = (b.X[:, 1] > 0).astype(int)
        true_q = b.potential_quantiles[np.arange(600), policy].mean(axis=0)
        truth.append(true_q)
        for name, ev in (
            ("ipw", DistributionalIPWEvaluator()),
            ("snipw", DistributionalIPWEvaluator(normalize=True)),
        ):
            ev.fit(b.X, b.y, treatment=b.treatment, propensity=0.5)
            est[name].append(ev.evaluate(policy, uniform=False).quantiles_raw)
        dr = DistributionalDREvaluator(
            outcome_model=LinearRegression(), propensity_model=DummyClassifier(), cv=2,
            random_state=seed,
        )
        dr.fit(b.X, b.y, treatment=b.treatment)
        est["dr"].append(dr.evaluate(policy, uniform=False).quantiles_raw)
        cvar["dr"].append(dr.evaluate(policy, utility=MeanVariance(0.5), uniform=False).value)
        cvar["truth"].append(b.value(policy, MeanVariance(0.5)))
    truth = np.array(truth)
    for name, values in est.items():
        diff = np.array(values) - truth
        se = diff.std(axis=0, ddof=1) / np.sqrt(diff.shape[0])
        assert np.all(np.abs(diff.mean(axis=0)) < 3 * se + 1e-12), name
    d = np.array(cvar["dr"]) - np.array(cvar["truth"])
    assert abs(d.mean()) < 3 * d.std(ddof=1) / np.sqrt(d.size)


@pytest.mark.parametrize("wrong", ["outcome", "propensity"])
def test_dr_consistent_with_one_wrong_nuisance(wrong):
    b = make_distributional(20000, n_levels=20, return_truth=True, random_state=3)
    policy = (b.X[:, 1] > 0).astype(int)
    models = dict(outcome_model=LinearRegression(), propensity_model=LogisticRegression())
    models[f"{wrong}_model"] = DummyRegressor() if wrong == "outcome" else DummyClassifier()
    ev = DistributionalDREvaluator(cv=3, random_state=0, **models).fit(b.X, b.y, treatment=b.treatment)
    res = ev.evaluate(policy, uniform=False)
    truth = b.potential_quantiles[np.arange(20000), policy].mean(axis=0)
    z = (res.quantiles_raw - truth) / res.stderr_quantiles
    assert np.max(np.abs(z)) < 4  # 20 correlated levels; 4 SE is a generous family bound
    # the estimator that relies on the wrong nuisance alone is biased
    arm_means = np.array([b.y[b.treatment == a].mean(axis=0) for a in (0, 1)])
    naive = (arm_means[policy].mean(axis=0) if wrong == "outcome"  # DummyRegressor's mu
             else DistributionalIPWEvaluator(propensity_model=DummyClassifier())
             .fit(b.X, b.y, treatment=b.treatment)
             .evaluate(policy, uniform=False).quantiles_raw)
    assert np.max(np.abs(naive - truth) / res.stderr_quantiles) > 5


@pytest.mark.slow
def test_band_coverage_over_replications():
    # Known propensities (RCT): the IF bands are exact up to the normal approximation.
    # Truth of the superpopulation (the SE is for it, not for the sample's own
    # units): a 400,000-unit average of the potential quantile functions.
    big = make_distributional(400_000, n_levels=20, design="rct", return_truth=True, random_state=10**6)
    big_policy = (big.X[:, 1] > 0).astype(int)
    truth = big.potential_quantiles[np.arange(400_000), big_policy].mean(axis=0)
    true_value = CVaR(0.25)(truth)
    levels_hit, uniform_hit, value_hit = [], [], []
    for seed in range(300):
        b = make_distributional(400, n_levels=20, design="rct", return_truth=True, random_state=seed)
        policy = (b.X[:, 1] > 0).astype(int)
        ev = DistributionalIPWEvaluator().fit(b.X, b.y, treatment=b.treatment, propensity=0.5)
        res = ev.evaluate(policy, utility=CVaR(0.25), n_bootstraps=500, random_state=seed)
        # the raw estimate's pointwise band (before rearrangement) is what the SE covers
        z = norm.ppf(0.975)
        lo, hi = res.quantiles_raw - z * res.stderr_quantiles, res.quantiles_raw + z * res.stderr_quantiles
        levels_hit.append(np.mean((lo <= truth) & (truth <= hi)))
        uniform_hit.append(np.all((res.uniform_band[0] <= truth) & (truth <= res.uniform_band[1])))
        lo_v, hi_v = res.conf_int()
        value_hit.append(lo_v <= true_value <= hi_v)
    pointwise, uniform, value = np.mean(levels_hit), np.mean(uniform_hit), np.mean(value_hit)
    print(f"coverage over 300 replications: pointwise {pointwise:.3f}, uniform {uniform:.3f}, CVaR value {value:.3f}")
    # binomial SE of a 0.95 coverage over 300 replications is 0.0126: 3 SE bounds
    for cov in (uniform, value):
        assert 0.95 - 0.038 < cov < 0.95 + 0.038
    assert 0.95 - 0.038 < pointwise < 0.95 + 0.038


def test_evaluate_result_and_compare():
    b = make_distributional(3000, n_arms=3, n_levels=30, return_truth=True, random_state=4)
    ev = DistributionalDREvaluator(random_state=0).fit(b.X, b.y, treatment=b.treatment)
    assert ev.scores_.shape == (3000, 3, 30)
    pol = np.argmax(b.X[:, :3], axis=1)
    res = ev.evaluate(pol, utility=CVaR(0.2), random_state=0)
    assert np.all(np.diff(res.quantiles) >= 0)
    lo, hi = res.uniform_band
    plo, phi = res.pointwise_band
    assert np.all(lo <= plo + 1e-12) and np.all(hi >= phi - 1e-12)
    assert res.value == pytest.approx(CVaR(0.2)(res.quantiles_raw))
    assert res.value == pytest.approx(res.scores.mean())
    # stochastic policy: mixture of the two deterministic ones, value linear in P
    P = 0.3 * np.eye(3)[pol] + 0.7 * np.eye(3)[np.zeros(3000, int)]
    mix = ev.evaluate(P, uniform=False).quantiles_raw
    np.testing.assert_allclose(
        mix, 0.3 * ev.evaluate(pol, uniform=False).quantiles_raw
        + 0.7 * ev.evaluate(np.zeros(3000, int), uniform=False).quantiles_raw,
    )
    diff = ev.compare(pol, np.zeros(3000, int), utility=Mean())
    assert diff.value == pytest.approx(
        ev.evaluate(pol).value - ev.evaluate(np.zeros(3000, int)).value
    )
    assert "DR" in repr(res)


def test_evaluator_bad_input():
    b = make_distributional(300, n_levels=10, return_truth=True, random_state=5)
    ev = DistributionalDREvaluator(outcome_model=LinearRegression(), cv=2)
    with pytest.raises(ValueError, match="grid has 5 levels but y has 10"):
        DistributionalDREvaluator(
            outcome_model=LinearRegression(), grid=QuantileGrid(5), cv=2
        ).fit(b.X, b.y, treatment=b.treatment)
    y = b.y.copy()
    y[0, 0] = np.nan
    with pytest.raises(ValueError, match="y"):
        ev.fit(b.X, y, treatment=b.treatment)
    ev.fit(b.X, b.y, treatment=b.treatment)
    with pytest.raises(ValueError, match="policy"):
        ev.evaluate(np.zeros(10, int))
    with pytest.raises(ValueError, match="not seen in fit"):
        ev.evaluate(np.full(300, 7))


# -- bounded memory (issue 17) ---------------------------------------------------


def _blocks_of(monkeypatch, n_rows, m):
    """Make every chunked computation work on ``n_rows`` rows of m float64 at a time."""
    from causaldist.model_selection import _crossfit

    monkeypatch.setattr(_crossfit, "_CHUNK_BYTES", n_rows * 8 * m)


@pytest.mark.parametrize("make", [
    # A tree predicts each row on its own, so its predictions do not depend on
    # how many rows are predicted together (a BLAS product's last bit may).
    lambda: DistributionalDREvaluator(
        outcome_model=DecisionTreeRegressor(max_depth=4, random_state=0),
        propensity_model=LogisticRegression(), cv=3,
    ),
    lambda: DistributionalIPWEvaluator(propensity_model=LogisticRegression(), cv=3),
    lambda: DistributionalIPWEvaluator(
        propensity_model=LogisticRegression(), cv=3, normalize=True
    ),
])
def test_blocks_of_rows_give_the_same_estimates(monkeypatch, make):
    b = make_distributional(700, n_arms=3, n_levels=12, return_truth=True,
                            random_state=7)
    w = np.random.default_rng(7).integers(1, 4, 700).astype(float)
    pol = np.argmax(b.X[:, :3], axis=1)

    def run():
        ev = make().fit(b.X, b.y, treatment=b.treatment, sample_weight=w)
        return ev, ev.evaluate(pol, utility=CVaR(0.3), random_state=0)

    whole, res = run()
    _blocks_of(monkeypatch, 3, 12)
    blocked, res_b = run()
    np.testing.assert_array_equal(blocked.scores_, whole.scores_)
    for name in ("value", "stderr", "quantiles_raw", "stderr_quantiles", "scores"):
        np.testing.assert_array_equal(getattr(res_b, name), getattr(res, name))
    np.testing.assert_array_equal(res_b.pointwise_band, res.pointwise_band)
    # The covariance of the uniform band is summed block by block, the same sum
    # in another order. Its eigenvalues at rounding level (quantile functions
    # of a location-scale family span few directions) enter the band's draws
    # through their square roots: the band moves by about sqrt(eps) ~ 1e-8.
    np.testing.assert_allclose(res_b.uniform_band, res.uniform_band, rtol=1e-6)


def test_blocks_of_rows_with_the_default_models_agree_to_rounding(monkeypatch):
    # The default outcome model predicts through BLAS, whose kernels (and so the
    # last bits) depend on the number of rows per product.
    b = make_distributional(600, n_levels=15, return_truth=True, random_state=8)
    def fit():
        ev = DistributionalDREvaluator(random_state=0)
        return ev.fit(b.X, b.y, treatment=b.treatment)

    whole = fit()
    _blocks_of(monkeypatch, 5, 15)
    blocked = fit()
    scale = np.abs(whole.scores_).max()
    np.testing.assert_allclose(
        blocked.scores_, whole.scores_, rtol=1e-12, atol=1e-12 * scale
    )


def test_fit_holds_only_blocks_beside_what_it_keeps(monkeypatch):
    # Before, the out-of-fold predictions were made a whole test fold at a time
    # and the residual terms built on fancy-indexed copies: the peak was 1.5 y
    # above what fit keeps. Now the temporaries are a few blocks of rows.
    import tracemalloc

    rng = np.random.default_rng(0)
    n, m = 4000, 200
    X = rng.normal(size=(n, 2))
    t = rng.integers(0, 2, n)
    y = np.sort(rng.normal(size=(n, m)), axis=1) + X[:, :1] + t[:, None]
    _blocks_of(monkeypatch, 40, m)
    ev = DistributionalDREvaluator(
        outcome_model=DecisionTreeRegressor(max_depth=4, random_state=0),
        propensity_model=LogisticRegression(), cv=2,
    )
    ev.fit(X, y, treatment=t)  # compiles and imports what fit needs outside the trace
    tracemalloc.start()
    try:
        ev.fit(X, y, treatment=t)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - kept < 0.25 * y.nbytes, (peak - kept) / y.nbytes


def test_quantile_check_reads_blocks_of_rows(monkeypatch):
    q = np.sort(np.random.default_rng(0).normal(size=(20, 4)), axis=1)
    q[[3, 17], 0] = 9.0
    _blocks_of(monkeypatch, 3, 4)
    with pytest.raises(ValueError, match=r"but 2 rows decrease \(first: row 3\)"):
        barycenter(q)
    q[19, 2] = np.nan  # a NaN in the last block is named before any decrease
    with pytest.raises(ValueError, match="NaN or infinite"):
        barycenter(q)


# -- regression tests of the contract redesign (issue 10) -----------------------


def _normal_units(n, n_draws, seed):
    """Units with outcome N(x0 + t, 1), observed as ``n_draws`` raw draws each."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    t = rng.integers(0, 2, n)
    draws = (X[:, 0] + t)[:, None] + rng.normal(size=(n, n_draws))
    return X, t, draws


def test_raw_draws_are_refused_and_from_samples_is_named():
    # Raw unsorted draws passed as a "quantile matrix": the lower-tail CVaR read
    # the first columns, i.e. arbitrary draws, and came out at +1.04 where the
    # truth is -0.78, silently. Rows that decrease are now refused.
    X, t, draws = _normal_units(2000, 20, seed=0)
    for est in (
        DistributionalIPWEvaluator(),
        DistributionalDREvaluator(outcome_model=LinearRegression(), cv=2),
    ):
        with pytest.raises(ValueError, match=r"QuantileGrid\(m\)\.from_samples"):
            est.fit(X, draws, treatment=t, propensity=0.5)
    for call in (lambda: barycenter(draws), lambda: wasserstein2(draws[0], draws[1])):
        with pytest.raises(ValueError, match="from_samples"):
            call()
    # The named path: many draws per unit make the empirical quantiles nearly
    # unbiased, so the CVaR is within 4 SE of the truth on the same grid.
    X, t, draws = _normal_units(2000, 400, seed=1)
    grid = QuantileGrid(20)
    ev = DistributionalIPWEvaluator().fit(
        X, grid.from_samples(list(draws)), treatment=t, propensity=0.5
    )
    res = ev.evaluate(np.ones(2000, dtype=int), utility=CVaR(0.1), uniform=False)
    truth = CVaR(0.1)(np.mean(X[:, 0]) + 1 + norm.ppf(grid.levels), grid)
    assert abs(res.value - truth) < 4 * res.stderr


def test_rounding_level_decreases_are_accepted():
    # Quantile functions computed in floating point may step down by an ulp.
    q = np.sort(np.random.default_rng(0).normal(size=(50, 10)), axis=1)
    q[:, 3] = q[:, 4] + 1e-14 * np.abs(q[:, 4])
    np.testing.assert_allclose(barycenter(q), q.mean(axis=0))


@pytest.mark.parametrize("normalize", [False, True])
def test_scalar_evaluators_are_the_m_equals_1_case(normalize):
    # One evaluator generic in m: with one level it reproduces the scalar
    # evaluator exactly (same folds, same models, same influence function).
    from causaldist.evaluation import DREvaluator, IPWEvaluator

    rng = np.random.default_rng(2)
    X = rng.normal(size=(500, 2))
    t = rng.integers(0, 2, 500)
    y = X[:, 0] + t * X[:, 1] + rng.normal(size=500)
    w = rng.integers(1, 4, 500).astype(float)
    pol = (X[:, 1] > 0).astype(int)
    kw = dict(propensity_model=LogisticRegression(), cv=3, random_state=0)
    pairs = [
        (IPWEvaluator(normalize=normalize, **kw),
         DistributionalIPWEvaluator(normalize=normalize, **kw)),
    ]
    if not normalize:
        pairs.append((DREvaluator(outcome_model=LinearRegression(), **kw),
                      DistributionalDREvaluator(outcome_model=LinearRegression(), **kw)))
    for scalar, dist in pairs:
        a = scalar.fit(X, y, treatment=t, sample_weight=w).evaluate(pol)
        b = dist.fit(X, y[:, None], treatment=t, sample_weight=w).evaluate(pol, uniform=False)
        assert b.value == pytest.approx(a.value, rel=1e-10)
        assert b.stderr == pytest.approx(a.stderr, rel=1e-8)
        # a stochastic policy goes through the dense path: same numbers
        P = np.column_stack([1 - 0.3 * pol, 0.3 * pol])
        a, b = scalar.evaluate(P), dist.evaluate(P, uniform=False)
        assert b.value == pytest.approx(a.value, rel=1e-10)
        assert b.stderr == pytest.approx(a.stderr, rel=1e-8)
    from causaldist.evaluation import DREvaluator as Scalar

    assert not issubclass(DistributionalDREvaluator, Scalar)


def test_dr_family_accepts_sample_weight_with_its_default_outcome_model():
    # The default outcome model is a spline + Ridge pipeline, which rejected a
    # bare sample_weight: every weighted fit of the DR family failed.
    b = make_distributional(3000, n_levels=20, return_truth=True, random_state=6)
    w = np.where(b.X[:, 0] > 0, 3.0, 1.0)
    policy = (b.X[:, 1] > 0).astype(int)
    ev = DistributionalDREvaluator(random_state=0).fit(
        b.X, b.y, treatment=b.treatment, sample_weight=w
    )
    res = ev.evaluate(policy, utility=CVaR(0.2), uniform=False)
    # Weighted truth of the sample's units: the weighted barycenter of the
    # potential quantile functions under the policy.
    truth = CVaR(0.2)(np.average(b.potential_quantiles[np.arange(3000), policy], axis=0,
                                 weights=w))
    assert abs(res.value - truth) < 4 * res.stderr
    unweighted = ev.fit(b.X, b.y, treatment=b.treatment).evaluate(
        policy, utility=CVaR(0.2), uniform=False)
    assert unweighted.value != pytest.approx(res.value, rel=1e-6)


def test_distributional_policy_value_is_an_estimate():
    from causaldist.evaluation import Estimate

    b = make_distributional(800, n_levels=10, return_truth=True, random_state=7)
    ev = DistributionalIPWEvaluator().fit(b.X, b.y, treatment=b.treatment, propensity=0.5)
    res = ev.evaluate(np.ones(800, dtype=int), utility=Quantile(0.5), random_state=0)
    assert isinstance(res, Estimate)
    frame = res.summary_frame()
    assert frame["point_estimate"].iloc[0] == pytest.approx(res.value)
    assert frame["ci_lower"].iloc[0] == pytest.approx(res.conf_int()[0])
    assert 0 <= res.pvalue() <= 1
    assert "utility=Quantile(tau=0.5)" in repr(res)
    assert res.quantiles.shape == res.levels.shape == (10,)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: wasserstein2(1.0, 2.0), r"q1 must have shape"),
        (lambda: wasserstein2(np.arange(3.0), np.arange(4.0)), "same grid"),
        (lambda: wasserstein2(np.zeros((2, 3)), np.zeros((3, 3))), "row for row"),
        (lambda: wasserstein2(np.arange(3.0), np.arange(3.0), grid=[0.5]), "grid has 1 levels"),
        (lambda: wasserstein2([0.0, np.nan], [0.0, 1.0]), "NaN"),
        (lambda: barycenter(np.zeros((0, 3))), "no rows"),
        (lambda: barycenter([[0.0, 1.0]], weights=[1.0, 2.0]), "weights has shape"),
        (lambda: project_monotone(3.0), "q must have shape"),
        (lambda: Mean().weights(np.array([[0.5]])), "1-D array of increasing levels"),
        (lambda: Mean().weights([0.5, 0.2]), "strictly increasing"),
        (lambda: Mean().weights(None), "grid is required"),
        (lambda: CVaR(0.1).gradient(np.arange(3.0), [0.1, 0.5]), "grid has 2 levels but q has 3"),
        (lambda: Mean()(5.0), "q must be a quantile function"),
        (lambda: CVaR(1.5), r"alpha must be a number in \(0, 1\]"),
        (lambda: CVaR("0.1"), "alpha must be a number"),
        (lambda: Quantile(0.0), r"tau must be a number in \(0, 1\)"),
        (lambda: MeanVariance(-1), "risk_aversion"),
        (lambda: ExpectedUtility(1.0, 2.0), "u must be a callable"),
        (lambda: ExpectedUtility(np.sum, np.sum)(np.arange(3.0)), "vectorised"),
    ],
)
def test_low_level_functions_check_their_input(call, match):
    # These used to fail with IndexError / AttributeError / TypeError from numpy.
    with pytest.raises(ValueError, match=match):
        call()
    with pytest.raises(TypeError, match="not linear"):
        MeanVariance(1.0).weights(QuantileGrid(3))
