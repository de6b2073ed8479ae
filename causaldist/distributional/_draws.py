"""Raw draws per unit as outcomes: a ragged container, and how ``y`` is read.

Users hold samples per unit (a customer's monthly spend, a patient's
readings), not quantile functions. Every distributional estimator takes ``y``
as

- a ragged sequence of 1-D arrays (a list, a tuple, an object array, or a
  :class:`Draws`), one sample per row of ``X``, of any lengths;
- a long table (a DataFrame with one row per draw) whose unit-id and value
  columns the estimator's grid names (``QuantileGrid(..., long=(unit, value))``),
  one unit per row of ``X``; or :meth:`Draws.from_long` of it, which can be
  split by rows (``GridSearchCV``, ``cross_validate``);
- an ``(n, m)`` matrix of quantile functions on the grid (rows
  non-decreasing).

Draws become type-7 empirical quantiles on the grid, and their counts are
kept: the few-draw correction (:mod:`._few_draws`) needs them.
"""

import numbers

import numpy as np
import pandas as pd

from ._grid import _check_quantile_functions, _sample_quantiles

__all__ = ["Draws"]


class Draws:
    """Raw draws of each unit: a ragged array that scikit-learn can split by rows.

    Parameters
    ----------
    samples : sequence of 1-D array-like
        The draws of each unit, one entry per unit; lengths may differ.

    Attributes
    ----------
    values : ndarray of shape (n_draws_total,)
        All draws, unit after unit.
    counts : ndarray of shape (n_units,)
        Number of draws of each unit.
    ids : ndarray of shape (n_units,) or None
        Unit ids (from :meth:`from_long`).

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import Draws
    >>> d = Draws([[3.0, 1.0, 2.0], [5.0]])
    >>> len(d), d.counts.tolist(), d[0].tolist()
    (2, [3, 1], [3.0, 1.0, 2.0])
    >>> d[[1, 1]].counts.tolist()
    [1, 1]
    """

    def __init__(self, samples):
        if isinstance(samples, Draws):
            self.values, self.counts, self.ids = samples.values, samples.counts, samples.ids
            return
        arrays = []
        for i, s in enumerate(samples):
            a = np.asarray(s, dtype=np.float64)
            if a.ndim > 1:
                raise ValueError(
                    f"the sample of unit {i} has shape {a.shape}; each unit's draws "
                    "must be a 1-D array."
                )
            arrays.append(a.ravel())
        if not arrays:
            raise ValueError("y holds no units: give one 1-D sample of draws per unit.")
        self.counts = np.fromiter((a.size for a in arrays), dtype=np.intp, count=len(arrays))
        self.values = np.concatenate(arrays)
        self.ids = None
        _check_draws(self.values, self.counts, None)

    @classmethod
    def _from_flat(cls, values, counts, ids=None):
        self = cls.__new__(cls)
        self.values, self.counts, self.ids = values, counts, ids
        return self

    @classmethod
    def from_long(cls, data, unit, value, units=None):
        """Draws from a long table with one row per draw.

        Parameters
        ----------
        data : DataFrame
        unit : str
            Column of unit ids.
        value : str
            Column of draws.
        units : array-like, default=None
            The unit ids in the order of the rows of ``X`` (e.g. ``X.index``);
            every one must have draws. ``None`` means the order of first
            appearance in ``data``.

        Returns
        -------
        draws : Draws
            One entry per unit, ``ids`` holding the unit ids.
        """
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
        for name, col in (("unit", unit), ("value", value)):
            if col not in data.columns:
                raise ValueError(
                    f"{name}={col!r} is not a column of the long table (columns: "
                    f"{list(data.columns)})."
                )
        if data[unit].isna().any():
            raise ValueError(f"the unit column {unit!r} has missing ids.")
        if units is None:
            codes, uniques = pd.factorize(data[unit], sort=False)
        else:
            uniques = pd.Index(np.asarray(units, dtype=object) if not isinstance(
                units, pd.Index) else units)
            if uniques.has_duplicates:
                raise ValueError("units has duplicated ids.")
            codes = uniques.get_indexer(data[unit])
            if np.any(codes < 0):
                extra = pd.unique(data[unit][codes < 0])[:5].tolist()
                raise ValueError(
                    f"the long table has draws of units not in units: {extra} (first 5)."
                )
        vals = pd.to_numeric(data[value], errors="raise").to_numpy(dtype=np.float64)
        counts = np.bincount(codes, minlength=len(uniques)).astype(np.intp)
        order = np.argsort(codes, kind="stable")
        ids = np.asarray(uniques, dtype=object)
        _check_draws(vals[order], counts, ids)
        return cls._from_flat(vals[order], counts, ids)

    @property
    def offsets(self):
        return np.concatenate([[0], np.cumsum(self.counts)])

    @property
    def means(self):
        """Mean of each unit's draws, shape (n_units,)."""
        unit = np.repeat(np.arange(self.counts.size), self.counts)
        return np.bincount(unit, weights=self.values, minlength=self.counts.size) / self.counts

    def __len__(self):
        return int(self.counts.size)

    def __iter__(self):
        off = self.offsets
        for i in range(len(self)):
            yield self.values[off[i]:off[i + 1]]

    def __getitem__(self, key):
        off = self.offsets
        if isinstance(key, numbers.Integral):
            i = int(key) % len(self)
            return self.values[off[i]:off[i + 1]]
        idx = np.arange(len(self))[key]
        starts, counts = off[idx], self.counts[idx]
        take = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        take += np.arange(counts.sum())
        ids = None if self.ids is None else self.ids[idx]
        return Draws._from_flat(self.values[take], counts, ids)

    def __repr__(self):
        c = self.counts
        return f"Draws(n_units={len(self)}, draws per unit {c.min()}-{c.max()})"

    def quantiles(self, levels):
        """Type-7 empirical quantiles of every unit at ``levels``, shape (n_units, m)."""
        levels = np.asarray(getattr(levels, "levels", levels), dtype=np.float64)
        if levels.ndim > 1 or not np.all((levels >= 0) & (levels <= 1)):
            raise ValueError(
                f"levels must be a 1-D array of probabilities in [0, 1]; got {levels!r}."
            )
        unit = np.repeat(np.arange(self.counts.size), self.counts)
        order = np.lexsort((self.values, unit))
        starts = self.offsets[:-1]
        return _sample_quantiles(self.values[order], starts, self.counts, levels)


