"""Influence-function inference for estimators that are (ratios of) sample means."""

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

__all__ = ["PolicyValue"]


def _check_alpha(alpha):
    if not (isinstance(alpha, (int, float, np.floating)) and 0 < alpha < 1):
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


@dataclass(frozen=True, eq=False)
class PolicyValue:
    """An estimated value (or difference of values) with its inference.

    Returned by ``evaluate`` and ``compare`` of the off-policy evaluators.
    The estimate is the mean of ``scores`` and its standard error the
    standard deviation of ``scores`` over ``sqrt(n)`` (influence-function
    inference), so two results on the same units can be differenced unit by
    unit.

    Attributes
    ----------
    value : float
        Estimated policy value (or difference of two values).
    stderr : float
        Influence-function standard error.
    n : int
        Number of units.
    scores : ndarray of shape (n,)
        Per-unit terms: ``value = scores.mean()`` and
        ``stderr = scores.std(ddof=1) / sqrt(n)``.
    method : str
        Which estimator produced it (``"IPW"``, ``"SNIPW"``, ``"DR"``), with
        ``" difference"`` appended for :meth:`compare`.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.evaluation import PolicyValue
    >>> s = np.array([1.0, 2.0, 3.0, 4.0])
    >>> res = PolicyValue(value=s.mean(), stderr=s.std(ddof=1) / 2, n=4, scores=s)
    >>> res
    PolicyValue(value=2.5, stderr=0.6455, 95% CI=[1.235, 3.765], n=4)
    """

    value: float
    stderr: float
    n: int
    scores: np.ndarray = field(repr=False)
    method: str = ""

    def conf_int(self, alpha=0.05):
        """Normal confidence interval ``value -/+ z_{1 - alpha/2} stderr``.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage.

        Returns
        -------
        lower, upper : float
        """
        z = norm.ppf(1 - _check_alpha(alpha) / 2)
        return (
            float(self.value - z * self.stderr),
            float(self.value + z * self.stderr),
        )

    def ci(self, alpha=0.05):
        """Alias of :meth:`conf_int`."""
        return self.conf_int(alpha)

    def pvalue(self, null=0.0):
        """Two-sided normal p-value of ``value == null``."""
        if self.stderr == 0:
            return 0.0 if self.value != null else 1.0
        return float(2 * norm.sf(abs(self.value - null) / self.stderr))

    def __repr__(self):
        lo, hi = self.conf_int()
        name = type(self).__name__
        method = f"{self.method}: " if self.method else ""
        return (
            f"{name}({method}value={self.value:.4g}, stderr={self.stderr:.4g}, "
            f"95% CI=[{lo:.4g}, {hi:.4g}], n={self.n})"
        )
