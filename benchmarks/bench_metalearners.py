"""Time causaldist's meta-learners against their nuisance floors and econml.

Every task runs in a fresh subprocess with one BLAS/OpenMP thread, its libraries
imported before the clock starts; the table reports the median wall time of
fit + predict over ``--runs`` runs. Data, nuisance
models and cross-fitting folds are identical across libraries (the design of
``/work/shared/anchors/peer-benchmarks.md``):

    X ~ N(0, I_20), e(x) = sigmoid(0.5 x0 - 0.25 x1),
    y = x0 + 0.5 x1^2 + (1 + x2) T + N(0, 1)      (make_heterogeneous(n, 20))

Nuisances: LogisticRegression(max_iter=1000) for e, and
HistGradientBoostingRegressor(early_stopping=False, random_state=0) for every
outcome and final model (early stopping would switch on above 10^4 rows and
make the libraries fit different numbers of trees). Folds: 5 stratified folds
from ``make_folds(5, t, random_state=0)``, passed to econml as ``cv=``.

A learner's *floor* is the bare scikit-learn calls its algorithm cannot avoid,
on the same folds: the nuisance fits, their out-of-fold predictions, the final
fit and the CATE predictions on X (an S-learner's floor, for instance, is one
fit on [X, T] and two predictions on n rows). The search task is a
10-candidate (final_model__max_depth), 5-fold GridSearchCV scored with
DRMSEScorer, with and without ``memory`` (a fresh cache directory per run).

causalml's S/T/X/R/DR regressors are timed when causalml imports (it pulls
xgboost and a 351 MB nccl wheel, so it is not a test dependency: run this script
from an environment that has it). causalml cannot take folds: its X/R/DR learners
get the propensity from the same 5-fold cross-fitted logistic regression
(inside the timing) and cross-fit their outcome models by their own splits.

Usage::

    python benchmarks/bench_metalearners.py --quick            # smoke run
    flock /tmp/bench.lock python benchmarks/bench_metalearners.py
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

P = 20
SEED = 0
CV = 5

CAUSALML = ["causalml_S", "causalml_T", "causalml_X", "causalml_R", "causalml_DR"]
LEARNERS = ["S", "T", "X", "R", "DR", "DR_pooled", "econml_DR", *CAUSALML]
FLOOR_OF = {
    "S": "floor_S",
    "T": "floor_T",
    "X": "floor_X",
    "R": "floor_R",
    "DR": "floor_DR",
    "DR_pooled": "floor_DR_pooled",
    "econml_DR": "floor_DR_pooled",
    "causalml_S": "floor_S",
    "causalml_T": "floor_T",
    "causalml_X": "floor_X",
    "causalml_R": "floor_R",
    "causalml_DR": "floor_DR",
}
LABELS = {
    "S": "causaldist SLearner",
    "T": "causaldist TLearner",
    "X": "causaldist XLearner",
    "R": "causaldist RLearner",
    "DR": "causaldist DRLearner",
    "DR_pooled": "causaldist DRLearner(pooled_outcome=True)",
    "econml_DR": "econml DRLearner",
    "causalml_S": "causalml BaseSRegressor",
    "causalml_T": "causalml BaseTRegressor",
    "causalml_X": "causalml BaseXRegressor",
    "causalml_R": "causalml BaseRRegressor",
    "causalml_DR": "causalml BaseDRRegressor",
    "floor_S": "floor S: 1 HGB on [X, T]",
    "floor_T": "floor T: 1 HGB per arm",
    "floor_X": "floor X: 2 HGB/fold + LR + 2 HGB effects",
    "floor_R": "floor R: LR + HGB m/fold + weighted final",
    "floor_DR": "floor DR: LR + 2 HGB/fold + final",
    "floor_DR_pooled": "floor DR pooled: LR + 1 HGB[X,T]/fold + final",
    "search_nomemory": "GridSearchCV 10 cand. x 5 folds, no memory",
    "search_memory": "GridSearchCV 10 cand. x 5 folds, memory",
}


# -- models and data (identical for every library) ---------------------------------
def _lr():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


def _hgb(**kw):
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(early_stopping=False, random_state=SEED, **kw)


def _data(n):
    from causaldist.datasets import make_heterogeneous
    from causaldist.model_selection import make_folds

    b = make_heterogeneous(n, P, return_truth=True, random_state=SEED)
    t = np.asarray(b.treatment)
    return b.X, b.y, t, b.tau, make_folds(CV, t, random_state=SEED)


# -- tasks: each returns the CATE predictions on X (None for floors) ---------------
def _ours(name, X, y, t, folds):
    from causaldist.metalearners import DRLearner, RLearner, SLearner, TLearner, XLearner

    common = dict(cv=folds)
    est = {
        "S": lambda: SLearner(outcome_model=_hgb()),
        "T": lambda: TLearner(outcome_model=_hgb()),
        "X": lambda: XLearner(outcome_model=_hgb(), final_model=_hgb(), propensity_model=_lr(), **common),
        "R": lambda: RLearner(outcome_model=_hgb(), propensity_model=_lr(), final_model=_hgb(), **common),
        "DR": lambda: DRLearner(outcome_model=_hgb(), propensity_model=_lr(), final_model=_hgb(), **common),
        "DR_pooled": lambda: DRLearner(
            outcome_model=_hgb(), propensity_model=_lr(), final_model=_hgb(),
            pooled_outcome=True, **common,
        ),
    }[name]()
    return est.fit(X, y, treatment=t).predict(X)


def _econml_dr(X, y, t, folds):
    from econml.dr import DRLearner

    est = DRLearner(
        model_propensity=_lr(), model_regression=_hgb(), model_final=_hgb(),
        cv=folds, min_propensity=1e-3, random_state=SEED,
    )
    est.fit(y, t, X=X)
    return est.effect(X)


def _causalml(name, X, y, t, folds):
    from causalml.inference import meta

    from causaldist.model_selection import cross_fit

    kind = name.split("_", 1)[1]
    if kind in ("S", "T"):
        est = {"S": meta.BaseSRegressor, "T": meta.BaseTRegressor}[kind](
            learner=_hgb(), control_name=0
        )
        est.fit(X, t, y)
        return est.predict(X, verbose=False).ravel()
    p = cross_fit(X, y, t, n_arms=2, folds=folds, propensity_model=_lr()).propensity[:, 1]
    if kind == "X":
        est = meta.BaseXRegressor(learner=_hgb(), control_name=0)
        est.fit(X, t, y, p=p)
        return est.predict(X, p=p, verbose=False).ravel()
    if kind == "R":
        est = meta.BaseRRegressor(learner=_hgb(), control_name=0, n_fold=5, random_state=SEED)
        est.fit(X, t, y, p=p, verbose=False)
        return est.predict(X, p=p).ravel()
    est = meta.BaseDRRegressor(learner=_hgb(), control_name=0)
    est.fit(X, t, y, p=p, seed=SEED)
    return est.predict(X, p=p, verbose=False).ravel()


def _floor(name, X, y, t, folds):
    """The bare sklearn fit and predict calls a learner cannot avoid, on the same folds.

    Fits, the out-of-fold nuisance predictions and the final CATE predictions on
    X: everything else a learner spends is its own overhead.
    """
    col = np.full((len(y), 1), 0.0)
    if name == "floor_S":
        m = _hgb().fit(np.column_stack([X, t]), y)
        m.predict(np.hstack([X, col])), m.predict(np.hstack([X, col + 1]))
        return None
    if name == "floor_T":
        for a in (0, 1):
            _hgb().fit(X[t == a], y[t == a]).predict(X)
        return None
    if name == "floor_X":
        for train, test in folds:
            for a in (0, 1):
                idx = train[t[train] == a]
                _hgb().fit(X[idx], y[idx]).predict(X[test])
        _lr().fit(X, t).predict_proba(X)
        for a in (0, 1):
            _hgb().fit(X[t == a], y[t == a]).predict(X)  # the two effect regressions
        return None
    e = np.empty(len(y))
    for train, test in folds:
        e[test] = _lr().fit(X[train], t[train]).predict_proba(X[test])[:, 1]
        if name == "floor_R":
            _hgb().fit(X[train], y[train]).predict(X[test])
        elif name == "floor_DR":
            for a in (0, 1):
                idx = train[t[train] == a]
                _hgb().fit(X[idx], y[idx]).predict(X[test])
        else:  # floor_DR_pooled
            m = _hgb().fit(np.column_stack([X[train], t[train]]), y[train])
            c = col[: len(test)]
            m.predict(np.hstack([X[test], c])), m.predict(np.hstack([X[test], c + 1]))
    if name == "floor_R":
        _hgb().fit(X, y, sample_weight=(t - e) ** 2).predict(X)
    else:
        _hgb().fit(X, y).predict(X)
    return None


def _search(X, y, t, folds, memory):
    import sklearn
    from sklearn.model_selection import GridSearchCV

    from causaldist.metalearners import DRLearner
    from causaldist.model_selection import DRMSEScorer

    with tempfile.TemporaryDirectory() as tmp:
        location = tmp if memory else None
        # Inner folds are the learner's int cv (built on each outer training
        # part); the scorer's nuisances are cross-fitted on each validation part.
        est = DRLearner(
            outcome_model=_hgb(), propensity_model=_lr(), final_model=_hgb(), cv=CV,
            random_state=SEED, memory=location,
        )
        scorer = DRMSEScorer(
            propensity_model=_lr(), outcome_model=_hgb(), cv=CV, random_state=SEED,
            memory=location,
        )
        grid = {"final_model__max_depth": list(range(1, 11))}
        with sklearn.config_context(enable_metadata_routing=True):
            search = GridSearchCV(est, grid, cv=CV, scoring=scorer, n_jobs=1)
            search.fit(X, y, treatment=t)
        return search.predict(X)


_IMPORTS = {  # imported before the clock starts: a library's import time is not its fit
    "econml_": ("econml.dr",),
    "causalml_": ("causalml.inference.meta",),
    "search_": ("causaldist.metalearners", "sklearn.model_selection"),
}


def run_task(task, n):
    import importlib

    X, y, t, tau, folds = _data(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        modules = ["causaldist.metalearners", "causaldist.model_selection"]
        modules += [m for prefix, ms in _IMPORTS.items() if task.startswith(prefix) for m in ms]
        for module in modules:
            importlib.import_module(module)
        start = time.perf_counter()
        if task.startswith("floor_"):
            pred = _floor(task, X, y, t, folds)
        elif task == "econml_DR":
            pred = _econml_dr(X, y, t, folds)
        elif task.startswith("causalml_"):
            pred = _causalml(task, X, y, t, folds)
        elif task.startswith("search_"):
            pred = _search(X, y, t, folds, memory=task == "search_memory")
        else:
            pred = _ours(task, X, y, t, folds)
        seconds = time.perf_counter() - start
    pehe = None if pred is None else float(np.sqrt(np.mean((np.ravel(pred) - tau) ** 2)))
    return {"seconds": seconds, "pehe": pehe}


# -- driver ------------------------------------------------------------------------
def _subprocess(task, n):
    out = subprocess.run(
        [sys.executable, __file__, "--task", task, "--n", str(n)],
        capture_output=True, text=True, env=os.environ.copy(), cwd=ROOT,
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(results):
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return {"error": errors[0]}
    secs = [r["seconds"] for r in results]
    return {
        "median": statistics.median(secs), "min": min(secs), "max": max(secs),
        "runs": len(secs), "pehe": results[0]["pehe"],
    }


def _measure(task, n, runs):
    return _summary([_subprocess(task, n) for _ in range(runs)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small n, one run, no file")
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--search-n", type=int, default=10_000)
    parser.add_argument("--search-runs", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "benchmarks/results/metalearners.md"))
    args = parser.parse_args()
    if args.task:
        print(json.dumps(run_task(args.task, args.n)))
        return

    sizes = [1_000] if args.quick else [10_000, 100_000]
    runs = 1 if args.quick else args.runs
    search_runs = 1 if args.quick else args.search_runs
    search_n = 500 if args.quick else args.search_n
    try:
        import causalml  # noqa: F401
    except ImportError:
        for task in CAUSALML:
            LEARNERS.remove(task)
    floors = sorted(set(FLOOR_OF[k] for k in LEARNERS))
    rows, started = [], time.time()
    for n in sizes:
        # Round robin: run r of every task before run r + 1 of any, so that a slow
        # spell of the machine spreads over tasks instead of landing on one.
        raw = {task: [] for task in floors + LEARNERS}
        for _ in range(runs):
            for task in floors + LEARNERS:
                raw[task].append(_subprocess(task, n))
        res = {task: _summary(results) for task, results in raw.items()}
        for task in floors + LEARNERS:
            print(n, task, res[task], flush=True)
        for task in floors + LEARNERS:
            floor = res.get(FLOOR_OF.get(task, task), {}).get("median")
            rows.append((task, n, res[task], floor))
    search = {}
    for task in ("search_nomemory", "search_memory"):
        search[task] = _measure(task, search_n, search_runs)
        print(search_n, task, search[task], flush=True)
    if args.quick:
        return
    _write(args.output, rows, search, search_n, runs, time.time() - started)


def _fmt(x, spec):
    return "–" if x is None else format(x, spec)


def _write(path, rows, search, search_n, runs, wall):
    import sklearn

    lines = [
        "# causaldist meta-learners: time against nuisance floors and econml",
        "",
        "Generated by `flock /tmp/bench.lock python benchmarks/bench_metalearners.py"
        f"{''.join(' ' + a for a in sys.argv[1:])}` "
        f"(total {wall / 60:.1f} min). One thread (OMP/OPENBLAS/MKL=1), each run a fresh "
        f"subprocess, median of {runs} runs of fit + predict, the runs of all tasks interleaved. Data: make_heterogeneous(n, 20) "
        "(X ~ N(0, I_20), e(x) = sigmoid(0.5 x0 - 0.25 x1), y = x0 + 0.5 x1^2 + (1 + x2) T + "
        "N(0,1), seed 0). Models: LogisticRegression(max_iter=1000) propensity, "
        "HistGradientBoostingRegressor(early_stopping=False, random_state=0) outcome and final "
        "models, in every library; the same 5 stratified folds (econml gets them as `cv=`). "
        f"nproc={os.cpu_count()}, scikit-learn {sklearn.__version__}, numpy {np.__version__}.",
        "",
        "A floor is the bare sklearn calls the learner's algorithm cannot avoid on the same folds: "
        "nuisance fits, their out-of-fold predictions, the final fit and the CATE predictions "
        "on X; everything else is the learner's own overhead. econml's DRLearner fits one "
        "pooled outcome model per fold, so its floor is the pooled DR floor. " + (
            "causalml's learners cannot take folds: X/R/DR get the propensity from the same "
            "cross-fitted logistic regression (timed) and cross-fit outcomes by their own "
            "splits; they are set against our learners' floors."
            if any(t.startswith("causalml_") for t, *_ in rows)
            else "causalml is not importable in this environment; its rows are omitted."
        ),
        "",
        "| task | n | runs | median s | min–max s | x floor | PEHE |",
        "|---|---|---|---|---|---|---|",
    ]
    for task, n, r, floor in rows:
        if "error" in r:
            lines.append(f"| {LABELS[task]} | {n:,} | – | error: {r['error']} | | | |")
            continue
        ratio = None if floor is None else r["median"] / floor
        lines.append(
            f"| {LABELS[task]} | {n:,} | {r['runs']} | {r['median']:.2f} | "
            f"{r['min']:.2f}–{r['max']:.2f} | {_fmt(ratio, '.2f')} | {_fmt(r['pehe'], '.3f')} |"
        )
    lines += [
        "",
        f"## Tuning the final stage (n = {search_n:,})",
        "",
        "DRLearner(cv=5) in GridSearchCV over final_model__max_depth in 1..10 (10 candidates), "
        "5 outer folds, scoring=DRMSEScorer(cv=5); with `memory` both the learner's and the "
        "scorer's nuisances are cached (fresh cache directory per run).",
        "",
        "| task | n | runs | median s | min–max s | x no-memory | PEHE of refit |",
        "|---|---|---|---|---|---|---|",
    ]
    base = search["search_nomemory"].get("median")
    for task, r in search.items():
        if "error" in r:
            lines.append(f"| {LABELS[task]} | {search_n:,} | – | error: {r['error']} | | | |")
            continue
        lines.append(
            f"| {LABELS[task]} | {search_n:,} | {r['runs']} | {r['median']:.2f} | "
            f"{r['min']:.2f}–{r['max']:.2f} | {_fmt(r['median'] / base if base else None, '.2f')} "
            f"| {_fmt(r['pehe'], '.3f')} |"
        )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
