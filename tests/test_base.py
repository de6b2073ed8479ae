"""The estimator contract: treatment encoding, validation and metadata routing."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import RegressorMixin

from causaldist.base import BaseCausalEstimator, CATEMixin
from causaldist.datasets import make_heterogeneous


class _ArmMeans(CATEMixin, BaseCausalEstimator):
    """Difference of arm means: the smallest CATE estimator the contract allows."""

    def __init__(self, control=None):
        self.control = control

    def _fit(self, X, y, t, sample_weight):
        means = np.array([np.average(y[t == a]) for a in range(len(self.categories_))])
        self.effects_ = means[1:] - means[0]
        return self

    def _cate(self, X):
        return np.tile(self.effects_, (X.shape[0], 1))


def _data(labels, n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    t = np.asarray(labels, dtype=object)[np.arange(n) % len(labels)]
    y = rng.normal(size=n)
    return X, y, t


@pytest.mark.parametrize(
    "labels", [[0, 1], [3, 7, 9], ["b", "a", "c"], [False, True], [0.5, 1.5]]
)
@pytest.mark.filterwarnings("ignore:.*control arm is ambiguous")
def test_categories_sorted_control_first(labels):
    X, y, t = _data(labels)
    t = np.asarray(t.tolist())
    est = _ArmMeans().fit(X, y, treatment=t)
    assert est.categories_.tolist() == sorted(labels)
    assert est.predict(X).shape == ((60,) if len(labels) == 2 else (60, len(labels) - 1))


def test_control_reorders_arms_and_effect_contrasts():
    X, y, t = _data(["a", "b", "c"])
    t = t.astype(str)
    est = _ArmMeans(control="b").fit(X, y, treatment=t)
    assert est.categories_.tolist() == ["b", "a", "c"]
    means = {a: y[t == a].mean() for a in "abc"}
    tau = est.predict(X)
    np.testing.assert_allclose(tau[0], [means["a"] - means["b"], means["c"] - means["b"]])
    np.testing.assert_allclose(est.effect(X, T0="a", T1="c"), means["c"] - means["a"])
    per_row = est.effect(X, T0=np.full(60, "c"), T1=t)
    np.testing.assert_allclose(per_row, [means[a] - means["c"] for a in t])


def test_pandas_feature_names_and_series_treatment():
    X, y, t, _ = make_heterogeneous(100, 4, as_frame=True, random_state=0)
    est = _ArmMeans().fit(X, y, treatment=t)
    assert est.feature_names_in_.tolist() == ["x0", "x1", "x2", "x3"]
    assert est.n_features_in_ == 4
    with pytest.warns(UserWarning, match="feature names"):
        est.predict(X.to_numpy())


@pytest.mark.parametrize(
    "treatment, match",
    [
        (None, "requires treatment"),
        (np.zeros(60), "at least two arms"),
        (np.r_[np.zeros(30), np.ones(29)], "59 entries but X has 60"),
        (np.r_[np.zeros(30), np.ones(29), np.nan], "treatment contains NaN"),
        (np.array([0, 1, None] * 20, dtype=object), "treatment contains missing"),
        (np.zeros((60, 2)), "treatment must be 1-D"),
    ],
)
def test_bad_treatment(treatment, match):
    X, y, _ = _data([0, 1])
    with pytest.raises(ValueError, match=match):
        _ArmMeans().fit(X, y, treatment=treatment)


def test_unknown_control_and_unseen_labels():
    X, y, t = _data([0, 1])
    with pytest.raises(ValueError, match="control=5 is not one of"):
        _ArmMeans(control=5).fit(X, y, treatment=t.astype(int))
    est = _ArmMeans().fit(X, y, treatment=t.astype(int))
    with pytest.raises(ValueError, match=r"T1 contains labels not seen in fit: \[2\]"):
        est.effect(X, T1=2)
    with pytest.raises(ValueError, match="T0 has 3 entries"):
        est.effect(X, T0=[0, 1, 0])


def test_three_arms_need_T1():
    X, y, t = _data([0, 1, 2])
    est = _ArmMeans().fit(X, y, treatment=t.astype(int))
    with pytest.raises(ValueError, match="T1 is required"):
        est.effect(X)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_X_and_y(bad):
    X, y, t = _data([0, 1])
    X_bad, y_bad = X.copy(), y.copy()
    X_bad[3, 1] = bad
    y_bad[5] = bad
    with pytest.raises(ValueError, match="X"):
        _ArmMeans().fit(X_bad, y, treatment=t)
    with pytest.raises(ValueError, match="y"):
        _ArmMeans().fit(X, y_bad, treatment=t)


def test_treatment_requested_by_default():
    routing = _ArmMeans().get_metadata_routing()
    assert routing.fit.requests["treatment"] is True
    # sample_weight keeps sklearn's default: requested only when the user says so.
    assert routing.fit.requests["sample_weight"] is None


def test_not_a_regressor():
    tags = _ArmMeans().__sklearn_tags__()
    assert tags.estimator_type is None
    assert tags.target_tags.required
    assert not isinstance(_ArmMeans(), RegressorMixin)


def test_inputs_not_modified():
    X, y, t = _data(["x", "y"])
    X0, y0, t0 = X.copy(), y.copy(), t.copy()
    _ArmMeans(control="y").fit(X, y, treatment=t)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert (t == t0).all()


def test_dataset_truth_consistent():
    b = make_heterogeneous(20000, 5, n_arms=3, return_truth=True, random_state=1)
    np.testing.assert_allclose(b.propensity.sum(axis=1), 1.0)
    np.testing.assert_allclose(b.tau, b.mu[:, 1:] - b.mu[:, [0]])
    # The observed arm frequencies match the mean propensities (3 SE of a proportion).
    freq = np.bincount(b.treatment, minlength=3) / 20000
    se = np.sqrt(freq * (1 - freq) / 20000)
    assert np.all(np.abs(freq - b.propensity.mean(axis=0)) < 3 * se)
    # Binary: tau(x) = 1 + x2, as in the peer benchmarks.
    X, y, t, tau = make_heterogeneous(50, 5, random_state=2)
    np.testing.assert_allclose(tau, 1 + X[:, 2])


def test_frame_series_labels():
    X, y, t, tau = make_heterogeneous(
        200, 4, n_arms=3, treatment_labels=["ctl", "low", "high"], as_frame=True,
        random_state=0,
    )
    assert isinstance(t, pd.Series) and set(t) <= {"ctl", "low", "high"}
    assert tau.shape == (200, 2)


@pytest.mark.parametrize(
    "labels, control",
    [([0, 1], 0), ([False, True], False), ([0, 2, 5], 0), (["treated", "control"], "control"),
     (["Control", "email", "sms"], "Control"), ([0.0, 1.0], 0.0)],
)
def test_control_inferred_only_when_unambiguous(labels, control, recwarn):
    X, y, t = _data(labels)
    est = _ArmMeans().fit(X, y, treatment=np.asarray(t.tolist()))
    assert est.categories_[0] == control
    assert not [w for w in recwarn if "ambiguous" in str(w.message)]


def test_ambiguous_control_warns_naming_the_arm():
    # Regression: with ["no_contact", "email"] the smallest label "email" became
    # the control silently and every effect flipped sign.
    X, y, t = _data(["no_contact", "email"])
    t = t.astype(str)
    with pytest.warns(UserWarning, match="using 'email'.*control="):
        est = _ArmMeans().fit(X, y, treatment=t)
    assert est.categories_[0] == "email"
    est = _ArmMeans(control="no_contact").fit(X, y, treatment=t)
    assert est.categories_.tolist() == ["no_contact", "email"]


def test_continuous_treatment_rejected():
    # Regression: a continuous treatment became n arms.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 2)), rng.normal(size=60)
    with pytest.raises(ValueError, match="looks continuous.*DML"):
        _ArmMeans().fit(X, y, treatment=rng.normal(size=60))
    # a few fractional doses are arms
    est = _ArmMeans().fit(X, y, treatment=np.tile([0.0, 0.5, 1.5], 20))
    assert est.categories_.tolist() == [0.0, 0.5, 1.5]


@pytest.mark.parametrize("bad, match", [(-1.0, "(?i)negative"), (0.0, "non-zero|positive sum")])
def test_bad_sample_weight(bad, match):
    # Regression: negative weights were accepted silently by 14 estimators.
    X, y, t = _data([0, 1])
    w = np.ones(60) if bad < 0 else np.zeros(60)
    w[0] = bad
    with pytest.raises(ValueError, match=match):
        _ArmMeans().fit(X, y, treatment=t.astype(int), sample_weight=w)


def test_unexpected_fit_argument():
    X, y, t = _data([0, 1])
    with pytest.raises(TypeError, match=r"unexpected argument\(s\) \['groups'\]"):
        _ArmMeans().fit(X, y, treatment=t.astype(int), groups=np.arange(60))


def test_star_import():
    # Regression: `from causaldist import *` named a subpackage that did not exist.
    namespace = {}
    exec("from causaldist import *", namespace)
    assert "metalearners" in namespace and "evaluation" in namespace
