"""Time causaldist's uplift metrics against scikit-uplift's (and causalml's) at n = 10^6.

Each (library, metric) runs in a fresh subprocess with one BLAS/OpenMP thread;
the table reports the median wall time over ``--runs`` calls, the peak of
memory allocated during one call (``tracemalloc``, which numpy reports to), and
the absolute difference from sklift's value. Data: binary outcome, binary
treatment (share 0.5), continuous uplift scores with no ties, seed 0.

causalml is timed where importable (its ``auuc_score`` / ``qini_score`` define
the curves differently, so only time is compared): run this script from an
environment that has it.

Usage::

    python benchmarks/bench_uplift_metrics.py --quick     # n = 10^5, one run, no file
    flock /tmp/bench.lock python benchmarks/bench_uplift_metrics.py
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

METRICS = ["qini_auc_score", "uplift_auc_score", "uplift_at_k"]


def _data(n):
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, n)
    u = rng.normal(size=n)
    y = (rng.random(n) < 0.2 + 0.1 * t * (u > 0)).astype(np.int64)
    return y, u, t


def _call(library, metric):
    if library == "causaldist":
        import causaldist.metrics as m
    elif library == "sklift":
        import sklift.metrics as m
    else:
        return _causalml(metric)
    f = getattr(m, metric)
    if metric == "uplift_at_k":
        return lambda y, u, t: f(y, u, t, strategy="overall", k=0.3)
    return f


def _causalml(metric):
    import pandas as pd
    from causalml.metrics import auuc_score, qini_score

    f = {"qini_auc_score": qini_score, "uplift_auc_score": auuc_score}.get(metric)
    if f is None:
        return None

    def run(y, u, t):
        df = pd.DataFrame({"y": y, "w": t, "m": u})
        return float(f(df, outcome_col="y", treatment_col="w", normalize=True)["m"])

    return run


def run_task(library, metric, n, runs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = _call(library, metric)
    if f is None:
        return {"skip": True}
    y, u, t = _data(n)
    times, value = [], None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(runs):
            start = time.perf_counter()
            value = f(y, u, t)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        f(y, u, t)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"median": statistics.median(times), "min": min(times), "peak_mb": peak / 2**20,
            "value": float(value)}


def _subprocess(library, metric, n, runs):
    out = subprocess.run(
        [sys.executable, __file__, "--task", library, metric, "--n", str(n), "--runs", str(runs)],
        capture_output=True, text=True, env=os.environ.copy(), cwd=ROOT,
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rate_time(n, n_bootstrap):
    from causaldist.metrics import rank_average_treatment_effect

    y, u, t = _data(n)
    start = time.perf_counter()
    res = rank_average_treatment_effect(u, y=y, treatment=t, n_bootstrap=n_bootstrap, random_state=0)
    return time.perf_counter() - start, res


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--task", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--output", default=str(ROOT / "benchmarks/results/uplift_metrics.md"))
    args = parser.parse_args()
    if args.task:
        print(json.dumps(run_task(*args.task, args.n, args.runs)))
        return
    n = 100_000 if args.quick else args.n
    runs = 1 if args.quick else args.runs
    started = time.time()
    rows = []
    for metric in METRICS:
        res = {lib: _subprocess(lib, metric, n, runs) for lib in ("sklift", "causaldist", "causalml")}
        print(metric, res, flush=True)
        rows.append((metric, res))
    rate_seconds, rate = _rate_time(n, 200)
    print("rate", rate_seconds, rate, flush=True)
    if not args.quick:
        _write(args.output, rows, n, runs, rate_seconds, rate, time.time() - started)


def _write(path, rows, n, runs, rate_seconds, rate, wall):
    import sklearn

    lines = [
        "# causaldist uplift metrics against scikit-uplift",
        "",
        f"Generated by `flock /tmp/bench.lock python benchmarks/bench_uplift_metrics.py` "
        f"(total {wall:.0f} s). n = {n:,}; binary y, binary treatment, continuous scores; "
        f"one thread, fresh subprocess per (library, metric), median of {runs} calls; peak = "
        "memory allocated during one call (tracemalloc). `uplift_at_k` with "
        f"strategy='overall', k=0.3. nproc={os.cpu_count()}, scikit-learn "
        f"{sklearn.__version__}, numpy {np.__version__}. causalml's `qini_score` / "
        "`auuc_score` (normalize=True) define the curves differently (a cumulative-gain "
        "curve over a pandas DataFrame), so only their time is shown, where causalml imports.",
        "",
        "| metric | sklift s | causaldist s | ratio | sklift peak MB | causaldist peak MB "
        "| abs. difference | causalml s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for metric, res in rows:
        sk, cd = res["sklift"], res["causaldist"]
        cm = res["causalml"]
        cm_cell = f"{cm['median']:.3f}" if "median" in cm else "–"
        if "error" in sk or "error" in cd:
            lines.append(f"| {metric} | {sk.get('error', '')} | {cd.get('error', '')} | | | | | |")
            continue
        lines.append(
            f"| {metric} | {sk['median']:.3f} | {cd['median']:.3f} | "
            f"{cd['median'] / sk['median']:.2f} | {sk['peak_mb']:.0f} | {cd['peak_mb']:.0f} | "
            f"{abs(sk['value'] - cd['value']):.1e} | {cm_cell} |"
        )
    lines += [
        "",
        f"`rank_average_treatment_effect` (AUTOC, IPW scores, 200 bootstrap replicates, one "
        f"process): {rate_seconds:.2f} s at n = {n:,}; estimate {rate.value:.4f} "
        f"(SE {rate.stderr:.4f}).",
        "",
    ]
    Path(path).write_text("\n".join(lines))
    print("wrote", path)


if __name__ == "__main__":
    main()
