"""Raw draws per unit as ``y`` (ragged, long table, Draws), and the few-draw correction."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from scipy.stats import norm
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from causaldist.datasets import make_distributional
from causaldist.distributional import (
    CVaR,
    DistributionalDREvaluator,
    DistributionalIPWEvaluator,
    DistributionalPolicyTree,
    Draws,
    QuantileGrid,
    few_draw_correction,
)


@pytest.fixture(scope="module")
def data():
    return make_distributional(1200, n_levels=10, n_draws=16, return_truth=True, random_state=0)


def _long(samples, shuffle=True):
    table = pd.DataFrame({
        "customer": np.repeat([f"c{i}" for i in range(len(samples))],
                              [len(s) for s in samples]),
        "spend": np.concatenate(samples),
    })
    return table.sample(frac=1.0, random_state=0) if shuffle else table


def test_draws_container():
    d = Draws([[3.0, 1.0], [5.0], [2.0, 2.0, 7.0]])
    assert len(d) == 3 and d.counts.tolist() == [2, 1, 3]
    np.testing.assert_array_equal(d[2], [2.0, 2.0, 7.0])
    sub = d[np.array([2, 0])]
    assert sub.counts.tolist() == [3, 2]
    np.testing.assert_array_equal(np.concatenate(list(sub)), [2, 2, 7, 3, 1])
    np.testing.assert_allclose(d.means, [2.0, 5.0, 11 / 3])
    np.testing.assert_allclose(d[[True, False, True]].means, [2.0, 11 / 3])
    np.testing.assert_allclose(d.quantiles([0.5]), [[2.0], [5.0], [2.0]])
    with pytest.raises(ValueError, match="no draws"):
        Draws([[1.0], []])
    with pytest.raises(ValueError, match="NaN"):
        Draws([[1.0, np.nan]])
    with pytest.raises(ValueError, match="1-D"):
        Draws([np.ones((2, 2))])
    long = _long([np.array([1.0, 2.0]), np.array([4.0])], shuffle=False)
    d = Draws.from_long(long, "customer", "spend", units=["c1", "c0"])
    assert d.ids.tolist() == ["c1", "c0"] and d.counts.tolist() == [1, 2]
    with pytest.raises(ValueError, match="not in units"):
        Draws.from_long(long, "customer", "spend", units=["c0"])


def test_every_form_of_y_gives_the_same_fit(data):
    b = data
    grid = QuantileGrid(10)
    kw = dict(grid=grid, outcome_model=LinearRegression(), cv=3, random_state=0)
    ragged = DistributionalDREvaluator(**kw).fit(b.X, b.samples, treatment=b.treatment)
    assert ragged.draw_counts_.tolist() == [len(s) for s in b.samples]
    ref = ragged.evaluate(b.treatment, uniform=False).quantiles
    obj = np.empty(len(b.samples), dtype=object)
    obj[:] = b.samples
    forms = [Draws(b.samples), obj, tuple(b.samples)]
    for y in forms:
        ev = DistributionalDREvaluator(**kw).fit(b.X, y, treatment=b.treatment)
        np.testing.assert_allclose(ev.evaluate(b.treatment, uniform=False).quantiles, ref)
    # a shuffled long table, units matched to X's index
    X = pd.DataFrame(b.X, index=[f"c{i}" for i in range(len(b.X))])
    long_grid = QuantileGrid(10, long=("customer", "spend"))
    ev = DistributionalDREvaluator(**{**kw, "grid": long_grid}).fit(
        X, _long(b.samples), treatment=b.treatment
    )
    np.testing.assert_allclose(ev.evaluate(b.treatment, uniform=False).quantiles, ref,
                               atol=1e-9)
    # a long table without the grid naming its columns fails with the way out
    with pytest.raises(ValueError, match="long=\\('unit', 'value'\\)"):
        DistributionalDREvaluator(**kw).fit(b.X, _long(b.samples), treatment=b.treatment)


def test_quantile_matrix_is_not_corrected_and_draws_are(data):
    b = data
    grid = QuantileGrid(10)
    Q = grid.from_samples(b.samples)
    kw = dict(outcome_model=LinearRegression(), cv=3, random_state=0, propensity_model=None)
    as_matrix = DistributionalIPWEvaluator(grid=grid, cv=3).fit(
        b.X, Q, treatment=b.treatment, propensity=b.propensity
    )
    assert as_matrix.correction_ is None and as_matrix.draw_counts_ is None
    off = DistributionalIPWEvaluator(grid=QuantileGrid(10, correction=None), cv=3).fit(
        b.X, b.samples, treatment=b.treatment, propensity=b.propensity
    )
    np.testing.assert_allclose(off.scores_, as_matrix.scores_)
    on = DistributionalDREvaluator(grid=grid, **kw).fit(b.X, b.samples, treatment=b.treatment)
    assert on.correction_ is not None
    # the tails move outwards
    raw = DistributionalDREvaluator(grid=QuantileGrid(10, correction=None), **kw).fit(
        b.X, b.samples, treatment=b.treatment)
    q_on, q_raw = on.evaluate(b.treatment).quantiles, raw.evaluate(b.treatment).quantiles
    assert q_on[0] < q_raw[0] - 0.1 and q_on[-1] > q_raw[-1] + 0.1


def test_sample_weight_with_draws(data):
    b = data
    w = np.random.default_rng(1).integers(0, 3, len(b.samples))
    rep = np.repeat(np.arange(len(w)), w)
    grid = QuantileGrid(10)
    kw = dict(grid=grid, outcome_model=LinearRegression(), cv=2, random_state=0)
    e = b.propensity
    a = DistributionalDREvaluator(**kw).fit(b.X, b.samples, treatment=b.treatment,
                                            sample_weight=w, propensity=e)
    r = DistributionalDREvaluator(**kw).fit(
        b.X[rep], Draws(b.samples)[rep], treatment=b.treatment[rep], propensity=e[rep]
    )
    # the correction's shape is fitted with the weights: equal to repetition
    np.testing.assert_allclose(a.correction_.shape_params_, r.correction_.shape_params_,
                               atol=1e-4)


def test_draws_in_grid_search_and_pipeline(data):
    b = data
    grid = QuantileGrid(10)
    learner = DistributionalPolicyTree(
        grid=grid, utility=CVaR(0.2), outcome_model=LinearRegression(), cv=2, random_state=0
    )
    with sklearn.config_context(enable_metadata_routing=True):
        for y in (b.samples, Draws(b.samples)):
            search = GridSearchCV(learner, {"max_depth": [1, 2]}, cv=2).fit(
                b.X, y, treatment=b.treatment
            )
            assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        pipe = make_pipeline(StandardScaler(), learner)
        scores = cross_val_score(pipe, b.X, b.samples, cv=2, params={"treatment": b.treatment})
        assert np.all(np.isfinite(scores))
    fitted = learner.fit(b.X, b.samples, treatment=b.treatment)
    assert fitted.draw_counts_.shape == (len(b.samples),)
    # held-out draws are corrected with the fitted correction
    assert np.isfinite(fitted.score(b.X, b.samples, treatment=b.treatment))
    with pytest.raises(ValueError, match="columns"):
        fitted.score(b.X, np.repeat(b.y, 2, axis=1), treatment=b.treatment)


def test_few_draw_correction_unbiased_for_location_scale():
    rng = np.random.default_rng(3)
    grid = QuantileGrid(20)
    n = 3000
    loc, scale = rng.normal(size=n), np.exp(0.3 * rng.normal(size=n))
    for shape, g in ((norm.ppf, 0.0), (lambda p: np.exp(0.5 * norm.ppf(p)), 0.5)):
        sizes = rng.integers(8, 17, n)
        draws = [l + s * shape(rng.random(k)) for l, s, k in zip(loc, scale, sizes)]
        truth = loc.mean() + scale.mean() * shape(grid.levels)
        raw = grid.from_samples(draws).mean(axis=0)
        Q, params = few_draw_correction(draws, grid)
        w2 = lambda q: np.sqrt(((q - truth) ** 2) @ grid.weights)  # noqa: E731
        assert w2(raw) > 0.1
        assert w2(Q.mean(axis=0)) < 0.03
        assert params[0] == pytest.approx(g, abs=0.08)
    with pytest.warns(UserWarning, match="single draw"):
        DistributionalIPWEvaluator(grid=grid, cv=2).fit(
            rng.normal(size=(40, 2)), [rng.normal(size=1 + i % 3) for i in range(40)],
            treatment=np.arange(40) % 2, propensity=0.5,
        )


@pytest.mark.slow
def test_corrected_dr_barycenter_w2_and_coverage():
    # benchmarks/bench_distributional_few_draws.py in small: 40 draws per unit,
    # the corrected DR barycenter of "treat everyone" is within 1.5x of the W2
    # error of exact quantile functions and its uniform band covers the truth.
    from causaldist.distributional import wasserstein2

    m, n = 10, 1000
    truth = 0.5 + np.exp(0.375) * norm.ppf((np.arange(m) + 0.5) / m)
    err = {"exact": [], "corrected": []}
    covered = []
    for seed in range(25):
        b = make_distributional(n, n_levels=m, n_draws=(40, 40), return_truth=True,
                                random_state=seed)
        for name, y in (("exact", b.y), ("corrected", b.samples)):
            ev = DistributionalDREvaluator(
                grid=QuantileGrid(m), outcome_model=LinearRegression(), cv=2, random_state=0
            ).fit(b.X, y, treatment=b.treatment)
            res = ev.evaluate(np.ones(n, dtype=int), random_state=seed, n_bootstraps=300)
            err[name].append(wasserstein2(res.quantiles, truth))
            if name == "corrected":
                lo, hi = res.uniform_band
                covered.append(np.all((lo <= truth) & (truth <= hi)))
    rms = {k: np.sqrt(np.mean(np.square(v))) for k, v in err.items()}
    assert rms["corrected"] <= 1.5 * rms["exact"]
    assert np.mean(covered) >= 0.8
