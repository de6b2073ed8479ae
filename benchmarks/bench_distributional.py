"""Distributional policy learning: regret against the paper's claims, and the cost of evaluation.

Huang, Leung, Wu & Zhang (COLT 2026) bound the regret of the learned policy by
O(sqrt(N-dim(Pi) / N)), with the leading term governed by the policy class, not by the
quantile domain. Against that:

(a) Regret of DistributionalPolicyTree (depth 2, CVaR 10% utility) against the best
    depth-2 tree for the true utility, for n = 500 ... 32,000, outcomes observed as 8-16
    draws per unit: IPW and DR with the few-draw correction (the default for raw draws),
    DR on the raw empirical quantiles ("dr-raw"), and DR on the exact quantile functions
    ("dr-exact"). Log-log slopes are printed (the paper's rate is -1/2) and plotted to
    results/distributional_regret.png.
(b) Regret growing with the policy class: depth 1, 2, 3 (depth 3 grown by depth-2
    look-ahead, policytree's hybrid, for the learner and the reference alike), each
    against the best tree of its own depth.
(c) Regret flat in the number of quantile levels m = 20, 100, 500.
(d) Time and memory to evaluate 100 policies at n = 1e5, m = 100, K = 2 after the
    nuisances, and the largest n whose scores fit in 4 GiB.

Run: ``python benchmarks/bench_distributional.py [--quick]``
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402

from causaldist.datasets import make_distributional  # noqa: E402
from causaldist.distributional import (  # noqa: E402
    CVaR,
    DistributionalDREvaluator,
    DistributionalPolicyLearner,
    QuantileGrid,
)
from causaldist.policy import PolicyTree  # noqa: E402

QUICK = "--quick" in sys.argv
OUT = Path(__file__).resolve().parent / "results"
M = 20
UTILITY = CVaR(0.1)
ESTIMATORS = ("ipw", "dr", "dr-raw", "dr-exact")


def _tree(depth):
    return PolicyTree(max_depth=depth, search_depth=min(depth, 2))


def in_class_optimum(pop, depth=2):
    """Best tree of ``depth`` for the true per-unit utilities on a large population."""
    rewards = UTILITY(pop.potential_quantiles)
    tree = _tree(depth).fit(pop.X, rewards)
    return pop.value(tree.predict(pop.X), UTILITY)


def _population(m=M):
    return make_distributional(40_000 if QUICK else 100_000, n_levels=m, return_truth=True,
                               random_state=10**6)


def _fit_regret(n, seed, est, pop, best, depth=2, m=M):
    b = make_distributional(n, n_levels=m, n_draws=16, return_truth=True, random_state=seed)
    grid = QuantileGrid(m, correction=None if est == "dr-raw" else "auto")
    y = b.y if est == "dr-exact" else b.samples
    t0 = time.perf_counter()
    learner = DistributionalPolicyLearner(
        policy=_tree(depth), utility=UTILITY, method="ipw" if est == "ipw" else "dr",
        outcome_model=LinearRegression(), grid=grid, cv=5, random_state=0,
    ).fit(b.X, y, treatment=b.treatment)
    secs = time.perf_counter() - t0
    return best - pop.value(learner.predict(pop.X), UTILITY), secs


def regret_curve():
    pop = _population()
    best = in_class_optimum(pop)
    sizes = [500, 2000, 8000] if QUICK else [500, 1000, 2000, 4000, 8000, 16000, 32000]
    seeds = range(2 if QUICK else 6)
    rows = []
    for n in sizes:
        for est in ESTIMATORS:
            regrets, secs = [], []
            for seed in seeds:
                r, t = _fit_regret(n, seed, est, pop, best)
                regrets.append(r)
                secs.append(t)
            rows.append((n, est, np.mean(regrets), np.std(regrets, ddof=1) / np.sqrt(len(regrets)),
                         np.median(secs)))
            print(f"n={n:>6} {est}: regret {rows[-1][2]:.4f} +- {rows[-1][3]:.4f}  fit {rows[-1][4]:.2f} s",
                  flush=True)
    slopes = {}
    for est in ESTIMATORS:
        ns = np.array([r[0] for r in rows if r[1] == est], dtype=float)
        rg = np.array([max(r[2], 1e-6) for r in rows if r[1] == est])
        slopes[est] = np.polyfit(np.log(ns), np.log(rg), 1)[0]
        print(f"log-log slope of regret against n, {est}: {slopes[est]:.2f} (paper: -0.5)")
    return rows, slopes


def depth_curve():
    """Regret of depth 1, 2, 3 trees, each against the best tree of its own depth."""
    pop = _population()
    sizes = [2000] if QUICK else [2000, 8000]
    seeds = range(2 if QUICK else 12)
    rows = []
    for depth in (1, 2, 3):
        best = in_class_optimum(pop, depth)
        for n in sizes:
            regrets = [_fit_regret(n, seed, "dr", pop, best, depth=depth)[0] for seed in seeds]
            rows.append((depth, n, np.mean(regrets), np.std(regrets, ddof=1) / np.sqrt(len(regrets))))
            print(f"depth {depth}, n={n}: regret {rows[-1][2]:.4f} +- {rows[-1][3]:.4f}", flush=True)
    return rows


def levels_curve():
    """Regret at n = 4000 against the number of quantile levels."""
    rows = []
    seeds = range(2 if QUICK else 6)
    for m in (20, 100, 500):
        pop = make_distributional(30_000, n_levels=m, return_truth=True, random_state=10**6)
        best = in_class_optimum(pop)
        out = [_fit_regret(4000, seed, "dr", pop, best, m=m) for seed in seeds]
        regrets = [r for r, _ in out]
        rows.append((m, np.mean(regrets), np.std(regrets, ddof=1) / np.sqrt(len(regrets)),
                     np.median([t for _, t in out])))
        print(f"m={m}: regret {rows[-1][1]:.4f} +- {rows[-1][2]:.4f}, fit {rows[-1][3]:.2f} s",
              flush=True)
    return rows


def plot(rows, slopes, depth_rows, level_rows):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    for est, colour in zip(ESTIMATORS, ("C1", "C0", "C3", "C2")):
        r = [x for x in rows if x[1] == est]
        ax.errorbar([x[0] for x in r], [max(x[2], 1e-5) for x in r], yerr=[2 * x[3] for x in r],
                    marker="o", color=colour, label=f"{est.upper()} (slope {slopes[est]:.2f})")
    n0 = np.array(sorted({x[0] for x in rows}), dtype=float)
    ref = [x[2] for x in rows if x[1] == "dr"][0] * np.sqrt(n0[0] / n0)
    ax.plot(n0, ref, "k--", lw=1, label="n^-1/2")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel("regret (CVaR 10%) vs best depth-2 tree")
    ax.legend(fontsize=8)
    ax = axes[1]
    for n, colour in zip(sorted({r[1] for r in depth_rows}), ("C0", "C1")):
        r = [x for x in depth_rows if x[1] == n]
        ax.errorbar([x[0] for x in r], [x[2] for x in r], yerr=[2 * x[3] for x in r],
                    marker="o", color=colour, label=f"n = {n:,}")
    ax.set_xticks([1, 2, 3])
    ax.set_xlabel("tree depth (policy class)")
    ax.set_ylabel("regret vs best tree of that depth")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.errorbar([r[0] for r in level_rows], [r[1] for r in level_rows],
                yerr=[2 * r[2] for r in level_rows], marker="o", color="C0")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks([r[0] for r in level_rows], [str(r[0]) for r in level_rows])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("number of quantile levels m")
    ax.set_ylabel("regret, depth 2, n = 4,000")
    fig.tight_layout()
    fig.savefig(OUT / "distributional_regret.png", dpi=110)


def evaluation_cost():
    n, m = (30_000 if QUICK else 100_000), 100
    b = make_distributional(n, n_levels=m, return_truth=True, random_state=0)
    ev = DistributionalDREvaluator(outcome_model=LinearRegression(), cv=2, random_state=0).fit(
        b.X, b.y, treatment=b.treatment)
    policies = [(b.X[:, 1] > c).astype(int) for c in np.linspace(-2, 2, 100)]
    ev.evaluate(policies[0], uniform=False)  # compile the kernel
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for p in policies:
            ev.evaluate(p, uniform=False)
        times.append(time.perf_counter() - t0)
    t_uniform = time.perf_counter()
    ev.evaluate(policies[50], random_state=0)
    t_uniform = time.perf_counter() - t_uniform
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"100 policies at n={n}, m={m}: {np.median(times):.2f} s (median of 3); "
          f"one evaluation with the uniform band: {t_uniform:.2f} s; peak RSS {peak:.0f} MB "
          f"(before the loop {before:.0f} MB)")
    return n, m, float(np.median(times)), t_uniform, peak


def main():
    OUT.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    rows, slopes = regret_curve()
    depth_rows = depth_curve()
    level_rows = levels_curve()
    plot(rows, slopes, depth_rows, level_rows)
    n, m, t100, t_uniform, peak = evaluation_cost()
    secs = time.perf_counter() - t0
    lines = [
        "# Distributional policy learning",
        "",
        f"Generated by `python benchmarks/bench_distributional.py{' --quick' if QUICK else ''}` "
        f"({secs / 60:.0f} min); one BLAS thread, nproc=2.",
        "",
        "## (a) Regret against n",
        "",
        "DistributionalPolicyLearner(PolicyTree(max_depth=2), utility=CVaR(0.1)), LinearRegression "
        "outcome model, logistic propensity, 5 folds; outcomes are 8-16 draws per unit from "
        f"make_distributional on {M} levels. Regret = true CVaR of the best depth-2 tree for the "
        "true per-unit utilities (fitted on a 100,000-unit population) minus true CVaR of the "
        "learned policy, mean over seeds. IPW and DR read the draws with the few-draw "
        "correction (the default); DR-RAW uses the empirical quantiles of the draws as they are; "
        "DR-EXACT observes each unit's true quantile function.",
        "",
        "| n | estimator | regret | SE | fit s |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r[0]:,} | {r[1].upper()} | {r[2]:.4f} | {r[3]:.4f} | {r[4]:.2f} |" for r in rows]
    lines += ["", "Log-log slope of regret in n (the paper's rate sqrt(N-dim(Pi)/N) is -0.5): "
              + ", ".join(f"{e.upper()} {slopes[e]:.2f}" for e in ESTIMATORS) + ". Without the "
              "correction the bias of empirical tail quantiles from 8-16 draws is a floor the "
              "policy cannot learn away; with it the DR regret falls at about the exact-data "
              "rate. Plot: `distributional_regret.png` (left).", "",
              "## (b) Regret and the policy class", "",
              "DR with the few-draw correction; each depth against the best tree of its own depth "
              "(depth 3 grown by depth-2 look-ahead for learner and reference alike), 12 seeds. "
              "The bound "
              "grows with sqrt(N-dim(Pi)), N-dim growing with the number of leaves.", "",
              "| depth | n | regret | SE |", "|---|---|---|---|"]
    lines += [f"| {r[0]} | {r[1]:,} | {r[2]:.4f} | {r[3]:.4f} |" for r in depth_rows]
    lines += ["", "## (c) Regret and the number of quantile levels", "",
              "DR with the few-draw correction, depth 2, n = 4,000 (reference and truth on a "
              "30,000-unit population at each m). The paper's leading term does not depend on "
              "the quantile domain.", "",
              "| m | regret | SE | fit s |", "|---|---|---|---|"]
    lines += [f"| {r[0]} | {r[1]:.4f} | {r[2]:.4f} | {r[3]:.2f} |" for r in level_rows]
    lines += ["", "## (d) Evaluating many policies", "",
              f"100 threshold policies at n = {n:,}, m = {m}, K = 2 after the nuisances: "
              f"{t100:.2f} s (target <= 2 s); one evaluation with the uniform band "
              f"{t_uniform:.2f} s; peak RSS {peak:.0f} MB. Peak memory at n = 10^6: "
              "section (e)."]
    # Section (e) comes from bench_distributional_memory.py --table: kept as it is.
    memory = ""
    if (OUT / "distributional.md").exists():
        old = (OUT / "distributional.md").read_text()
        if "\n## (e)" in old:
            memory = old[old.index("\n## (e)"):]
    (OUT / "distributional.md").write_text("\n".join(lines) + "\n" + memory)
    print(f"written to {OUT / 'distributional.md'}")


if __name__ == "__main__":
    main()
