"""Instrumental variables: the contract, errors, weak-IV diagnostics, AR sets, parity with econml."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from causaldist.iv import (
    DMLIV,
    DRIV,
    LATE,
    IntentToTreatDRIV,
    LinearDRIV,
    LinearIntentToTreatDRIV,
    OrthoIV,
)
from causaldist.iv._weak import _ar_from_moments, _ar_moments, ar_confidence_set

LIN = dict(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
           instrument_model=LinearRegression())


def _data(n=1500, binary_t=False, binary_z=False, strength=1.0, seed=0):
    """X = [x0, x1, w0, w1]: the effect 1 + x1 varies with x1; U confounds T and y."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    U = rng.normal(size=n)
    if binary_z:
        Z = rng.binomial(1, 1 / (1 + np.exp(-X[:, 0])), n)
    else:
        Z = rng.normal(size=n) + 0.3 * X[:, 0]
    index = strength * Z + X[:, 0] + X[:, 3] + U
    T = (index + rng.normal(size=n) > 0.5).astype(int) if binary_t else index + rng.normal(size=n)
    y = (1 + X[:, 1]) * T + 2 * U + X[:, 2] + rng.normal(size=n)
    return X, y, T, Z


# -- the contract -----------------------------------------------------------------
def test_orthoiv_recovers_effect_that_dml_misses():
    X, y, T, Z = _data(n=4000)
    est = OrthoIV(**LIN, cv=3).fit(X, y, treatment=T, instrument=Z)
    lo, hi = est.coef__interval()
    assert lo[1] < 1 < hi[1]
    assert abs(est.intercept_ - 1) < 0.15
    # the confounded regression of y on T given X is biased upwards
    naive = LinearRegression().fit(np.column_stack([T, X]), y).coef_[0]
    assert naive > 1.4
    assert est.effective_f_ > 100 and 0 < est.partial_r2_ < 1


def test_instrument_is_requested_metadata():
    routing = OrthoIV().get_metadata_routing()
    assert routing.fit.requests["instrument"] is True
    assert routing.fit.requests["treatment"] is True
    assert "propensity" not in routing.fit.requests


def test_clone_pickle_pipeline_gridsearch():
    X, y, T, Z = _data(n=600)
    est = OrthoIV(**LIN, cv=3)
    fitted = clone(est).fit(X, y, treatment=T, instrument=Z)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(again.effect(X[:5]), fitted.effect(X[:5]))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), clone(est)).fit(
            X, y, treatment=T, instrument=Z)
        assert pipe.predict(X[:3]).shape == (3,)
        search = GridSearchCV(
            est, {"fit_cate_intercept": [True, False]}, cv=2,
            scoring=lambda e, X_, y_: -abs(float(e.effect(X_).mean()) - 1.0),
        ).fit(X, y, treatment=T, instrument=Z)
        assert hasattr(search.best_estimator_, "coef_")


def test_shapes_and_summary():
    X, y, T, Z = _data(n=800)
    est = OrthoIV(**LIN, cv=3, featurizer=PolynomialFeatures(2, include_bias=False),
                  effect_features=[0, 1]).fit(X, y, treatment=T, instrument=Z)
    assert est.coef_.shape == (5,)
    assert isinstance(est.intercept_, float)
    table = est.summary()
    assert list(table.index)[-1] == "cate_intercept" and table.shape == (6, 6)
    inf = est.effect_inference(X[:7])
    assert inf.point_estimate.shape == (7,)
    lo, hi = est.effect_interval(X[:7], alpha=0.1)
    assert np.all(lo < hi)
    assert est.const_marginal_effect(X[:7]).shape == (7,)
    np.testing.assert_allclose(est.effect(X[:7], T0=0, T1=2), 2 * est.effect(X[:7]))


def test_dataframe_names_and_k_arm_treatment():
    X, y, T, Z = _data(n=1500, binary_z=False)
    rng = np.random.default_rng(1)
    T3 = np.where(T > 1, "high", np.where(T > -0.5, "mid", "low"))
    Z2 = np.column_stack([Z, rng.normal(size=X.shape[0]) + (T > 1)])
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = OrthoIV(outcome_model=LinearRegression(), treatment_model=LogisticRegression(),
                  instrument_model=LinearRegression(), discrete_treatment=True,
                  control="low", cv=3, effect_features=["b"])
    est.fit(frame, y, treatment=T3, instrument=Z2)
    assert est.coef_.shape == (2, 1)
    assert est.summary().index.tolist() == ["b|T0_high", "b|T0_mid",
                                            "cate_intercept|T0_high", "cate_intercept|T0_mid"]
    assert est.effect(frame[:4], T0="low", T1="high").shape == (4,)


