"""Quickstart: a DR-learner tuned by GridSearchCV on data with known effects.

Simulates an observational study with a heterogeneous effect tau(x) = 1 + x2,
tunes the DR-learner's final stage with a causal scorer (the nuisances are cached
with ``memory`` and fitted once per outer split), then prints the chosen model,
the ATE with its 95% interval next to the truth, and the PEHE on fresh data, and
saves a plot of the estimated against the true CATE.

Run: ``python docs/examples/quickstart.py``
"""

import tempfile
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV

from causaldist.datasets import make_heterogeneous
from causaldist.metalearners import DRLearner
from causaldist.model_selection import DRMSEScorer

# treatment is per-sample metadata: routing forwards it to fit and to the scorer.
sklearn.set_config(enable_metadata_routing=True)

X, y, t, tau = make_heterogeneous(n_samples=4000, n_features=10, random_state=0)
X_new, _, _, tau_new = make_heterogeneous(n_samples=2000, n_features=10, random_state=1)

start = time.perf_counter()
with tempfile.TemporaryDirectory() as cache:
    search = GridSearchCV(
        DRLearner(cv=3, memory=cache, random_state=0),
        {
            "final_model__max_depth": [1, 2, 3],
            "final_model__learning_rate": [0.05, 0.1],
        },
        scoring=DRMSEScorer(cv=3, memory=cache, random_state=0),
        cv=3,
    ).fit(X, y, treatment=t)
elapsed = time.perf_counter() - start

best = search.best_estimator_
lo, hi = best.ate_interval(alpha=0.05)
pehe = np.sqrt(np.mean((best.predict(X_new) - tau_new) ** 2))
pehe_constant = np.sqrt(np.mean((tau_new - tau_new.mean()) ** 2))

print(f"GridSearchCV over {len(search.cv_results_['params'])} candidates: {elapsed:.1f} s")
print(f"chosen final model: {search.best_params_}")
print(f"ATE  {best.ate_:.3f}  95% CI [{lo:.3f}, {hi:.3f}]   true ATE {tau.mean():.3f}")
print(f"PEHE {pehe:.3f} on fresh data (a constant effect would give {pehe_constant:.3f})")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed (pip install 'causaldist[plot]'): no plot.")
else:
    out = Path(__file__).resolve().parent / "output" / "quickstart_cate.png"
    out.parent.mkdir(exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.scatter(tau_new, best.predict(X_new), s=4, alpha=0.4)
    lims = [tau_new.min(), tau_new.max()]
    ax.plot(lims, lims, color="k", lw=1, label="estimate = truth")
    ax.set_xlabel("true CATE  1 + x2")
    ax.set_ylabel("DR-learner estimate")
    ax.set_title(f"DR-learner on fresh data, PEHE {pehe:.2f}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"plot written to {out}")
