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


# -- example 11: propensity rows that do not sum to 1 ------------------------
def test_overlap_diagnostics_refuses_rows_not_summing_to_one():
    from causaldist.evaluation import overlap_diagnostics

    e = np.array([[0.5, 0.5], [0.8, 0.4], [0.2, 0.8], [0.5, 0.5]])
    with pytest.raises(ValueError, match="propensity rows must sum to 1"):
        overlap_diagnostics(e, np.array([0, 0, 1, 1]))


# -- example 12: loaders ------------------------------------------------------
def test_load_nhefs_flag_must_be_bool():
    from causaldist.datasets import load_nhefs, load_nsw

    with pytest.raises(TypeError, match="complete_case must be True or False"):
        load_nhefs(complete_case="no")
    with pytest.raises(TypeError, match="as_frame"):
        load_nsw(as_frame="yes")


def test_truncated_hillstrom_file_is_refused(tmp_path):
    from causaldist.datasets import load_hillstrom

    cols = ["recency", "history_segment", "history", "mens", "womens", "zip_code",
            "newbie", "channel", "segment", "visit", "conversion", "spend"]
    row = "10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0.0"
    path = tmp_path / "hillstrom.csv"
    path.write_text(",".join(cols) + "\n" + row + "\n" + row + "\n10,2) $100 - $200,14")
    with pytest.raises(ValueError, match="truncated or damaged"):
        load_hillstrom(path)
    path.write_text(",".join(cols) + "\n" + row + "\n" + row + "\n")
    assert load_hillstrom(path).frame.shape == (2, 12)


# -- example 13: X beyond the range of the default numerics ------------------
def test_huge_X_is_scale_free_in_linear_final_stages():
    from causaldist.dml import LinearDML

    X, _, _ = _binary()
    rng = np.random.default_rng(1)
    T = X[:, 0] + rng.normal(size=len(X))
    y = T * (1 + X[:, 1]) + rng.normal(size=len(X))
    lin = LinearRegression()
    est = LinearDML(outcome_model=lin, treatment_model=lin, cv=2, random_state=0)
    ref = est.fit(X, y, treatment=T).effect_interval(X[:3])
    # pinv's cutoff is relative to the largest singular value: unscaled, the
    # columns of tiny X were cut off and the intervals changed with the unit.
    tiny = est.fit(X * 1e-100, y, treatment=T).effect_interval(X[:3] * 1e-100)
    np.testing.assert_allclose(tiny, ref, rtol=1e-6)
    # Beyond squares float64 can hold: a clear error naming X, not "SVD did not
    # converge" or a message about NaN that X does not contain.
    with pytest.raises(ValueError, match="X has values up to"):
        est.fit(X * 1e155, y, treatment=T)
    big_y = est.fit(X, y * 1e100, treatment=T).effect_interval(X[:3])
    np.testing.assert_allclose(np.asarray(big_y) / 1e100, ref, rtol=1e-6)
    # Beyond float64's variances: a clear error instead of infinite intervals.
    with pytest.raises(ValueError, match="Rescale y"):
        est.fit(X, y * 1e200, treatment=T)


# -- the smaller ones ---------------------------------------------------------
def test_distributional_t_learner_refuses_groups():
    from causaldist.distributional import DistributionalTLearner

    rng = np.random.default_rng(0)
    X, t = rng.normal(size=(40, 2)), np.arange(40) % 2
    y = np.sort(rng.normal(size=(40, 5)), axis=1)
    with pytest.raises(ValueError, match="groups is not used"):
        DistributionalTLearner().fit(X, y, treatment=t, groups=np.arange(3))


def test_few_draw_correction_checks_weights():
    from causaldist.distributional import few_draw_correction

    draws = [np.arange(5.0) + i for i in range(10)]
    with pytest.raises(ValueError, match="sample_weight"):
        few_draw_correction(draws, 5, sample_weight=-1)


