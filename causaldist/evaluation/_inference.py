"""One result type for an estimate with its uncertainty, and the inference behind it."""

import numbers

import numpy as np
import pandas as pd
from scipy.stats import norm

__all__ = ["EffectInference", "Estimate", "PolicyValue", "PopulationSummary"]


def _check_alpha(alpha):
    if not (isinstance(alpha, numbers.Real) and not isinstance(alpha, bool) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a number in (0, 1); got {alpha!r}.")
    return float(alpha)


def _linearised_ratio(num, den, sample_weight=None):
    """Ratio of (weighted) means with its linearised influence function.

    The estimate is ``theta = sum_i s_i num_i / sum_i s_i den_i`` (``s_i = 1``
    without sample weights). Its first-order expansion (the delta method,
    e.g. van der Vaart 1998, ch. 20) is ``theta - theta_0 ~ mean_i psi_i`` with

    ``psi_i = s_i (num_i - theta den_i) / mean_j(s_j den_j)``,

    so ``stderr = sd(psi) / sqrt(n)``. With ``den = 1`` and no weights this is
    the plain mean of ``num`` and ``psi_i = num_i - theta``: the usual
    influence-function standard error of an AIPW or Horvitz-Thompson estimator
    (Robins, Rotnitzky & Zhao 1994; Chernozhukov et al. 2018). Self-normalised
    IPW (Hajek) and the ATT, whose denominators are random, are ratios too.

    Parameters
    ----------
    num, den : ndarray of shape (n_samples,) or (n_samples, n_estimands)
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    theta : float or ndarray of shape (n_estimands,)
    scores : ndarray shaped like ``num``
        ``theta + psi_i``: per-unit terms whose plain mean is ``theta`` and
        whose standard deviation over ``sqrt(n)`` is the standard error.
    stderr : float or ndarray of shape (n_estimands,)
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.broadcast_to(np.asarray(den, dtype=np.float64), num.shape)
    s = np.ones(num.shape[0]) if sample_weight is None else sample_weight
    s = s.reshape((-1,) + (1,) * (num.ndim - 1))
    mean_den = np.mean(s * den, axis=0)
    if np.any(mean_den <= 0):
        raise ValueError(
            "the estimate's denominator is zero: no unit carries weight for it "
            "(e.g. the policy never chooses an observed arm, or an arm is empty)."
        )
    theta = np.mean(s * num, axis=0) / mean_den
    psi = s * (num - theta * den) / mean_den
    n = num.shape[0]
    stderr = np.std(psi, axis=0, ddof=1) / np.sqrt(n)
    return theta, theta + psi, stderr


class Estimate:
    """A point estimate (scalar or array) with its standard error.

    The one result type of causaldist: an ATE, a policy value, a RATE, a
    difference of two values, the effects at many points. Intervals and
    p-values are normal, ``value -/+ z_{1 - alpha/2} stderr`` and
    ``2 (1 - Phi(|value - null| / stderr))``.

    Parameters
    ----------
    value : float or array-like
        Point estimate(s).
    stderr : float or array-like
        Standard error(s), shaped like ``value``.
    n : int, default=None
        Number of units the estimate averages over.
    scores : ndarray of shape (n,) or (n, ...), default=None
        Per-unit influence-function terms whose mean is ``value`` and whose
        standard deviation over ``sqrt(n)`` is ``stderr`` (when the estimate
        is a mean); two results on the same units can be differenced through
        them.
    names : array-like, default=None
        Labels of the entries of an array-valued estimate (rows of
        :meth:`summary_frame`).
    method : str, default=""
        Which estimator produced it, shown in the ``repr``.

    Attributes
    ----------
    value, stderr, n, scores, names, method
        As passed.
    point_estimate : float or ndarray
        Alias of ``value`` (econml's name).

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.evaluation import Estimate
    >>> s = np.array([1.0, 2.0, 3.0, 4.0])
    >>> res = Estimate(s.mean(), s.std(ddof=1) / 2, n=4, scores=s)
    >>> res
    Estimate(value=2.5, stderr=0.6455, 95% CI=[1.235, 3.765], n=4)
    >>> round(res.pvalue(), 4)
    0.0001
    >>> res.summary_frame().round(3)
       point_estimate  stderr  zstat  pvalue  ci_lower  ci_upper
    0             2.5   0.645  3.873     0.0     1.235     3.765
    """

    def __init__(self, value, stderr, *, n=None, scores=None, names=None, method=""):
        value = np.asarray(value, dtype=np.float64)
        stderr = np.asarray(stderr, dtype=np.float64)
        if stderr.shape != value.shape:
            stderr = np.broadcast_to(stderr, value.shape).copy()
        self.value = float(value) if value.ndim == 0 else value
        self.stderr = float(stderr) if stderr.ndim == 0 else stderr
        self.n = n
        self.scores = scores
        self.names = None if names is None else np.asarray(names)
        self.method = method

    @property
    def point_estimate(self):
        return self.value

    def _z(self, alpha):
        return norm.ppf(1 - _check_alpha(alpha) / 2)

    def conf_int(self, alpha=0.05):
        """Normal confidence interval ``value -/+ z_{1 - alpha/2} stderr``.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage.

        Returns
        -------
        lower, upper : float or ndarray
            Shaped like ``value``.
        """
        z = self._z(alpha)
        lo = np.asarray(self.value) - z * np.asarray(self.stderr)
        hi = np.asarray(self.value) + z * np.asarray(self.stderr)
        if lo.ndim == 0:
            return float(lo), float(hi)
        return lo, hi

    def zstat(self, null=0.0):
        """``(value - null) / stderr`` (infinite when ``stderr`` is 0 and ``value != null``).

        Parameters
        ----------
        null : float or array-like, default=0.0
            Value under the null hypothesis.

        Returns
        -------
        z : float or ndarray
        """
        diff = np.asarray(self.value) - np.asarray(null, dtype=np.float64)
        se = np.asarray(self.stderr)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.sign(diff) * np.inf)
        z = np.where((se == 0) & (diff == 0), 0.0, z)
        return float(z) if z.ndim == 0 else z

    def pvalue(self, null=0.0):
        """Two-sided normal p-value of ``value == null``.

        Parameters
        ----------
        null : float or array-like, default=0.0
            Value under the null hypothesis.

        Returns
        -------
        pvalue : float or ndarray
        """
        p = 2 * norm.sf(np.abs(self.zstat(null)))
        return float(p) if np.ndim(p) == 0 else p

    def summary_frame(self, alpha=0.05, null=0.0):
        """Table of estimates, standard errors, z, p-values and intervals.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage of the intervals.
        null : float, default=0.0
            Value under the null hypothesis of the z-statistics and p-values.

        Returns
        -------
        frame : DataFrame
            Columns ``point_estimate, stderr, zstat, pvalue, ci_lower,
            ci_upper`` (econml's names), one row per entry of ``value``.
        """
        lo, hi = self.conf_int(alpha)
        value = np.atleast_1d(self.value)
        index = None
        if self.names is not None and self.names.size == value.size:
            index = pd.Index(self.names)
        return pd.DataFrame(
            {
                "point_estimate": value.ravel(),
                "stderr": np.atleast_1d(self.stderr).ravel(),
                "zstat": np.atleast_1d(self.zstat(null)).ravel(),
                "pvalue": np.atleast_1d(self.pvalue(null)).ravel(),
                "ci_lower": np.atleast_1d(lo).ravel(),
                "ci_upper": np.atleast_1d(hi).ravel(),
            },
            index=index,
        )

    def __float__(self):
        if np.ndim(self.value) != 0:
            raise TypeError(
                f"only a scalar {type(self).__name__} converts to float; this one "
                f"holds an array of shape {np.shape(self.value)}."
            )
        return float(self.value)

    def __format__(self, spec):
        if np.ndim(self.value) == 0 and spec:
            return format(self.value, spec)
        return format(repr(self), spec)

    def _repr_fields(self):
        return ""

    def __repr__(self):
        name = type(self).__name__
        method = f"{self.method}: " if self.method else ""
        extra = self._repr_fields()
        n = "" if self.n is None else f", n={self.n}"
        if np.ndim(self.value) == 0:
            lo, hi = self.conf_int()
            return (
                f"{name}({method}{extra}value={self.value:.4g}, stderr={self.stderr:.4g}, "
                f"95% CI=[{lo:.4g}, {hi:.4g}]{n})"
            )
        with np.printoptions(precision=4, threshold=6):
            return (
                f"{name}({method}{extra}value={np.asarray(self.value)}, "
                f"stderr={np.asarray(self.stderr)}{n})"
            )


class PolicyValue(Estimate):
    """An estimated policy value (or difference of values) with its inference.

    Returned by ``evaluate`` and ``compare`` of the off-policy evaluators: an
    :class:`Estimate` whose ``value`` is the mean of the per-unit ``scores``
    and whose ``stderr`` is their standard deviation over ``sqrt(n)``.

    Parameters
    ----------
    value, stderr, n, scores, method
        As in :class:`Estimate`.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.evaluation import PolicyValue
    >>> s = np.array([1.0, 2.0, 3.0, 4.0])
    >>> PolicyValue(s.mean(), s.std(ddof=1) / 2, n=4, scores=s, method="DR")
    PolicyValue(DR: value=2.5, stderr=0.6455, 95% CI=[1.235, 3.765], n=4)
    """

    def __init__(self, value, stderr, *, n=None, scores=None, method=""):
        super().__init__(value, stderr, n=n, scores=scores, method=method)

    def ci(self, alpha=0.05):
        """Alias of :meth:`conf_int` (deprecated).

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float
        """
        import warnings

        warnings.warn(
            "PolicyValue.ci is deprecated and will be removed in the next release; "
            "use conf_int.",
            FutureWarning,
            stacklevel=2,
        )
        return self.conf_int(alpha)


def _entry_labels(value_shape, row_names, output_names, treatment_names):
    """Row labels ``(row, Y, T)`` of an array-valued estimate, singleton levels dropped."""
    levels, names = [], []
    shape = tuple(value_shape)
    axes = [("X", row_names), ("Y", output_names), ("T", treatment_names)]
    # value has the row axis, then Y when output_names is set, then T when
    # treatment_names is set (econml's (n, d_y, d_t) with dropped singletons).
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
    >>> from causaldist.evaluation import EffectInference
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
        table : DataFrame
            Columns ``mean_point, stderr_mean, zstat, pvalue, ci_mean_lower,
            ci_mean_upper, std_point, pct_point_lower, pct_point_upper,
            stderr_point`` (and ``ci_point_lower, ci_point_upper`` when the
            pointwise errors are known), one row per treatment (or outcome).
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
        return pd.DataFrame(cols, index=index).round(decimals)
