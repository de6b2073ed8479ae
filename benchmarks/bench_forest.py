"""causaldist's CausalForest against econml's CausalForestDML (and R grf where installed).

Data (the peer-benchmark design): X ~ N(0, I_p), e(x) = sigmoid(0.5 x0 - 0.25 x1),
T ~ Bern(e), y = x0 + 0.5 x1^2 + (1 + x2) T + N(0, 1); tau(x) = 1 + x2.
Both libraries get the same nuisance models (LinearRegression for y,
LogisticRegression for T), the same 2 cross-fitting folds, 100 trees,
subsample fraction 0.45 (econml's default), leaves of at least 5 units,
every feature a split candidate, honesty, and little bags of 4 trees
(econml's ``subforest_size``). PEHE and the coverage of pointwise 95%
intervals are measured on 2,000 fresh test points. Every task runs in a
fresh subprocess (peak memory = its ru_maxrss), one thread
(OMP_NUM_THREADS=1, n_jobs=1) unless ``n_jobs`` says otherwise, ours and
econml's runs interleaved. Before the clock, causaldist fits once on 500 rows
(numba kernels loaded from the on-disk cache, joblib workers started).
``causaldist@1000x2`` rows grow 1000 trees in little bags of 2 (grf's bag
size; more bags make the little-bags variance less conservative).

``--vs-grf`` compares CausalForest with its defaults (2,000 trees, grf's
stabilised splits, little bags of 2) against R grf's ``causal_forest`` with
its defaults on Nie & Wager's setups (``benchmarks/coverage_forest.py``), both
given the same cross-fitted nuisances (``Y.hat``, ``W.hat``: 5-fold
HistGradientBoosting, propensities clipped to [0.02, 0.98]). grf runs through
``Rscript`` (data through CSV files, one R process per design, one thread);
it is skipped when R or its grf package is missing. Per design: PEHE on 200
fixed test points drawn from the design's covariate distribution, mean
width of the 95% intervals, mean standard error over the replications'
standard deviation of the estimates (SE/SD), coverage (its Monte Carlo
error from the per-replication coverages), mean |bias| over the points, and
the CPU seconds of one fit (both single-threaded).

Usage::

    OMP_NUM_THREADS=1 flock /tmp/bench.lock python benchmarks/bench_forest.py
    python benchmarks/bench_forest.py --quick      # n = 10^4 only
    OMP_NUM_THREADS=1 python benchmarks/bench_forest.py --vs-grf --designs ABCD --reps 30
"""

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import tempfile
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

N_TEST = 2000
SETTINGS = dict(n_estimators=100, max_samples=0.45, min_samples_leaf=5, group=4)


