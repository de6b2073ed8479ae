"""Identification checks (issue 22, examples 2, 3, 5, 8 and near-empty arms)."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from causaldist.dml import DML, LinearDML, SparseLinearDML
from causaldist.forest import CausalForest
from causaldist.metalearners import LinearDRLearner, TLearner
from causaldist.uplift import TwoModelUplift

N = 200


def _data(seed=0, n=N):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    T = X[:, 0] + rng.normal(size=n)
    y = T * (1 + X[:, 1]) + X[:, 0] + rng.normal(size=n)
    return X, y, T


def _continuous():
    lin = LinearRegression()
    yield LinearDML(outcome_model=lin, treatment_model=lin, cv=2)
    yield SparseLinearDML(outcome_model=lin, treatment_model=lin, cv=2)
    yield DML(outcome_model=lin, treatment_model=lin, cv=2, n_bootstraps=5)
    yield CausalForest(outcome_model=lin, treatment_model=lin, discrete_treatment=False,
                       n_estimators=8, cv=2)


IDS = ["LinearDML", "SparseLinearDML", "DML", "CausalForest"]


@pytest.mark.parametrize("est", list(_continuous()), ids=IDS)
def test_constant_treatment_is_not_identified(est):
    # Example 2: LinearDML returned the interval [0, 0] for a constant treatment.
    X, y, _ = _data()
    with pytest.raises(ValueError, match="treatment has no variation left after residualisation"):
        est.fit(X, y, treatment=np.full(N, 2.0))


@pytest.mark.parametrize("est", list(_continuous()), ids=IDS)
def test_treatment_predicted_exactly_from_X_is_not_identified(est):
    X, y, _ = _data()
    with pytest.raises(ValueError, match="no variation left"):
        est.fit(X, y, treatment=2 * X[:, 0] - X[:, 2])


@pytest.mark.parametrize("est", list(_continuous()), ids=IDS)
def test_identical_treatment_columns_are_refused(est):
    # Example 3: two identical columns got 0.45 / 0.45 with narrow intervals.
    X, y, T = _data()
    with pytest.raises(ValueError, match=r"treatment columns \[0, 1\] are linearly dependent"):
        est.fit(X, y, treatment=np.column_stack([T, T]))
    with pytest.raises(ValueError, match=r"linearly dependent"):
        est.fit(X, y, treatment=np.column_stack([T, -3 * T, np.cos(X[:, 1])]))


@pytest.mark.parametrize("est", list(_continuous()), ids=IDS)
def test_constant_treatment_column_is_named(est):
    # Example 3: a constant second column gave the interval [0, 0].
    X, y, T = _data()
    with pytest.raises(ValueError, match=r"column\(s\) \[1\]"):
        est.fit(X, y, treatment=np.column_stack([T, np.ones(N)]))


def test_no_residual_degrees_of_freedom_gives_nan_intervals():
    # Example 5: 5 rows and 5 coefficients (intercept + 4 features).
    X, y, T = _data(n=200)
    X = np.column_stack([X, X[:, 0] ** 2])
    lin = LinearRegression()
    est = LinearDML(outcome_model=lin, treatment_model=lin, cv=2)
    with pytest.warns(UserWarning, match="no residual degrees of freedom"):
        est.fit(X[:5], y[:5], treatment=T[:5])
    lo, hi = est.effect_interval(X[:3])
    assert np.isnan(lo).all() and np.isnan(hi).all()
    assert np.isfinite(est.effect(X[:3])).all()


def test_few_residual_degrees_of_freedom_warn():
    X, y, T = _data()
    lin = LinearRegression()
    with pytest.warns(UserWarning, match="only 8 residual degrees of freedom"):
        LinearDML(outcome_model=lin, treatment_model=lin, cv=2).fit(
            X[:12], y[:12], treatment=T[:12])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LinearDML(outcome_model=lin, treatment_model=lin, cv=2).fit(X, y, treatment=T)


def test_linear_dr_learner_without_degrees_of_freedom_gives_nan_intervals():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 7))
    t = np.arange(8) % 2
    y = rng.normal(size=8)
    est = LinearDRLearner(cv=2, outcome_model=LinearRegression())
    with pytest.warns(UserWarning, match="no residual degrees of freedom"):
        est.fit(X, y, treatment=t)
    lo, hi = est.effect_interval(X[:2])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_continuous_causal_forest_refuses_nan_in_X():
    # Example 8: NaN was binned as +infinity (effect equal to x = 1e9).
    X, y, T = _data()
    X[3, 1] = np.nan
    est = CausalForest(discrete_treatment=False, n_estimators=8, cv=2)
    with pytest.raises(ValueError, match="NaN"):
        est.fit(X, y, treatment=T)
    est.fit(np.nan_to_num(X), y, treatment=T)
    with pytest.raises(ValueError, match="NaN"):
        est.predict(X)


def test_causal_forest_takes_two_treatment_columns():
    # It failed inside scikit-learn ("y should be a 1d array") for a 2-column T.
    X, y, T = _data()
    T2 = np.column_stack([T, np.random.default_rng(1).normal(size=N)])
    est = CausalForest(discrete_treatment=False, n_estimators=8, cv=2).fit(X, y, treatment=T2)
    assert np.isfinite(est.effect(X[:4], T1=np.ones((4, 2)))).all()


@pytest.mark.parametrize("cls", [TLearner, TwoModelUplift])
def test_one_unit_arm_is_refused(cls):
    X, y, _ = _data()
    t = np.zeros(N, dtype=int)
    t[0] = 1
    with pytest.raises(ValueError, match=r"treatment arm\(s\) \[1\] have fewer than 2 units"):
        cls().fit(X, y, treatment=t)
