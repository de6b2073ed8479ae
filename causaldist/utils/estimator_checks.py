"""Checks every causaldist estimator must pass beside scikit-learn's own.

scikit-learn's ``check_estimator`` knows nothing of treatments. These checks,
like ``imblearn.utils.estimator_checks``, exercise what a causal estimator
promises on top: tuning with the default score and metadata routing, a loud
failure with routing off, scorers over a ``Pipeline``, invariance to the
labels of the arms and to the order of the rows, integer sample weights equal
to repeated rows, the ``memory`` cache, inputs left untouched, and pickling.
``yield_causal_checks(estimator)`` yields them; ``check_causal_estimator``
runs them all.
"""

import pickle
import tempfile
from functools import partial

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["check_causal_estimator", "yield_causal_checks"]

# Deterministic, weight-exact models put where an estimator takes them, so
# that equivalences (weights vs repeated rows, permutations) hold to rounding.
_LINEAR = {
    "outcome_model": LinearRegression,
    "final_model": LinearRegression,
    "control_model": LinearRegression,
    "treatment_model": LinearRegression,
    "propensity_model": partial(LogisticRegression, tol=1e-12, max_iter=10_000),
}
# ClassTransformation's final model is a classifier of the transformed label.
_LINEAR_CLASSIFIERS = {
    "ClassTransformation": {"final_model": _LINEAR["propensity_model"]},
    # Fixed penalties: "auto" picks them by a CV whose folds follow row order.
    "SparseLinearDML": {"alpha": lambda: 0.01, "alpha_cov": lambda: 0.01},
}


def _data(estimator, n=240, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = (rng.random(n) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    y = X[:, 0] + t * (1 + X[:, 1]) + rng.normal(size=n)
    if getattr(estimator, "_binary_outcome", False):
        y = (y > np.median(y)).astype(float)
    if getattr(estimator, "_multi_output", False):
        # a quantile function per unit: location y, increasing offsets
        y = y[:, None] + np.linspace(-1.0, 1.0, 5)
    return X, y, t


def _prepared(estimator):
    est = clone(estimator)
    params = est.get_params()
    models = {**_LINEAR, **_LINEAR_CLASSIFIERS.get(type(est).__name__, {})}
    est.set_params(**{k: f() for k, f in models.items() if k in params})
    if "random_state" in params:
        est.set_params(random_state=0)
    return est


def _outputs(est, X):
    """What the estimator estimates, through its public API."""
    if hasattr(est, "evaluate"):
        arm = est.categories_[1]
        return np.atleast_1d(np.asarray(est.evaluate(arm).value, dtype=float))
    if hasattr(est, "estimate_"):
        return np.atleast_1d(np.asarray(est.estimate_.value, dtype=float))
    return np.asarray(est.predict(X))


def _codes(est, X):
    labels = np.asarray(est.predict(X))
    return np.array([est.categories_.tolist().index(v) for v in labels])


def _compare(a, b, X, rtol=1e-6, atol=1e-8):
    if a.__class__ is not b.__class__:
        raise AssertionError("estimators of different classes")
    if hasattr(a, "evaluate") or hasattr(a, "estimate_") or not _predicts_labels(a, X):
        np.testing.assert_allclose(_outputs(a, X), _outputs(b, X), rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(
            np.asarray(a.categories_)[_codes(a, X)], np.asarray(b.categories_)[_codes(b, X)]
        )


def _predicts_labels(est, X):
    return hasattr(est, "predict") and not hasattr(est, "effect")


def _with_folds(est, folds):
    if "cv" in est.get_params():
        est.set_params(cv=folds)
    return est


def _halves(n):
    idx = np.arange(n)
    return [(idx[idx % 2 == 0], idx[idx % 2 == 1]), (idx[idx % 2 == 1], idx[idx % 2 == 0])]


def check_default_scoring_grid_search(name, estimator):
    """``GridSearchCV(estimator, grid)`` with ``scoring=None`` and routing on."""
    if not hasattr(estimator, "score"):
        return
    X, y, t = _data(estimator)
    est = _prepared(estimator)
    grid = {"control": [None, 0]}
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(est, grid, cv=2).fit(X, y, treatment=t)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)), f"{name}: default scores {scores}"


def check_routing_off_fails_loudly(name, estimator):
    """With routing off the default score must raise, not score NaN."""
    if not hasattr(estimator, "score"):
        return
    X, y, t = _data(estimator)
    search = GridSearchCV(_prepared(estimator), {"control": [None, 0]}, cv=2)
    try:
        search.fit(X, y, treatment=t)
    except ValueError as exc:
        assert "enable_metadata_routing" in str(exc), str(exc)
    else:  # pragma: no cover - the failure this check exists for
        raise AssertionError(f"{name}: GridSearchCV scored without a treatment")


def check_scorer_over_pipeline(name, estimator):
    """The causal scorers score a scikit-learn Pipeline ending in the estimator."""
    from ..model_selection import DRMSEScorer, PolicyValueScorer

    if not hasattr(estimator, "predict") or getattr(estimator, "_multi_output", False):
        return
    X, y, t = _data(estimator)
    scorer = (
        DRMSEScorer(cv=2, outcome_model=LinearRegression())
        if hasattr(estimator, "effect")
        else PolicyValueScorer(cv=2, outcome_model=LinearRegression())
    )
    pipe = make_pipeline(StandardScaler(), _prepared(estimator))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(X, y, treatment=t)
    score = scorer(pipe, X, y, treatment=t)
    assert np.isfinite(score), f"{name}: scorer over a Pipeline gave {score}"


def check_treatment_relabelling(name, estimator):
    """Integer arms renamed to strings (control kept) leave the estimates unchanged."""
    if not getattr(estimator, "_discrete_treatment", True):
        return  # a continuous treatment (DML's default) has values, not labels
    X, y, t = _data(estimator)
    a = _prepared(estimator).fit(X, y, treatment=t)
    labels = np.where(t == 1, "treated", "untreated")
    b = _prepared(estimator).set_params(control="untreated").fit(X, y, treatment=labels)
    assert b.categories_.tolist() == ["untreated", "treated"]
    if hasattr(a, "evaluate"):
        va = a.evaluate(1).value
        vb = b.evaluate("treated").value
        np.testing.assert_allclose(va, vb, rtol=1e-6)
    elif hasattr(a, "estimate_"):
        np.testing.assert_allclose(a.estimate_.value, b.estimate_.value, rtol=1e-6)
    elif hasattr(a, "effect"):
        np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-6, atol=1e-8)
    else:
        np.testing.assert_array_equal(
            np.where(np.asarray(a.predict(X)) == 1, "treated", "untreated"), b.predict(X)
        )


