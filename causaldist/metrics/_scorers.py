"""Uplift metrics as scorers for GridSearchCV, treatment requested by routing."""

import numpy as np

from ..model_selection._scorers import _CausalScorer
from ._curves import qini_auc_score, uplift_at_k, uplift_auc_score
from ._rate import _rate_score

__all__ = ["UpliftScorer"]

_METRICS = {
    "qini_auc": qini_auc_score,
    "uplift_auc": uplift_auc_score,
    "uplift_at_k": uplift_at_k,
    "rate": _rate_score,
}


class UpliftScorer(_CausalScorer):
    """Score a fitted uplift or CATE estimator by an uplift metric; higher is better.

    Calls ``metric(y, estimator.predict(X), treatment, **kwargs)`` on the scored
    rows, with ``treatment`` routed by scikit-learn's metadata routing (enable
    it with ``sklearn.set_config(enable_metadata_routing=True)``; without it
    the scorer fails loudly instead of scoring NaN). Treatment labels are
    encoded with the estimator's own ``categories_``, so its control is the
    metric's control. It uses the estimator's public API only (``predict``,
    ``categories_``), so it scores a ``Pipeline`` ending in a causal estimator
    too. Two arms only.

    Parameters
    ----------
    metric : {"qini_auc", "uplift_auc", "uplift_at_k", "rate"}, default="qini_auc"
        :func:`qini_auc_score`, :func:`uplift_auc_score`, :func:`uplift_at_k`
        or the point estimate of :func:`rank_average_treatment_effect` on the
        randomised-trial IPW scores (a constant ranking scores 0).
    **kwargs
        Passed to the metric (e.g. ``strategy="overall", k=0.2``; for
        ``"rate"``: ``target`` and ``propensity``).

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.model_selection import GridSearchCV
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import TLearner
    >>> from causaldist.metrics import UpliftScorer
    >>> X, y, t, tau = make_heterogeneous(n_samples=400, random_state=0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     search = GridSearchCV(TLearner(), {"outcome_model__max_depth": [2, 4]},
    ...                           scoring=UpliftScorer("qini_auc"), cv=2)
    ...     _ = search.fit(X, y, treatment=t)
    >>> sorted(search.best_params_)
    ['outcome_model__max_depth']
    """

    def __init__(self, metric="qini_auc", **kwargs):
        if metric not in _METRICS:
            raise ValueError(f"metric must be one of {sorted(_METRICS)}; got {metric!r}.")
        if "control" in kwargs:
            raise ValueError(
                "UpliftScorer takes the control arm from the estimator "
                "(categories_[0]); do not pass control."
            )
        self.metric = metric
        self.kwargs = kwargs

    def _score(self, estimator, X, X_valid, y, t, sample_weight, categories):
        if len(categories) != 2:
            raise ValueError(
                f"UpliftScorer needs a binary treatment; the estimator was fitted on "
                f"{len(categories)} arms."
            )
        uplift = np.asarray(estimator.predict(X), dtype=np.float64).reshape(-1)
        kwargs = dict(self.kwargs)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return _METRICS[self.metric](y, uplift, t, **kwargs)

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"UpliftScorer({self.metric!r}{args})"
