"""Exact policy trees: kernel speed, threads, R policytree and econml on the same data.

Every run fits on the same reward matrix (K = 3 actions): X ~ N(0, I_p),
Gamma_i = mu(X_i) + N(0, I_3) with mu_0 = 0, mu_1 = x0, mu_2 = x1 x2 - 0.2.
Every timing says how many threads it used and the machine's load average
just before it: the machine may be shared, and wall time on a loaded machine
is not speed. Single-thread rows therefore also give the process CPU time.

1. Exact depth 2 at p = 10, n = 10^3 ... 10^6, on 1 and 2 threads
   (``n_jobs``), with the trees compared and the nanoseconds per segment-tree
   node update (CPU time of the 1-thread fit over the number of updates).
2. Exact depth 3 at p = 10, n = 10^3 and 10^4, on 1 and 2 threads.
3. R policytree's ``policy_tree`` on the same data (written to CSV, timed by
   ``benchmarks/bench_policytree_r.R`` with R's own CPU clock); skipped when
   ``Rscript`` or the policytree package is missing.
4. Against econml's greedy PolicyTree, configured to search the same trees
   (no honesty, no balancedness constraint, leaves of one unit): time and
   welfare; depth 3 exact at n <= 10^3, by depth-2 look-ahead above.
5. DRPolicyTree end to end from (X, y, T) in both libraries.

Usage::

    python benchmarks/bench_policy.py --quick
    flock /tmp/bench.lock python benchmarks/bench_policy.py
    python benchmarks/bench_policy.py --kernels  # tables 1 and 2 only, in place
    python benchmarks/bench_policy.py --first-fit  # fresh process, empty numba cache
"""

import os

# One BLAS/OpenMP thread everywhere: the thread counts below are the only ones.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from causaldist.policy import PolicyTree  # noqa: E402


