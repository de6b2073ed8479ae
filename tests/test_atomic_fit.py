"""Atomic fits: an interrupted fit leaves the previous fit, or an unfitted estimator.

Every public estimator (the ones ``tests/test_common.py`` discovers, and the
econml adapters) is fitted once, then refitted on other data while a
``KeyboardInterrupt`` is raised at the k-th Python call made inside
causaldist or inside any ``fit`` (a nuisance model's, a tree's), for several
k spread over the whole fit. After the interrupt the instance's ``__dict__``
must hold exactly the objects of the previous fit; on a never-fitted instance,
``predict`` must raise ``NotFittedError``.
"""

import inspect
import os
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils.validation import check_is_fitted

import causaldist
from causaldist.compat import econml as C
from causaldist.uplift import TwoModelUplift

sys.path.insert(0, os.path.dirname(__file__))
from test_common import ESTIMATORS  # noqa: E402

_PKG = os.path.dirname(causaldist.__file__) + os.sep
_GENERATOR = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


class _Interrupt:
    """A ``sys.settrace`` hook that counts calls and interrupts the k-th one."""

    def __init__(self, at=None):
        self.at, self.calls = at, 0

    def __call__(self, frame, event, arg):
        code = frame.f_code
        # A generator's frame also starts when it is closed, where Python
        # ignores an exception: never interrupt there.
        if code.co_flags & _GENERATOR:
            return None
        if code.co_filename.startswith(_PKG) or code.co_name == "fit":
            self.calls += 1
            if self.calls == self.at:
                sys.settrace(None)
                raise KeyboardInterrupt(f"injected at call {self.at}")
        return None


def _run(fit, at=None):
    hook = _Interrupt(at)
    sys.settrace(hook)
    try:
        fit()
    finally:
        sys.settrace(None)
    return hook.calls


def _data(seed, n=60):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = np.arange(n) % 2
    y = X[:, 0] + t * (1 + X[:, 1]) + rng.normal(size=n)
    return X, y, t


def _small(est):
    params = est.get_params(deep=False)
    small = {k: v for k, v in {"cv": 2, "n_estimators": 4}.items() if k in params}
    return est.set_params(**small)


def _native_cases():
    for name, est in sorted(ESTIMATORS.items()):
        # The slowest fits (a forest of policy trees, a grid of bounds) are
        # interrupted in the slow suite only.
        marks = [pytest.mark.slow] if name.endswith(("DRPolicyForest", "ConfoundingBounds")) else []
        yield pytest.param(est, id=name.removeprefix("Checked"), marks=marks)


def _takes_treatment(est):
    original = type(est).__mro__[1]  # the class test_common's shim derives from
    return "treatment" in inspect.signature(original.fit).parameters


def _econml_cases():
    reg, clf = LinearRegression(), LogisticRegression()
    yield pytest.param(C.LinearDML(model_y=reg, model_t=reg, cv=2), "continuous", id="econml.LinearDML")
    yield pytest.param(C.DML(model_y=reg, model_t=reg, model_final=LinearRegression(fit_intercept=False), cv=2),
                       "continuous", id="econml.DML")
    yield pytest.param(C.SparseLinearDML(model_y=reg, model_t=reg, cv=2), "continuous",
                       id="econml.SparseLinearDML")
    yield pytest.param(C.NonParamDML(model_y=reg, model_t=clf, model_final=reg, discrete_treatment=True, cv=2),
                       "binary", id="econml.NonParamDML")
    yield pytest.param(C.DRLearner(model_regression=reg, model_propensity=clf, cv=2), "binary",
                       id="econml.DRLearner")
    yield pytest.param(C.LinearDRLearner(model_regression=reg, model_propensity=clf, cv=2), "binary",
                       id="econml.LinearDRLearner")
    yield pytest.param(C.TLearner(models=reg), "binary", id="econml.TLearner")
    yield pytest.param(C.XLearner(models=reg, propensity_model=clf), "binary", id="econml.XLearner")
    yield pytest.param(C.DRPolicyTree(model_regression=reg, model_propensity=clf, cv=2), "binary",
                       id="econml.DRPolicyTree")


