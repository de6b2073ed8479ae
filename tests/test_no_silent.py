"""Regression tests of issue 22 ("no silent wrong answer"), one per example."""

import glob
import os
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from causaldist.metalearners import DRLearner


def _binary(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = rng.integers(0, 2, n)
    y = X[:, 0] + t * (1 + X[:, 1]) + rng.normal(size=n)
    return X, y, t


# -- example 7: a long table of draws needs explicit unit ids ------------------
def test_long_draws_with_numpy_X_need_unit_ids():
    from causaldist.distributional import DistributionalDRLearner, QuantileGrid

    rng = np.random.default_rng(0)
    n = 40
    X = rng.normal(size=(n, 2))
    t = np.arange(n) % 2
    table = pd.DataFrame({"unit": np.repeat(np.arange(n), 5),
                          "value": rng.normal(size=5 * n)}).sample(frac=1, random_state=0)
    est = DistributionalDRLearner(grid=QuantileGrid(9, long=("unit", "value")), cv=2)
    with pytest.raises(ValueError, match="no index to pair its units"):
        est.fit(X, table, treatment=t)
    # With the ids on X's index, the order of the table's rows does not matter.
    Xf = pd.DataFrame(X, index=np.arange(n))
    a = est.fit(Xf, table, treatment=t).predict(Xf)
    b = est.fit(Xf, table.sort_values("unit"), treatment=t).predict(Xf)
    np.testing.assert_allclose(a, b, atol=1e-6)


# -- example 9: a cache entry of another call, or a corrupted one --------------
def _entries(location):
    return sorted(glob.glob(os.path.join(location, "**", "output.pkl"), recursive=True),
                  key=os.path.getmtime)


def _learner(location):
    return DRLearner(cv=2, memory=location, random_state=0,
                     outcome_model=LinearRegression(), propensity_model=LogisticRegression())


def test_cache_entry_of_another_call_is_recomputed(tmp_path):
    X, y, t = _binary()
    y2 = y + 10 * X[:, 2]
    _learner(str(tmp_path)).fit(X, y, treatment=t)
    right = _learner(str(tmp_path)).fit(X, y2, treatment=t).predict(X)
    first, second = _entries(str(tmp_path))
    with open(first, "rb") as src, open(second, "wb") as dst:  # a backup restored wrongly
        dst.write(src.read())
    with pytest.warns(UserWarning, match="belongs to another call"):
        again = _learner(str(tmp_path)).fit(X, y2, treatment=t).predict(X)
    np.testing.assert_allclose(again, right)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the entry was overwritten with the right one
        np.testing.assert_allclose(_learner(str(tmp_path)).fit(X, y2, treatment=t).predict(X), right)


def test_corrupted_cache_entry_is_recomputed(tmp_path):
    X, y, t = _binary()
    right = _learner(str(tmp_path)).fit(X, y, treatment=t).predict(X)
    (path,) = _entries(str(tmp_path))
    key, checksum, nuis = joblib.load(path)
    nuis.outcome = nuis.outcome.copy()
    nuis.outcome[3, 1] += 7e-5  # a flipped low bit
    joblib.dump((key, checksum, nuis), path)
    with pytest.warns(UserWarning, match="is corrupted"):
        again = _learner(str(tmp_path)).fit(X, y, treatment=t).predict(X)
    np.testing.assert_allclose(again, right)
