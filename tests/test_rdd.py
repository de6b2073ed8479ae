"""DistributionalRDD (R3D): estimates, bands and tests against known truth."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.isotonic import isotonic_regression

from causaldist.distributional import DistributionalRDD, Draws, QuantileGrid

M = 10
LEVELS = (np.arange(M) + 0.5) / M
ZQ = norm.ppf(LEVELS)
TAU = 0.5 + 0.3 * ZQ  # true local average quantile effect


def _sim(seed, n=2000, fuzzy=False, tau=TAU, unit_sd=0.5):
    """Units with a random location and scale around a smooth mean in Z, a jump at 0."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-1, 1, n)
    d = (z >= 0).astype(float)
    if fuzzy:  # 20% cross over on each side: the first stage jumps by 0.6
        d = np.where(rng.random(n) < 0.2, 1 - d, d)
    loc = z + 0.5 * z**2 + rng.normal(0, unit_sd, n)
    scale = np.exp(0.3 * rng.normal(size=n) - 0.045)
    Q = loc[:, None] + (1 + 0.5 * z)[:, None] * scale[:, None] * ZQ + d[:, None] * tau
    return z[:, None], Q, (d if fuzzy else None)


def test_frechet_is_the_monotone_projection_of_simple():
    X, Q, _ = _sim(0)
    # crossing-prone data: a noisy outcome whose local fits cross
    Q = Q + np.random.default_rng(1).normal(0, 2.0, Q.shape)
    Q.sort(axis=1)
    simple = DistributionalRDD(method="simple", bandwidth=0.3, random_state=0).fit(X, Q)
    frechet = DistributionalRDD(method="frechet", bandwidth=0.3, random_state=0).fit(X, Q)
    # the simple fit's intercepts before rearrangement: local linear at 0.3
    from causaldist.distributional._rdd import _SideFit

    z, s = X[:, 0], np.ones(len(X))
    up = _SideFit(z, s, 0.3, 1, True, "triangular", Q).intercept
    dn = _SideFit(z, s, 0.3, 1, False, "triangular", Q).intercept
    w = frechet.grid_.weights
    np.testing.assert_allclose(frechet.above_, isotonic_regression(up, sample_weight=w))
    np.testing.assert_allclose(frechet.below_, isotonic_regression(dn, sample_weight=w))
    np.testing.assert_allclose(frechet.effect_, frechet.above_ - frechet.below_)
    np.testing.assert_allclose(simple.above_, np.sort(up))
    assert np.all(np.diff(frechet.above_) >= 0)


def test_draws_long_table_and_fuzzy():
    rng = np.random.default_rng(2)
    n = 1500
    z = rng.uniform(-1, 1, n)
    draws = [rng.normal(zi + 0.8 * (zi >= 0), 1 + 0.5 * (zi >= 0), size=rng.integers(20, 41))
             for zi in z]
    grid = QuantileGrid(M)
    rdd = DistributionalRDD(grid=grid, random_state=0).fit(z[:, None], draws)
    truth = 0.8 + 0.5 * ZQ
    lo, hi = rdd.uniform_band_
    assert np.all((lo <= truth) & (truth <= hi))
    assert rdd.draw_counts_.min() >= 20 and rdd.correction_ is not None
    assert rdd.tests_["nullity"].p_value < 0.01
    assert rdd.tests_["homogeneity"].p_value < 0.05
    table = pd.DataFrame({"unit": np.repeat(np.arange(n), [len(d) for d in draws]),
                          "value": np.concatenate(draws)})
    via_long = DistributionalRDD(grid=QuantileGrid(M, long=("unit", "value")),
                                 random_state=0).fit(pd.DataFrame({"z": z}), table)
    np.testing.assert_allclose(via_long.effect_, rdd.effect_, atol=1e-8)
    assert DistributionalRDD(grid=grid).fit(z[:, None], Draws(draws)).effect_.shape == (M,)
    frame = rdd.summary()
    assert list(frame.columns)[:3] == ["level", "effect", "effect_bc"] and len(frame) == M
    # fuzzy: the Wald ratio recovers the effect of treatment, not of eligibility
    X, Q, d = _sim(3, n=3000, fuzzy=True)
    fz = DistributionalRDD(random_state=0).fit(X, Q, treatment=d)
    assert fz.first_stage_ == pytest.approx(0.6, abs=0.12)
    np.testing.assert_allclose(fz.effect_, TAU, atol=0.35)
    lo, hi = fz.uniform_band_
    assert np.all((lo <= TAU) & (TAU <= hi))


