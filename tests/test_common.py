"""scikit-learn's estimator checks on every public causaldist estimator.

Estimators are discovered from ``causaldist.<subpackage>.__all__`` for every
subpackage in ``SUBPACKAGES`` that exists, so a new estimator is checked as
soon as it is exported. sklearn's checks call ``fit(X, y)`` without a
treatment; each estimator is therefore checked through a test-only subclass
(``_checked``) that derives a deterministic binary treatment from the data
when none is given. Estimators whose ``fit`` is not ``fit(X, y, treatment=...)``
(e.g. a policy tree fitted on rewards) register an adapter in ``SHIMS``.
Every check an estimator is known to fail is listed with its reason in
``EXPECTED_FAILED_CHECKS``.
"""

import importlib
import inspect
import zlib

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

SUBPACKAGES = [
    "metalearners", "evaluation", "uplift", "policy", "distributional", "dml", "forest",
    "validation", "iv",
]


def derived_treatment(X, y):
    """A deterministic binary treatment computed from each row's own values.

    Arm of row ``i`` = parity of the CRC32 of ``(X_i, y_i)`` as float64 bytes.
    It depends on the row alone, so it is invariant under row permutation (and
    duplication), which keeps sklearn's invariance checks meaningful. Where it
    leaves an arm with fewer than two units (tiny or constant data), the parity
    of each row's lexicographic rank is used, still permutation invariant.
    """
    if sp.issparse(X):
        X = X.toarray()
    if np.iscomplexobj(X):
        # Complex X: the estimator's own validation will reject it.
        return np.arange(len(X)) % 2
    try:
        Z = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        # Non-numeric X: the estimator's own validation will reject it.
        return np.arange(len(X)) % 2
    n = Z.shape[0]
    Z = Z.reshape(n, -1)
    if y is not None and not np.iscomplexobj(y):
        try:
            Z = np.column_stack([Z, np.asarray(y, dtype=np.float64).reshape(n, -1)])
        except (TypeError, ValueError):
            pass
    Z = np.ascontiguousarray(Z)
    t = np.array([zlib.crc32(row.tobytes()) & 1 for row in Z], dtype=np.int64)
    if n >= 4 and min(np.sum(t), n - np.sum(t)) < 2:
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort(Z.T[::-1])] = np.arange(n)
        t = rank % 2
    return t


def _with_treatment(method, self, X, y=None, treatment=None, **kw):
    """Call ``fit`` or ``score`` with the derived treatment when none is given."""
    if treatment is None:
        treatment = derived_treatment(X, y)
    return method(self, X, y, treatment=treatment, **kw)


def derived_instrument(X, y, treatment):
    """A binary instrument that moves the derived treatment: ``t`` flipped for a
    quarter of the rows (chosen by another bit of each row's CRC32, so the
    instrument too depends on the row alone)."""
    t = np.asarray(treatment)
    try:
        Z = np.ascontiguousarray(np.asarray(X, dtype=np.float64).reshape(len(t), -1))
        flip = np.array([(zlib.crc32(row.tobytes()) >> 1) & 3 == 0 for row in Z])
    except (TypeError, ValueError):
        flip = np.arange(len(t)) % 4 == 0
    z = np.where(flip, 1 - t, t) if t.dtype.kind in "iub" else t
    return z


def _with_instrument(method, self, X, y=None, treatment=None, instrument=None, **kw):
    """IV estimators: the derived treatment and an instrument derived from it."""
    if treatment is None:
        treatment = derived_treatment(X, y)
    if instrument is None:
        instrument = derived_instrument(X, y, treatment)
    return method(self, X, y, treatment=treatment, instrument=instrument, **kw)


def _with_quantile_outcome(method, self, X, y=None, treatment=None, **kw):
    """Distributional estimators take a quantile function per unit, ``y`` (n, m):
    a 1-D check ``y`` becomes ``y_i + fixed increasing offsets``."""
    if treatment is None:
        treatment = derived_treatment(X, y)
    try:
        y_arr = None if np.iscomplexobj(y) else np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        y_arr = None
    if y_arr is not None and y_arr.ndim == 1 and not np.iscomplexobj(y):
        y = y_arr[:, None] + np.linspace(-1.0, 1.0, 5)
    return method(self, X, y, treatment=treatment, **kw)


def _with_rewards(method, self, X, y=None, **kw):
    """Reward-matrix policy learners: a 1-D check ``y`` is the reward of action 1
    against a zero reward of action 0."""
    if y is not None and not np.iscomplexobj(y):
        try:
            y_arr = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError):
            y_arr = None
        if y_arr is not None and (y_arr.ndim == 1 or y_arr.shape[1:] == (1,)):
            y_arr = y_arr.reshape(-1)
            y = np.column_stack([np.zeros_like(y_arr), y_arr])
    return method(self, X, y, **kw)