def _data(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    e = 1 / (1 + np.exp(-(0.5 * X[:, 0] - 0.25 * X[:, 1])))
    t = (rng.random(n) < e).astype(int)
    tau = 1 + X[:, 2]
    y = X[:, 0] + 0.5 * X[:, 1] ** 2 + tau * t + rng.normal(size=n)
    return X, y, t, tau


def _folds(n, seed=0):
    idx = np.random.default_rng(seed).permutation(n)
    a, b = np.sort(idx[: n // 2]), np.sort(idx[n // 2:])
    return [(a, b), (b, a)]


def _models():
    from sklearn.linear_model import LinearRegression, LogisticRegression

    return LinearRegression(), LogisticRegression(max_iter=1000)


def run_ours(X, y, t, Xt, p, n_jobs, trees=None, group=None):
    from causaldist.forest import CausalForest

    my, mt = _models()
    est = CausalForest(
        outcome_model=my, propensity_model=mt, cv=_folds(len(y)),
        n_estimators=trees or SETTINGS["n_estimators"], max_samples=SETTINGS["max_samples"],
        min_samples_leaf=SETTINGS["min_samples_leaf"],
        ci_group_size=group or SETTINGS["group"],
        max_features=p, n_jobs=n_jobs, random_state=0, min_propensity=0.0,
    )
    t0 = time.perf_counter()
    est.fit(X, y, treatment=t)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    lo, hi = est.effect_interval(Xt)
    pred = est.predict(Xt)
    pred_s = time.perf_counter() - t0
    blob = pickle.dumps(est, protocol=pickle.HIGHEST_PROTOCOL)
    forest = pickle.dumps(est.forest_, protocol=pickle.HIGHEST_PROTOCOL)
    extra = dict(
        leaves=est.n_leaves_, forest_bytes=len(forest),
        bytes_per_tree_per_leaf=len(forest) / est.n_leaves_,
        leaves_per_tree=est.n_leaves_ / est.forest_.n_trees,
    )
    return fit_s, pred_s, pred, lo, hi, len(blob), extra


def run_econml(X, y, t, Xt, p, n_jobs):
    from econml.dml import CausalForestDML

    my, mt = _models()
    est = CausalForestDML(
        model_y=my, model_t=mt, discrete_treatment=True, cv=_folds(len(y)),
        n_estimators=SETTINGS["n_estimators"], max_samples=SETTINGS["max_samples"],
        min_samples_leaf=SETTINGS["min_samples_leaf"], subforest_size=SETTINGS["group"],
        max_features=1.0, honest=True, inference=True, n_jobs=n_jobs, random_state=0,
    )
    t0 = time.perf_counter()
    est.fit(y, t, X=X)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    lo, hi = est.effect_interval(Xt)
    pred = est.effect(Xt)
    pred_s = time.perf_counter() - t0
    blob = pickle.dumps(est, protocol=pickle.HIGHEST_PROTOCOL)
    forest = pickle.dumps(est.model_cate, protocol=pickle.HIGHEST_PROTOCOL)
    # model_cate holds one grf CausalForest per output (MultiOutputGRF)
    forests = [
        f for f in getattr(est.model_cate, "estimators_", []) if hasattr(f, "estimators_")
    ] or [est.model_cate]
    trees = [tree for f in forests for tree in f.estimators_]
    leaves = sum(int(tree.get_n_leaves()) for tree in trees)
    extra = dict(
        leaves=leaves, forest_bytes=len(forest), bytes_per_tree_per_leaf=len(forest) / leaves,
        leaves_per_tree=leaves / len(trees),
    )
    return fit_s, pred_s, pred, lo, hi, len(blob), extra


def _task(lib, n, p, n_jobs):
    warnings.filterwarnings("ignore")
    X, y, t, _ = _data(n, p, seed=0)
    Xt, _, _, tau_t = _data(N_TEST, p, seed=1)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # "causaldist@1000x2": 1000 trees in little bags of 2 (more bags, tighter CIs)
    kw = {}
    if lib.startswith("causaldist@"):
        trees, group = lib.split("@")[1].split("x")
        kw = dict(trees=int(trees), group=int(group))
    fn = run_ours if lib.startswith("causaldist") else run_econml
    if fn is run_ours:
        # compile (or load the cached kernels) and start the n_jobs workers of
        # the cross-fitting stage (a one-off process-pool start) before the clock
        fn(X[:500], y[:500], t[:500], Xt[:10], p, n_jobs)
    fit_s, pred_s, pred, lo, hi, size, extra = fn(X, y, t, Xt, p, n_jobs, **kw)
    return dict(
        lib=lib, n=n, p=p, n_jobs=n_jobs, fit_s=fit_s, predict_s=pred_s,
        pehe=float(np.sqrt(np.mean((np.ravel(pred) - tau_t) ** 2))),
        coverage=float(np.mean((np.ravel(lo) <= tau_t) & (tau_t <= np.ravel(hi)))),
        pickle_mb=size / 2**20,
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, base_mb=base,
        **extra,
    )


def _subprocess(lib, n, p, n_jobs):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--task", lib, str(n), str(p), str(n_jobs)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode:
        return dict(lib=lib, n=n, p=p, n_jobs=n_jobs, error=out.stderr.strip()[-300:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- against R grf on Nie & Wager's setups ------------------------------------

_GRF_SCRIPT = r"""
suppressMessages(library(grf))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; reps <- as.integer(args[2]); trees <- as.integer(args[3])
Xt <- as.matrix(read.csv(file.path(dir, "test.csv"), header = FALSE))
for (r in seq_len(reps) - 1) {
  d <- as.matrix(read.csv(file.path(dir, sprintf("rep%d.csv", r)), header = FALSE))
  p <- ncol(d) - 4
  X <- d[, 1:p, drop = FALSE]
  t0 <- proc.time()
  cf <- causal_forest(X, d[, p + 1], d[, p + 2], Y.hat = d[, p + 3], W.hat = d[, p + 4],
                      num.trees = trees, num.threads = 1, seed = r + 1)
  t1 <- proc.time()
  pr <- predict(cf, Xt, estimate.variance = TRUE)
  cpu <- sum((t1 - t0)[c(1, 2)])
  wall <- (t1 - t0)[[3]]
  write.table(cbind(pr$predictions, pr$variance.estimates, cpu, wall),
              file.path(dir, sprintf("grf%d.csv", r)), sep = ",",
              row.names = FALSE, col.names = FALSE)
}
"""


def grf_available():
    """Whether ``Rscript`` runs and loads grf."""
    if shutil.which("Rscript") is None:
        return False
    out = subprocess.run(
        ["Rscript", "-e", "suppressMessages(library(grf)); cat(format(packageVersion('grf')))"],
        capture_output=True, text=True,
    )
    return out.returncode == 0


def _nuisances(X, y, t, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.model_selection import KFold, cross_val_predict

    cv = KFold(5, shuffle=True, random_state=seed)
    m = cross_val_predict(HistGradientBoostingRegressor(random_state=0), X, y, cv=cv)
    e = cross_val_predict(
        HistGradientBoostingClassifier(random_state=0), X, t, cv=cv, method="predict_proba"
    )[:, 1]
    return m, np.clip(e, 0.02, 0.98)


def _summary(est, se, cpu, truth):
    est, se = np.asarray(est), np.asarray(se)
    covered = np.abs(est - truth) <= 1.959964 * se
    per_rep = covered.mean(axis=1)
    return dict(
        pehe=float(np.mean(np.sqrt(np.mean((est - truth) ** 2, axis=1)))),
        width=float(np.mean(2 * 1.959964 * se)),
        se_sd=float(np.mean(se) / np.mean(est.std(axis=0, ddof=1))),
        coverage=float(covered.mean()),
        mc_error=float(per_rep.std(ddof=1) / np.sqrt(len(per_rep))),
        bias=float(np.mean(np.abs(est.mean(axis=0) - truth))),
        cpu_s=float(np.mean(cpu)),
    )


def vs_grf(designs, reps, n, trees, out):
    """CausalForest with its defaults against grf's causal_forest (see the module docstring)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from coverage_forest import design, draw
    from sklearn.dummy import DummyRegressor

    from causaldist.forest import CausalForest

    have_grf = grf_available()
    rows = []
    for name in designs:
        rng0 = np.random.default_rng(7)
        Xt = rng0.uniform(size=(200, 6)) if name == "A" else rng0.normal(size=(200, 6))
        truth = design(name, Xt)[2]
        work = Path(tempfile.mkdtemp(prefix=f"grf-{name}-"))
        np.savetxt(work / "test.csv", Xt, delimiter=",")
        ours = ([], [], [])
        for r in range(reps):
            X, y, t, _ = draw(name, n, np.random.default_rng(r))
            m, e = _nuisances(X, y, t, r)
            np.savetxt(work / f"rep{r}.csv", np.column_stack([X, y, t, m, e]), delimiter=",")
            # the same nuisances: y - m(x) with a zero outcome model, e(x) as known propensities
            est = CausalForest(
                outcome_model=DummyRegressor(strategy="constant", constant=0.0), cv=2,
                n_estimators=trees, random_state=r, n_jobs=1,
            )
            c0 = time.process_time()
            est.fit(X, y - m, treatment=t, propensity=e)
            ours[2].append(time.process_time() - c0)
            inf = est.effect_inference(Xt)
            ours[0].append(inf.value)
            ours[1].append(inf.stderr)
        rows.append(dict(design=name, lib="causaldist", **_summary(*ours, truth)))
        print(json.dumps(rows[-1]), flush=True)
        if have_grf:
            subprocess.run(
                ["Rscript", "-e", _GRF_SCRIPT, str(work), str(reps), str(trees)], check=True,
                env=dict(os.environ, OMP_NUM_THREADS="1"),
            )
            res = [np.loadtxt(work / f"grf{r}.csv", delimiter=",") for r in range(reps)]
            rows.append(dict(
                design=name, lib="grf", **_summary(
                    [a[:, 0] for a in res], [np.sqrt(a[:, 1]) for a in res],
                    [a[0, 2] for a in res], truth,
                ),
            ))
            print(json.dumps(rows[-1]), flush=True)
        shutil.rmtree(work)
    lines = [
        f"n = {n:,}, {reps} replications, {trees} trees, 200 test points; "
        f"grf {'run' if have_grf else 'not installed: skipped'}",
        "",
        "| design | library | PEHE | 95% width | SE/SD | coverage (MC error) | mean abs bias | fit CPU s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['design']} | {r['lib']} | {r['pehe']:.3f} | {r['width']:.3f} | "
            f"{r['se_sd']:.2f} | {r['coverage']:.3f} ({r['mc_error']:.3f}) | "
            f"{r['bias']:.3f} | {r['cpu_s']:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    if out:
        Path(out).write_text(text)
    print(text)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", nargs=4)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--econml-max-n", type=int, default=100_000)
    parser.add_argument(
        "--plan", default=None,
        help="explicit tasks lib:n:p:n_jobs separated by commas (overrides the grid)",
    )
    parser.add_argument("--out", default=None)
    parser.add_argument("--vs-grf", action="store_true")
    parser.add_argument("--designs", default="AC")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--trees", type=int, default=2000)
    args = parser.parse_args()
    if args.vs_grf:
        vs_grf(args.designs, args.reps, args.n, args.trees, args.out)
        return
    args.out = args.out or str(ROOT / "benchmarks" / "results" / "forest.md")
    if args.task:
        lib, n, p, jobs = args.task
        print(json.dumps(_task(lib, int(n), int(p), int(jobs))))
        return
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rows = []
    if args.plan:
        for item in args.plan.split(","):
            lib, n, p, jobs = item.split(":")
            row = _subprocess(lib, int(n), int(p), int(jobs))
            rows.append(row)
            print(json.dumps(row), flush=True)
        _write(rows, args.out)
        return
    for n in sizes:
        for p in (10, 50):
            plan = [("causaldist", 1), ("econml", 1), ("causaldist", 2)]
            for lib, jobs in plan:
                if lib == "econml" and n > args.econml_max_n:
                    rows.append(dict(lib=lib, n=n, p=p, n_jobs=jobs, error="not run (time budget)"))
                    continue
                row = _subprocess(lib, n, p, jobs)
                rows.append(row)
                print(json.dumps(row), flush=True)
    _write(rows, args.out)


def _write(rows, path):
    lines = [
        "| n | p | library | n_jobs | fit s | predict+CI s | PEHE | 95% coverage | pickle MB | peak MB (base) | fit vs econml | bytes/leaf |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    econ = {(r["n"], r["p"]): r for r in rows if r["lib"] == "econml" and "error" not in r}
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['n']:,} | {r['p']} | {r['lib']} | {r['n_jobs']} | {r['error']} |||||||")
            continue
        e = econ.get((r["n"], r["p"]))
        ratio = f"{r['fit_s'] / e['fit_s']:.2f}" if e else "-"
        bpl = f"{r['bytes_per_tree_per_leaf']:.1f}" if "bytes_per_tree_per_leaf" in r else "-"
        lines.append(
            f"| {r['n']:,} | {r['p']} | {r['lib']} | {r['n_jobs']} | {r['fit_s']:.2f} | "
            f"{r['predict_s']:.2f} | {r['pehe']:.3f} | {r['coverage']:.3f} | "
            f"{r['pickle_mb']:.1f} | {r['peak_mb']:.0f} ({r['base_mb']:.0f}) | {ratio} | {bpl} |"
        )
    Path(path).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