def _rewards(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    mu = np.column_stack([np.zeros(n), X[:, 0], X[:, 1] * X[:, 2] - 0.2])
    return X, mu + rng.normal(size=(n, 3)), mu


def _load():
    return os.getloadavg()[0]


def _timed(f):
    """(wall seconds, process CPU seconds, load average before, f())."""
    load = _load()
    wall, cpu = time.perf_counter(), time.process_time()
    out = f()
    return time.perf_counter() - wall, time.process_time() - cpu, load, out


def _same_tree(a, b):
    return all(np.array_equal(a.tree_[k], b.tree_[k], equal_nan=True)
               for k in ("feature", "threshold", "action"))


def _node_updates(X):
    """(node, arm pair) updates of one exact depth-2 search, now and in the old kernel.

    For every root feature j and child feature k != j each unit is inserted
    once and removed once (the last removal is skipped), each time refreshing
    the ``ceil(log2 G_k) + 1`` nodes of its path in a segment tree over the
    ``G_k`` distinct values of ``x_k``, and in each node the prefix maxima of
    the 3 arm pairs (both orders, one cache line). The kernel stores only the
    levels above leaves of 8 values and recomputes the leaf from the 8 values
    at each update, but these are the nodes whose values it computes. The
    child feature k = j costs no tree. ``old``
    counts what the earlier kernel did and what issue 17's ns figures divide
    by: p^2 child features (k = j included), 2n moves, ceil(log2 n) + 1
    levels, 3 arm pairs.
    """
    n, p = X.shape
    levels = [int(np.ceil(np.log2(max(np.unique(X[:, k]).size, 1)))) + 1 for k in range(p)]
    new = sum((p - 1) * (2 * n - 1) * levels[k] * 3 for k in range(p))
    old = p * p * 2 * n * (int(np.ceil(np.log2(n))) + 1) * 3
    return new, old


def depth2_rows(sizes, p=10):
    rows = []
    for n in sizes:
        X, G, _ = _rewards(n, p)
        new, old = _node_updates(X)
        one = None
        for threads in (1, 2):
            wall, cpu, load, tree = _timed(
                lambda: PolicyTree(max_depth=2, n_jobs=threads).fit(X, G))
            if threads == 1:
                one, cpu1 = tree, cpu
            rows.append(dict(
                n=n, threads=threads, wall=wall, cpu=cpu, load=load,
                ns_node=cpu1 * 1e9 / new if threads == 1 else None,
                ns_old=cpu1 * 1e9 / old if threads == 1 else None,
                same=_same_tree(tree, one), welfare=tree.welfare_,
            ))
            print("depth 2", rows[-1], flush=True)
    return rows


def depth3_rows(sizes, p=10):
    rows = []
    for n in sizes:
        X, G, _ = _rewards(n, p)
        one = None
        for threads in (1, 2):
            wall, cpu, load, tree = _timed(
                lambda: PolicyTree(max_depth=3, n_jobs=threads).fit(X, G))
            one = tree if one is None else one
            rows.append(dict(n=n, threads=threads, wall=wall, cpu=cpu, load=load,
                             same=_same_tree(tree, one), welfare=tree.welfare_))
            print("depth 3", rows[-1], flush=True)
    return rows


_FIRST_FIT = """
import os, time
import numpy as np
from causaldist.policy import PolicyTree
rng = np.random.default_rng(0)
X = rng.normal(size=(2000, 10))
mu = np.column_stack([np.zeros(2000), X[:, 0], X[:, 1] * X[:, 2] - 0.2])
G = mu + rng.normal(size=(2000, 3))
load = os.getloadavg()[0]
wall, cpu = time.perf_counter(), time.process_time()
PolicyTree(verbose=1).fit(X, G)
print(time.perf_counter() - wall, time.process_time() - cpu, load)
"""


def first_fit_rows(runs=2):
    """The first PolicyTree fit (n = 2,000, p = 10, K = 3, depth 2) of a fresh process with
    an empty numba cache: (wall s, CPU s, load) per run; its verbose=1 lines say how much
    of it numba compiled."""
    rows = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
            out = subprocess.run([sys.executable, "-c", _FIRST_FIT], env=env, check=True,
                                 capture_output=True, text=True).stdout.splitlines()
        wall, cpu, load = map(float, out[-1].split())
        rows.append(dict(wall=wall, cpu=cpu, load=load, verbose=out[-2]))
        print("first fit", rows[-1], flush=True)
    return rows


def _r_available():
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(policytree)"], capture_output=True)
    return probe.returncode == 0


def r_rows(sizes, p=10):
    """R policytree against our 1-thread fit on the same CSV data; [] without R."""
    if not _r_available():
        print("R or policytree not available: skipping the R comparison", flush=True)
        return []
    rows = []
    script = ROOT / "benchmarks" / "bench_policytree_r.R"
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            X, G, _ = _rewards(n, p)
            data, out = Path(tmp) / "data.csv", Path(tmp) / "out.csv"
            header = [f"x{k}" for k in range(p)] + [f"g{a}" for a in range(G.shape[1])]
            # 17 significant digits: R reads back the same doubles
            np.savetxt(data, np.column_stack([X, G]), delimiter=",", fmt="%.17g",
                       header=",".join(header), comments="")
            load = _load()
            subprocess.run(["Rscript", str(script), str(data), "2", str(out)], check=True)
            with open(out) as fh:
                r = next(csv.DictReader(fh))
            wall, cpu, load_ours, tree = _timed(lambda: PolicyTree(max_depth=2).fit(X, G))
            rows.append(dict(
                n=n, r_cpu=float(r["cpu_seconds"]), r_wall=float(r["wall_seconds"]),
                r_welfare=float(r["welfare"]), r_load=load, version=r["policytree"],
                cpu=cpu, wall=wall, load=load_ours, welfare=tree.welfare_,
            ))
            print("R", rows[-1], flush=True)
    return rows


def _ours(X, G, depth, n):
    search = 3 if depth <= 2 or n <= 1_000 else 2
    tree = PolicyTree(max_depth=depth, search_depth=min(depth, search)).fit(X, G)
    return tree.predict(X), ("exact" if search >= depth else "depth-2 look-ahead")


def _econml(X, G, depth):
    from econml.policy import PolicyTree as EconTree

    tree = EconTree(
        max_depth=depth, min_samples_split=2, min_samples_leaf=1, min_balancedness_tol=0.5,
        honest=False, random_state=0,
    ).fit(X, G)
    return tree.predict(X), "greedy"


def econml_rows(sizes, dims):
    rows = []
    for depth in (2, 3):
        for n in sizes:
            for p in dims:
                X, G, mu = _rewards(n, p)
                idx = np.arange(n)
                for lib, f in (("causaldist", lambda: _ours(X, G, depth, n)),
                               ("econml", lambda: _econml(X, G, depth))):
                    wall, cpu, load, (pred, mode) = _timed(f)
                    pred = np.asarray(pred, dtype=int)
                    row = (depth, n, p, lib, mode, wall, load, G[idx, pred].mean(),
                           mu[idx, pred].mean())
                    rows.append(row)
                    print(*row, flush=True)
    return rows


def dr_rows(n, p):
    from econml.policy import DRPolicyTree as EconDR
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression

    from causaldist.policy import DRPolicyTree

    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, p))
    t = rng.integers(0, 3, n)
    mu = np.column_stack([np.zeros(n), X[:, 0], X[:, 1] * X[:, 2] - 0.2])
    y = mu[np.arange(n), t] + rng.normal(size=n)
    hgb = HistGradientBoostingRegressor(early_stopping=False, random_state=0)
    lr = LogisticRegression(max_iter=1000)
    fits = [
        ("causaldist DRPolicyTree (exact, per-arm outcome models)",
         lambda: DRPolicyTree(outcome_model=hgb, propensity_model=lr, max_depth=2, cv=2,
                              random_state=0).fit(X, y, treatment=t)),
        ("causaldist DRPolicyTree (exact, pooled outcome model as econml)",
         lambda: DRPolicyTree(outcome_model=hgb, propensity_model=lr, max_depth=2, cv=2,
                              random_state=0, pooled_outcome=True).fit(X, y, treatment=t)),
        ("econml DRPolicyTree (greedy, pooled outcome model)",
         lambda: EconDR(model_regression=hgb, model_propensity=lr, cv=2, max_depth=2,
                        min_samples_split=2, min_samples_leaf=1, min_balancedness_tol=0.5,
                        honest=False, random_state=0).fit(y, t, X=X)),
    ]
    rows = []
    for name, f in fits:
        wall, _, load, est = _timed(f)
        rows.append((name, wall, load, mu[np.arange(n), est.predict(X)].mean()))
        print(*rows[-1], flush=True)
    return rows


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--first-fit", action="store_true",
                        help="only time the first fit of a fresh process (empty numba cache)")
    parser.add_argument("--kernels", action="store_true",
                        help="re-run only the depth-2 and depth-3 tables and replace them in "
                             "the existing output file")
    parser.add_argument("--output", default=str(ROOT / "benchmarks/results/policy.md"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.first_fit:
        first_fit_rows()
        return
    X, G, _ = _rewards(200, 3)
    PolicyTree(max_depth=3).fit(X, G)  # compile (or load the cached) kernels outside the timings
    PolicyTree(max_depth=3, n_jobs=2).fit(X, G)
    started = time.time()
    if args.kernels:
        d2 = depth2_rows([1_000, 10_000, 100_000, 1_000_000])
        d3 = depth3_rows([1_000, 10_000])
        commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
        _rewrite_kernel_sections(args.output, d2, d3, (
            "The depth-2 and depth-3 tables below were re-run at commit "
            f"{commit} by `python benchmarks/bench_policy.py --kernels` on {_machine()} "
            f"({(time.time() - started) / 60:.1f} min, same settings); the other tables "
            "are from the full run above."))
        return
    if args.quick:
        d2 = depth2_rows([1_000, 10_000])
        d3 = depth3_rows([500])
        rr = r_rows([500])
        econ = econml_rows([1_000], [5])
        dr = dr_rows(2_000, 10)
        return
    d2 = depth2_rows([1_000, 10_000, 100_000, 1_000_000])
    d3 = depth3_rows([1_000, 10_000])
    rr = r_rows([1_000, 10_000])
    econ = econml_rows([1_000, 10_000, 100_000], [5, 10, 20])
    dr = dr_rows(10_000, 10)
    _write(args.output, d2, d3, rr, econ, dr, time.time() - started)


def _write(path, d2, d3, rr, econ, dr, wall):
    import econml
    import numba

    lines = [
        "# Exact policy trees: kernel speed, threads, R policytree, econml",
        "",
        f"Generated by `flock /tmp/bench.lock python benchmarks/bench_policy.py` (total "
        f"{wall / 60:.1f} min) on {_machine()}, numba {numba.__version__}, numpy "
        f"{np.__version__}, econml {econml.__version__}; OMP/BLAS/numba threads 1, so the "
        "only threads are PolicyTree's `n_jobs`. K = 3 actions, Gamma = mu(X) + N(0, I), "
        "mu = (0, x0, x1 x2 - 0.2), X ~ N(0, I_p), seed 0. One run per row, kernels compiled "
        "beforehand. \"load\" is the 1-minute load average just before the run (2 cores: "
        "above 1 another process shared the machine, and wall times are then slower than "
        "the code); CPU is the process CPU time.",
        "",
    ]
    lines += _kernel_sections(d2, d3)
    lines += ["", "## R policytree on the same data (exact depth 2, p = 10)", ""]
    if rr:
        lines += [
            f"policytree {rr[0]['version']} (`policy_tree(X, Gamma, depth = 2)`, one thread), "
            "timed by `benchmarks/bench_policytree_r.R` with R's `proc.time()` around the "
            "call (user + system CPU); the data reach R as CSV with 17 significant digits. "
            "causaldist: `PolicyTree(max_depth=2)`, one thread.",
            "",
            "| n | policytree CPU s | policytree wall s | load | causaldist CPU s | "
            "causaldist wall s | load | CPU ratio | same welfare |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rr:
            same = abs(r["r_welfare"] - r["welfare"]) <= 1e-9 * (1 + abs(r["welfare"]))
            lines.append(
                f"| {r['n']:,} | {r['r_cpu']:.2f} | {r['r_wall']:.2f} | {r['r_load']:.2f} | "
                f"{r['cpu']:.3f} | {r['wall']:.3f} | {r['load']:.2f} | "
                f"{r['r_cpu'] / r['cpu']:.0f}x | {'yes' if same else 'NO'} |")
    else:
        lines.append("Skipped: Rscript or the policytree package was not available.")
    lines += [
        "",
        "## Against econml's greedy PolicyTree (1 thread each)",
        "",
        "Both fitted on the same Gamma with leaves of one unit (econml: honest=False, "
        "min_balancedness_tol=0.5, min_samples_leaf=1). \"welfare\" is the mean of the "
        "chosen actions' rewards on the training scores (the objective both maximise); "
        "\"true welfare\" the mean of mu at the chosen actions.",
        "",
        "| depth | n | p | library | search | wall s | load | welfare (objective) "
        "| true welfare |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for depth, n, p, lib, mode, sec, load, w, tw in econ:
        lines.append(f"| {depth} | {n:,} | {p} | {lib} | {mode} | {sec:.2f} | {load:.2f} | "
                     f"{w:.4f} | {tw:.4f} |")
    ours = {(r[0], r[1], r[2]): r[7] for r in econ if r[3] == "causaldist"}
    other = {(r[0], r[1], r[2]): r[7] for r in econ if r[3] == "econml"}
    below = [k for k in ours if ours[k] < other[k] - 1e-12]
    lines += [
        "",
        f"Configurations where our welfare is below econml's: {len(below)} of {len(ours)}"
        + (f" ({below})" if below else "") + ".",
        "",
        "## DRPolicyTree end to end (n = 10,000, p = 10, depth 2, 1 thread)",
        "",
        "Nuisances HistGradientBoostingRegressor(early_stopping=False) and "
        "LogisticRegression, cv=2, in both libraries; true welfare = mean of mu at the "
        "chosen actions.",
        "",
        "| estimator | wall s | load | true welfare |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {sec:.2f} | {load:.2f} | {tw:.4f} |" for name, sec, load, tw in dr]
    Path(path).write_text("\n".join(lines) + "\n")
    print("wrote", path)


def _kernel_sections(d2, d3):
    """The markdown of the depth-2 and depth-3 tables (from "## Exact depth 2" on)."""
    lines = [
        "## Exact depth 2, p = 10",
        "",
        "ns / node update = CPU seconds of the 1-thread fit over the (segment-tree node, "
        "arm pair) updates of its search (a node holds all 3 pairs in one 64-byte cache "
        "line; the kernel stores the levels above leaves of 4 distinct values (8 from "
        "32,768 distinct values on) and recomputes a leaf from its values, 16 bytes each, "
        "when one changes); "
        "\"old count\" divides the same time by the count of issue 17's figures "
        "(p^2 child features x 2n moves x (ceil(log2 n) + 1) levels x 3 pairs), which were "
        "7.4, 8.5, 18.6 and 25.6 ns at n = 10^3 ... 10^6 for the previous kernel.",
        "",
        "| n | threads | wall s | CPU s | load | ns / node update | ns / update (old count) "
        "| same tree as 1 thread | welfare |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in d2:
        ns = f"{r['ns_node']:.2f}" if r["ns_node"] is not None else ""
        old = f"{r['ns_old']:.2f}" if r["ns_old"] is not None else ""
        lines.append(
            f"| {r['n']:,} | {r['threads']} | {r['wall']:.2f} | {r['cpu']:.2f} | "
            f"{r['load']:.2f} | {ns} | {old} | {'yes' if r['same'] else 'NO'} | "
            f"{r['welfare']:.4f} |")
    speed = {r["n"]: r["wall"] for r in d2 if r["threads"] == 1}
    lines += ["", "Speed-up of 2 threads (wall, 1 thread / 2 threads): " + ", ".join(
        f"{r['n']:,}: {speed[r['n']] / r['wall']:.2f}x" for r in d2 if r["threads"] == 2) + "."]
    lines += [
        "",
        "## Exact depth 3, p = 10",
        "",
        "| n | threads | wall s | CPU s | load | same tree as 1 thread | welfare |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in d3:
        lines.append(
            f"| {r['n']:,} | {r['threads']} | {r['wall']:.2f} | {r['cpu']:.2f} | "
            f"{r['load']:.2f} | {'yes' if r['same'] else 'NO'} | {r['welfare']:.4f} |")
    return lines


def _rewrite_kernel_sections(path, d2, d3, note):
    """Replace the depth-2 and depth-3 tables of an existing results file."""
    text = Path(path).read_text()
    start = text.index("## Exact depth 2, p = 10")
    end = text.index("## R policytree on the same data")
    head = text[:start].rstrip("\n").split("\n")
    head = [line for line in head if not line.startswith("Rows marked")]
    new = "\n".join(head) + "\n\n" + note + "\n\n" + "\n".join(_kernel_sections(d2, d3))
    Path(path).write_text(new + "\n\n" + text[end:])
    print("rewrote the depth-2 and depth-3 tables of", path)


if __name__ == "__main__":
    main()