def _with_binary_outcome(method, self, X, y=None, treatment=None, **kw):
    """Binary-outcome uplift models: a check ``y`` becomes ``1{y > median(y)}``
    (same shape, so 2-D column checks still see a 2-D ``y``; permutation
    invariant, since the median is)."""
    if y is not None and not np.iscomplexobj(y):
        try:
            y_arr = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError):
            y_arr = None
        if y_arr is not None and y_arr.size and np.all(np.isfinite(y_arr)):
            y = (y_arr > np.median(y_arr)).astype(np.float64)
    return _with_treatment(method, self, X, y, treatment=treatment, **kw)


def _quantile_outcome_no_treatment(method, self, X, y=None, **kw):
    """DistributionalRDD: a quantile function per unit as for the distributional
    estimators, no treatment (a sharp design), and the running variable (column 0)
    centred at its median so that the default cutoff 0 has units on both sides."""
    try:
        X_arr = np.array(X, dtype=np.float64)
    except (TypeError, ValueError):
        X_arr = None
    usable = X_arr is not None and X_arr.ndim == 2 and X_arr.shape[0] > 1
    if usable and X_arr.shape[1] and np.all(np.isfinite(X_arr)) and not sp.issparse(X):
        X_arr[:, 0] -= np.median(X_arr[:, 0]) + 1e-9
        X = X_arr
    try:
        y_arr = None if np.iscomplexobj(y) else np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        y_arr = None
    if y_arr is not None and y_arr.ndim == 1:
        y = y_arr[:, None] + np.linspace(-1.0, 1.0, 5)
    return method(self, X, y, **kw)


def _plain(method, self, X, y=None, **kw):
    """Ordinary regressors (no treatment), e.g. RegressionForest."""
    return method(self, X, y, **kw)


_IV_DR = dict(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
              instrument_model=LinearRegression(), covariance_model=LinearRegression())

# Per-class adaptations, keyed by class name; owners extend this table.
#   "fit", "score": adapter(method, self, X, y=None, **kw) calling the class's
#             own method with whatever it needs (default: _with_treatment);
#   "params": set_params applied to the checked instance (small, fast models).
SHIMS = {
    "DistributionalIPWEvaluator": {"fit": _with_quantile_outcome},
    "DistributionalDREvaluator": {"fit": _with_quantile_outcome},
    "DistributionalPolicyLearner": {
        "fit": _with_quantile_outcome, "score": _with_quantile_outcome,
    },
    "DistributionalPolicyTree": {
        "fit": _with_quantile_outcome, "score": _with_quantile_outcome,
    },
    "DistributionalDRLearner": {
        "fit": _with_quantile_outcome, "score": _with_quantile_outcome,
    },
    "DistributionalTLearner": {
        "fit": _with_quantile_outcome, "score": _with_quantile_outcome,
    },
    "DistributionalRDD": {"fit": _quantile_outcome_no_treatment},
    "PolicyTree": {"fit": _with_rewards, "score": _with_rewards},
    "LinearPolicy": {"fit": _with_rewards, "score": _with_rewards},
    "PolicyClassifier": {"fit": _with_rewards, "score": _with_rewards},
    "ClassTransformation": {"fit": _with_binary_outcome, "score": _with_binary_outcome},
    "RegressionForest": {"fit": _plain, "score": _plain},
    "PolicyForest": {"fit": _with_rewards, "score": _with_rewards, "params": {"n_estimators": 5}},
    "DRPolicyForest": {"params": {"n_estimators": 5}},
    # Linear nuisances: on sklearn's few-row check data the default boosted trees
    # predict a constant, the instrument then moves nothing and fit refuses
    # (not identified), rightly.
    **{name: {"fit": _with_instrument, "params": params} for name, params in [
        ("OrthoIV", dict(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
                         instrument_model=LinearRegression())),
        ("DMLIV", dict(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
                       projection_model=LinearRegression())),
        ("DRIV", _IV_DR), ("LinearDRIV", _IV_DR),
        ("IntentToTreatDRIV", dict(outcome_model=LinearRegression(),
                                   treatment_model=LogisticRegression())),
        ("LinearIntentToTreatDRIV", dict(outcome_model=LinearRegression(),
                                         treatment_model=LogisticRegression())),
        ("LATE", dict(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
                      instrument_model=LogisticRegression())),
    ]},
    # the API checks need no inference-grade forest; the default is 2,000 trees
    "CausalForest": {"params": {"n_estimators": 100}},
}

# Applied when the estimator has the parameter: two cross-fitting folds keep
# every arm of sklearn's small check data in every training fold.
DEFAULT_PARAMS = {"cv": 2}

# {class name: {check name: reason}}
_TOURNAMENT_TOO_SMALL = (
    "sklearn's 10-20-row check data: the validator's default CATE predictor is fitted "
    "in a tournament (each part by a model of other parts only, so the BLP test keeps "
    "its size), which leaves about 3 training rows per part and an arm with one unit; "
    "the fit refuses it as not identified, with a ValueError that says so"
)

