"""Quantile-function representation of distribution-valued outcomes."""

import numpy as np
import pandas as pd

from ..base import _warn
from ..model_selection._crossfit import _row_blocks

__all__ = ["QuantileGrid"]


def _sample_quantiles(values, starts, counts, levels):
    """Type-7 (linear) sample quantiles of many sorted samples at once.

    ``values`` holds every unit's sample, sorted within units, unit ``u``
    occupying ``values[starts[u] : starts[u] + counts[u]]``. With ``h = (k - 1) p``
    the quantile is ``x_(floor h) + (h - floor h)(x_(floor h + 1) - x_(floor h))``
    (Hyndman & Fan 1996, definition 7; numpy's default), computed for all units
    and levels by index arithmetic, without a loop over units.
    """
    h = (counts[:, None] - 1) * levels[None, :]
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, counts[:, None] - 1)
    frac = h - lo
    base = starts[:, None]
    x_lo = values[base + lo]
    return x_lo + frac * (values[base + hi] - x_lo)


class QuantileGrid:
    """A fixed grid of probability levels on which outcomes are quantile functions.

    Every unit's outcome distribution is represented by its quantile function
    ``Q_i`` evaluated at ``p_1 < ... < p_m`` in (0, 1). Integrals over ``p``
    (the Wasserstein-2 distance, means, distortion utilities) use the cell
    weights ``w_j``: the length of the cell of ``p_j`` when (0, 1) is cut at
    the midpoints between consecutive levels, so the default midpoint grid
    ``p_j = (j - 0.5) / m`` has ``w_j = 1 / m`` (the midpoint rule).

    Parameters
    ----------
    n_levels : int, default=100
        Number of levels ``m`` of the midpoint grid; ignored if ``levels`` is
        given.
    levels : array-like of shape (m,), default=None
        Increasing levels in (0, 1).
    correction : {"auto", "location-scale", None}, default="auto"
        How an estimator that is given raw draws per unit (``y`` a ragged
        list, a long table or :class:`Draws`) corrects the bias of empirical
        quantiles from few draws (:func:`few_draw_correction`): ``"auto"``
        and ``"location-scale"`` correct, ``None`` uses the empirical
        quantiles as they are. A matrix of quantile functions is never
        corrected.
    long : tuple of (str, str), default=None
        ``(unit, value)``: the columns of a long table given as ``y`` (one
        row per draw), whose units are matched to the rows of ``X`` by
        ``X.index`` when ``X`` is a DataFrame (else by first appearance).

    Attributes
    ----------
    levels : ndarray of shape (m,)
    weights : ndarray of shape (m,)
        Quadrature weights, summing to one.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import QuantileGrid
    >>> grid = QuantileGrid(4)
    >>> grid.levels
    array([0.125, 0.375, 0.625, 0.875])
    >>> grid.from_samples([np.array([1.0, 2.0, 3.0]), np.array([5.0])])
    array([[1.25, 1.75, 2.25, 2.75],
           [5.  , 5.  , 5.  , 5.  ]])
    """

    def __init__(self, n_levels=100, levels=None, *, correction="auto", long=None):
        if correction not in ("auto", "location-scale", None):
            raise ValueError(
                "correction must be 'auto', 'location-scale' or None; got "
                f"{correction!r}."
            )
        if long is not None and (len(long) != 2 or not all(isinstance(c, str) for c in long)):
            raise ValueError(f"long must be a pair of column names (unit, value); got {long!r}.")
        self.correction = correction
        self.long = None if long is None else tuple(long)
        if levels is None:
            if not isinstance(n_levels, (int, np.integer)) or n_levels < 1:
                raise ValueError(f"n_levels must be a positive integer; got {n_levels!r}.")
            levels = (np.arange(1, n_levels + 1) - 0.5) / n_levels
        levels = np.asarray(levels, dtype=np.float64)
        if levels.ndim != 1 or levels.size == 0:
            raise ValueError("levels must be a non-empty 1-D array.")
        if not (np.all(levels > 0) and np.all(levels < 1) and np.all(np.diff(levels) > 0)):
            raise ValueError("levels must be strictly increasing and inside (0, 1).")
        self.levels = levels
        cuts = np.concatenate([[0.0], (levels[1:] + levels[:-1]) / 2, [1.0]])
        self.weights = np.diff(cuts)

    @property
    def n_levels(self):
        return self.levels.size

    def __repr__(self):
        extra = "" if self.correction == "auto" else f", correction={self.correction!r}"
        extra += "" if self.long is None else f", long={self.long!r}"
        return f"QuantileGrid(n_levels={self.n_levels}{extra})"

    def __eq__(self, other):
        return isinstance(other, QuantileGrid) and np.array_equal(self.levels, other.levels)

    __hash__ = None

    def from_samples(self, samples):
        """Quantile functions of a ragged list of samples, one per unit.

        Parameters
        ----------
        samples : sequence of 1-D array-like
            The draws of each unit; lengths may differ.

        Returns
        -------
        Q : ndarray of shape (n_units, m)
            Type-7 sample quantiles (numpy's default ``method="linear"``).
        """
        arrays = [np.asarray(s, dtype=np.float64).ravel() for s in samples]
        if not arrays:
            raise ValueError("samples is empty: give one 1-D sample per unit.")
        counts = np.fromiter((a.size for a in arrays), dtype=np.intp, count=len(arrays))
        values = np.concatenate(arrays)
        unit = np.repeat(np.arange(counts.size), counts)
        return self._from_flat(values, unit, counts, np.arange(counts.size))

    def from_long(self, data, unit, value):
        """Quantile functions from a long table with one row per draw.

        Parameters
        ----------
        data : DataFrame
        unit : str
            Column holding the unit id.
        value : str
            Column holding the draw.

        Returns
        -------
        Q : ndarray of shape (n_units, m)
            Rows in the order of first appearance of each unit id.
        units : ndarray of shape (n_units,)
            The unit ids, in the order of the rows of ``Q``.
        """
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
        for name, col in (("unit", unit), ("value", value)):
            if col not in data.columns:
                raise ValueError(f"{name}={col!r} is not a column of data.")
        codes, uniques = pd.factorize(data[unit], sort=False)
        if np.any(codes < 0):
            raise ValueError(f"the unit column {unit!r} has missing ids.")
        values = pd.to_numeric(data[value], errors="raise").to_numpy(dtype=np.float64)
        counts = np.bincount(codes, minlength=len(uniques))
        Q = self._from_flat(values, codes, counts, np.asarray(uniques))
        return Q, np.asarray(uniques)

    def _from_flat(self, values, unit, counts, ids):
        ids = np.asarray(ids, dtype=object)  # plain ids in messages, not np.int64(1)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            raise ValueError(f"unit {_plain(ids[empty[0]])!r} has an empty sample ({empty.size} units do).")
        bad = ~np.isfinite(values)
        if np.any(bad):
            raise ValueError(
                f"unit {_plain(ids[unit[np.argmax(bad)]])!r} has a NaN or infinite value in its "
                f"sample ({np.unique(unit[bad]).size} units do)."
            )
        order = np.lexsort((values, unit))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return _sample_quantiles(values[order], starts, counts, self.levels)

    def from_quantiles(self, quantiles, levels=None, *, repair=True):
        """Quantile functions given as quantiles, moved onto this grid.

        Parameters
        ----------
        quantiles : array-like of shape (n_units, k)
        levels : array-like of shape (k,), default=None
            The levels of the columns; ``None`` means this grid's levels.
            Other levels are interpolated linearly (flat beyond their range).
        repair : bool, default=True
            Rows that decrease are sorted (the monotone rearrangement of
            Chernozhukov, Fernandez-Val & Galichon 2010) with a ``UserWarning``
            counting them; ``False`` raises instead.

        Returns
        -------
        Q : ndarray of shape (n_units, m)
        """
        Q = np.asarray(quantiles, dtype=np.float64)
        if Q.ndim != 2:
            raise ValueError(f"quantiles must be 2-D (units x levels); got shape {Q.shape}.")
        if not np.all(np.isfinite(Q)):
            raise ValueError("quantiles contains NaN or infinite values.")
        if levels is None:
            if Q.shape[1] != self.n_levels:
                raise ValueError(
                    f"quantiles has {Q.shape[1]} columns but the grid has "
                    f"{self.n_levels} levels; pass their levels= to interpolate."
                )
        else:
            src = np.asarray(levels, dtype=np.float64)
            if not np.all((src >= 0) & (src <= 1)):
                raise ValueError(f"levels must be probabilities in [0, 1]; got {src!r}.")
            if src.shape != (Q.shape[1],) or np.any(np.diff(src) <= 0):
                raise ValueError(
                    "levels must be strictly increasing with one level per column "
                    "of quantiles."
                )
            Q = _check_monotone(Q, repair)
            pos = np.clip(np.searchsorted(src, self.levels) - 1, 0, max(src.size - 2, 0))
            if src.size == 1:
                return np.repeat(Q, self.n_levels, axis=1)
            frac = np.clip((self.levels - src[pos]) / (src[pos + 1] - src[pos]), 0.0, 1.0)
            return Q[:, pos] + frac * (Q[:, pos + 1] - Q[:, pos])
        return _check_monotone(Q, repair)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _check_monotone(Q, repair):
    bad = np.any(np.diff(Q, axis=1) < 0, axis=1)
    n_bad = int(bad.sum())
    if n_bad:
        if not repair:
            raise ValueError(
                f"quantiles decrease along the levels for {n_bad} units (first: row "
                f"{np.argmax(bad)}); pass repair=True to rearrange them."
            )
        _warn(
            f"quantiles decrease along the levels for {n_bad} units; they were "
            "rearranged (sorted) into non-decreasing quantile functions."
        )
        Q = np.sort(Q, axis=1)
    return Q


