"""PolicyTree depth 2, K = 3, p = 10: one thread against n_jobs=2 (issue 17, item 2).

Run on a free machine: ``OMP_NUM_THREADS=1 python benchmarks/bench_policy_threads.py``.
Prints the best wall time of two runs each (interleaved), the speed-up, that the trees
have the same welfare, and the load average.
"""

import os
import time

import numpy as np

from causaldist.policy import PolicyTree


def main():
    rng = np.random.default_rng(0)
    for n in (10_000, 100_000):
        X = rng.normal(size=(n, 10))
        R = rng.normal(size=(n, 3)) + np.c_[np.zeros(n), X[:, 0], X[:, 1] * X[:, 2]]
        PolicyTree(max_depth=2).fit(X[:500], R[:500])  # numba compilation off the clock
        runs = {}
        for jobs in (1, 2, 1, 2):
            start = time.perf_counter()
            tree = PolicyTree(max_depth=2, n_jobs=jobs).fit(X, R)
            runs.setdefault(jobs, []).append((time.perf_counter() - start, tree.welfare_))
        one, two = (min(r[0] for r in runs[j]) for j in (1, 2))
        print(
            f"n={n}: 1 thread {one:.2f} s, 2 threads {two:.2f} s, speed-up {one / two:.2f}x, "
            f"same welfare {runs[1][0][1] == runs[2][0][1]}, load {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
