"""``verbose=``: silent by default, the expected lines when asked, same results."""

import importlib
import inspect
import logging
import pickle
import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV

from causaldist._progress import Progress
from causaldist.datasets import make_heterogeneous
from causaldist.dml import DML
from causaldist.forest import CausalForest, PolicyForest, RegressionForest
from causaldist.metalearners import DRLearner
from causaldist.metrics import rank_average_treatment_effect
from causaldist.model_selection import cross_fit, make_folds
from causaldist.model_selection._mixin import _CrossFitMixin
from causaldist.policy import DRPolicyTree, LinearPolicy, PolicyTree

SUBPACKAGES = [
    "metalearners", "evaluation", "uplift", "policy", "distributional", "dml", "forest",
    "validation",
]


def _public_classes(package):
    mod = importlib.import_module(package)
    return [
        obj for obj in (getattr(mod, name) for name in mod.__all__)
        if inspect.isclass(obj) and hasattr(obj, "get_params")
    ]


@pytest.fixture(scope="module")
def data():
    X, y, t, _ = make_heterogeneous(n_samples=300, random_state=0)
    return X, y, t


def _fast_dr(**kw):
    return DRLearner(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(),
        final_model=LinearRegression(), cv=3, **kw,
    )


def _rewards(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    R = np.column_stack([np.zeros(n), X[:, 1] + rng.normal(size=n), X[:, 2]])
    return X, R


# -- every estimator with long work has the parameter --------------------------


def test_every_cross_fitting_estimator_has_verbose():
    """The mixin owns ``verbose``: every estimator that cross-fits takes it."""
    seen = 0
    for package in SUBPACKAGES:
        for cls in _public_classes(f"causaldist.{package}"):
            if issubclass(cls, _CrossFitMixin):
                seen += 1
                params = cls().get_params()
                assert params["verbose"] == 0, cls.__name__
                assert "verbose" in cls._parameter_constraints, cls.__name__
                assert "verbose : int, default=0" in cls.__doc__ or "verbose" in cls.__doc__
    assert seen >= 20


@pytest.mark.parametrize("cls", [PolicyTree, PolicyForest, RegressionForest, LinearPolicy])
def test_searches_and_forests_have_verbose(cls):
    assert cls().get_params()["verbose"] == 0
    assert "verbose : int, default=0" in cls.__doc__


def test_econml_adapters_keep_econml_parameters():
    """The adapters mirror econml 0.17's signatures, which have no ``verbose``."""
    econml = pytest.importorskip("econml")
    del econml
    for cls in _public_classes("causaldist.compat.econml"):
        assert "verbose" not in inspect.signature(cls.__init__).parameters, cls.__name__


def test_verbose_in_get_params_clone_and_grid_search():
    est = clone(_fast_dr(verbose=2))
    assert est.get_params()["verbose"] == 2
    assert est.set_params(verbose=1).verbose == 1
    X, R = _rewards(120)
    search = GridSearchCV(PolicyTree(max_depth=1), {"verbose": [0, 1]}, cv=2).fit(X, R)
    assert list(search.cv_results_["param_verbose"]) == [0, 1]


def test_invalid_verbose(data):
    X, y, t = data
    with pytest.raises(ValueError, match="verbose"):
        _fast_dr(verbose="yes").fit(X, y, treatment=t)
    with pytest.raises(TypeError, match="verbose"):
        rank_average_treatment_effect(X[:, 0], y, verbose="yes")


# -- silent by default ------------------------------------------------------------


def test_default_is_silent(data, capsys, caplog):
    X, y, t = data
    caplog.set_level(logging.DEBUG)
    _fast_dr().fit(X, y, treatment=t)
    Xr, R = _rewards(150)
    PolicyTree(max_depth=2).fit(Xr, R)
    PolicyForest(n_estimators=4, max_depth=1, random_state=0).fit(Xr, R)
    RegressionForest(n_estimators=10, random_state=0).fit(X, y)
    LinearPolicy().fit(Xr, R)
    rank_average_treatment_effect(X[:, 0], y, random_state=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if r.name.startswith("causaldist")]


# -- the lines -----------------------------------------------------------------------


def test_cross_fit_lines(data, capsys):
    X, y, t = data
    _fast_dr(verbose=1).fit(X, y, treatment=t)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[DRLearner] cross-fitting propensity, outcome on 3 folds of 300 units"
    assert re.fullmatch(r"\[DRLearner\] cross-fitting done in \d+\.\d+s", lines[1])
    assert len(lines) == 2

    _fast_dr(verbose=2).fit(X, y, treatment=t)
    lines = capsys.readouterr().out.splitlines()
    folds = [line for line in lines if " fold " in line]
    assert len(folds) == 3
    for k, line in enumerate(folds, 1):
        assert re.fullmatch(
            rf"\[DRLearner\] fold {k}/3 \(train 200, test 100\): "
            r"propensity \d+\.\d+s, outcome \(2 arms\) \d+\.\d+s",
            line,
        ), line


def test_cross_fit_function_lines_and_parallel_folds(data, capsys):
    """Folds fitted in worker processes: the caller prints each once, in order."""
    X, y, t = data
    folds = make_folds(4, t)
    cross_fit(X, y, t, folds=folds, marginal_model=LinearRegression(), verbose=2, n_jobs=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[cross_fit] cross-fitting marginal on 4 folds of 300 units"
    assert [line.split(":")[0] for line in lines[1:5]] == [
        f"[cross_fit] fold {k}/4 (train 225, test 75)" for k in range(1, 5)
    ]
    assert lines[5].startswith("[cross_fit] cross-fitting done in ")


def test_memory_cache_hits_are_reported(data, capsys, tmp_path):
    X, y, t = data
    _fast_dr(verbose=2, memory=str(tmp_path)).fit(X, y, treatment=t)
    first = capsys.readouterr().out.splitlines()
    assert first[0].endswith("(memory: not cached, fitting)")
    assert sum(" fold " in line for line in first) == 3
    _fast_dr(verbose=2, memory=str(tmp_path)).fit(X, y, treatment=t)
    second = capsys.readouterr().out.splitlines()
    assert second[0].endswith("(memory: cached, loading)")
    assert not any(" fold " in line for line in second)  # nothing refitted


def test_policy_tree_lines(capsys):
    X, R = _rewards(200)
    tree = PolicyTree(max_depth=3, verbose=2).fit(X, R)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "[PolicyTree] searching a depth-3 tree (exact searches of depth 3) on 200 "
        "units, 3 features, 3 actions"
    )
    assert re.fullmatch(
        r"\[PolicyTree\] node 0 \(200 units\): depth-2 search over 3 root features, "
        r"total reward \S+, .+s",
        lines[1],
    )
    assert re.fullmatch(
        r"\[PolicyTree\] node 0 \(200 units\): depth-3 search over 3 root features, "
        r"incumbent total reward \S+ \(the depth-2 root's split\)",
        lines[2],
    )
    # each root feature of the depth-3 search, counted as it finishes
    for k in (1, 2, 3):
        assert re.fullmatch(
            rf"\[PolicyTree\] node 0: depth-3 root features {k}/3 done, elapsed .+",
            lines[2 + k],
        )
    assert lines[6].startswith("[PolicyTree] node 0: depth-3 search done, ")
    assert lines[-1].startswith("[PolicyTree] search done in ")
    assert lines[-1].endswith(f"welfare (mean reward) {tree.welfare_:.6g}")


def test_policy_tree_depth2_root_features_from_level_3(capsys):
    X, R = _rewards(200)
    PolicyTree(max_depth=2, verbose=2).fit(X, R)
    assert "root features 1/3" not in capsys.readouterr().out
    PolicyTree(max_depth=2, verbose=3, n_jobs=2).fit(X, R)
    lines = [line for line in capsys.readouterr().out.splitlines() if "root features" in line
             and "done," in line]
    assert [line.split(" done,")[0] for line in lines] == [
        f"[PolicyTree] node 0: depth-2 root features {k}/3" for k in (1, 2, 3)
    ]


def test_dr_policy_tree_reports_both_stages(data, capsys):
    X, y, t = data
    DRPolicyTree(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(),
        max_depth=1, cv=2, verbose=1,
    ).fit(X, y, treatment=t)
    out = capsys.readouterr().out
    assert "[DREvaluator] cross-fitting propensity, outcome on 2 folds" in out
    assert "[PolicyTree] search done in " in out


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_policy_forest_counts_every_tree_once(capsys, n_jobs):
    X, R = _rewards(150)
    PolicyForest(n_estimators=5, max_depth=1, random_state=0, verbose=2,
                 n_jobs=n_jobs).fit(X, R)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[PolicyForest] fitting 5 depth-1 trees on subsamples of 75 units"
    assert [line.split(",")[0] for line in lines[1:]] == [
        f"[PolicyForest] trees {k}/5 done" for k in range(1, 6)
    ]


def test_forest_milestones(capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = X[:, 0] + rng.normal(size=400)
    RegressionForest(n_estimators=100, random_state=0, verbose=1, n_jobs=2).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "[RegressionForest] growing 100 trees (50 little bags of 2) on subsamples of "
        "200 of 400 units"
    )
    # Every tenth of the forest, whichever thread grew the trees.
    counts = [int(re.search(r"trees (\d+)/100 done", line).group(1)) for line in lines[1:]]
    assert counts == sorted(counts) and counts[-1] == 100 and 9 <= len(counts) <= 10


def test_rate_bootstrap_lines(capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    res = rank_average_treatment_effect(
        x, np.maximum(x, 0) + rng.normal(size=500), random_state=0, verbose=2
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "[rank_average_treatment_effect] bootstrapping the AUTOC: 200 replicates of "
        "500 units in 1 chunk(s)"
    )
    assert lines[1].startswith("[rank_average_treatment_effect] chunk 1/1 (200 replicates)")
    assert lines[2].endswith(f"AUTOC {res.value:.6g} (stderr {res.stderr:.6g})")


def test_counter_copy_in_a_worker_is_silent(capsys):
    counter = Progress(2, "X").counter(3, "items")
    copy = pickle.loads(pickle.dumps(counter))
    copy.update()
    assert capsys.readouterr().out == ""
    counter.update()
    assert capsys.readouterr().out.startswith("[X] items 1/3 done")


# -- same results ------------------------------------------------------------------


def test_results_do_not_depend_on_verbose(data, capsys):
    X, y, t = data
    a = _fast_dr(verbose=3, n_jobs=2).fit(X, y, treatment=t)
    b = _fast_dr().fit(X, y, treatment=t)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))

    Xr, R = _rewards(150)
    for depth in (2, 3):
        a = PolicyTree(max_depth=depth, verbose=2).fit(Xr, R)
        b = PolicyTree(max_depth=depth).fit(Xr, R)
        for key in ("feature", "threshold", "action"):
            np.testing.assert_array_equal(a.tree_[key], b.tree_[key])

    a = PolicyForest(n_estimators=4, max_depth=1, random_state=0, verbose=2).fit(Xr, R)
    b = PolicyForest(n_estimators=4, max_depth=1, random_state=0).fit(Xr, R)
    np.testing.assert_array_equal(a.predict_value(Xr), b.predict_value(Xr))

    a = LinearPolicy(verbose=2).fit(Xr, R)
    np.testing.assert_array_equal(a.coef_, LinearPolicy().fit(Xr, R).coef_)

    a = RegressionForest(n_estimators=20, random_state=0, verbose=2, n_jobs=2).fit(X, y)
    b = RegressionForest(n_estimators=20, random_state=0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.oob_prediction_, b.oob_prediction_)

    kw = dict(n_estimators=20, cv=2, random_state=0)
    a = CausalForest(verbose=2, **kw).fit(X, y, treatment=t)
    np.testing.assert_array_equal(
        a.predict(X), CausalForest(**kw).fit(X, y, treatment=t).predict(X)
    )

    kw = dict(inference="bootstrap", n_bootstraps=10, cv=2, random_state=0,
              final_model=LinearRegression())
    a = DML(verbose=2, **kw).fit(X, y, treatment=t)
    b = DML(**kw).fit(X, y, treatment=t)
    np.testing.assert_array_equal(a.effect_inference(X[:5]).stderr,
                                  b.effect_inference(X[:5]).stderr)

    a = rank_average_treatment_effect(X[:, 0], y, random_state=0, verbose=2)
    b = rank_average_treatment_effect(X[:, 0], y, random_state=0)
    assert (a.value, a.stderr) == (b.value, b.stderr)
    capsys.readouterr()
