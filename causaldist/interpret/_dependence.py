"""Partial dependence and individual conditional expectation (ICE) of the effect."""

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, check_random_state

from . import _effects as E

__all__ = ["cate_dependence"]


def _feature_index(feature, names):
    if isinstance(feature, (Integral, np.integer)) and not isinstance(feature, bool):
        if not 0 <= feature < len(names):
            raise ValueError(f"feature index {feature} out of range for {len(names)} features.")
        return int(feature)
    if feature in names:
        return names.index(feature)
    raise ValueError(f"feature {feature!r} is not one of {names}.")


def cate_dependence(estimator, X, feature, *, kind="average", grid_resolution=20,
                    percentiles=(0.05, 0.95), subsample=None, random_state=None):
    """How the estimated effect moves with one feature, the others held at each row.

    For a grid ``v_1 < ... < v_G`` over the feature ``j``, the ICE curve of
    row ``i`` is ``v -> tau_hat(x_i with x_ij = v)`` and the partial
    dependence its mean over rows, ``PD(v) = (1/n) sum_i tau_hat(x_i; x_ij =
    v)`` (Friedman 2001; Goldstein et al. 2015, "Peeking inside the black
    box"), with ``tau_hat`` the estimator's ``predict`` (effects against
    control, one column per treated arm). Only ``predict`` is called, so a
    Pipeline ending in a causal estimator works, and the grid is in the units
    of ``X``.

    Parameters
    ----------
    estimator : fitted CATE estimator or Pipeline ending in one
        Its ``predict`` gives the effects.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Rows whose other features are held fixed.
    feature : int or str
        Column index, or name of a DataFrame's column.
    kind : {"average", "individual", "both"}, default="average"
    grid_resolution : int, default=20
        At most this many grid points: the distinct values of the feature
        when there are fewer, else equally spaced between the percentiles.
    percentiles : tuple of float, default=(0.05, 0.95)
        Range of the equally spaced grid, as quantiles of the feature.
    subsample : int, default=None
        Rows kept for the curves (a random subsample), ``None`` for all.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsample.

    Returns
    -------
    result : Bunch
        ``grid_values`` (G,), ``average`` (G, n_arms - 1) when asked,
        ``individual`` (n, G, n_arms - 1) when asked, ``feature_name`` and
        ``treatment_names``.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.interpret import cate_dependence
    >>> from causaldist.metalearners import TLearner
    >>> X, y, t, tau = make_heterogeneous(500, design="rct", random_state=0)
    >>> est = TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t)
    >>> pd = cate_dependence(est, X, 2, grid_resolution=3)
    >>> pd.grid_values.round(2), pd.average[:, 0].round(2)
    (array([-1.65, -0.04,  1.57]), array([-0.24,  0.97,  2.19]))
    """
    if kind not in ("average", "individual", "both"):
        raise ValueError(f"kind must be 'average', 'individual' or 'both'; got {kind!r}.")
    if not (isinstance(grid_resolution, Integral) and grid_resolution >= 2):
        raise ValueError(f"grid_resolution must be an integer >= 2; got {grid_resolution!r}.")
    lo_p, hi_p = percentiles
    if not 0 <= lo_p < hi_p <= 1:
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 1; got {percentiles!r}.")
    Xa = E.numeric(X)
    names = E.feature_names(X, estimator, Xa.shape[1])
    j = _feature_index(feature, names)
    n = Xa.shape[0]
    rows = np.arange(n)
    if subsample is not None and subsample < n:
        rows = np.sort(check_random_state(random_state).choice(n, subsample, replace=False))
    values = np.unique(Xa[:, j])
    if values.size <= grid_resolution:
        grid = values
    else:
        grid = np.linspace(*np.quantile(Xa[:, j], [lo_p, hi_p]), grid_resolution)
    base = E.take_rows(X, rows)
    # one predict call on all grid copies stacked
    if hasattr(base, "iloc"):
        import pandas as pd

        stacked = pd.concat([base] * grid.size, ignore_index=True)
        stacked.iloc[:, j] = np.repeat(grid, rows.size)
    else:
        stacked = np.tile(np.asarray(base, dtype=np.float64), (grid.size, 1))
        stacked[:, j] = np.repeat(grid, rows.size)
    tau = E.effects(estimator, stacked)
    ice = tau.reshape(grid.size, rows.size, -1).transpose(1, 0, 2)
    out = Bunch(grid_values=grid, feature_name=names[j],
                treatment_names=E.arm_labels(estimator, ice.shape[2])[1])
    if kind in ("average", "both"):
        out.average = ice.mean(axis=0)
    if kind in ("individual", "both"):
        out.individual = ice
    return out
