"""One result type for an estimate with its uncertainty: ``Estimate`` and ``PolicyValue``."""

import numbers

import numpy as np
import pandas as pd
from scipy.stats import norm

__all__ = ["Estimate", "PolicyValue"]


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
    >>> from causaldist.inference import Estimate
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
    >>> from causaldist.inference import PolicyValue
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