# -- errors -------------------------------------------------------------------------
@pytest.mark.parametrize("instrument, match", [
    (None, "requires an instrument"),
    (np.zeros(10), "has 10 rows|shape"),
    ("nan", "NaN|infinity"),
    ("constant", "constant"),
    ("strings", "discrete_instrument=True"),
])
def test_bad_instrument(instrument, match):
    X, y, T, Z = _data(n=200)
    if isinstance(instrument, str):
        instrument = {
            "nan": np.where(np.arange(200) == 3, np.nan, Z),
            "constant": np.ones(200),
            "strings": np.where(Z > 0, "yes", "no"),
        }[instrument]
    with pytest.raises(ValueError, match=match):
        OrthoIV(**LIN, cv=3).fit(X, y, treatment=T, instrument=instrument)


def test_discrete_instrument_errors_and_underidentification():
    X, y, T, Z = _data(n=300)
    with pytest.raises(ValueError, match="one value only"):
        OrthoIV(**LIN, discrete_instrument=True, cv=3).fit(
            X, y, treatment=T, instrument=np.ones(300))
    with pytest.raises(ValueError, match="not identified"):
        OrthoIV(**LIN, cv=3).fit(X, y, treatment=np.column_stack([T, T ** 2]),
                                 instrument=Z)
    with pytest.raises(TypeError, match="unexpected argument"):
        OrthoIV(**LIN, cv=3).fit(X, y, treatment=T, instrument=Z, propensity=Z)


def test_late_errors():
    X, y, T, Z = _data(n=400, binary_t=True, binary_z=True)
    with pytest.raises(ValueError, match="binary instrument"):
        LATE(cv=3).fit(X, y, treatment=T, instrument=np.arange(400) % 3)
    one_sided = np.where(Z == 1, T, 0)
    with pytest.raises(ValueError, match="one-sided"):
        LATE(treatment_model=LogisticRegression(), cv=3).fit(
            X, y, treatment=one_sided, instrument=Z)


# -- weak instruments ---------------------------------------------------------------
def test_weak_instrument_warns_and_names_the_attribute():
    X, y, T, Z = _data(n=800, strength=0.03)
    with pytest.warns(UserWarning, match="effective_f_ = .* < 10"):
        est = OrthoIV(**LIN, cv=3).fit(X, y, treatment=T, instrument=Z)
    assert est.effective_f_ < 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, y, T, Z = _data(n=800)
        OrthoIV(**LIN, cv=3).fit(X, y, treatment=T, instrument=Z)


def test_effective_f_is_robust_f_with_one_instrument():
    X, y, T, Z = _data(n=800)
    est = OrthoIV(**LIN, cv=3).fit(X, y, treatment=T, instrument=Z)
    t, z = est.residuals_["t"][:, 0], est.residuals_["z"][:, 0]
    pi = (z @ t) / (z @ z)
    v = t - pi * z
    robust_f = pi ** 2 / (np.sum(z ** 2 * v ** 2) / (z @ z) ** 2)
    assert est.effective_f_ == pytest.approx(robust_f, rel=1e-10)
    assert est.first_stage_f_ == pytest.approx(robust_f * (799 / 800), rel=1e-10)
    assert est.partial_r2_ == pytest.approx(1 - v @ v / (t @ t), rel=1e-10)


def _brute_force_set(est, grid):
    r = est.residuals_
    mean, S, N = _ar_moments(r["y"], r["t"][:, 0], r["z"], np.ones(len(r["y"])), None)
    ar = _ar_from_moments(grid, mean, S, N, r["z"].shape[1])
    from scipy.stats import chi2
    return grid[ar <= chi2.ppf(0.95, r["z"].shape[1])]


