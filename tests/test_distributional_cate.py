"""Distributional CATE: DR- and T-learners of the effect on the conditional barycenter."""

import numpy as np
import pytest
import sklearn
from scipy.stats import norm
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import SplineTransformer

from causaldist.datasets import make_distributional
from causaldist.distributional import (
    CVaR,
    DistributionalDRLearner,
    DistributionalTLearner,
    MeanVariance,
    Quantile,
    QuantileGrid,
)

M = 10
LEVELS = (np.arange(M) + 0.5) / M
Z = norm.ppf(LEVELS)
POINTS = np.array([[0.0, 0.0, 0.0], [0.5, -0.5, 0.8], [-0.7, 0.6, -0.6]])
# true effect on the quantile function at POINTS: linear in x
TAU = 0.5 + 0.5 * POINTS[:, [1]] + (0.5 + 0.3 * POINTS[:, [2]]) * Z


def _sim(seed, n=1000):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 3))
    t = (rng.random(n) < 1 / (1 + np.exp(-0.5 * X[:, 0]))).astype(int)
    Q = X[:, [0]] + t[:, None] * (0.5 + 0.5 * X[:, [1]])
    Q = Q + (1 + t[:, None] * (0.5 + 0.3 * X[:, [2]])) * Z + 0.5 * rng.normal(size=(n, 1))
    return X, Q, t


def test_shapes_and_consistency():
    X, Q, t = _sim(0, 3000)
    est = DistributionalDRLearner(outcome_model=LinearRegression(), cv=3, random_state=0)
    est.fit(X, Q, treatment=t)
    tau = est.predict(POINTS)
    assert tau.shape == (3, M)
    np.testing.assert_allclose(tau, TAU, atol=0.25)
    np.testing.assert_allclose(est.effect(POINTS), tau)
    q = est.predict_barycenter(POINTS)
    assert q.shape == (3, 2, M) and np.all(np.diff(q, axis=-1) >= 0)
    np.testing.assert_allclose(est.predict_barycenter(POINTS, arm=1), q[:, 1])
    # utilities of the conditional barycenters
    cvar = est.predict_utility(POINTS, CVaR(0.2))
    np.testing.assert_allclose(cvar, CVaR(0.2)(q[:, 1]) - CVaR(0.2)(q[:, 0]))
    med = est.predict_utility(POINTS, Quantile(0.5))
    np.testing.assert_allclose(med, 0.5 + 0.5 * POINTS[:, 1], atol=0.25)
    inf = est.utility_inference(POINTS, MeanVariance(0.5))
    assert inf.value.shape == (3,) and np.all(inf.stderr > 0)
    t_learner = DistributionalTLearner(outcome_model=LinearRegression()).fit(X, Q, treatment=t)
    np.testing.assert_allclose(t_learner.predict(POINTS), TAU, atol=0.25)
    with pytest.raises(ValueError, match="least-squares"):
        DistributionalDRLearner(final_model=LinearRegression(), cv=2).fit(
            X, Q, treatment=t).effect_inference(POINTS)


def test_three_arms_raw_draws_and_generic_final_model():
    b = make_distributional(1500, n_arms=3, n_levels=M, n_draws=16, return_truth=True,
                            random_state=1)
    est = DistributionalDRLearner(
        grid=QuantileGrid(M), final_model=RandomForestRegressor(20, max_depth=4, random_state=0),
        cv=2, random_state=0,
    ).fit(b.X, b.samples, treatment=b.treatment)
    assert est.predict(b.X[:4]).shape == (4, 2, M)
    assert est.predict_utility(b.X[:4], CVaR(0.1)).shape == (4, 2)
    assert est.draw_counts_.shape == (1500,)
    lin = DistributionalDRLearner(grid=QuantileGrid(M), featurizer=SplineTransformer(n_knots=4),
                                  cv=2, random_state=0).fit(b.X, b.samples, treatment=b.treatment)
    inf = lin.effect_inference(b.X[:4], random_state=0)
    assert inf.value.shape == (4, 2, M)
    lo, hi = inf.uniform_band
    plo, phi = inf.pointwise_band
    assert np.all(lo <= plo + 1e-12) and np.all(hi >= phi - 1e-12)


def test_score_in_grid_search():
    X, Q, t = _sim(2, 800)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            DistributionalDRLearner(outcome_model=LinearRegression(), cv=2),
            {"featurizer": [None, SplineTransformer(n_knots=3)]}, cv=2,
        ).fit(X, Q, treatment=t)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.slow
def test_band_coverage():
    # 60 replications x 3 points: pointwise and uniform 95% bands of the effect
    # curve, and intervals of the CATE of CVaR(0.2), near nominal.
    w = (LEVELS <= 0.2) / 0.2 / M
    cvar_true = TAU @ w
    point, uniform, cvar = [], [], []
    for seed in range(60):
        X, Q, t = _sim(seed)
        est = DistributionalDRLearner(outcome_model=LinearRegression(), cv=2, random_state=seed)
        est.fit(X, Q, treatment=t)
        inf = est.effect_inference(POINTS, random_state=seed, n_bootstraps=400)
        lo, hi = inf.pointwise_band
        point.append(np.mean((lo <= TAU) & (TAU <= hi)))
        lo, hi = inf.uniform_band
        uniform.append(np.mean(np.all((lo <= TAU) & (TAU <= hi), axis=1)))
        lo, hi = est.utility_inference(POINTS, CVaR(0.2)).conf_int()
        cvar.append(np.mean((lo <= cvar_true) & (cvar_true <= hi)))
    for cov in (point, uniform, cvar):
        assert 0.88 <= np.mean(cov) <= 1.0