def _check_draws(values, counts, ids):
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        who = empty[0] if ids is None else ids[empty[0]]
        raise ValueError(f"unit {who!r} has no draws ({empty.size} units have none).")
    bad = ~np.isfinite(values)
    if np.any(bad):
        unit = np.repeat(np.arange(counts.size), counts)[np.argmax(bad)]
        who = unit if ids is None else ids[unit]
        raise ValueError(f"unit {who!r} has a NaN or infinite draw.")


class _Outcome:
    """``y`` read once: quantile functions on the grid, with the draws' counts and means.

    ``Q`` holds the type-7 empirical quantiles of draws (or the given
    quantile functions); ``counts`` and ``means`` are None for a quantile
    matrix. ``corrected`` is set by the few-draw correction.
    """

    def __init__(self, Q, counts=None, means=None):
        self.Q, self.counts, self.means = Q, counts, means

    @property
    def has_draws(self):
        return self.counts is not None

    def __len__(self):
        return self.Q.shape[0]

    def take(self, idx):
        c = None if self.counts is None else self.counts[idx]
        mu = None if self.means is None else self.means[idx]
        return _Outcome(self.Q[idx], c, mu)


def _is_ragged(y):
    if isinstance(y, Draws):
        return True
    if isinstance(y, np.ndarray):
        return y.dtype == object and y.ndim == 1
    if isinstance(y, (list, tuple)) and len(y) > 0:
        return all(np.ndim(v) == 1 for v in y)
    return False


def _read_outcome(y, grid, n_rows=None, units=None):
    """``y`` in any accepted form as an :class:`_Outcome` on ``grid``'s levels.

    ``grid`` may be None for a quantile matrix (its column count then sets
    the grid). ``units`` aligns a long table with the rows of ``X``.
    """
    if isinstance(y, _Outcome):
        return y
    long_cols = getattr(grid, "long", None)
    if isinstance(y, pd.DataFrame) and long_cols is not None:
        if units is None and n_rows is not None:
            # Pairing by first appearance would silently depend on the order
            # of the table's rows: a sorted copy of it gives other effects.
            raise ValueError(
                f"y is a long table (grid long={long_cols!r}) but X has no index to "
                "pair its units with the rows of X. Pass X as a DataFrame whose index "
                "holds the unit ids, or y=Draws.from_long(table, "
                f"{long_cols[0]!r}, {long_cols[1]!r}, units=ids) with the unit id of "
                "every row of X."
            )
        y = Draws.from_long(y, *long_cols, units=units)
    elif isinstance(y, pd.DataFrame) and n_rows is not None and y.shape[0] != n_rows:
        raise ValueError(
            f"y is a table of {y.shape[0]} rows for {n_rows} units. A long table (one "
            "row per draw) is read by naming its columns in the grid: "
            "grid=QuantileGrid(m, long=('unit', 'value')); or turn it into "
            "Draws.from_long(table, 'unit', 'value', units=X.index), which also "
            "passes GridSearchCV's splitting."
        )
    if _is_ragged(y):
        draws = Draws(y)
        levels = grid.levels if grid is not None else None
        if levels is None:
            raise ValueError("raw draws need a grid of levels.")
        return _Outcome(draws.quantiles(levels), draws.counts.copy(), draws.means)
    Q = _check_quantile_functions(y)
    return _Outcome(Q)