def test_pooled_quantile_rdd_is_biased_where_ours_is_not():
    # Heterogeneous units (sd 1 of unit locations); treatment scales each unit's own
    # spread by 1.5. The average quantile effect is 0.5 z(p); the jump of the
    # pooled (mixture) quantiles is sqrt(1 + 1.5^2) z - sqrt(2) z = 0.39 z(p).
    rng = np.random.default_rng(4)
    n, k = 4000, 20
    z = rng.uniform(-1, 1, n)
    above = z >= 0
    loc = 0.3 * z + rng.normal(0, 1, n)
    spread = np.where(above, 1.5, 1.0)
    draws = [loc[i] + spread[i] * rng.normal(size=k) for i in range(n)]
    truth = 0.5 * ZQ
    ours = DistributionalRDD(grid=QuantileGrid(M), random_state=0).fit(z[:, None], draws)
    assert np.max(np.abs(ours.effect_ - truth)) < 0.15
    # pooled quantile RDD: quantiles of all draws of the units within h of the cutoff
    h = 0.1
    pooled_up = np.quantile(np.concatenate([draws[i] for i in np.flatnonzero(above & (z < h))]),
                            LEVELS)
    pooled_dn = np.quantile(np.concatenate(
        [draws[i] for i in np.flatnonzero(~above & (z > -h))]), LEVELS)
    pooled = pooled_up - pooled_dn
    assert np.max(np.abs(pooled - truth)) > 0.25
    assert np.max(np.abs(pooled - truth)) > 2 * np.max(np.abs(ours.effect_ - truth))


def test_bad_input():
    X, Q, _ = _sim(5, n=200)
    with pytest.raises(ValueError, match="one bandwidth"):
        DistributionalRDD(bandwidth=np.linspace(0.2, 0.5, M)).fit(X, Q)
    with pytest.raises(ValueError, match="units below"):
        DistributionalRDD(cutoff=5.0).fit(X, Q)
    with pytest.raises(ValueError, match="does not jump"):
        DistributionalRDD().fit(X, Q, treatment=np.ones(200))
    with pytest.raises(ValueError, match="quantile functions"):
        DistributionalRDD().fit(X, Q[:, ::-1])


@pytest.mark.slow
@pytest.mark.parametrize("method", ["simple", "frechet"])
@pytest.mark.parametrize("fuzzy", [False, True])
def test_band_coverage_and_test_size(method, fuzzy):
    # 80 replications of n = 2000: pointwise and uniform coverage of the true effect
    # near 95%; under a constant effect the homogeneity test rejects near 5%.
    point, uniform, rejects = [], [], []
    for seed in range(80):
        X, Q, d = _sim(seed, fuzzy=fuzzy)
        rdd = DistributionalRDD(method=method, random_state=seed, n_bootstraps=500)
        rdd.fit(X, Q, treatment=d)
        lo, hi = rdd.pointwise_band_
        point.append(np.mean((lo <= TAU) & (TAU <= hi)))
        lo, hi = rdd.uniform_band_
        uniform.append(np.all((lo <= TAU) & (TAU <= hi)))
        X, Q, d = _sim(seed, fuzzy=fuzzy, tau=np.full(M, 0.5))
        homo = DistributionalRDD(method=method, random_state=seed, n_bootstraps=500)
        rejects.append(homo.fit(X, Q, treatment=d).tests_["homogeneity"].p_value < 0.05)
    assert 0.9 <= np.mean(point) <= 0.99
    assert 0.88 <= np.mean(uniform) <= 1.0
    assert np.mean(rejects) <= 0.12


def test_plot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from causaldist.plotting import plot_distributional_rdd

    X, Q, _ = _sim(6, n=800)
    rdd = DistributionalRDD(random_state=0).fit(X, Q)
    ax = plot_distributional_rdd(rdd)
    assert len(ax.lines) >= 3 and "homogeneity" in ax.get_title()
    axes = rdd.plot(sides=True)
    assert len(axes) == 2 and len(axes[1].lines) == 2
    plt.close("all")
