"""
Event study with staggered adoption: castle-doctrine laws and homicides
=======================================================================

Between 2005 and 2009, 21 US states passed "castle doctrine" / "stand your ground"
laws. Cheng & Hoekstra (2013) found that they raised homicides by about 8%; the
two-way fixed-effects regression they and many others ran compares late adopters
with states already treated, which Callaway & Sant'Anna's estimator avoids. Here
:class:`~causaldist.panel.StaggeredDiD` estimates every group-time ATT on log
homicides, aggregates them into an event study with a uniform band, and compares
the overall effect with the two-way fixed-effects coefficient.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from causaldist.datasets import load_castle
from causaldist.panel import StaggeredDiD
from causaldist.plotting import EventStudyDisplay

castle = load_castle()
print(castle.frame.groupby("first_treated")["sid"].nunique())

# %%
# Not-yet-treated states are comparison units too (29 never adopt); no covariates,
# as in the Mixtape's replication. Standard errors and the band come from 999
# multiplier-bootstrap draws clustered by state.
did = StaggeredDiD(control_group="not_yet_treated", n_bootstrap=999, random_state=0)
did.fit(None, castle.target, unit=castle.unit, time=castle.time,
        first_treated=castle.first_treated)
print(did.att_gt_.round(3).head(12))

# %%
# The overall ATT: about 0.10 on log homicides, a 10% increase.
simple = did.aggregate("simple")
print(simple)

# %%
# The event study. Pre-treatment estimates (grey) are placebo tests of parallel
# trends; the caps are the 95% uniform band, which covers the whole path at once.
event = did.aggregate("event")
print(event.summary_frame().round(3))
fig, ax = plt.subplots(figsize=(7, 4))
EventStudyDisplay.from_result(event, ax=ax)
ax.set_title("castle-doctrine laws and log homicides (Callaway & Sant'Anna)")
plt.tight_layout()

# %%
# For comparison, the two-way fixed-effects coefficient of the treatment indicator:
# least squares on the two-way demeaned data (the panel is balanced).
df = castle.frame
d = ((df.first_treated > 0) & (df.year >= df.first_treated)).astype(float)


def two_way_demean(v):
    v = np.asarray(v, dtype=float)
    unit_mean = pd.Series(v).groupby(df.sid.to_numpy()).transform("mean").to_numpy()
    year_mean = pd.Series(v).groupby(df.year.to_numpy()).transform("mean").to_numpy()
    return v - unit_mean - year_mean + v.mean()


dd, yy = two_way_demean(d), two_way_demean(df.l_homicide)
twfe = dd @ yy / (dd @ dd)
print(f"two-way fixed effects: {twfe:.3f}   Callaway & Sant'Anna: {simple.value:.3f}")
