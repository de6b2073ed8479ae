"""Regret of the reward-matrix policy learners on two known-truth simulations.

Both simulations have a *linear* oracle rule and noisy rewards
``Gamma = mu + 2 eps`` (like AIPW scores); regret is measured with the true
``mu`` on 200,000 fresh units and averaged over seeds.

- ``linear``: three actions, ``mu = (0, x0 - 0.5 x1, 0.5 + x1 - 0.5 x0)``
  (the rewards are linear too, so least squares is correctly specified);
- ``tanh``: two actions, ``mu_1 = tanh(3 (u - 0.8)) + u^3 / 10``, ``u = x0 - x1``
  (oracle "treat iff u > c" is linear, the reward is not).

Compared: LinearPolicy with its default single temperature 1.0 and annealed
to 0.1, the plug-in argmax of least squares, PolicyClassifier with
logistic regression, and a depth-2 PolicyTree. Writes
``benchmarks/results/linear_policy.md``.

Run: ``python benchmarks/bench_linear_policy.py [--quick]``
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402

from causaldist.policy import LinearPolicy, PolicyClassifier, PolicyTree  # noqa: E402


def linear(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    mu = np.column_stack([np.zeros(n), X[:, 0] - 0.5 * X[:, 1], 0.5 + X[:, 1] - 0.5 * X[:, 0]])
    return X, mu, mu + 2.0 * rng.normal(size=mu.shape)


def tanh(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    u = X[:, 0] - X[:, 1]
    mu = np.column_stack([np.zeros(n), np.tanh(3 * (u - 0.8)) + u**3 / 10])
    return X, mu, mu + 2.0 * rng.normal(size=mu.shape)


class PlugIn:
    def fit(self, X, G):
        self.model_ = LinearRegression().fit(X, G)
        return self

    def predict(self, X):
        return self.model_.predict(X).argmax(axis=1)


LEARNERS = {
    "LinearPolicy() (temperature 1.0)": LinearPolicy,
    "LinearPolicy(temperature=(1.0, 0.3, 0.1))": lambda: LinearPolicy(temperature=(1.0, 0.3, 0.1)),
    "least-squares plug-in": PlugIn,
    "PolicyClassifier()": PolicyClassifier,
    "PolicyTree(max_depth=2)": PolicyTree,
}


def main(quick=False):
    sizes, seeds = ((500, 2000), 3) if quick else ((500, 2000, 8000), 8)
    lines = [
        "# Reward-matrix policy learners: regret on known-truth simulations",
        "",
        f"Mean regret (true welfare of the oracle minus that of the learned rule) over "
        f"{seeds} seeds, noise sd 2; fit time is the mean seconds per fit on one core.",
        "Command: `taskset -c 1 python benchmarks/bench_linear_policy.py`",
        "",
        "| simulation | learner | " + " | ".join(f"n={n}" for n in sizes) + " | fit s (largest n) |",
        "|---|---|" + "---|" * len(sizes) + "---|",
    ]
    for name, sim in (("linear", linear), ("tanh", tanh)):
        Xp, mup, _ = sim(200_000, 10**6)
        oracle = mup.max(axis=1).mean()
        for label, make in LEARNERS.items():
            row, secs = [], 0.0
            for n in sizes:
                regrets = []
                for seed in range(seeds):
                    X, _, G = sim(n, seed)
                    start = time.perf_counter()
                    policy = make().fit(X, G)
                    secs = time.perf_counter() - start if n == sizes[-1] else secs
                    chosen = np.asarray(policy.predict(Xp), dtype=np.intp)
                    regrets.append(oracle - mup[np.arange(len(Xp)), chosen].mean())
                row.append(f"{np.mean(regrets):.4f}")
            lines.append(f"| {name} | {label} | " + " | ".join(row) + f" | {secs:.2f} |")
            print(lines[-1], flush=True)
    out = Path(__file__).parent / "results" / "linear_policy.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
