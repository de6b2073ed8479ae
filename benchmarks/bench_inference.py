"""Time and pointwise coverage of tau(x): LinearDML and LinearDRLearner vs econml.

Data (``/work/shared/anchors/peer-benchmarks.md``): X ~ N(0, I_20),
e(x) = sigmoid(0.5 x0 - 0.25 x1), y = x0 + 0.5 x1^2 + (1 + x2) T + N(0, 1).
Every task gets the same folds (5 stratified folds of ``make_folds(5, t,
random_state=seed)``, passed to econml as ``cv=``) and the same nuisance
models, with ``early_stopping=False`` so that both libraries fit the same trees:

- DML: HistGradientBoostingRegressor for y, HistGradientBoostingClassifier for T
  (the anchor's ``floor_dml``: those fits per fold, their out-of-fold
  predictions and one OLS);
- DR: LogisticRegression(max_iter=1000) for e, one pooled
  HistGradientBoostingRegressor on [X, T] per fold (econml's structure;
  ``pooled_outcome=True`` here), the floor ``floor_dr_pooled`` likewise.

Coverage: share of 2,000 fresh points x whose 95% interval of tau(x) covers the
truth 1 + x2, averaged over the seeds (each seed is one data set). Tasks of one
seed run back to back in one process, ours and econml's interleaved, with one
OpenMP/BLAS thread; time is fit + ``effect_interval`` on the fresh points.

Usage::

    flock /tmp/bench.lock python benchmarks/bench_inference.py --n 10000 --seeds 5
    flock /tmp/bench.lock python benchmarks/bench_inference.py --n 100000 --seeds 2
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402

from causaldist.dml import LinearDML  # noqa: E402
from causaldist.metalearners import LinearDRLearner  # noqa: E402
from causaldist.model_selection import make_folds  # noqa: E402

P = 20


def data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, P))
    e = 1 / (1 + np.exp(-(0.5 * X[:, 0] - 0.25 * X[:, 1])))
    t = (rng.random(n) < e).astype(int)
    y = X[:, 0] + 0.5 * X[:, 1] ** 2 + (1 + X[:, 2]) * t + rng.normal(size=n)
    Xt = rng.normal(size=(2000, P))
    return X, y, t, Xt, 1 + Xt[:, 2]


HGBR = HistGradientBoostingRegressor(early_stopping=False, random_state=0)
HGBC = HistGradientBoostingClassifier(early_stopping=False, random_state=0)
LR = LogisticRegression(max_iter=1000)


def floor_dml(X, y, t, folds, Xt):
    ry, rt = np.empty(len(y)), np.empty(len(y))
    for train, test in folds:
        ry[test] = y[test] - clone(HGBR).fit(X[train], y[train]).predict(X[test])
        rt[test] = t[test] - clone(HGBC).fit(X[train], t[train]).predict_proba(X[test])[:, 1]
    Z = rt[:, None] * np.column_stack([np.ones(len(y)), X])
    LinearRegression(fit_intercept=False).fit(Z, ry)
    return None


def floor_dr(X, y, t, folds, Xt):
    phi = np.empty(len(y))
    for train, test in folds:
        e = clone(LR).fit(X[train], t[train]).predict_proba(X[test])[:, 1]
        m = clone(HGBR).fit(np.column_stack([X[train], t[train]]), y[train])
        mu0 = m.predict(np.column_stack([X[test], np.zeros(len(test))]))
        mu1 = m.predict(np.column_stack([X[test], np.ones(len(test))]))
        tt, yy = t[test], y[test]
        phi[test] = mu1 - mu0 + tt / e * (yy - mu1) - (1 - tt) / (1 - e) * (yy - mu0)
    LinearRegression().fit(X, phi)
    return None


def cd_linear_dml(X, y, t, folds, Xt, **kw):
    est = LinearDML(outcome_model=HGBR, treatment_model=HGBC, discrete_treatment=True,
                    cv=folds, **kw).fit(X, y, treatment=t)
    return est.effect_interval(Xt)


def cd_linear_dml_repeats(X, y, t, folds, Xt):
    # repeated cross-fitting draws its own folds (int cv), three repetitions
    est = LinearDML(outcome_model=HGBR, treatment_model=HGBC, discrete_treatment=True,
                    cv=5, random_state=0, n_repeats=3).fit(X, y, treatment=t)
    return est.effect_interval(Xt)


def cd_linear_dr(X, y, t, folds, Xt):
    est = LinearDRLearner(outcome_model=HGBR, propensity_model=LR, pooled_outcome=True,
                          cv=folds).fit(X, y, treatment=t)
    return est.effect_interval(Xt)


def ec_linear_dml(X, y, t, folds, Xt):
    from econml.dml import LinearDML as E

    est = E(model_y=HGBR, model_t=HGBC, discrete_treatment=True, cv=folds,
            random_state=0).fit(y, t, X=X)
    return est.effect_interval(Xt)


def ec_linear_dr(X, y, t, folds, Xt):
    from econml.dr import LinearDRLearner as E

    est = E(model_regression=HGBR, model_propensity=LR, cv=folds, random_state=0).fit(y, t, X=X)
    return est.effect_interval(Xt)


TASKS = {
    "floor_dml": floor_dml,
    "causaldist LinearDML (HC1)": cd_linear_dml,
    "econml LinearDML": ec_linear_dml,
    "causaldist LinearDML (HC0)": lambda *a: cd_linear_dml(*a, cov_type="HC0"),
    "causaldist LinearDML (HC1, n_repeats=3)": cd_linear_dml_repeats,
    "floor_dr_pooled": floor_dr,
    "causaldist LinearDRLearner": cd_linear_dr,
    "econml LinearDRLearner": ec_linear_dr,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[])
    args = parser.parse_args()
    import econml.dml  # noqa: F401  (imported before any clock starts)
    import econml.dr  # noqa: F401

    warnings.filterwarnings("ignore")
    times = {k: [] for k in TASKS}
    cover = {k: [] for k in TASKS}
    for seed in range(args.seeds):
        X, y, t, Xt, tau = data(args.n, seed)
        folds = make_folds(5, t, random_state=seed)
        for name, task in TASKS.items():
            if any(s in name for s in args.skip):
                continue
            start = time.perf_counter()
            out = task(X, y, t, folds, Xt)
            times[name].append(time.perf_counter() - start)
            if out is not None:
                lo, hi = (np.ravel(a) for a in out)
                cover[name].append(np.mean((lo <= tau) & (tau <= hi)))
            print(f"seed {seed} {name}: {times[name][-1]:.2f} s "
                  f"cover {cover[name][-1] if cover[name] else float('nan'):.3f}", flush=True)
    floors = {"DML": np.median(times["floor_dml"] or [np.nan]),
              "DR": np.median(times["floor_dr_pooled"] or [np.nan])}
    ec = {"DML": np.median(times["econml LinearDML"] or [np.nan]),
          "DR": np.median(times["econml LinearDRLearner"] or [np.nan])}
    print(f"\nn = {args.n:,}, {args.seeds} seeds (data sets), one thread\n")
    print("| task | median s | x floor | x econml | coverage of tau(x) (per seed) |")
    print("|---|---|---|---|---|")
    for name in TASKS:
        if not times[name]:
            continue
        fam = "DR" if "DR" in name or "dr" in name else "DML"
        med = np.median(times[name])
        cov = (f"{np.mean(cover[name]):.3f} ({', '.join(f'{c:.2f}' for c in cover[name])})"
               if cover[name] else "-")
        print(f"| {name} | {med:.2f} | {med / floors[fam]:.2f} | {med / ec[fam]:.2f} | {cov} |")


if __name__ == "__main__":
    main()
