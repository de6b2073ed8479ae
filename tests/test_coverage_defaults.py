"""LinearDML's 95% CATE intervals with the DEFAULT nuisances cover (issue 26), against econml's.

The design of benchmarks/coverage_defaults.py (partially linear, binary
treatment, 3 controls, n = 1,500; tau(x) = 1 + 0.5 x at x = 0 and the edge
x = 2), REPS replications with fixed seeds; the benchmark runs it at 200+.
"""

import warnings

import numpy as np
import pytest

from causaldist.dml import LinearDML

REPS = 40
POINTS = np.array([0.0, 2.0])
# Lower band: nominal 0.95 minus 3 Monte Carlo standard errors at REPS
# replications (sqrt(0.95 * 0.05 / 40) = 0.034), i.e. 0.85; the upper end is
# 1 (40 of 40 is a 13% event at a true 0.95).
LOWER = 0.95 - 3 * np.sqrt(0.95 * 0.05 / REPS)
# Against econml on the same data: the difference of two coverages has an MC
# standard error of at most sqrt(2) times that of one; 2 of them.
MARGIN = 2 * np.sqrt(2 * 0.95 * 0.05 / REPS)


def _simulate(seed, n=1500):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1))
    W = rng.normal(size=(n, 3))
    t = rng.binomial(1, 1 / (1 + np.exp(-(0.5 * X[:, 0] + 0.5 * W[:, 0]))))
    tau = 1.0 + 0.5 * X[:, 0]
    y = tau * t + X[:, 0] + W[:, 1] + 0.5 * W[:, 2] ** 2 + rng.normal(size=n)
    return X, W, y, t


@pytest.mark.slow
def test_linear_dml_default_models_cover():
    econml_dml = pytest.importorskip("econml.dml")
    truth = 1.0 + 0.5 * POINTS
    ours, theirs = [], []
    at = np.hstack([POINTS[:, None], np.zeros((len(POINTS), 3))])
    for seed in range(REPS):
        X, W, y, t = _simulate(seed)
        est = LinearDML(discrete_treatment=True, effect_features=[0], cv=5, random_state=seed)
        lo, hi = est.fit(np.hstack([X, W]), y, treatment=t).effect_interval(at)
        ours.append((lo <= truth) & (truth <= hi))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = econml_dml.LinearDML(discrete_treatment=True, cv=5, random_state=seed)
            lo, hi = ref.fit(y, t, X=X, W=W).effect_interval(POINTS[:, None])
        theirs.append((np.ravel(lo) <= truth) & (truth <= np.ravel(hi)))
    ours, theirs = np.mean(ours, axis=0), np.mean(theirs, axis=0)
    assert np.all(ours >= LOWER), (ours, theirs)
    assert np.all(ours >= theirs - MARGIN), (ours, theirs)