EXPECTED_FAILED_CHECKS = {
    "HeterogeneityValidator": {
        check: _TOURNAMENT_TOO_SMALL
        for check in ("check_n_features_in_after_fitting", "check_estimators_nan_inf",
                      "check_fit2d_1feature")
    },
    "LATE": {
        "check_f_contiguous_array_estimator": (
            "20 rows in 2 folds leave about 5 units per instrument level and fold: the "
            "cross-fitted complier share comes out negative and LATE refuses (not "
            "identified) with a ValueError that says so"
        ),
    },
    "DistributionalRDD": {
        "check_estimators_dtypes": (
            "the integer X of this check gives the running variable 3 distinct values, "
            "not the order + 2 per side of the cutoff that the bias-corrected local "
            "polynomial needs: refused with a ValueError that says so"
        ),
    },
}


def _public_estimator_classes():
    for sub in SUBPACKAGES:
        name = f"causaldist.{sub}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # subpackage not written yet
                continue
            raise
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
                and hasattr(obj, "fit")
            ):
                yield obj


def _checked(cls):
    """Test-only subclass that supplies a treatment, importable for pickling."""
    shim = SHIMS.get(cls.__name__, {})
    methods = {}
    for method_name in ("fit", "score"):
        original = getattr(cls, method_name, None)
        # available_if hides score on the instance, not on the class.
        if original is None or not hasattr(cls(), method_name):
            continue
        adapter = shim.get(method_name, _with_treatment)

        def method(self, X, y=None, _original=original, _adapter=adapter, **kw):
            return _adapter(_original, self, X, y, **kw)

        method.__name__ = method_name
        method.__doc__ = original.__doc__
        methods[method_name] = method
    name = f"Checked{cls.__name__}"
    sub = type(name, (cls,), {**methods, "__module__": __name__, "__qualname__": name})
    globals()[name] = sub
    est = sub()
    defaults = {k: v for k, v in DEFAULT_PARAMS.items() if k in est.get_params()}
    return est.set_params(**{**defaults, **shim.get("params", {})})


ESTIMATORS = {cls.__name__: _checked(cls) for cls in _public_estimator_classes()}


def _expected_failed_checks(estimator):
    name = type(estimator).__name__.removeprefix("Checked")
    return EXPECTED_FAILED_CHECKS.get(name, {})


def test_estimators_discovered():
    assert {"DRLearner", "RLearner", "SLearner", "TLearner", "XLearner"} <= set(ESTIMATORS)


def test_derived_treatment_permutation_invariant():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    t = derived_treatment(X, y)
    perm = rng.permutation(50)
    np.testing.assert_array_equal(derived_treatment(X[perm], y[perm]), t[perm])
    assert 10 < t.sum() < 40
    Xc = np.zeros((20, 2))  # constant rows: rank parity fallback
    assert derived_treatment(Xc, np.zeros(20)).sum() == 10


@parametrize_with_checks(
    list(ESTIMATORS.values()), expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# -- the causal check suite (causaldist.utils.estimator_checks) ----------------
from causaldist.base import BaseCausalEstimator  # noqa: E402
from causaldist.utils.estimator_checks import yield_causal_checks  # noqa: E402

# The causal suite fits with a treatment only; the IV estimators (which need an
# instrument) are checked by tests/test_iv.py.
CAUSAL = [
    cls() for cls in _public_estimator_classes()
    if issubclass(cls, BaseCausalEstimator) and "instrument" not in cls._fit_params
]


# {class name: {causal check name: reason}}
_SUBSAMPLED = (
    "each tree draws a random subsample of the rows by position (as grf and "
    "econml): permuted or repeated rows give other subsamples, so the estimates "
    "differ by Monte Carlo noise (equal in distribution, not to rounding)"
)
EXPECTED_FAILED_CAUSAL_CHECKS = {
    "CausalForest": {
        "check_row_permutation": _SUBSAMPLED,
        "check_sample_weight_equals_repetition": _SUBSAMPLED,
    },
    "DRPolicyForest": {
        "check_row_permutation": _SUBSAMPLED,
        "check_sample_weight_equals_repetition": _SUBSAMPLED,
    },
}


@pytest.mark.filterwarnings("ignore:Poor overlap")
@pytest.mark.parametrize(
    "estimator, check",
    [(est, check) for est in CAUSAL for check in yield_causal_checks(est)],
    ids=lambda v: getattr(v, "__name__", type(v).__name__),
)
def test_causal_checks(estimator, check):
    reason = EXPECTED_FAILED_CAUSAL_CHECKS.get(type(estimator).__name__, {}).get(
        check.__name__
    )
    if reason is not None:
        pytest.xfail(reason)
    check(type(estimator).__name__, estimator)


def test_causal_checks_cover_every_causal_estimator():
    names = {type(e).__name__ for e in CAUSAL}
    assert {"DRLearner", "DREvaluator", "DRPolicyTree", "TwoModelUplift",
            "DistributionalPolicyTree", "AverageTreatmentEffect"} <= names