@pytest.mark.parametrize("strength, n_z", [(1.0, 1), (0.05, 1), (1.0, 2), (0.05, 2)])
def test_ar_set_matches_brute_force(strength, n_z):
    X, y, T, Z = _data(n=800, strength=strength)
    if n_z == 2:
        Z = np.column_stack([Z, np.random.default_rng(3).normal(size=800)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = OrthoIV(**LIN, cv=3).fit(X, y, treatment=T, instrument=Z)
    pieces = est.ar_interval()
    grid = np.linspace(-30, 30, 60001)
    inside = _brute_force_set(est, grid)
    covered = np.zeros(grid.shape, dtype=bool)
    for lo, hi in pieces:
        covered |= (grid >= lo) & (grid <= hi)
    # the grid points inside the set are exactly the AR acceptance region
    assert np.array_equal(covered, np.isin(grid, inside))
    if strength == 1.0:
        assert pieces.shape == (1, 2) and np.all(np.isfinite(pieces))
        lo, hi = pieces[0]
        assert lo < est.theta_constant_ < hi


def test_ar_closed_form_cases():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(500, 1))
    t = 0.01 * z[:, 0] + rng.normal(size=500)
    y = t + rng.normal(size=500)
    pieces = ar_confidence_set(y, t, z)
    assert np.isinf(pieces).any()  # an irrelevant instrument cannot bound the effect


# -- LATE ----------------------------------------------------------------------------
def test_late_recovers_complier_effect_and_means():
    rng = np.random.default_rng(0)
    n = 6000
    X = rng.normal(size=(n, 2))
    Z = rng.binomial(1, 1 / (1 + np.exp(-0.5 * X[:, 1])), n)
    complier = rng.random(n) < 0.5 + 0.3 * (X[:, 0] > 0)
    always = ~complier & (rng.random(n) < 0.3)
    T = np.where(complier, Z, always.astype(int))
    y = np.where(complier, 3.0, 1.0) * T + X[:, 1] + 2 * always + rng.normal(size=n)
    est = LATE(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
               instrument_model=LogisticRegression(), cv=3).fit(X, y, treatment=T,
                                                               instrument=Z)
    lo, hi = est.estimate_.conf_int()
    assert lo < 3.0 < hi
    share = np.mean(complier)
    assert abs(est.complier_share_.value - share) < 3 * est.complier_share_.stderr + 0.01
    true_mean = X[complier, 0].mean()
    assert abs(est.complier_means_[0] - true_mean) < 0.06
    (a, b), = est.ar_interval()
    assert a < est.estimate_.value < b


# -- parity with econml -----------------------------------------------------------------
def _econml_data(binary_t, binary_z, n=1500, k_z=None):
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    U = rng.normal(size=n)
    if k_z:
        Z = rng.integers(0, k_z, n)
    elif binary_z:
        Z = rng.binomial(1, 1 / (1 + np.exp(-X[:, 0])), n)
    else:
        Z = rng.normal(size=n) + 0.3 * X[:, 0]
    index = 1.0 * Z + X[:, 0] + W[:, 1] + U
    T = (index + rng.normal(size=n) > 0.5).astype(int) if binary_t else index + rng.normal(size=n)
    y = (1 + X[:, 1]) * T + U + W[:, 0] + rng.normal(size=n)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    return X, W, Z, T, y, folds


def _assert_same(e, c, X, XW):
    np.testing.assert_allclose(c.effect(XW[:20]), e.effect(X[:20]), atol=1e-6)
    np.testing.assert_allclose(c.coef_, e.coef_, atol=1e-6)
    np.testing.assert_allclose(c.intercept_, e.intercept_, atol=1e-6)


@pytest.mark.parametrize("projection", [False, True])
@pytest.mark.parametrize("binary_t", [False, True])
@pytest.mark.parametrize("binary_z", [False, True])
def test_orthoiv_parity_with_econml(binary_t, binary_z, projection):
    econml_dml = pytest.importorskip("econml.iv.dml")
    X, W, Z, T, y, folds = _econml_data(binary_t, binary_z)
    tm = LogisticRegression() if binary_t else LinearRegression()
    zm = LogisticRegression() if binary_z else LinearRegression()
    kw = dict(model_y_xw=LinearRegression(), model_t_xw=tm, projection=projection,
              discrete_treatment=binary_t, discrete_instrument=binary_z, cv=folds,
              featurizer=PolynomialFeatures(2, include_bias=False))
    kw["model_t_xwz" if projection else "model_z_xw"] = tm if projection else zm
    e = econml_dml.OrthoIV(**kw).fit(y, T, Z=Z, X=X, W=W)
    c = OrthoIV(outcome_model=LinearRegression(), treatment_model=tm, instrument_model=zm,
                projection_model=tm, projection=projection, discrete_treatment=binary_t,
                discrete_instrument=binary_z, cv=folds, effect_features=[0, 1],
                featurizer=PolynomialFeatures(2, include_bias=False))
    XW = np.hstack([X, W])
    c.fit(XW, y, treatment=T, instrument=Z)
    _assert_same(e, c, X, XW)
    for a, b in zip(e.effect_interval(X[:20]), c.effect_interval(XW[:20])):
        np.testing.assert_allclose(b, a, atol=1e-6)
    for a, b in zip(e.coef__interval(), c.coef__interval()):
        np.testing.assert_allclose(b, a, atol=1e-6)
    np.testing.assert_allclose(c.intercept__interval(), e.intercept__interval(), atol=1e-6)


def test_orthoiv_parity_multilevel_instrument():
    econml_dml = pytest.importorskip("econml.iv.dml")
    X, W, Z, T, y, folds = _econml_data(False, True, k_z=3)
    e = econml_dml.OrthoIV(model_y_xw=LinearRegression(), model_t_xw=LinearRegression(),
                           model_z_xw=LogisticRegression(), discrete_instrument=True,
                           cv=folds).fit(y, T, Z=Z, X=X, W=W)
    c = OrthoIV(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
                instrument_model=LogisticRegression(), discrete_instrument=True, cv=folds,
                effect_features=[0, 1])
    XW = np.hstack([X, W])
    c.fit(XW, y, treatment=T, instrument=Z)
    _assert_same(e, c, X, XW)
    for a, b in zip(e.effect_interval(X[:20]), c.effect_interval(XW[:20])):
        np.testing.assert_allclose(b, a, atol=1e-6)


@pytest.mark.parametrize("binary_t", [False, True])
@pytest.mark.parametrize("binary_z", [False, True])
def test_dmliv_parity_with_econml(binary_t, binary_z):
    econml_dml = pytest.importorskip("econml.iv.dml")
    X, W, Z, T, y, folds = _econml_data(binary_t, binary_z)
    tm = LogisticRegression() if binary_t else LinearRegression()
    e = econml_dml.DMLIV(model_y_xw=LinearRegression(), model_t_xw=tm, model_t_xwz=tm,
                         discrete_treatment=binary_t, discrete_instrument=binary_z,
                         cv=folds).fit(y, T, Z=Z, X=X, W=W)
    c = DMLIV(outcome_model=LinearRegression(), treatment_model=tm, projection_model=tm,
              discrete_treatment=binary_t, discrete_instrument=binary_z, cv=folds,
              effect_features=[0, 1])
    XW = np.hstack([X, W])
    c.fit(XW, y, treatment=T, instrument=Z)
    _assert_same(e, c, X, XW)


@pytest.mark.parametrize("opt", [False, True])
@pytest.mark.parametrize("projection", [False, True])
@pytest.mark.parametrize("binary_t, binary_z", [(False, False), (True, True), (True, False)])
def test_driv_parity_with_econml(binary_t, binary_z, projection, opt):
    econml_dr = pytest.importorskip("econml.iv.dr")
    X, W, Z, T, y, folds = _econml_data(binary_t, binary_z)
    tm = LogisticRegression() if binary_t else LinearRegression()
    zm = LogisticRegression() if binary_z else LinearRegression()
    kw = dict(model_y_xw=LinearRegression(), model_t_xw=tm, model_tz_xw=LinearRegression(),
              discrete_treatment=binary_t, discrete_instrument=binary_z, cv=folds,
              projection=projection, opt_reweighted=opt)
    kw["model_t_xwz" if projection else "model_z_xw"] = tm if projection else zm
    ours = dict(outcome_model=LinearRegression(), treatment_model=tm, instrument_model=zm,
                projection_model=tm, covariance_model=LinearRegression(),
                projection=projection, opt_reweighted=opt, discrete_treatment=binary_t,
                discrete_instrument=binary_z, cv=folds, effect_features=[0, 1])
    XW = np.hstack([X, W])
    e = econml_dr.LinearDRIV(**kw).fit(y, T, Z=Z, X=X, W=W)
    c = LinearDRIV(**ours).fit(XW, y, treatment=T, instrument=Z)
    _assert_same(e, c, X, XW)
    for a, b in zip(e.effect_interval(X[:20]), c.effect_interval(XW[:20])):
        np.testing.assert_allclose(b, a, atol=1e-6)
    poly = PolynomialFeatures(2, include_bias=False)
    e = econml_dr.DRIV(**kw, featurizer=poly).fit(y, T, Z=Z, X=X, W=W)
    c = DRIV(**ours, featurizer=poly).fit(XW, y, treatment=T, instrument=Z)
    np.testing.assert_allclose(c.effect(XW[:20]), e.effect(X[:20]), atol=1e-6)


class _EconmlPreliminary(LinearIntentToTreatDRIV):
    """econml's preliminary effect ignores z_propensity (uses the fold's share)."""

    def _preliminary_z_propensity(self):
        return "auto"


@pytest.mark.parametrize("z_propensity", ["auto", 0.4])
@pytest.mark.parametrize("opt", [False, True])
def test_intent_to_treat_driv_parity_with_econml(z_propensity, opt):
    econml_dr = pytest.importorskip("econml.iv.dr")
    rng = np.random.default_rng(0)
    n = 1500
    X, W, U = rng.normal(size=(n, 2)), rng.normal(size=(n, 2)), rng.normal(size=n)
    Z = rng.binomial(1, 0.4, n)
    T = ((Z * (U + X[:, 0] + rng.normal(size=n) > -0.5)) | (rng.random(n) < 0.1)).astype(int)
    y = (1 + X[:, 1]) * T + U + W[:, 0] + rng.normal(size=n)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    XW = np.hstack([X, W])
    kw = dict(model_y_xw=LinearRegression(), model_t_xwz=LogisticRegression(),
              z_propensity=z_propensity, opt_reweighted=opt, cv=folds)
    ours = dict(outcome_model=LinearRegression(), treatment_model=LogisticRegression(),
                z_propensity=z_propensity, opt_reweighted=opt, cv=folds, effect_features=[0, 1])
    e = econml_dr.LinearIntentToTreatDRIV(**kw).fit(y, T, Z=Z, X=X, W=W)
    c = _EconmlPreliminary(**ours).fit(XW, y, treatment=T, instrument=Z)
    _assert_same(e, c, X, XW)
    for a, b in zip(e.effect_interval(X[:20]), c.effect_interval(XW[:20])):
        np.testing.assert_allclose(b, a, atol=1e-6)
    if z_propensity == "auto":
        e = econml_dr.IntentToTreatDRIV(**kw).fit(y, T, Z=Z, X=X, W=W)
        c = IntentToTreatDRIV(**ours).fit(XW, y, treatment=T, instrument=Z)
        np.testing.assert_allclose(c.effect(XW[:20]), e.effect(X[:20]), atol=1e-6)


def test_driv_family_contract_and_errors():
    X, y, T, Z = _data(n=600, binary_t=True, binary_z=True)
    est = LinearDRIV(outcome_model=LinearRegression(), treatment_model=LogisticRegression(),
                     instrument_model=LogisticRegression(),
                     covariance_model=LinearRegression(), discrete_treatment=True,
                     discrete_instrument=True, cv=3)
    fitted = pickle.loads(pickle.dumps(clone(est).fit(X, y, treatment=T, instrument=Z)))
    assert fitted.summary().shape == (5, 6)
    assert fitted.ar_interval().shape[1] == 2
    with pytest.raises(ValueError, match="one treatment column and one instrument"):
        clone(est).set_params(discrete_instrument=False).fit(
            X, y, treatment=T, instrument=np.column_stack([Z, Z + X[:, 0]]))
    with pytest.raises(ValueError, match="binary treatment and a binary instrument"):
        IntentToTreatDRIV(cv=3).fit(X, y, treatment=T, instrument=np.arange(600) % 3)
