"""The whole-fit bootstrap (causaldist.compat.econml._refit_bootstrap)."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.linear_model import LinearRegression

from causaldist.compat.econml._refit_bootstrap import (
    bootstrap_indices,
    bootstrap_interval,
    bootstrap_mean_interval,
    refit_replicates,
)


def test_indices_keep_strata_and_follow_the_random_state():
    strata = np.array(["b", "a", "b", "c", "a", "b", "b"])
    idx = bootstrap_indices(7, 50, strata=strata, random_state=0)
    assert idx.shape == (50, 7)
    # sorted strata side by side: a (2 rows), b (4), c (1); every replicate keeps the counts
    assert np.all(strata[idx[:, :2]] == "a") and np.all(strata[idx[:, 2:6]] == "b")
    assert np.all(strata[idx[:, 6]] == "c")
    np.testing.assert_array_equal(idx, bootstrap_indices(7, 50, strata=strata, random_state=0))
    # numpy's global RandomState when None (econml's source of draws)
    np.random.seed(4)
    a = bootstrap_indices(7, 3)
    np.random.seed(4)
    np.testing.assert_array_equal(a, np.random.choice(7, size=(3, 7), replace=True))
    with pytest.raises(ValueError, match="n_bootstraps"):
        bootstrap_indices(7, 0)
    with pytest.raises(ValueError, match="strata"):
        bootstrap_indices(7, 2, strata=strata[:3])


def test_interval_rules():
    reps = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])
    lo, hi = bootstrap_interval(reps, [2.0], alpha=0.5, kind="percentile")
    np.testing.assert_allclose([lo[0], hi[0]], [2.0, 4.0])
    lo, hi = bootstrap_interval(reps, [2.0], alpha=0.5, kind="pivot")
    np.testing.assert_allclose([lo[0], hi[0]], [0.0, 2.0])
    lo, hi = bootstrap_interval(reps, [2.0], alpha=0.5, kind="normal")
    z = norm.ppf(0.75) * np.std(reps)
    np.testing.assert_allclose([lo[0], hi[0]], [2.0 - z, 2.0 + z])
    with pytest.raises(ValueError, match="kind"):
        bootstrap_interval(reps, [2.0], kind="bca")
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_mean_interval(reps, [2.0], alpha=1.5)


def test_refit_replicates_fit_the_resampled_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 1))
    y = 3 * X[:, 0] + rng.normal(size=30)
    idx = bootstrap_indices(30, 4, random_state=1)
    fits = refit_replicates(LinearRegression(), idx, X, y, sample_weight=None)
    for rows, fit in zip(idx, fits):
        ref = LinearRegression().fit(X[rows], y[rows])
        np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-12)


@pytest.mark.parametrize("kind", ["percentile", "pivot", "normal"])
def test_coverage_of_the_mean(kind):
    """Over 600 samples of n = 200 normal draws, the 95% interval of the mean
    (500 replicates) covers the truth at 0.95 within 3 Monte-Carlo standard
    errors (sqrt(0.95 * 0.05 / 600) = 0.0089)."""
    rng = np.random.default_rng(7)
    hits, reps = 0, 600
    for r in range(reps):
        y = rng.normal(1.0, 2.0, size=200)
        idx = bootstrap_indices(200, 500, random_state=r)
        lo, hi = bootstrap_interval(y[idx].mean(axis=1), y.mean(), kind=kind)
        hits += lo <= 1.0 <= hi
    assert abs(hits / reps - 0.95) < 3 * np.sqrt(0.95 * 0.05 / reps)
