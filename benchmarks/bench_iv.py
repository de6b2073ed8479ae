"""Time causaldist's IV estimators against econml and DoubleML on the same data, folds and models.

Every task runs in a fresh subprocess with one BLAS/OpenMP thread, its
libraries imported before the clock starts; the table reports the median CPU
time (``time.process_time``, the machine is shared) and wall time of fit +
effect on 1,000 rows over ``--runs`` runs, the runs of all tasks interleaved,
with the load average before and after. Data (a randomised binary instrument
``Z``, an unobserved confounder ``U``)::

    X ~ N(0, I_5) (effect features), W ~ N(0, I_15) (controls),
    T = Z + 0.5 x0 + w0 + U + N(0, 1),
    y = (1 + 0.5 x1) T + x0 + w1 + 2 U + N(0, 1).

Nuisance models: LinearRegression for E[Y | X, W], E[T | X, W], E[T | X, W, Z]
and the DRIV covariance, LogisticRegression for P(Z = 1 | X, W) (a regression
of Z in the PLIV pair, as DoubleML's ``ml_m``) (the
libraries' own code is what differs; ``--hgb`` uses
HistGradientBoosting(max_iter=100, early_stopping=False) instead). Folds: 5
``KFold(shuffle=True, random_state=0)`` folds, passed to every library. The
``value`` column is the effect at ``x = 0`` (the CATE intercept; the constant
effect for the PLIV rows): paired rows agree to the digits shown.

Usage::

    python benchmarks/bench_iv.py --quick
    python benchmarks/bench_iv.py --runs 3 --sizes 10000 100000
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
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

TASKS = [
    "causaldist OrthoIV", "econml OrthoIV",
    "causaldist DMLIV", "econml DMLIV",
    "causaldist LinearDRIV", "econml LinearDRIV",
    "causaldist OrthoIV (constant)", "DoubleML PLIV",
]


def _data(n):
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(n, 5)), rng.normal(size=(n, 15))
    Z = rng.binomial(1, 0.5, n)
    U = rng.normal(size=n)
    T = Z + 0.5 * X[:, 0] + W[:, 0] + U + rng.normal(size=n)
    y = (1 + 0.5 * X[:, 1]) * T + X[:, 0] + W[:, 1] + 2 * U + rng.normal(size=n)
    return X, W, Z, T, y


def _models(hgb):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression

    if hgb:
        reg = HistGradientBoostingRegressor(max_iter=100, early_stopping=False, random_state=0)
        clf = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0)
        return reg, clf
    return LinearRegression(), LogisticRegression(max_iter=1000)


def run_task(task, n, hgb):
    """Fit + effect of one task; returns CPU and wall seconds and the effect at x = 0."""
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    warnings.simplefilter("ignore")
    # the libraries are imported before the clock starts
    if task.startswith("causaldist"):
        import causaldist.iv  # noqa: F401
    elif task.startswith("econml"):
        import econml.iv.dml  # noqa: F401
        import econml.iv.dr  # noqa: F401,F811
    else:
        import doubleml  # noqa: F401
    X, W, Z, T, y = _data(n)
    XW = np.hstack([X, W])
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    reg, clf = _models(hgb)
    X0 = np.zeros((1000, XW.shape[1]))
    cols = list(range(5))
    start_cpu, start = time.process_time(), time.perf_counter()
    if task == "causaldist OrthoIV":
        from causaldist.iv import OrthoIV

        est = OrthoIV(outcome_model=clone(reg), treatment_model=clone(reg),
                      instrument_model=clone(clf), discrete_instrument=True,
                      effect_features=cols, cv=folds).fit(XW, y, treatment=T, instrument=Z)
        value = est.effect(X0)[0]
    elif task == "causaldist OrthoIV (constant)":
        from causaldist.iv import OrthoIV

        # DoubleML's PLIV regresses the instrument: the same model here
        est = OrthoIV(outcome_model=clone(reg), treatment_model=clone(reg),
                      instrument_model=clone(reg), effect_features=[],
                      cv=folds).fit(XW, y, treatment=T, instrument=Z)
        value = est.effect(X0)[0]
    elif task == "causaldist DMLIV":
        from causaldist.iv import DMLIV

        est = DMLIV(outcome_model=clone(reg), treatment_model=clone(reg),
                    projection_model=clone(reg), discrete_instrument=True,
                    effect_features=cols, cv=folds).fit(XW, y, treatment=T, instrument=Z)
        value = est.effect(X0)[0]
    elif task == "causaldist LinearDRIV":
        from causaldist.iv import LinearDRIV

        est = LinearDRIV(outcome_model=clone(reg), treatment_model=clone(reg),
                         instrument_model=clone(clf), covariance_model=clone(reg),
                         discrete_instrument=True, effect_features=cols,
                         cv=folds).fit(XW, y, treatment=T, instrument=Z)
        value = est.effect(X0)[0]
    elif task == "econml OrthoIV":
        from econml.iv.dml import OrthoIV

        est = OrthoIV(model_y_xw=clone(reg), model_t_xw=clone(reg), model_z_xw=clone(clf),
                      discrete_instrument=True, cv=folds).fit(y, T, Z=Z, X=X, W=W)
        value = est.effect(X0[:, :5])[0]
    elif task == "econml DMLIV":
        from econml.iv.dml import DMLIV

        est = DMLIV(model_y_xw=clone(reg), model_t_xw=clone(reg), model_t_xwz=clone(reg),
                    discrete_instrument=True, cv=folds).fit(y, T, Z=Z, X=X, W=W)
        value = est.effect(X0[:, :5])[0]
    elif task == "econml LinearDRIV":
        from econml.iv.dr import LinearDRIV

        est = LinearDRIV(model_y_xw=clone(reg), model_t_xw=clone(reg), model_z_xw=clone(clf),
                         model_tz_xw=clone(reg), discrete_instrument=True,
                         cv=folds).fit(y, T, Z=Z, X=X, W=W)
        value = est.effect(X0[:, :5])[0]
    elif task == "DoubleML PLIV":
        import doubleml as dml

        data = dml.DoubleMLData.from_arrays(XW, y, T, z=Z)
        est = dml.DoubleMLPLIV(data, ml_l=clone(reg), ml_m=clone(reg), ml_r=clone(reg),
                               n_folds=5, draw_sample_splitting=False)
        est.set_sample_splitting([(tr, te) for tr, te in folds])
        value = float(est.fit().coef[0])
    else:
        raise ValueError(task)
    return dict(cpu=time.process_time() - start_cpu, wall=time.perf_counter() - start,
                value=float(value))


def _subprocess(task, n, hgb):
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
            "from benchmarks.bench_iv import run_task; "
            f"print(json.dumps(run_task({task!r}, {n}, {hgb})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hgb", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes, runs = ([2000], 1) if args.quick else (args.sizes, args.runs)
    load_before = os.getloadavg()
    results = {(t, n): [] for t in TASKS for n in sizes}
    for _ in range(runs):  # interleaved: every task once per round
        for n in sizes:
            for task in TASKS:
                results[task, n].append(_subprocess(task, n, args.hgb))
    load_after = os.getloadavg()
    print(f"models: {'HistGradientBoosting' if args.hgb else 'linear'}; one thread; "
          f"median of {runs} interleaved runs; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after (2 cores)")
    print("| n | task | CPU s | wall s | effect at x = 0 | CPU ratio to peer |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        med = {t: {k: statistics.median(r[k] for r in results[t, n]) for k in
                   ("cpu", "wall", "value")} for t in TASKS}
        for i, task in enumerate(TASKS):
            peer = TASKS[i + 1] if i % 2 == 0 else None
            ratio = f"{med[task]['cpu'] / med[peer]['cpu']:.2f}" if peer else ""
            print(f"| {n:,} | {task} | {med[task]['cpu']:.2f} | {med[task]['wall']:.2f} | "
                  f"{med[task]['value']:.6f} | {ratio} |")


if __name__ == "__main__":
    main()
