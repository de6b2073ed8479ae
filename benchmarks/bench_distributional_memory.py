"""Peak RSS of DistributionalDREvaluator fit + evaluate (issue 17, item 4).

Run: ``OMP_NUM_THREADS=1 /usr/bin/time -v python benchmarks/bench_distributional_memory.py
1000000 100`` (the "Maximum resident set size" line is the peak of the whole process;
y is built in place so that data generation does not set it).

``python benchmarks/bench_distributional_memory.py 1000000 100 phases`` reports the peak
of fit and of evaluate separately: the kernel's high-water mark (VmHWM) is reset between
them (``/proc/self/clear_refs``, Linux), which also resets what ``/usr/bin/time``
reports, so the whole-process peak comes from a run without ``phases``. Bytes per unit
are over the resident size once X and y exist (imports, X and y: "base").

A fourth argument ``default`` fits causaldist's default nuisances (splines + Ridge,
scaled logistic) instead of LinearRegression / LogisticRegression. LinearRegression
keeps, in each fitted model, the n_train x m buffer scipy's ``lstsq`` solved in
(``coef_`` is a view of it): with cv = 2 and two arms, one more copy of y in total.
"""
import sys, time, resource
import numpy as np
from scipy.stats import norm
from sklearn.linear_model import LinearRegression, LogisticRegression
from causaldist.distributional import DistributionalDREvaluator


def status(field):
    """``VmRSS`` / ``VmHWM`` of this process in MiB."""
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


n, m = int(sys.argv[1]), int(sys.argv[2])
phases = "phases" in sys.argv[3:]
default = "default" in sys.argv[3:]
rng = np.random.default_rng(0)
X = rng.normal(size=(n, 5))
t = (rng.random(n) < 0.5).astype(int)
levels = (np.arange(m) + 0.5) / m
y = np.empty((n, m))
np.multiply(norm.ppf(levels)[None, :], np.exp(0.3 * X[:, 1:2]), out=y)
y += X[:, :1] + t[:, None]
base = status("VmRSS")
models = {} if default else dict(
    outcome_model=LinearRegression(), propensity_model=LogisticRegression())
t0 = time.time()
ev = DistributionalDREvaluator(cv=2, **models).fit(X, y, treatment=t)
t_fit = time.time() - t0
fit_peak = status("VmHWM")
if phases:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
t0 = time.time()
r = ev.evaluate((X[:, 0] > 0).astype(int))
t_eval = time.time() - t0
eval_peak = status("VmHWM")
per_unit = lambda mib: (mib - base) * 2**20 / n  # noqa: E731
line = (
    f"n={n} m={m} models={'default' if default else 'linear'} input y {y.nbytes / 2**20:.0f} MiB, "
    f"base {base:.0f} MiB; fit {t_fit:.1f} s, peak {fit_peak:.0f} MiB "
    f"({per_unit(fit_peak):.0f} B/unit over base)"
)
if phases:
    line += (f"; evaluate {t_eval:.1f} s, peak {eval_peak:.0f} MiB "
             f"({per_unit(eval_peak):.0f} B/unit over base)")
else:
    line += f"; evaluate {t_eval:.1f} s, whole-process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
print(line, f"value {r.value:.6f}")
