"""
Plots a reader can trust: Qini curves, a policy tree and barycenters
====================================================================

Three diagnostics drawn by :mod:`causaldist.plotting`, on simulated data:

1. the Qini curves of two CATE models on held-out customers, sharing one axes,
   with a continuous outcome (revenue), so the y axis says "incremental revenue";
2. a depth-2 policy tree learned behind a ``ColumnTransformer`` in a causal
   :class:`~causaldist.pipeline.Pipeline`: the rules read in the original column
   names, the leaves name the arms, the branches say True and False;
3. the barycenter quantile functions of two policies for distribution-valued
   outcomes, with uniform 95% bands
   (:class:`~causaldist.plotting.BarycenterDisplay`).
"""

# %%
# Qini curves of two models, on one axes
# --------------------------------------
# The perfect ranking is grey and dotted, the random one black and dashed, each
# drawn once; each model takes its own colour. The legend sits in a band above
# the curves.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from causaldist.datasets import make_distributional, make_heterogeneous
from causaldist.distributional import CVaR, DistributionalDREvaluator
from causaldist.metalearners import DRLearner, TLearner
from causaldist.pipeline import make_pipeline
from causaldist.plotting import BarycenterDisplay, UpliftCurveDisplay, plot_policy_tree
from causaldist.policy import DRPolicyTree

X, y, t, tau = make_heterogeneous(n_samples=4000, design="rct", random_state=0)
revenue = 20 + 5 * y                                   # dollars per customer
train, test = slice(0, 2000), slice(2000, None)
models = {  # the trial's known propensity, 0.5, replaces the DR-learner's model
    "T-learner (linear)": (TLearner(outcome_model=LinearRegression()), {}),
    "DR-learner (boosted)": (DRLearner(cv=3, random_state=0), {"propensity": 0.5}),
}
fig, ax = plt.subplots(figsize=(6.5, 4.5))
for name, (model, known) in models.items():
    model.fit(X[train], revenue[train], treatment=t[train], **known)
    UpliftCurveDisplay.from_estimator(model, X[test], revenue[test], t[test], name=name,
                                      outcome_name="revenue ($)", ax=ax)
fig.tight_layout()

# %%
# A policy tree behind a ColumnTransformer
# ----------------------------------------
# The causal pipeline passes pandas between its steps, so the tree sees the
# transformer's column names; the plot writes the scaled ones back in the input
# units (``age <= 39.5``, not ``standardscaler__age <= -0.43``), and its leaves are the
# treatment labels.
sklearn.set_config(enable_metadata_routing=True)
rng = np.random.default_rng(0)
n = 3000
customers = pd.DataFrame({
    "age": rng.normal(45, 12, n).round(),
    "spend_last_year": rng.gamma(2.0, 150.0, n).round(2),
    "region": rng.choice(["north", "south", "west"], n),
})
offer = rng.choice(["no offer", "discount", "free shipping"], n)
gain = np.select(
    [offer == "discount", offer == "free shipping"],
    [10.0 * (customers["age"] < 40), 8.0 * (customers["region"] == "west")], 0.0)
spend = 0.05 * customers["spend_last_year"] + gain + rng.normal(0, 5, n)
features = make_column_transformer(
    (StandardScaler(), ["age", "spend_last_year"]),
    (OneHotEncoder(sparse_output=False), ["region"]),
)
pipe = make_pipeline(features, DRPolicyTree(
    outcome_model=LinearRegression(), max_depth=2, cv=3, control="no offer",
    random_state=0))
pipe.fit(customers, spend, treatment=offer)
sklearn.set_config(enable_metadata_routing=False)

fig, ax = plt.subplots(figsize=(9, 4))
plot_policy_tree(pipe, ax=ax)
ax.set_title("Which offer for whom (depth-2 DR policy tree)")
fig.tight_layout()

# %%
# Barycenters of two policies, with uniform bands
# -----------------------------------------------
# Each unit's outcome is a distribution (a quantile function on 30 levels); the barycenter is the
# population's typical distribution under a policy. The legend gives each
# policy's CVaR at 10% with its 95% interval.
b = make_distributional(3000, n_levels=30, return_truth=True, random_state=0)
evaluator = DistributionalDREvaluator(cv=3, random_state=0)
evaluator.fit(b.X, b.y, treatment=b.treatment)
display = BarycenterDisplay.from_estimator(
    evaluator, {"treat everyone": 1, "treat no one": 0}, utility=CVaR(0.1),
    random_state=0, y_label="outcome quantile")
display.figure_.set_size_inches(6.5, 4.5)
display.figure_.tight_layout()
plt.show()
