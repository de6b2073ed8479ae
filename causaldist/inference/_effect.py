"""Effects at many points with their standard errors, and their population summary."""

import numpy as np
import pandas as pd
from scipy.stats import norm

from ._estimate import Estimate, _check_alpha
from ._table import SummaryTable

__all__ = ["EffectInference", "PopulationSummary"]


def _entry_labels(value_shape, row_names, output_names, treatment_names):
    """Row labels ``(row, Y, T)`` of an array-valued estimate, singleton levels dropped."""
    levels, names = [], []
    shape = tuple(value_shape)
    axes = [("X", row_names), ("Y", output_names), ("T", treatment_names)]
    # value has the row axis, then Y when output_names is set, then T when
    # treatment_names is set ((n, d_y, d_t) with dropped singletons).
    present = [axes[0]] + [a for a in axes[1:] if a[1] is not None]
    if len(present) != len(shape):
        return None
    for (level, labels), size in zip(present, shape):
        labels = np.arange(size) if labels is None else np.asarray(labels)
        if labels.size != size:
            return None
        levels.append(labels)
        names.append(level)
    return pd.MultiIndex.from_product(levels, names=names) if len(levels) > 1 else (
        pd.Index(levels[0], name=names[0])
    )


class EffectInference(Estimate):
    """Effects at many points with their standard errors (econml's ``InferenceResults``).

    Returned by ``effect_inference(X)``, ``const_marginal_effect_inference(X)``
    and ``coef__inference()``: an :class:`Estimate` whose ``value`` is an
    array shaped like the point estimate (``(n,)``, ``(n, d_y)``,
    ``(n, d_t)`` or ``(n, d_y, d_t)``, econml's shapes with singleton axes
    dropped). Intervals are normal, ``value -/+ z stderr``, pointwise.

    Parameters
    ----------
    value, stderr : ndarray
        Point estimates and standard errors, the same shape.
    row_names : array-like of shape (value.shape[0],), default=None
        Labels of the first axis (rows of ``X``, or coefficient names).
    output_names : array-like, default=None
        Labels of the outcome axis, when ``value`` has one (``Y0, Y1, ...``).
    treatment_names : array-like, default=None
        Labels of the treatment axis, when ``value`` has one.
    mean_stderr : ndarray, default=None
        Exact standard error of the mean over rows (a linear final stage
        knows it); ``population_summary`` otherwise uses the conservative
        ``sqrt(mean(stderr^2))`` (econml's ``stderr_mean``).
    draws : ndarray of shape (n_draws, ...), default=None
        Bootstrap replicates of ``value``, when the inference is a bootstrap.
    method : str, default=""

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.inference import EffectInference
    >>> res = EffectInference(np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    >>> lo, hi = res.conf_int(alpha=0.05)
    >>> np.round(lo, 3)
    array([0.02, 1.02])
    >>> res.summary_frame().round(3)  # doctest: +NORMALIZE_WHITESPACE
       point_estimate  stderr  zstat  pvalue  ci_lower  ci_upper
    X
    0             1.0     0.5    2.0   0.046      0.02      1.98
    1             2.0     0.5    4.0   0.000      1.02      2.98
    >>> round(res.population_summary().value, 3)
    1.5
    """

    def __init__(
        self, value, stderr, *, row_names=None, output_names=None, treatment_names=None,
        mean_stderr=None, draws=None, n=None, method="",
    ):
        super().__init__(value, stderr, n=n, names=row_names, method=method)
        self.output_names = None if output_names is None else np.asarray(output_names)
        self.treatment_names = None if treatment_names is None else np.asarray(treatment_names)
        self.mean_stderr = mean_stderr
        self.draws = draws

    def summary_frame(self, alpha=0.05, null=0.0):
        """Table of estimates, standard errors, z, p-values and intervals.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage of the intervals.
        null : float, default=0.0
            Value under the null hypothesis.

        Returns
        -------
        frame : DataFrame
            econml's columns; one row per entry, indexed by ``X`` (row or
            coefficient name), ``Y`` and ``T`` levels where those axes exist.
        """
        frame = super().summary_frame(alpha, null)
        index = _entry_labels(
            np.shape(self.value), self.names, self.output_names, self.treatment_names
        )
        if index is not None:
            frame.index = index
        return frame

    def population_summary(self, alpha=0.05):
        """The mean effect over the rows, with its uncertainty.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage of ``pct_point``.

        Returns
        -------
        summary : PopulationSummary
            ``value`` is the mean point estimate over the rows (shape
            ``value.shape[1:]``); ``stderr`` its exact standard error when
            the final stage is linear, else ``sqrt(mean(stderr^2))``
            (conservative, as econml's ``stderr_mean``). ``std_point`` and
            ``pct_point`` describe the spread of the point estimates.
        """
        value = np.asarray(self.value)
        stderr = np.asarray(self.stderr)
        if self.mean_stderr is not None:
            se = self.mean_stderr
        else:
            se = np.sqrt(np.mean(stderr**2, axis=0))
        a = _check_alpha(alpha)
        return PopulationSummary(
            value.mean(axis=0), se, std_point=value.std(axis=0),
            pct_point=(np.percentile(value, 100 * a / 2, axis=0),
                       np.percentile(value, 100 * (1 - a / 2), axis=0)),
            names=self.output_names if self.output_names is not None else (
                self.treatment_names
            ),
            n=value.shape[0], method=self.method, points=value, point_stderr=stderr,
        )

    def __getitem__(self, rows):
        """The inference of a subset of rows (``res[:10]``, ``res[mask]``)."""
        rows_names = None if self.names is None else self.names[rows]
        draws = None if self.draws is None else self.draws[:, rows]
        return EffectInference(
            np.asarray(self.value)[rows], np.asarray(self.stderr)[rows],
            row_names=rows_names, output_names=self.output_names,
            treatment_names=self.treatment_names, draws=draws, method=self.method,
        )