def _fitter(est, X, y, t):
    """``fit`` of a test_common checked estimator (its shims supply the rest)."""
    return lambda: est.fit(X, y, treatment=t)


def _points(total):
    # The last calls of a fit may differ between runs (caches warmed by the
    # first one), so the last point stays a little before the end.
    return sorted({1, max(1, total // 4), max(1, total // 2), max(1, 9 * total // 10)})


def _check_atomic(est, fit_a, fit_b):
    # Never fitted: an interrupted fit leaves it unfitted.
    _run(fit_b)
    total = _run(fit_b)  # counts the calls of a complete fit
    fresh = clone(est)
    for at in _points(total):
        est_state = dict(fresh.__dict__)
        with pytest.raises(KeyboardInterrupt):
            _run(lambda: fit_b(fresh), at)
        assert fresh.__dict__.keys() == est_state.keys()
        with pytest.raises(NotFittedError):
            check_is_fitted(fresh)
    # Fitted: an interrupted refit leaves the previous fit's objects in place.
    fitted = clone(est)
    fit_a(fitted)
    before = dict(fitted.__dict__)
    for at in _points(total):
        with pytest.raises(KeyboardInterrupt):
            _run(lambda: fit_b(fitted), at)
        assert fitted.__dict__.keys() == before.keys()
        changed = [k for k in before if fitted.__dict__[k] is not before[k]]
        assert not changed, f"interrupted at call {at}/{total}: {changed} replaced"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("est", list(_native_cases()))
def test_interrupted_fit_is_atomic(est):
    est = _small(clone(est))
    Xa, ya, ta = _data(0)
    Xb, yb, tb = _data(1)

    kw_a, kw_b = ({"treatment": ta}, {"treatment": tb}) if _takes_treatment(est) else ({}, {})

    def fit_a(e):
        e.fit(Xa, ya, **kw_a)

    def fit_b(e=est):
        e.fit(Xb, yb, **kw_b)

    _check_atomic(est, fit_a, fit_b)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("est, kind", list(_econml_cases()))
def test_interrupted_econml_fit_is_atomic(est, kind):
    Xa, ya, ta = _data(0)
    Xb, yb, tb = _data(1)
    rng = np.random.default_rng(2)
    if kind == "continuous":
        ta, tb = ta + rng.normal(size=ta.size), tb + rng.normal(size=tb.size)

    def fit_a(e):
        e.fit(ya, ta, X=Xa)

    def fit_b(e=est):
        e.fit(yb, tb, X=Xb)

    _check_atomic(est, fit_a, fit_b)


class _InterruptOnce(LinearRegression):
    """A regression that raises KeyboardInterrupt when fitted on a shifted outcome."""

    def fit(self, X, y, sample_weight=None):
        if np.mean(y) > 4:
            raise KeyboardInterrupt
        return super().fit(X, y, sample_weight=sample_weight)


def test_two_model_uplift_interrupted_refit_keeps_previous_fit():
    # Issue 22, example 6: the interrupted refit on y + 5 used to predict the
    # new control model minus the old treated model.
    X, y, t = _data(0, n=200)
    est = TwoModelUplift(treatment_model=_InterruptOnce(), control_model=LinearRegression())
    est.fit(X, y, treatment=t)
    before = est.predict(X)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y + 5.0, treatment=t)
    np.testing.assert_array_equal(est.predict(X), before)


def test_interrupted_first_fit_raises_not_fitted():
    X, y, t = _data(0, n=200)
    est = TwoModelUplift(treatment_model=_InterruptOnce(), control_model=LinearRegression())
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y + 5.0, treatment=t)
    with pytest.raises(NotFittedError):
        est.predict(X)
