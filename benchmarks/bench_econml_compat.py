"""causaldist.compat.econml against econml 0.17: parity and wall time.

Each task fits econml's class and the adapter on the same data, the same
explicit folds (``cv=[(train, test), ...]``) and the same models, and reports
the largest relative difference of effects, coefficients and interval bounds
(``max |a - b| / max(|a|, 1e-12)`` over all entries) and the median wall time
of fit + effect (+ intervals) over ``--runs`` runs, one BLAS/OpenMP thread.

Data: ``X ~ N(0, I_5)``, ``W ~ N(0, I_5)``; a binary treatment with
``e = sigmoid(x0 + w0)`` (DR, discrete DML, policy trees), a continuous one
``T = x0 + w0 + N(0, 1)`` (LinearDML, NonParamDML); ``Y = (1 + x1) T + x0 + w1 +
N(0, 1)``. Models: LinearRegression / LogisticRegression nuisances,
GradientBoostingRegressor(max_depth=2, 50 trees, random_state=0) for the
non-linear final stages and the T-learner's and domain adaptation learner's
models. The meta-learners see X only.

Usage::

    OMP_NUM_THREADS=1 flock /tmp/bench.lock python benchmarks/bench_econml_compat.py --n 10000
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.ensemble import GradientBoostingRegressor  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold  # noqa: E402


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    X, W = rng.normal(size=(n, 5)), rng.normal(size=(n, 5))
    Tb = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0] - W[:, 0]))).astype(int)
    Tc = X[:, 0] + W[:, 0] + rng.normal(size=n)
    noise = rng.normal(size=n)
    Yb = (1 + X[:, 1]) * Tb + X[:, 0] + W[:, 1] + noise
    Yc = (1 + X[:, 1]) * Tc + X[:, 0] + W[:, 1] + noise
    return X, W, Tb, Tc, Yb, Yc


def rel(a, b):
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-12))


def gbr():
    return GradientBoostingRegressor(max_depth=2, n_estimators=50, random_state=0)


def tasks(n):
    X, W, Tb, Tc, Yb, Yc = data(n)
    sfolds = list(StratifiedKFold(2, shuffle=True, random_state=0).split(X, Tb))
    kfolds = list(KFold(2, shuffle=True, random_state=0).split(X))
    lin, log = LinearRegression(), LogisticRegression()

    def linear_verbs(est, T0=0, T1=1):
        return [est.effect(X, T0=T0, T1=T1), *est.effect_interval(X, T0=T0, T1=T1)]

    def dr_verbs(est):
        return [est.effect(X), *est.effect_interval(X), est.coef_(1), *est.coef__interval(1)]

    def dml_verbs(est):
        return linear_verbs(est) + [est.coef_, *est.coef__interval()]

    yield ("LinearDRLearner", lambda m: m.LinearDRLearner(
        model_regression=lin, model_propensity=log, cv=sfolds), (Yb, Tb), dr_verbs)
    yield ("SparseLinearDRLearner", lambda m: m.SparseLinearDRLearner(
        model_regression=lin, model_propensity=log, cv=sfolds), (Yb, Tb), dr_verbs)
    yield ("DRLearner (GBR final)", lambda m: m.DRLearner(
        model_regression=lin, model_propensity=log, model_final=gbr(), cv=sfolds),
        (Yb, Tb), lambda e: [e.effect(X)])
    yield ("LinearDML (continuous T)", lambda m: m.LinearDML(
        model_y=lin, model_t=lin, cv=kfolds), (Yc, Tc), dml_verbs)
    yield ("LinearDML (binary T)", lambda m: m.LinearDML(
        model_y=lin, model_t=log, discrete_treatment=True, cv=sfolds), (Yb, Tb), dml_verbs)
    yield ("NonParamDML (GBR final)", lambda m: m.NonParamDML(
        model_y=lin, model_t=lin, model_final=gbr(), cv=kfolds), (Yc, Tc),
        lambda e: [e.effect(X)])
    yield ("TLearner (GBR)", lambda m: m.TLearner(models=gbr()), (Yb, Tb),
           lambda e: [e.effect(X)])
    yield ("SLearner (OLS)", lambda m: m.SLearner(overall_model=lin), (Yb, Tb),
           lambda e: [e.effect(X)])
    yield ("DomainAdaptationLearner (GBR)", lambda m: m.DomainAdaptationLearner(
        models=gbr(), final_models=gbr()), (Yb, Tb), lambda e: [e.effect(X)])
    yield ("XLearner (OLS)", lambda m: m.XLearner(models=lin), (Yb, Tb),
           lambda e: [e.effect(X)])
    R = np.column_stack([np.zeros(n), Yb * (2 * Tb - 1)])
    yield ("PolicyTree depth 2 (welfare)", lambda m: m.PolicyTree(max_depth=2), None,
           lambda e: [R[np.arange(n), e.predict(X)].mean()], R)
    yield ("DRPolicyTree depth 2", lambda m: m.DRPolicyTree(
        model_regression=lin, model_propensity=log, max_depth=2, cv=sfolds), (Yb, Tb),
        lambda e: [e.predict(X)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import econml.dml as ED
    import econml.dr as EDR
    import econml.metalearners as EM
    import econml.policy as EP

    from causaldist.compat import econml as C

    mods = {"LinearDRLearner": EDR, "SparseLinearDRLearner": EDR, "DRLearner": EDR,
            "LinearDML": ED, "NonParamDML": ED, "TLearner": EM, "SLearner": EM, "XLearner": EM,
            "DomainAdaptationLearner": EM, "PolicyTree": EP, "DRPolicyTree": EP}
    X, W = data(args.n)[:2]
    rows = []
    for task in tasks(args.n):
        name, make, yt, verbs = task[:4]
        econ_mod = mods[name.split(" ")[0]]
        results, times = {}, {}
        for label, mod in (("econml", econ_mod), ("causaldist", C)):
            ts = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    est = make(mod)
                    if yt is None:
                        est.fit(X, task[4])
                    elif name.startswith(("TLearner", "SLearner", "XLearner",
                                          "DomainAdaptationLearner")):
                        est.fit(*yt, X=X)
                    else:
                        est.fit(*yt, X=X, W=W)
                    out = verbs(est)
                ts.append(time.perf_counter() - t0)
            results[label], times[label] = out, float(np.median(ts))
        if name.startswith("PolicyTree") or name.startswith("DRPolicyTree"):
            if name.startswith("DRPolicyTree"):
                scores = est.native_.evaluator_.scores_
                idx = np.arange(args.n)
                diff = (f"welfare {scores[idx, results['causaldist'][0]].mean():.4f} vs "
                        f"econml {scores[idx, results['econml'][0]].mean():.4f}")
            else:
                diff = (f"welfare {results['causaldist'][0]:.4f} vs "
                        f"econml {results['econml'][0]:.4f}")
        else:
            diff = f"{max(rel(a, b) for a, b in zip(results['econml'], results['causaldist'])):.1e}"
        rows.append((name, diff, times["econml"], times["causaldist"]))
    print(f"n = {args.n}, median of {args.runs} runs, one thread\n")
    print("| task | max rel. difference | econml (s) | causaldist (s) | speed-up |")
    print("|---|---|---|---|---|")
    for name, diff, te, tc in rows:
        print(f"| {name} | {diff} | {te:.2f} | {tc:.2f} | {te / tc:.1f}x |")


if __name__ == "__main__":
    main()
