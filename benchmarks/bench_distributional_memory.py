"""Peak RSS of DistributionalDREvaluator fit + evaluate (issue 17, item 4).

Run: ``/usr/bin/time -v python benchmarks/bench_distributional_memory.py 1000000 100``
(the "Maximum resident set size" line is the peak of the whole process; y is built in
place so that data generation does not set it).
"""
import sys, time, resource
import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from causaldist.distributional import DistributionalDREvaluator
n, m = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
X = rng.normal(size=(n, 5))
t = (rng.random(n) < 0.5).astype(int)
levels = (np.arange(m) + 0.5) / m
from scipy.stats import norm
y = np.empty((n, m))
np.multiply(norm.ppf(levels)[None, :], np.exp(0.3 * X[:, 1:2]), out=y)
y += X[:, :1] + t[:, None]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.time()
ev = DistributionalDREvaluator(outcome_model=LinearRegression(), propensity_model=LogisticRegression(), cv=2).fit(X, y, treatment=t)
fit_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
r = ev.evaluate((X[:, 0] > 0).astype(int))
print(f"n={n} m={m} input {y.nbytes/2**20:.0f} MiB, base {base:.0f} MiB, after fit {fit_rss:.0f} MiB, after evaluate {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MiB, {time.time()-t0:.1f} s", r.value)
