"""Pointwise coverage of CausalForest's 95% intervals on the Nie & Wager setups A-D.

Nie & Wager (2021, section 6) designs, p = 6, noise sd 1:

- A: X ~ U[0,1]^p, e = clip(sin(pi x1 x2), 0.1, 0.9), b = sin(pi x1 x2) +
  2 (x3 - 0.5)^2 + x4 + 0.5 x5, tau = (x1 + x2) / 2;
- B: X ~ N(0, I), e = 1/2, b = max(x1 + x2, x3, 0) + max(x4 + x5, 0),
  tau = x1 + log(1 + e^x2);
- C: X ~ N(0, I), e = 1 / (1 + e^(x2 + x3)), b = 2 log(1 + e^(x1 + x2 + x3)), tau = 1;
- D: X ~ N(0, I), e = 1 / (1 + e^-x1 + e^-x2), b = (max(x1 + x2 + x3, 0) +
  max(x4 + x5, 0)) / 2, tau = max(x1 + x2 + x3, 0) - max(x4 + x5, 0);

Y = b(X) + (T - e(X)) tau(X) + N(0, 1). Oracle nuisances (m = b, the true e)
isolate the forest's own coverage; ``--estimated`` cross-fits a linear m and a
logistic e instead (2 folds); ``--defaults`` runs ``CausalForest(random_state=
seed)`` as a user gets it (its default nuisance models and folds, 2,000
trees, every other setting default; ``--trees`` is ignored). 20 fixed test
points per design (normal designs: x ~ N(0, 0.5^2 I); A: x ~ U[0.1, 0.9]^p);
``--reps`` replications. The Monte Carlo error of the coverage is the
standard deviation of the per-replication coverages over sqrt(reps) (the
20 points of one replication are not independent).

Usage::

    python benchmarks/coverage_forest.py --reps 200 --n 1000 --trees 400
    OMP_NUM_THREADS=1 python benchmarks/coverage_forest.py --defaults --designs AC --reps 100
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402


def design(name, X):
    x = [None] + [X[:, j] for j in range(X.shape[1])]  # 1-based like the paper
    if name == "A":
        e = np.clip(np.sin(np.pi * x[1] * x[2]), 0.1, 0.9)
        b = np.sin(np.pi * x[1] * x[2]) + 2 * (x[3] - 0.5) ** 2 + x[4] + 0.5 * x[5]
        tau = (x[1] + x[2]) / 2
    elif name == "B":
        e = np.full(len(X), 0.5)
        b = np.maximum.reduce([x[1] + x[2], x[3], np.zeros(len(X))]) + np.maximum(x[4] + x[5], 0)
        tau = x[1] + np.log1p(np.exp(x[2]))
    elif name == "C":
        e = 1 / (1 + np.exp(x[2] + x[3]))
        b = 2 * np.log1p(np.exp(x[1] + x[2] + x[3]))
        tau = np.ones(len(X))
    else:
        e = 1 / (1 + np.exp(-x[1]) + np.exp(-x[2]))
        b = (np.maximum(x[1] + x[2] + x[3], 0) + np.maximum(x[4] + x[5], 0)) / 2
        tau = np.maximum(x[1] + x[2] + x[3], 0) - np.maximum(x[4] + x[5], 0)
    return e, b, tau


def draw(name, n, rng, p=6):
    X = rng.uniform(size=(n, p)) if name == "A" else rng.normal(size=(n, p))
    e, b, tau = design(name, X)
    t = (rng.random(n) < e).astype(int)
    y = b + (t - e) * tau + rng.normal(size=n)
    return X, y, t, e


class Oracle(RegressorMixin, BaseEstimator):
    """m(x) = E[Y | X = x] = b(x) of the design (fit does nothing)."""

    def __init__(self, name="A"):
        self.name = name

    def fit(self, X, y, sample_weight=None):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return design(self.name, np.asarray(X))[1]


def main():
    from sklearn.linear_model import LinearRegression

    from causaldist.forest import CausalForest

    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--trees", type=int, default=400)
    ap.add_argument("--designs", default="ABCD")
    ap.add_argument("--estimated", action="store_true")
    ap.add_argument("--defaults", action="store_true")
    args = ap.parse_args()
    print("| design | n | trees | nuisances | reps x points | coverage (MC error) | per-point range | mean width | RMSE | SE/SD | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.designs:
        rng0 = np.random.default_rng(2024)
        Xt = rng0.uniform(0.1, 0.9, size=(20, 6)) if name == "A" else rng0.normal(size=(20, 6)) * 0.5
        truth = design(name, Xt)[2]
        cov, width, err = [], [], []
        start = time.time()
        for seed in range(args.reps):
            X, y, t, e = draw(name, args.n, np.random.default_rng(seed))
            if args.defaults:
                est = CausalForest(random_state=seed).fit(X, y, treatment=t)
            elif args.estimated:
                est = CausalForest(outcome_model=LinearRegression(), cv=2,
                                   n_estimators=args.trees, random_state=seed)
                est.fit(X, y, treatment=t)
            else:
                est = CausalForest(outcome_model=Oracle(name), cv=2,
                                   n_estimators=args.trees, random_state=seed)
                est.fit(X, y, treatment=t, propensity=e)
            lo, hi = est.effect_interval(Xt)
            cov.append((lo <= truth) & (truth <= hi))
            width.append(hi - lo)
            err.append((lo + hi) / 2 - truth)
        cov = np.array(cov)
        per = cov.mean(axis=0)
        mc = cov.mean(axis=1).std(ddof=1) / np.sqrt(args.reps)
        se_sd = np.mean(width) / (2 * 1.959964) / np.mean(np.std(err, axis=0, ddof=1))
        nuis = (
            "defaults (cross-fitted HGB / logistic, cv=5)" if args.defaults
            else "cross-fitted linear/logistic" if args.estimated else "oracle"
        )
        trees = 2000 if args.defaults else args.trees
        print(
            f"| {name} | {args.n:,} | {trees} | {nuis} | "
            f"{args.reps} x 20 | {cov.mean():.3f} ({mc:.3f}) | {per.min():.2f}-{per.max():.2f} | "
            f"{np.mean(width):.3f} | {np.sqrt(np.mean(np.square(err))):.3f} | {se_sd:.2f} | "
            f"{time.time() - start:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
