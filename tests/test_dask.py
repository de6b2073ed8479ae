"""Every n_jobs path runs on a Dask cluster and gives the numbers of n_jobs=1.

Under ``joblib.parallel_backend("dask")`` causaldist's ``joblib.Parallel`` calls
(the folds of ``cross_fit``, the RATE bootstrap chunks) and scikit-learn's
(``GridSearchCV``'s candidates x splits) become tasks on the cluster's workers.
Seeds and folds depend on ``random_state`` only, never on where a task runs, so
the results must equal the sequential ones exactly. Skipped without
``dask.distributed`` (``pip install "causaldist[dask]"``; the ``test`` extra
has it).
"""

import numpy as np
import pytest
import sklearn
from joblib import parallel_backend
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV

distributed = pytest.importorskip("distributed")

from causaldist.datasets import make_distributional, make_heterogeneous  # noqa: E402
from causaldist.distributional import CVaR, DistributionalDREvaluator  # noqa: E402
from causaldist.evaluation import DREvaluator  # noqa: E402
from causaldist.metalearners import DRLearner  # noqa: E402
from causaldist.metrics import rank_average_treatment_effect  # noqa: E402


def _cluster(processes):
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=":0",
        silence_logs=40,
    )


@pytest.fixture(scope="module")
def client():
    """Two single-threaded workers in this process (threads)."""
    with _cluster(processes=False) as cluster, distributed.Client(cluster) as c:
        yield c


def _on_dask(client, func):
    """``func()`` under the dask joblib backend; also the number of tasks run there."""
    with distributed.get_task_stream(client) as stream:
        with parallel_backend("dask"):
            out = func()
    return out, len(stream.data)


def _learner(n_jobs):
    return DRLearner(outcome_model=LinearRegression(), final_model=Ridge(), cv=4,
                     n_jobs=n_jobs, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_heterogeneous(n_samples=600, random_state=0)


def test_cross_fit_folds_on_dask_equal_sequential(client, data):
    X, y, t, _ = data
    ref = _learner(1).fit(X, y, treatment=t)
    est, n_tasks = _on_dask(client, lambda: _learner(-1).fit(X, y, treatment=t))
    assert n_tasks >= 4  # one task per fold at least
    np.testing.assert_array_equal(est.predict(X), ref.predict(X))
    assert est.ate_.value == ref.ate_.value and est.ate_.stderr == ref.ate_.stderr
    np.testing.assert_array_equal(est.nuisances_.propensity, ref.nuisances_.propensity)


def test_rate_bootstrap_on_dask_equals_sequential(client):
    rng = np.random.default_rng(0)
    # 160 replicates in chunks of 4e6 // n = 40: four bootstrap tasks
    n = 100_000
    priorities = rng.normal(size=n)
    scores = priorities + rng.normal(size=n)
    kw = dict(n_bootstrap=160, random_state=0)
    ref = rank_average_treatment_effect(priorities, scores, n_jobs=1, **kw)
    res, n_tasks = _on_dask(
        client, lambda: rank_average_treatment_effect(priorities, scores, n_jobs=-1, **kw))
    assert n_tasks >= 4
    assert res.value == ref.value and res.stderr == ref.stderr
    np.testing.assert_array_equal(res.toc_stderr, ref.toc_stderr)


def test_grid_search_candidates_on_dask_equal_sequential(client, data):
    X, y, t, _ = data
    grid = {"final_model__alpha": [0.1, 10.0, 1000.0]}

    def search(n_jobs):
        with sklearn.config_context(enable_metadata_routing=True):
            return GridSearchCV(_learner(1), grid, cv=3, n_jobs=n_jobs).fit(
                X, y, treatment=t)

    ref = search(1)
    got, n_tasks = _on_dask(client, lambda: search(-1))
    assert n_tasks >= 9  # 3 candidates x 3 splits
    assert got.best_params_ == ref.best_params_
    np.testing.assert_array_equal(got.cv_results_["mean_test_score"],
                                  ref.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(got.best_estimator_.predict(X), ref.best_estimator_.predict(X))


def test_distributional_evaluation_on_dask_equals_sequential(client):
    X, y, t = make_distributional(800, n_levels=20, random_state=0)

    def evaluate(n_jobs):
        ev = DistributionalDREvaluator(cv=3, n_jobs=n_jobs, random_state=0)
        return ev.fit(X, y, treatment=t).evaluate(X[:, 0] > 0, utility=CVaR(0.1),
                                                  random_state=0)

    ref = evaluate(1)
    res, n_tasks = _on_dask(client, lambda: evaluate(-1))
    assert n_tasks >= 3
    assert res.value == ref.value and res.stderr == ref.stderr
    np.testing.assert_array_equal(res.quantiles, ref.quantiles)
    np.testing.assert_array_equal(res.uniform_band[0], ref.uniform_band[0])


def test_worker_processes_give_the_same_numbers(data):
    """Separate worker processes (pickled estimators, data shipped to them)."""
    X, y, t, _ = data
    ref = DREvaluator(outcome_model=LinearRegression(), cv=4, random_state=0, n_jobs=1)
    ref = ref.fit(X, y, treatment=t).evaluate(X[:, 0] > 0)
    with _cluster(processes=True) as cluster, distributed.Client(cluster) as c:
        def run():
            ev = DREvaluator(outcome_model=LinearRegression(), cv=4, random_state=0,
                             n_jobs=-1)
            return ev.fit(X, y, treatment=t).evaluate(X[:, 0] > 0)

        res, n_tasks = _on_dask(c, run)
    assert n_tasks >= 4
    assert res.value == ref.value and res.stderr == ref.stderr