def _as_grid(grid, m=None, name="q"):
    """``grid`` (a QuantileGrid, its levels or None) as a QuantileGrid of ``m`` levels.

    ``None`` means the midpoint grid of ``m`` levels; with ``m=None`` any
    number of levels is accepted and ``grid`` is required.
    """
    if grid is None:
        if m is None:
            raise ValueError("grid is required: pass a QuantileGrid or its levels.")
        return QuantileGrid(m)
    if not isinstance(grid, QuantileGrid):
        if np.ndim(grid) != 1:
            raise ValueError(
                "grid must be a QuantileGrid or a 1-D array of increasing levels in "
                f"(0, 1); got {type(grid).__name__} of shape {np.shape(grid)}."
            )
        grid = QuantileGrid(levels=grid)
    if m is not None and grid.n_levels != m:
        raise ValueError(f"grid has {grid.n_levels} levels but {name} has {m}.")
    return grid


def _check_quantile_functions(Q, name="y", ndim=(2,)):
    """Finite quantile functions along the last axis, rows non-decreasing.

    A matrix whose rows decrease is not a matrix of quantile functions: most
    often it holds raw draws per unit, whose columns the utilities would read
    as levels (a lower-tail CVaR of unsorted draws is an average of arbitrary
    draws). Rows that decrease by more than rounding are refused.
    """
    Q = np.asarray(Q, dtype=np.float64)
    if Q.ndim not in ndim or Q.shape[-1] == 0:
        shapes = " or ".join({1: "(m,)", 2: "(n, m)"}[d] for d in ndim)
        raise ValueError(f"{name} must have shape {shapes} with m >= 1; got {Q.shape}.")
    rows = Q.reshape(-1, Q.shape[-1])
    # A block of rows at a time: the checks' temporaries are several times y.
    blocks = _row_blocks(rows.shape[0], rows[:1].nbytes)
    if not all(np.all(np.isfinite(rows[b])) for b in blocks):
        raise ValueError(f"{name} contains NaN or infinite values.")
    bad = [np.empty(0, dtype=np.intp)]
    for b in blocks:
        drop = np.diff(rows[b], axis=1) < -1e-12 * (1.0 + np.abs(rows[b, 1:]))
        bad.append(b.start + np.flatnonzero(drop.any(axis=1)))
    bad = np.concatenate(bad)
    if bad.size:
        raise ValueError(
            f"{name} must hold quantile functions (non-decreasing along the levels), "
            f"but {bad.size} rows decrease (first: row {bad[0]}). Raw draws per unit "
            "are not quantiles: turn them into quantile functions with "
            "QuantileGrid(m).from_samples(draws) (or from_long for a long table); "
            "estimated quantiles that cross can be rearranged with "
            "QuantileGrid.from_quantiles(..., repair=True)."
        )
    return Q
