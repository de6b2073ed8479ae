"""Aggregation of cross-fitting repetitions, with the spread of the repetitions in the variance."""

import numpy as np

__all__ = []


def _aggregate(values, stderrs, how):
    """Point and standard error over cross-fitting repetitions.

    ``theta = agg_r theta_r`` and
    ``se^2 = agg_r (se_r^2 + (theta_r - theta)^2)`` with ``agg`` the mean or the
    median over the repetitions ``r`` (Chernozhukov et al. 2018, sec. 3.4; the
    median version is DoubleML's): the spread of the repetitions, due to the
    random folds, is added to each one's own sampling variance.
    """
    values = np.asarray(values)
    agg = np.mean if how == "mean" else np.median
    theta = agg(values, axis=0)
    if stderrs is None:
        return theta, None
    var = agg(np.asarray(stderrs) ** 2 + (values - theta) ** 2, axis=0)
    return theta, np.sqrt(var)
