"""causaldist.compat.econml.iv against econml 0.17's IV classes (same data, econml's folds)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression

from causaldist.compat.econml.iv import dml as CD
from causaldist.compat.econml.iv import dr as CDR

econml = pytest.importorskip("econml")
import econml.iv.dml as ED  # noqa: E402
import econml.iv.dr as EDR  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 1200
    X, W, U = rng.normal(size=(n, 2)), rng.normal(size=(n, 2)), rng.normal(size=n)
    Z = rng.binomial(1, 0.5, n)
    T = (Z + X[:, 0] + U + rng.normal(size=n) > 0.5).astype(int)
    y = (1 + X[:, 1]) * T + U + W[:, 0] + rng.normal(size=n)
    return X, W, Z, T, y, rng.uniform(0.5, 2, n)


BIN = dict(model_y_xw=LinearRegression(), model_t_xw=LogisticRegression(),
           model_z_xw=LogisticRegression(), discrete_treatment=True,
           discrete_instrument=True, cv=3, random_state=123)
CASES = [
    ("OrthoIV", ED.OrthoIV, CD.OrthoIV, BIN, True),
    ("DMLIV", ED.DMLIV, CD.DMLIV,
     dict(model_y_xw=LinearRegression(), model_t_xw=LogisticRegression(),
          model_t_xwz=LogisticRegression(), discrete_treatment=True,
          discrete_instrument=True, cv=3, random_state=123), False),
    ("LinearDRIV", EDR.LinearDRIV, CDR.LinearDRIV,
     dict(BIN, model_tz_xw=LinearRegression()), True),
    ("DRIV", EDR.DRIV, CDR.DRIV, dict(BIN, model_tz_xw=LinearRegression()), False),
    ("LinearIntentToTreatDRIV", EDR.LinearIntentToTreatDRIV, CDR.LinearIntentToTreatDRIV,
     dict(model_y_xw=LinearRegression(), model_t_xwz=LogisticRegression(),
          z_propensity=0.5, cv=3, random_state=123), True),
    ("IntentToTreatDRIV", EDR.IntentToTreatDRIV, CDR.IntentToTreatDRIV,
     dict(model_y_xw=LinearRegression(), model_t_xwz=LogisticRegression(), cv=3,
          random_state=123), False),
]


@pytest.mark.parametrize("name, econml_cls, ours_cls, kw, linear", CASES,
                         ids=[c[0] for c in CASES])
def test_iv_adapters_equal_econml(data, name, econml_cls, ours_cls, kw, linear):
    X, W, Z, T, y, sw = data
    weights = sw if linear else None
    e = econml_cls(**kw).fit(y, T, Z=Z, X=X, W=W, sample_weight=weights)
    c = clone(ours_cls(**kw)).fit(y, T, Z=Z, X=X, W=W, sample_weight=weights)
    np.testing.assert_allclose(c.effect(X[:30]), e.effect(X[:30]), atol=1e-6)
    np.testing.assert_allclose(c.const_marginal_effect(X[:30]),
                               e.const_marginal_effect(X[:30]), atol=1e-6)
    if linear:
        for a, b in zip(e.effect_interval(X[:30]), c.effect_interval(X[:30])):
            np.testing.assert_allclose(b, a, atol=1e-6)
        np.testing.assert_allclose(c.coef_, e.coef_, atol=1e-6)
        for a, b in zip(e.coef__interval(), c.coef__interval()):
            np.testing.assert_allclose(b, a, atol=1e-6)


def test_orthoiv_adapter_constant_effect(data):
    X, W, Z, T, y, _ = data
    kw = dict(model_y_xw=LinearRegression(), model_t_xw=LinearRegression(),
              model_z_xw=LinearRegression(), cv=3, random_state=1)
    e = ED.OrthoIV(**kw).fit(y, T, Z=Z, W=W)
    c = CD.OrthoIV(**kw).fit(y, T, Z=Z, W=W)
    np.testing.assert_allclose(c.intercept_, e.intercept_, atol=1e-6)
    np.testing.assert_allclose(c.intercept__interval(), e.intercept__interval(), atol=1e-6)
    assert c.native_.ar_interval().shape[1] == 2


def test_iv_adapter_refuses_what_it_does_not_support(data):
    X, W, Z, T, y, _ = data
    with pytest.raises(NotImplementedError, match="mc_iters"):
        CD.OrthoIV(**{**BIN, "mc_iters": 2}).fit(y, T, Z=Z, X=X, W=W)
    with pytest.raises(NotImplementedError, match="preliminary"):
        CDR.DRIV(**{**BIN, "prel_cate_approach": "dmliv"}).fit(y, T, Z=Z, X=X, W=W)
