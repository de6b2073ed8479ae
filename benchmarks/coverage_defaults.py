"""Coverage of LinearDML's 95% CATE intervals with DEFAULT nuisance models (issue 26).

Partially linear design, binary treatment, controls W:

    X ~ N(0, 1) (the effect feature), W ~ N(0, I_3) (controls),
    P(T = 1 | X, W) = logistic(0.5 X + 0.5 W_0),
    Y = tau(X) T + X + W_1 + 0.5 W_2^2 + N(0, 1),   tau(x) = 1 + 0.5 x,

n = 1,500. tau(x) intervals at x = 0 (interior), 1 and 2 (edge, ~2.3% of X
beyond). Configurations on the same data per replication:

- ``before``: the defaults of main before "auto" (HistGradientBoostingRegressor
  outcome, standardised logistic treatment model);
- ``auto``: LinearDML's defaults now (model_selection.AutoModel);
- ``econml``: econml.dml.LinearDML with its defaults (model_y/model_t 'auto').

Every configuration: discrete_treatment=True, cv=5, effect on X, W as controls.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/coverage_defaults.py --reps 200 --out results.jsonl
    python benchmarks/coverage_defaults.py --summary results.jsonl
"""

import argparse
import json
import time
import warnings

import numpy as np

POINTS = np.array([0.0, 1.0, 2.0])


def tau(x):
    return 1.0 + 0.5 * x


def simulate(seed, n=1500):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1))
    W = rng.normal(size=(n, 3))
    e = 1 / (1 + np.exp(-(0.5 * X[:, 0] + 0.5 * W[:, 0])))
    t = rng.binomial(1, e)
    y = tau(X[:, 0]) * t + X[:, 0] + W[:, 1] + 0.5 * W[:, 2] ** 2 + rng.normal(size=n)
    return X, W, y, t


def fit_native(X, W, y, t, seed, before):
    from causaldist.dml import LinearDML

    kw = {}
    if before:
        from causaldist._defaults import DEFAULT_MODELS

        kw = dict(outcome_model=DEFAULT_MODELS["outcome"](seed),
                  treatment_model=DEFAULT_MODELS["propensity"](seed))
    est = LinearDML(discrete_treatment=True, effect_features=[0], cv=5, random_state=seed, **kw)
    est.fit(np.hstack([X, W]), y, treatment=t)
    lo, hi = est.effect_interval(np.hstack([POINTS[:, None], np.zeros((3, 3))]), alpha=0.05)
    sel = getattr(est, "nuisance_selection_", {})
    return np.ravel(lo), np.ravel(hi), {k: sorted(set(map(str, v))) for k, v in sel.items()}


def fit_econml(X, W, y, t, seed):
    from econml.dml import LinearDML

    est = LinearDML(discrete_treatment=True, cv=5, random_state=seed)
    est.fit(y, t, X=X, W=W)
    lo, hi = est.effect_interval(POINTS[:, None], alpha=0.05)
    return np.ravel(lo), np.ravel(hi), {}


def run(reps, start, out, configs):
    with open(out, "a") as fh:
        for r in range(start, start + reps):
            X, W, y, t = simulate(r)
            for name in configs:
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if name == "econml":
                        lo, hi, sel = fit_econml(X, W, y, t, r)
                    else:
                        lo, hi, sel = fit_native(X, W, y, t, r, before=name == "before")
                truth = tau(POINTS)
                rec = dict(rep=r, config=name, lo=lo.tolist(), hi=hi.tolist(),
                           cover=((lo <= truth) & (truth <= hi)).tolist(),
                           mid=((lo + hi) / 2).tolist(), seconds=time.perf_counter() - t0,
                           selection=sel)
                fh.write(json.dumps(rec) + "\n")
                fh.flush()


def summary(path):
    recs = [json.loads(line) for line in open(path)]
    truth = tau(POINTS)
    print(f"design: partially linear, binary T, 3 controls, n=1500; points x={POINTS.tolist()}")
    print("config   reps  coverage (x=0 / 1 / 2)      MC se   bias (x=0 / 1 / 2)       width(x=2)  s/fit")
    for name in ("before", "auto", "econml"):
        rs = [r for r in recs if r["config"] == name]
        if not rs:
            continue
        cov = np.mean([r["cover"] for r in rs], axis=0)
        se = np.sqrt(0.95 * 0.05 / len(rs))
        bias = np.mean([r["mid"] for r in rs], axis=0) - truth
        width = np.mean([np.array(r["hi"]) - r["lo"] for r in rs], axis=0)
        secs = np.median([r["seconds"] for r in rs])
        print(f"{name:7s} {len(rs):5d}  " + " / ".join(f"{c:.3f}" for c in cov)
              + f"   {se:.3f}   " + " / ".join(f"{b:+.3f}" for b in bias)
              + f"   {width[-1]:.3f}     {secs:.1f}")
    picks = {}
    for r in recs:
        if r["config"] == "auto":
            for k, v in r["selection"].items():
                for name in v:
                    picks[(k, name)] = picks.get((k, name), 0) + 1
    for (k, name), c in sorted(picks.items()):
        print(f"auto: {k} picked {name} in some fold of {c} replications")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--out", default="coverage_defaults.jsonl")
    p.add_argument("--configs", default="before,auto,econml")
    p.add_argument("--summary")
    a = p.parse_args()
    if a.summary:
        summary(a.summary)
    else:
        run(a.reps, a.start, a.out, a.configs.split(","))
