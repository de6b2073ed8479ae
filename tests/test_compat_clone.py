"""The econml adapters' numerics belong to classes: ``clone(adapter.native_)`` keeps them.

The adapters instantiate private subclasses of the native estimators
(``causaldist.compat.econml._native``) that override documented hooks; a
clone of ``native_`` is the same subclass with the same parameters, so
refitting it reproduces the adapter's numbers (the instance switches it
replaced were dropped by ``clone``). No econml needed.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression

from causaldist import metalearners
from causaldist.compat import econml as C


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    W = rng.normal(size=(n, 1))
    T = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    Y = (1 + X[:, 1]) * T + X[:, 0] + W[:, 0] + rng.normal(size=n)
    return X, W, T, Y


def _refit(native, X, W, Y, T):
    Xf = np.hstack([X, W])
    return clone(native).fit(Xf, Y, treatment=T), Xf


@pytest.mark.filterwarnings("ignore:Poor overlap")
@pytest.mark.parametrize("make", [
    lambda: C.LinearDRLearner(model_regression=LinearRegression(),
                                 model_propensity=LogisticRegression(), cv=2,
                                 mc_iters=2, mc_agg="median", random_state=0),
    lambda: C.DRLearner(model_regression=LinearRegression(),
                           model_propensity=LogisticRegression(), cv=2,
                           min_propensity=0.2, random_state=0),
    lambda: C.LinearDML(model_y=LinearRegression(), model_t=LinearRegression(),
                            cv=2, mc_iters=2, random_state=0),
])
def test_clone_of_native_keeps_econml_numerics(make):
    X, W, T, Y = _data()
    adapter = make().fit(Y, T, X=X, W=W)
    native = adapter.native_
    twin, Xf = _refit(native, X, W, Y, T)
    assert type(twin) is type(native)
    assert type(native).__module__ == "causaldist.compat.econml._native"
    np.testing.assert_allclose(twin.predict(Xf), native.predict(Xf), rtol=1e-12)
    again = pickle.loads(pickle.dumps(native))
    np.testing.assert_allclose(again.predict(Xf), native.predict(Xf), rtol=1e-12)


def test_native_dr_learner_differs_from_econml_clipping():
    # With a clipping bound that binds, econml's rule (clip each entry) and the
    # native one (raise and renormalise) agree with two arms; the subclass is
    # still the one cloned.
    X, W, T, Y = _data()
    adapter = C.DRLearner(model_regression=LinearRegression(),
                             model_propensity=LogisticRegression(), cv=2,
                             random_state=0).fit(Y, T, X=X, W=W)
    assert adapter.native_._propensity_clipping == "clip"
    assert clone(adapter.native_)._propensity_clipping == "clip"
    assert metalearners.DRLearner()._propensity_clipping == "renormalise"


def test_clone_keeps_in_sample_x_learner():
    X, W, T, Y = _data()
    adapter = C.XLearner(models=LinearRegression()).fit(Y, T, X=X)
    twin = clone(adapter.native_).fit(X, Y, treatment=T)
    assert hasattr(twin, "propensity_models_")  # econml's per-pair propensities
    np.testing.assert_allclose(twin.predict(X), adapter.native_.predict(X), rtol=1e-12)