def test_levels_outside_unit_interval_are_refused():
    from causaldist.distributional import Draws, QuantileGrid

    with pytest.raises(ValueError, match="levels"):
        Draws([np.arange(5.0)]).quantiles([-0.5, 1.5])
    with pytest.raises(ValueError, match="levels"):
        QuantileGrid(5).from_quantiles(np.array([[0.0, 1.0]]), levels=[-0.5, 1.5])


def test_utility_of_decreasing_q_is_refused():
    from causaldist.distributional import CVaR

    with pytest.raises(ValueError, match="non-decreasing"):
        CVaR(0.2)(np.array([5.0, 4.0, 3.0, 2.0, 1.0]))
    assert CVaR(0.2)(np.array([1.0, 2.0, 3.0, 4.0, 5.0])) == 1.0


def test_generators_check_their_parameters():
    from causaldist.datasets import make_distributional, make_heterogeneous

    with pytest.raises(ValueError, match="n_levels"):
        make_distributional(50, n_levels=0)
    with pytest.raises(ValueError, match="noise"):
        make_heterogeneous(50, noise=np.nan)


def test_dr_scores_refuse_nan_y():
    from causaldist.model_selection import cross_fit, make_folds

    X, y, t = _binary()
    nuis = cross_fit(X, y, t, folds=make_folds(2, t), propensity_model=LogisticRegression(),
                     outcome_model=LinearRegression())
    y = y.copy()
    y[4] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        nuis.dr_scores(y, t)


def test_policy_learners_refuse_one_row():
    from causaldist.forest import PolicyForest
    from causaldist.policy import LinearPolicy, PolicyTree

    X, R = np.zeros((1, 2)), np.array([[0.0, 1.0]])
    for est in (PolicyForest(n_estimators=2), PolicyTree(), LinearPolicy()):
        with pytest.raises(ValueError, match="1 sample"):
            est.fit(X, R)


def test_linear_policy_rewards_near_the_float_limit():
    from causaldist.policy import LinearPolicy

    rng = np.random.default_rng(0)
    X, R = rng.normal(size=(60, 2)), rng.normal(size=(60, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = LinearPolicy(random_state=0).fit(X, R * 1e307)
    assert np.isfinite(big.welfare_)
    small = LinearPolicy(random_state=0).fit(X, R)
    np.testing.assert_array_equal(big.predict(X), small.predict(X))


# -- example 14: the econml adapters ------------------------------------------
def test_econml_adapter_refuses_W_of_other_rows():
    from causaldist.compat.econml import DRLearner as EDRLearner
    from causaldist.compat.econml import LinearDML as ELinearDML

    X, y, t = _binary()
    W = np.random.default_rng(0).normal(size=(len(X) - 3, 2))
    with pytest.raises(ValueError, match="W has 197 rows but X has 200"):
        ELinearDML(cv=2).fit(y, X[:, 0], X=X, W=W)
    with pytest.raises(ValueError, match="W has 197 rows"):
        EDRLearner(cv=2).fit(y, t, X=X, W=W)


def test_econml_adapter_refuses_continuous_T_as_discrete():
    from causaldist.compat.econml import DRLearner as EDRLearner
    from causaldist.compat.econml import LinearDML as ELinearDML

    X, y, _ = _binary()
    T = np.random.default_rng(0).normal(size=len(X))
    with pytest.raises(ValueError, match="T looks continuous"):
        ELinearDML(cv=2, discrete_treatment=True).fit(y, T, X=X)
    with pytest.raises(ValueError, match="T looks continuous"):
        EDRLearner(cv=2).fit(y, T, X=X)


# -- data alignment is explicit -----------------------------------------------
def test_misaligned_pandas_y_is_refused():
    from causaldist.metalearners import TLearner

    X, y, t = _binary()
    Xf = pd.DataFrame(X, index=np.arange(len(X)) + 100)
    ys = pd.Series(y, index=Xf.index[::-1])
    with pytest.raises(ValueError, match="y has a pandas index that differs from X's"):
        TLearner(outcome_model=LinearRegression()).fit(Xf, ys, treatment=t)
    TLearner(outcome_model=LinearRegression()).fit(Xf, ys.reindex(Xf.index), treatment=t)