def check_row_permutation(name, estimator):
    """Permuting the rows (and the folds with them) leaves the estimates unchanged."""
    X, y, t = _data(estimator)
    n = X.shape[0]
    folds = _halves(n)
    perm = np.random.default_rng(1).permutation(n)
    inv = np.argsort(perm)
    folds_perm = [(np.sort(inv[tr]), np.sort(inv[te])) for tr, te in folds]
    a = _with_folds(_prepared(estimator), folds).fit(X, y, treatment=t)
    b = _with_folds(_prepared(estimator), folds_perm).fit(X[perm], y[perm], treatment=t[perm])
    _compare(a, b, X)


def check_sample_weight_equals_repetition(name, estimator):
    """Integer sample weights give the estimates of repeated rows."""
    X, y, t = _data(estimator)
    n = X.shape[0]
    w = np.r_[np.full(n // 2, 2), np.ones(n - n // 2)].astype(int)
    rep = np.repeat(np.arange(n), w)
    pos = np.cumsum(w) - w
    folds = _halves(n)
    folds_rep = [
        (np.concatenate([np.arange(pos[i], pos[i] + w[i]) for i in tr]),
         np.concatenate([np.arange(pos[i], pos[i] + w[i]) for i in te]))
        for tr, te in folds
    ]
    a = _with_folds(_prepared(estimator), folds).fit(X, y, treatment=t, sample_weight=w)
    b = _with_folds(_prepared(estimator), folds_rep).fit(X[rep], y[rep], treatment=t[rep])
    _compare(a, b, X, rtol=1e-5, atol=1e-6)


def check_memory_equivalence(name, estimator):
    """``memory=`` gives the numbers of no memory, on a cold and a warm cache."""
    if "memory" not in estimator.get_params():
        return
    X, y, t = _data(estimator)
    plain = _prepared(estimator).fit(X, y, treatment=t)
    with tempfile.TemporaryDirectory() as cache:
        cold = _prepared(estimator).set_params(memory=cache).fit(X, y, treatment=t)
        warm = _prepared(estimator).set_params(memory=cache).fit(X, y, treatment=t)
    _compare(plain, cold, X, rtol=1e-12, atol=1e-12)
    _compare(plain, warm, X, rtol=1e-12, atol=1e-12)


def check_inputs_not_mutated(name, estimator):
    """``fit`` and the verbs leave ``X``, ``y``, the treatment and weights untouched."""
    X, y, t = _data(estimator)
    w = np.linspace(0.5, 1.5, X.shape[0])
    copies = [a.copy() for a in (X, y, t, w)]
    est = _prepared(estimator).fit(X, y, treatment=t, sample_weight=w)
    _outputs(est, X)
    for before, after in zip(copies, (X, y, t, w)):
        np.testing.assert_array_equal(before, after)


def check_pickle_round_trip(name, estimator):
    """A pickled and unpickled fitted estimator gives the same estimates."""
    X, y, t = _data(estimator)
    est = _prepared(estimator).fit(X, y, treatment=t)
    _compare(est, pickle.loads(pickle.dumps(est)), X, rtol=0, atol=0)


_CHECKS = (
    check_default_scoring_grid_search,
    check_routing_off_fails_loudly,
    check_scorer_over_pipeline,
    check_treatment_relabelling,
    check_row_permutation,
    check_sample_weight_equals_repetition,
    check_memory_equivalence,
    check_inputs_not_mutated,
    check_pickle_round_trip,
)


def yield_causal_checks(estimator):
    """Yield the causal checks that apply to ``estimator``.

    Parameters
    ----------
    estimator : causaldist estimator
        An unfitted instance fitted as ``fit(X, y, treatment=...)``.

    Yields
    ------
    check : callable
        ``check(name, estimator)``, raising ``AssertionError`` on failure.

    Examples
    --------
    >>> from causaldist.metalearners import TLearner
    >>> from causaldist.utils.estimator_checks import yield_causal_checks
    >>> [c.__name__ for c in yield_causal_checks(TLearner())][:2]
    ['check_default_scoring_grid_search', 'check_routing_off_fails_loudly']
    """
    yield from _CHECKS


def check_causal_estimator(estimator):
    """Run every causal check on ``estimator``.

    Parameters
    ----------
    estimator : causaldist estimator
        An unfitted instance.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.metalearners import TLearner
    >>> from causaldist.utils.estimator_checks import check_causal_estimator
    >>> check_causal_estimator(TLearner(outcome_model=LinearRegression()))
    """
    name = type(estimator).__name__
    for check in yield_causal_checks(estimator):
        check(name, estimator)
