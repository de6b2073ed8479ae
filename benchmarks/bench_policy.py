"""Time and welfare of causaldist's exact PolicyTree against econml's greedy PolicyTree.

Both trees get the same reward matrix (K = 3 actions): X ~ N(0, I_p),
Gamma_i = mu(X_i) + N(0, I_3) with mu_0 = 0, mu_1 = x0, mu_2 = x1 x2 - 0.2.
econml is configured to search the same trees as ours would (no honesty, no
balancedness constraint, leaves of one unit, every feature), so the two differ
only in the search: greedy top-down (econml) against exhaustive (ours).
"welfare" is the mean of the chosen actions' rewards on the training scores
(the objective both maximise); "true welfare" is the mean of mu at the chosen
actions. Depth 3 is exact at n = 10^3 and grown by exact depth-2 look-ahead
(``search_depth=2``) above. A last table times both libraries' DRPolicyTree
end to end from (X, y, T) with the same nuisance models.

Usage::

    python benchmarks/bench_policy.py --quick
    flock /tmp/bench.lock python benchmarks/bench_policy.py
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def _rewards(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    mu = np.column_stack([np.zeros(n), X[:, 0], X[:, 1] * X[:, 2] - 0.2])
    return X, mu + rng.normal(size=(n, 3)), mu


def _ours(X, G, depth, n):
    from causaldist.policy import PolicyTree

    search = 3 if depth <= 2 or n <= 1_000 else 2
    tree = PolicyTree(max_depth=depth, search_depth=min(depth, search)).fit(X, G)
    return tree.predict(X), ("exact" if search >= depth else "depth-2 look-ahead")


def _econml(X, G, depth):
    from econml.policy import PolicyTree

    tree = PolicyTree(
        max_depth=depth, min_samples_split=2, min_samples_leaf=1, min_balancedness_tol=0.5,
        honest=False, random_state=0,
    ).fit(X, G)
    return tree.predict(X), "greedy"


def _timed(f):
    start = time.perf_counter()
    out = f()
    return time.perf_counter() - start, out


def _dr_rows(n, p):
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
    rows = []
    sec, ours = _timed(lambda: DRPolicyTree(
        outcome_model=hgb, propensity_model=lr, max_depth=2, cv=2, random_state=0
    ).fit(
        X, y, treatment=t))
    rows.append(("causaldist DRPolicyTree (exact, per-arm outcome models)", sec,
                 mu[np.arange(n), ours.predict(X)].mean()))
    sec, pooled = _timed(lambda: DRPolicyTree(
        outcome_model=hgb, propensity_model=lr, max_depth=2, cv=2, random_state=0,
        pooled_outcome=True).fit(X, y, treatment=t))
    rows.append(("causaldist DRPolicyTree (exact, pooled outcome model as econml)", sec,
                 mu[np.arange(n), pooled.predict(X)].mean()))
    sec, econ = _timed(lambda: EconDR(
        model_regression=hgb, model_propensity=lr, cv=2, max_depth=2, min_samples_split=2,
        min_samples_leaf=1, min_balancedness_tol=0.5, honest=False, random_state=0,
    ).fit(y, t, X=X))
    rows.append(("econml DRPolicyTree (greedy, pooled outcome model)", sec,
                 mu[np.arange(n), econ.predict(X)].mean()))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "benchmarks/results/policy.md"))
    args = parser.parse_args()
    sizes = [1_000, 5_000] if args.quick else [1_000, 10_000, 100_000]
    dims = [5] if args.quick else [5, 10, 20]
    warnings.simplefilter("ignore")
    X, G, _ = _rewards(200, 3)
    _ours(X, G, 3, 200)  # compile (or load the cached) kernels outside the timings
    started = time.time()
    rows = []
    for depth in (2, 3):
        for n in sizes:
            for p in dims:
                X, G, mu = _rewards(n, p)
                idx = np.arange(n)
                for lib, f in (("causaldist", lambda: _ours(X, G, depth, n)),
                               ("econml", lambda: _econml(X, G, depth))):
                    sec, (pred, mode) = _timed(f)
                    pred = np.asarray(pred, dtype=int)
                    row = (depth, n, p, lib, mode, sec, G[idx, pred].mean(), mu[idx, pred].mean())
                    rows.append(row)
                    print(*row, flush=True)
    dr = _dr_rows(2_000 if args.quick else 10_000, 10)
    for r in dr:
        print(*r, flush=True)
    if not args.quick:
        _write(args.output, rows, dr, time.time() - started)


def _write(path, rows, dr, wall):
    import econml
    import numba

    lines = [
        "# causaldist PolicyTree against econml PolicyTree",
        "",
        f"Generated by `flock /tmp/bench.lock python benchmarks/bench_policy.py` (total "
        f"{wall / 60:.1f} min). K = 3 actions, rewards Gamma = mu(X) + N(0, I), mu = (0, x0, "
        "x1 x2 - 0.2), X ~ N(0, I_p), seed 0; both trees fitted on the same Gamma with leaves of "
        "one unit (econml: honest=False, min_balancedness_tol=0.5, min_samples_leaf=1). Wall "
        f"time of fit, one run each, numba kernels compiled beforehand. nproc={os.cpu_count()}, "
        f"numba {numba.__version__}, econml {econml.__version__}.",
        "",
        "| depth | n | p | library | search | seconds | welfare (objective) | true welfare |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for depth, n, p, lib, mode, sec, w, tw in rows:
        lines.append(f"| {depth} | {n:,} | {p} | {lib} | {mode} | {sec:.2f} | {w:.4f} | {tw:.4f} |")
    ours = {(r[0], r[1], r[2]): r[6] for r in rows if r[3] == "causaldist"}
    econ = {(r[0], r[1], r[2]): r[6] for r in rows if r[3] == "econml"}
    below = [k for k in ours if ours[k] < econ[k] - 1e-12]
    lines += [
        "",
        f"Configurations where our welfare is below econml's: {len(below)} of {len(ours)}"
        + (f" ({below})" if below else "") + ".",
        "",
        "## DRPolicyTree end to end (n = 10,000, p = 10, depth 2)",
        "",
        "Nuisances HistGradientBoostingRegressor(early_stopping=False) and "
        "LogisticRegression, cv=2, in both libraries; true welfare = mean of mu at the "
        "chosen actions.",
        "",
        "| estimator | seconds | true welfare |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {sec:.2f} | {tw:.4f} |" for name, sec, tw in dr]
    Path(path).write_text("\n".join(lines) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
