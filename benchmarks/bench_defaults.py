"""Cost of LinearDML's "auto" nuisance defaults against the fixed single-model default (issue 26).

Partially linear design of ``coverage_defaults.py`` (4 columns: the effect
feature and 3 controls), discrete and continuous treatment, n = 10^3 and
10^4, cv=5. ``fixed``: HistGradientBoostingRegressor outcome, standardised
logistic (discrete) or HistGradientBoostingRegressor (continuous) treatment
model, main's defaults before "auto". CPU seconds of one fit (process time,
OMP_NUM_THREADS=1, n_jobs=None): on a shared machine wall time measures the
load, CPU time the work. Best of ``--repeat`` fits.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_defaults.py --sizes 1000 10000 --repeat 3
"""

import argparse
import os
import time

import numpy as np

from causaldist._defaults import DEFAULT_MODELS
from causaldist.dml import LinearDML

assert os.environ.get("OMP_NUM_THREADS") == "1", "run with OMP_NUM_THREADS=1"


def simulate(n, seed=0):
    rng = np.random.default_rng(seed)
    XW = rng.normal(size=(n, 4))
    e = 1 / (1 + np.exp(-(0.5 * XW[:, 0] + 0.5 * XW[:, 1])))
    t = rng.binomial(1, e)
    y = (1 + 0.5 * XW[:, 0]) * t + XW[:, 0] + XW[:, 2] + 0.5 * XW[:, 3] ** 2 + rng.normal(size=n)
    return XW, y, t


def cpu_fit(est, XW, y, t, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.process_time()
        est.fit(XW, y, treatment=t)
        best = min(best, time.process_time() - start)
    return best, est


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    print("n       treatment   fixed CPU s   auto CPU s   ratio   auto's choices (outcome | treatment)")
    for n in a.sizes:
        XW, y, t = simulate(n)
        for discrete in (True, False):
            tt = t if discrete else t + 0.5 * XW[:, 1]
            fixed = dict(
                outcome_model=DEFAULT_MODELS["outcome"](0),
                treatment_model=DEFAULT_MODELS["propensity" if discrete else "treatment"](0),
            )
            common = dict(discrete_treatment=discrete, effect_features=[0], cv=5, random_state=0)
            s_fixed, _ = cpu_fit(LinearDML(**fixed, **common), XW, y, tt, a.repeat)
            s_auto, est = cpu_fit(LinearDML(**common), XW, y, tt, a.repeat)
            sel = {k: sorted(set(v)) for k, v in est.nuisance_selection_.items()}
            print(f"{n:<7d} {'discrete' if discrete else 'continuous':11s} {s_fixed:11.2f} "
                  f"{s_auto:12.2f} {s_auto / s_fixed:7.2f}   {sel['outcome_model']} | "
                  f"{sel['treatment_model']}", flush=True)


if __name__ == "__main__":
    main()
