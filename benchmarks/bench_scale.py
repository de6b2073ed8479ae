"""Scale-out on Dask: the DR-learner, the RATE bootstrap and distributional evaluation.

At n = 10^6 (``--n``), each task runs under ``joblib.parallel_backend("dask")`` on a
fresh ``distributed.LocalCluster(n_workers=W, threads_per_worker=1, processes=True)``
for W = 1 and 2, and reports:

- time (s) and speed-up of 2 workers over 1;
- peak memory per worker (the largest peak RSS among the workers, MB), measured in
  the worker processes after the task (each cluster is new, so the peak is the
  task's), and the client's peak RSS;
- bytes per unit: (worker peak - worker RSS before the task) / n.

With one worker, joblib's Dask backend counts one job (the cluster's threads,
whatever ``n_jobs`` says) and runs the tasks sequentially in the client process:
that row is the sequential baseline.

Tasks: ``DRLearner(cv=4)`` with its default models (one task per fold, so at most 2x
with 2 workers while the final model is fitted on the client);
``rank_average_treatment_effect(n_bootstrap=1000)`` (chunks of 4 replicates at
n = 10^6); ``DistributionalDREvaluator(cv=4)`` on 50 quantile levels, then one
policy evaluated with its uniform band (on the client). Results go to
``results/scale.md``.

Run: ``flock /tmp/bench.lock python benchmarks/bench_scale.py [--n 1000000] [--quick]``
(needs ``pip install "causaldist[dask]"``).
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from joblib import parallel_backend  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _rss_now():
    import psutil

    return psutil.Process().memory_info().rss


def _peak_rss():
    """Peak RSS of this process's address space (VmHWM, bytes).

    Not ``ru_maxrss``: a forked child inherits its parent's, so a worker would
    report the client's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _tasks(n):
    from causaldist.datasets import make_distributional, make_heterogeneous
    from causaldist.distributional import CVaR, DistributionalDREvaluator
    from causaldist.metalearners import DRLearner
    from causaldist.metrics import rank_average_treatment_effect

    X, y, t, tau = make_heterogeneous(n_samples=n, n_features=10, random_state=0)
    rng = np.random.default_rng(0)
    priority = tau + rng.normal(size=n)
    scores = tau + rng.normal(scale=3.0, size=n)
    Xd, yd, td = make_distributional(n, n_levels=50, random_state=0)

    def dr_learner():
        est = DRLearner(cv=4, n_jobs=-1, random_state=0).fit(X, y, treatment=t)
        return est.ate_.value

    def rate():
        return rank_average_treatment_effect(
            priority, scores, n_bootstrap=1000, n_jobs=-1, random_state=0).stderr

    def distributional():
        ev = DistributionalDREvaluator(cv=4, n_jobs=-1, random_state=0)
        ev.fit(Xd, yd, treatment=td)
        return ev.evaluate(Xd[:, 0] > 0, utility=CVaR(0.1), random_state=0).value

    return {"DR-learner (cv=4)": dr_learner, "RATE bootstrap (1000)": rate,
            "distributional DR evaluation (cv=4, m=50)": distributional}


def _run(task, n_workers):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=40) as cluster, \
            Client(cluster) as client:
        before = client.run(_rss_now)
        start = time.perf_counter()
        with parallel_backend("dask"):
            value = task()
        elapsed = time.perf_counter() - start
        peaks = client.run(_peak_rss)
    worker_peak = max(peaks.values())
    grown = max(peaks[w] - before[w] for w in peaks)
    return elapsed, worker_peak, grown, value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="n = 20,000 smoke run")
    args = parser.parse_args()
    n = 20_000 if args.quick else args.n
    load_before = os.getloadavg()[0]
    rows = []
    for name, task in _tasks(n).items():
        res = {w: _run(task, w) for w in (1, 2)}
        assert res[1][3] == res[2][3], f"{name}: 1 and 2 workers differ"
        for w, (sec, peak, grown, _) in res.items():
            # with one worker, n_jobs=-1 resolves to 1 and joblib runs the tasks in
            # the client: the worker's memory says nothing then
            mem = (f"{peak / 2**20:.0f} | {grown / n:.0f}" if w > 1
                   else "(in the client) | -")
            rows.append(f"| {name} | {w} | {sec:.1f} | {res[1][0] / sec:.2f}x | {mem} |")
            print(rows[-1], flush=True)
    table = "\n".join([
        f"# Scale-out on Dask (n = {n:,})", "",
        "`flock /tmp/bench.lock python benchmarks/bench_scale.py"
        + (" --quick" if args.quick else f" --n {n}") + "` on a 2-core machine; "
        "LocalCluster with processes, one thread per worker; results equal for 1 and 2 "
        f"workers; 1-min load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after.", "",
        "| task | workers | time (s) | speed-up | peak RSS per worker (MB) "
        "| worker bytes per unit |",
        "|---|---|---|---|---|---|", *rows, "",
        f"Client peak RSS: {_peak_rss() / 2**20:.0f} MB.", ""])
    if not args.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "scale.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
