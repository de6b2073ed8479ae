"""Staggered DiD: time of StaggeredDiD against csdid, and the numbers they agree on.

For n = 10^4 and 10^5 units (6 periods, 3 cohorts, two covariates, doubly robust,
never-treated comparison units; ``causaldist.datasets.make_staggered``), each library
fits every ATT(g, t) and the four aggregations (simple, event, group, calendar):
(a) analytic standard errors (csdid ``bstrap=False``), (b) 999 multiplier-bootstrap
draws with uniform bands (csdid ``bstrap=True, cband=True``). Runs are interleaved
(causaldist, csdid, causaldist, ...) on one thread; the table gives the median time
and the largest absolute difference of ATT(g, t), their analytic s.e. and every
aggregate (estimate and s.e.); for the bootstrap, the largest relative difference of
the s.e. (same distribution, different draws).

Run: ``python benchmarks/bench_did.py [--quick]`` (writes results/did.md).
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import contextlib  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from causaldist.datasets import make_staggered  # noqa: E402
from causaldist.panel import StaggeredDiD  # noqa: E402

QUICK = "--quick" in sys.argv
OUT = Path(__file__).resolve().parent / "results"
KINDS = {"simple": "simple", "event": "dynamic", "group": "group", "calendar": "calendar"}


def run_ours(df, n_bootstrap):
    t0 = time.perf_counter()
    did = StaggeredDiD(n_bootstrap=n_bootstrap, random_state=0).fit(
        df[["x1", "x2"]], df.y, unit=df.unit, time=df.time, first_treated=df.first_treated)
    aggs = {k: did.aggregate(k) for k in KINDS}
    return time.perf_counter() - t0, did, aggs


def run_csdid(df, bootstrap):
    from csdid.att_gt import ATTgt

    t0 = time.perf_counter()
    # csdid prints a summary table for every aggregation
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        res = ATTgt(yname="y", tname="time", idname="unit", gname="first_treated", data=df,
                    xformla="y~x1+x2", cband=bootstrap, biters=999).fit(
            est_method="dr", bstrap=bootstrap)
        aggs = {}
        for k, ck in KINDS.items():
            res.aggte(typec=ck, bstrap=bootstrap, cband=bootstrap)
            aggs[k] = dict(res.atte)
    return time.perf_counter() - t0, res, aggs


def differences(did, aggs, res, caggs):
    d = [np.max(np.abs(did.att_gt_.att.to_numpy() - np.asarray(res.results["att"], float)))]
    se = np.asarray(res.results["se"], float)
    d_se = [np.nanmax(np.abs(did.att_gt_.se.to_numpy() - se))]
    for k, a in aggs.items():
        c = caggs[k]
        ov = a if k == "simple" else a.overall
        d.append(abs(ov.value - c["overall_att"]))
        d_se.append(abs(ov.stderr - c["overall_se"]))
        if k != "simple":
            d.append(np.max(np.abs(a.value - np.asarray(c["att_egt"], float))))
            d_se.append(np.max(np.abs(a.stderr - np.asarray(c["se_egt"], float).ravel())))
    rel = np.nanmax(np.abs(did.att_gt_.se.to_numpy() / se - 1))
    return max(d), max(d_se), rel


def main():
    rows = []
    sizes = [10_000] if QUICK else [10_000, 100_000]
    for n in sizes:
        df = make_staggered(n, random_state=0).frame
        for boot in (False, True):
            reps = 1 if (n >= 100_000 or QUICK) else 3
            ours_t, theirs_t = [], []
            for _ in range(reps):
                t, did, aggs = run_ours(df, 999 if boot else 0)
                ours_t.append(t)
                t, res, caggs = run_csdid(df, boot)
                theirs_t.append(t)
            d_att, d_se, rel = differences(did, aggs, res, caggs)
            row = (n, "bootstrap 999" if boot else "analytic", statistics.median(ours_t),
                   statistics.median(theirs_t), d_att, d_se, rel)
            print(row, flush=True)
            rows.append(row)
    load = os.getloadavg()[0]
    lines = ["# StaggeredDiD against csdid", "",
             f"`python benchmarks/bench_did.py`: 6 periods, 3 cohorts, 2 covariates, DR, "
             f"never-treated comparison units, ATT(g, t) + 4 aggregations; one thread, "
             f"interleaved, median of 3 runs at 10^4 (1 at 10^5); load average at the end "
             f"{load:.1f} on 2 cores.", "",
             "| units | inference | causaldist (s) | csdid (s) | ratio | max abs diff "
             "estimates | max abs diff s.e. | max rel diff s.e. (bootstrap: MC) |",
             "|---|---|---|---|---|---|---|---|"]
    for n, inf, a, b, d1, d2, r in rows:
        lines.append(f"| {n:,} | {inf} | {a:.2f} | {b:.2f} | {a / b:.2f} | {d1:.1e} | "
                     f"{d2 if inf == 'analytic' else float('nan'):.1e} | {r:.3f} |")
    OUT.mkdir(exist_ok=True)
    if not QUICK:
        (OUT / "did.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
