"""CATE model selection benchmark: how often each causal score picks the oracle-best candidate.

Seed-paper style (Mahajan et al. 2024): several data-generating processes,
candidates from several learner families, each fitted on a training half and
scored on the validation half; the oracle ranks them by PEHE against the true
CATE on the validation half. Prints the share of replications in which each
score's choice is the oracle's best, with its Monte Carlo error, and the mean
regret (PEHE of the chosen candidate minus the best PEHE).

    python benchmarks/validation_selection.py [n_replications]
"""

import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer
from sklearn.tree import DecisionTreeRegressor

from causaldist.metalearners import DRLearner, SLearner, TLearner
from causaldist.validation import causal_scores

METRICS = ("dr", "r", "plugin", "if", "autoc", "qini", "policy", "family")


def _spline():
    return make_pipeline(SplineTransformer(n_knots=5), Ridge(alpha=1.0))


def candidates():
    return {
        "T-linear": TLearner(outcome_model=LinearRegression()),
        "T-spline": TLearner(outcome_model=_spline()),
        "S-linear": SLearner(outcome_model=LinearRegression()),
        "T-knn": TLearner(outcome_model=KNeighborsRegressor(30)),
        "T-tree": TLearner(outcome_model=DecisionTreeRegressor(max_depth=4, random_state=0)),
        "DR-linear": DRLearner(outcome_model=LinearRegression(),
                               final_model=LinearRegression(), cv=2),
    }


def simulate(rng, n, setting):
    X = rng.uniform(-2, 2, size=(n, 4))
    if setting == 0:  # linear effect, nonlinear baseline
        tau = 0.5 + 0.5 * X[:, 0]
        base = np.sin(2 * X[:, 1]) + X[:, 2] ** 2
    elif setting == 1:  # nonlinear effect
        tau = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2 - 0.5
        base = X[:, 2]
    else:  # weak effect: the constant is hard to beat
        tau = 0.2 + 0.1 * X[:, 0]
        base = X[:, 1] + X[:, 2] ** 2
    e = 1 / (1 + np.exp(-0.5 * X[:, 3]))
    t = (rng.random(n) < e).astype(int)
    y = base + t * tau + rng.normal(size=n)
    return X, y, t, tau


def run(reps=30, n=1000, seed=0, scorer_outcome=None):
    rng = np.random.default_rng(seed)
    hits, regrets = [], []
    for r in range(reps):
        X, y, t, tau = simulate(rng, 2 * n, r % 3)
        tr, va = slice(0, n), slice(n, 2 * n)
        fitted = {k: est.fit(X[tr], y[tr], treatment=t[tr]) for k, est in candidates().items()}
        pehe = pd.Series({k: np.mean((est.predict(X[va]) - tau[va]) ** 2)
                          for k, est in fitted.items()})
        scores = causal_scores(
            fitted, X[va], y[va], t[va], metrics=METRICS,
            outcome_model=scorer_outcome or _spline(),
            propensity_model=LogisticRegression(), cv=2, random_state=r,
        )
        chosen = scores.idxmax()
        hits.append({m: chosen[m] == pehe.idxmin() for m in METRICS})
        regrets.append({m: pehe[chosen[m]] - pehe.min() for m in METRICS})
    hits, regrets = pd.DataFrame(hits), pd.DataFrame(regrets)
    return pd.DataFrame({
        "agreement": hits.mean(), "agreement_mc": hits.std(ddof=1) / np.sqrt(reps),
        "regret": regrets.mean(), "regret_mc": regrets.std(ddof=1) / np.sqrt(reps),
    })


if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    print(run(reps).round(3).to_string())
