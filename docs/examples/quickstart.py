"""
Quickstart: a DR-learner tuned by GridSearchCV on data with known effects
=========================================================================

Simulates an observational study with a heterogeneous effect tau(x) = 1 + x2,
tunes the DR-learner's final stage with a causal scorer (the nuisances are cached
with ``memory`` and fitted once per outer split), then prints the chosen model,
the ATE with its 95% interval next to the truth, and the PEHE on fresh data; then
asks whether the estimate targets well: the RATE (AUTOC) of prioritising fresh
units by it, from doubly robust scores, and saves plots of the estimated against
the true CATE and of the TOC curve.

Run: ``python docs/examples/quickstart.py``
"""

import tempfile
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV

from causaldist.datasets import make_heterogeneous
from causaldist.evaluation import DREvaluator
from causaldist.metalearners import DRLearner
from causaldist.metrics import rank_average_treatment_effect
from causaldist.model_selection import DRMSEScorer

# treatment is per-sample metadata: routing forwards it to fit and to the scorer.
sklearn.set_config(enable_metadata_routing=True)

X, y, t, tau = make_heterogeneous(n_samples=4000, n_features=10, random_state=0)
X_new, y_new, t_new, tau_new = make_heterogeneous(n_samples=2000, n_features=10, random_state=1)

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
lo, hi = best.ate_.conf_int(alpha=0.05)
pehe = np.sqrt(np.mean((best.predict(X_new) - tau_new) ** 2))
pehe_constant = np.sqrt(np.mean((tau_new - tau_new.mean()) ** 2))

print(f"GridSearchCV over {len(search.cv_results_['params'])} candidates: {elapsed:.1f} s")
print(f"chosen final model: {search.best_params_}")
print(f"ATE  {best.ate_.value:.3f}  95% CI [{lo:.3f}, {hi:.3f}]   true ATE {tau.mean():.3f}")
print(f"PEHE {pehe:.3f} on fresh data (a constant effect would give {pehe_constant:.3f})")

# Targeting: rank fresh units by the estimated effect; their AIPW scores say how
# much more the top-ranked gain than average (RATE, Yadlowsky et al.).
scores = DREvaluator(cv=3, random_state=0).fit(X_new, y_new, treatment=t_new).scores_
rate = rank_average_treatment_effect(best.predict(X_new), scores, random_state=0)
oracle = rank_average_treatment_effect(tau_new, scores, random_state=0)
lo, hi = rate.conf_int()
print(f"RATE (AUTOC) {rate.value:.3f}  95% CI [{lo:.3f}, {hi:.3f}]   "
      f"ranking by the true CATE: {oracle.value:.3f}")

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

    from causaldist.plotting import plot_toc

    fig, ax = plt.subplots(figsize=(5, 4))
    plot_toc(rate, ax=ax)
    plot_toc(oracle, ax=ax, label=f"true CATE: AUTOC {oracle.value:.3f}", color="tab:green")
    fig.tight_layout()
    toc = out.with_name("quickstart_toc.png")
    fig.savefig(toc, dpi=120)
    print(f"plot written to {toc}")