def _mixture_ppf(level, mean, stderr, tol):
    """Quantile ``level`` of ``mean_i N(mean_i, stderr_i^2)`` by bisection (econml's rule)."""
    if np.any(stderr == 0):
        return np.full(mean.shape[1:], np.nan)
    ppf = norm.ppf(level, loc=mean, scale=stderr)
    lower, upper = np.min(ppf, axis=0), np.max(ppf, axis=0)
    while True:
        cur = (lower + upper) / 2
        cdf = np.mean(norm.cdf(cur, loc=mean, scale=stderr), axis=0)
        if np.ndim(cur) == 0:
            if np.abs(cdf - level) < tol or cur == lower:
                return cur
            lower, upper = (cur, upper) if cdf < level else (lower, cur)
        else:
            if np.all((np.abs(cdf - level) < tol) | (cur == lower)):
                return cur
            lower = np.where(cdf < level, cur, lower)
            upper = np.where(cdf > level, cur, upper)


class PopulationSummary(Estimate):
    """The mean of array-valued effects over a population, with its uncertainty.

    Returned by :meth:`EffectInference.population_summary`; an
    :class:`Estimate` of the mean effect with two descriptive extras.

    Parameters
    ----------
    value, stderr, names, n, method
        As in :class:`Estimate`.
    std_point : float or ndarray
        Standard deviation of the point estimates over the rows.
    pct_point : tuple of (lower, upper)
        Percentiles of the point estimates over the rows.
    points : ndarray of shape (n_rows, ...), default=None
        The point estimates themselves and ``point_stderr`` their standard
        errors (kept by :meth:`EffectInference.population_summary` for
        econml's ``percentile_point`` and ``stderr_point``).
    point_stderr : ndarray of shape (n_rows, ...), default=None

    Notes
    -----
    econml's ``PopulationSummaryResults`` names are here too: ``mean_point``
    (``value``), ``stderr_mean`` (``stderr``), ``conf_int_mean(alpha)``,
    ``percentile_point(alpha)``, ``stderr_point``, ``conf_int_point(alpha)``
    and ``summary()``.
    """

    def __init__(self, value, stderr, *, std_point=None, pct_point=None, names=None,
                 n=None, method="", points=None, point_stderr=None):
        super().__init__(value, stderr, n=n, names=names, method=method)
        self.std_point = std_point
        self.pct_point = pct_point
        self.points = points
        self.point_stderr = point_stderr

    @property
    def mean_point(self):
        """The mean point estimate (econml's name of ``value``)."""
        return self.value

    @property
    def stderr_mean(self):
        """Standard error of the mean (econml's name of ``stderr``)."""
        return self.stderr

    def conf_int_mean(self, alpha=0.05):
        """Interval of the mean (econml's name of :meth:`conf_int`).

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float or ndarray
        """
        return self.conf_int(alpha)

    def percentile_point(self, alpha=0.05):
        """``alpha / 2`` and ``1 - alpha / 2`` percentiles of the point estimates.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float or ndarray
        """
        if self.points is None:
            return self.pct_point
        a = _check_alpha(alpha)
        return (np.percentile(self.points, 100 * a / 2, axis=0),
                np.percentile(self.points, 100 * (1 - a / 2), axis=0))

    @property
    def stderr_point(self):
        """Total standard deviation of a point estimate drawn from the population.

        ``sqrt(stderr_mean^2 + std_point^2)`` (econml's): the uncertainty of
        the mean plus the spread of the points.
        """
        return np.sqrt(np.asarray(self.stderr) ** 2 + np.asarray(self.std_point) ** 2)

    def conf_int_point(self, alpha=0.05, tol=1e-3):
        """Quantiles of the mixture of the pointwise normal distributions (econml's).

        The ``alpha / 2`` and ``1 - alpha / 2`` quantiles ``q`` of
        ``F(q) = mean_i Phi((q - value_i) / stderr_i)``, found by bisection
        until ``|F(q) - level| < tol``: an interval for the effect of a unit
        drawn from the population, estimation error included.

        Parameters
        ----------
        alpha : float, default=0.05
        tol : float, default=1e-3

        Returns
        -------
        lower, upper : ndarray
        """
        if self.points is None or self.point_stderr is None:
            raise AttributeError("conf_int_point needs the pointwise estimates and errors.")
        a = _check_alpha(alpha)
        mean = np.asarray(self.points, dtype=np.float64)
        se = np.asarray(self.point_stderr, dtype=np.float64)
        return (np.array([_mixture_ppf(a / 2, mean, se, tol)]),
                np.array([_mixture_ppf(1 - a / 2, mean, se, tol)]))

    def summary(self, alpha=0.05, value=0.0, decimals=3):
        """econml's population summary as one table (its three tables side by side).

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage of the mean's interval and of the percentiles.
        value : float, default=0.0
            Value under the null hypothesis of ``zstat`` and ``pvalue``.
        decimals : int, default=3

        Returns
        -------
        table : SummaryTable
            A :class:`pandas.DataFrame` with columns ``mean_point,
            stderr_mean, zstat, pvalue, ci_mean_lower, ci_mean_upper,
            std_point, pct_point_lower, pct_point_upper, stderr_point`` (and
            ``ci_point_lower, ci_point_upper`` when the pointwise errors are
            known), one row per treatment (or outcome); it prints whole, as
            econml's three titled tables (``table.tables``).
        """
        lo, hi = self.conf_int_mean(alpha)
        plo, phi = self.percentile_point(alpha)
        cols = {
            "mean_point": self.value, "stderr_mean": self.stderr,
            "zstat": self.zstat(value), "pvalue": self.pvalue(value),
            "ci_mean_lower": lo, "ci_mean_upper": hi, "std_point": self.std_point,
            "pct_point_lower": plo, "pct_point_upper": phi,
        }
        cols["stderr_point"] = self.stderr_point
        if self.points is not None and self.point_stderr is not None:
            cols["ci_point_lower"], cols["ci_point_upper"] = self.conf_int_point(alpha)
        cols = {k: np.atleast_1d(v).ravel() for k, v in cols.items()}
        size = cols["mean_point"].size
        index = pd.Index(self.names) if self.names is not None and self.names.size == size else None
        return SummaryTable(pd.DataFrame(cols, index=index).round(decimals), parts=[
            ("Uncertainty of Mean Point Estimate", None,
             ["mean_point", "stderr_mean", "zstat", "pvalue", "ci_mean_lower", "ci_mean_upper"]),
            ("Distribution of Point Estimate", None,
             ["std_point", "pct_point_lower", "pct_point_upper"]),
            ("Total Variance of Point Estimate", None,
             ["stderr_point", "ci_point_lower", "ci_point_upper"]),
        ])

    @property
    def tables(self):
        """econml's three tables of :meth:`summary` (default ``alpha``), as DataFrames."""
        return self.summary().tables

    @property
    def frame(self):
        """:meth:`summary` (default ``alpha``) as one plain DataFrame."""
        return self.summary().frame

    def as_text(self):
        """:meth:`summary` as text, every column shown.

        Returns
        -------
        text : str
        """
        return self.summary().as_text()

    def __str__(self):
        return self.as_text()

    def _repr_html_(self):
        return self.summary().as_html()
