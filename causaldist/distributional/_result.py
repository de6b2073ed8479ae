"""The result of evaluating a policy on distribution-valued outcomes."""

from ..inference import Estimate

__all__ = ["DistributionalPolicyValue"]


class DistributionalPolicyValue(Estimate):
    """The barycenter a policy induces and a utility of it, with inference.

    An :class:`~causaldist.inference.Estimate` of the utility ``U(q_pi)``
    (``value``, ``stderr``, ``conf_int``, ``pvalue``, ``summary_frame``) that
    also carries the estimated barycenter ``q_pi`` and its bands.

    Parameters
    ----------
    value : float
        The utility of the raw estimate ``U(quantiles_raw)`` (for a linear
        utility, exactly the mean of ``scores``).
    stderr : float
        Its influence-function (delta-method for nonlinear utilities)
        standard error.
    quantiles : ndarray of shape (m,)
        Estimated barycenter quantile function, rearranged to be non-decreasing.
    quantiles_raw : ndarray of shape (m,)
        The estimate before rearrangement (a ratio of means of per-unit terms).
    stderr_quantiles : ndarray of shape (m,)
        Pointwise influence-function standard errors.
    pointwise_band, uniform_band : tuple of ndarray of shape (m,)
        Lower and upper ``1 - alpha`` bands: pointwise, and simultaneous over
        the levels by Gaussian multiplier bootstrap (``None`` if not computed).
    levels : ndarray of shape (m,)
    utility : Utility
    n : int
    scores : ndarray of shape (n,)
        Per-unit terms of the utility's influence function: ``value`` plus the
        linearised contribution of each unit.
    method : str, default=""

    Attributes
    ----------
    value, stderr, quantiles, quantiles_raw, stderr_quantiles, pointwise_band,
    uniform_band, levels, utility, n, scores, method
        As passed.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import DistributionalPolicyValue, Mean
    >>> q = np.array([0.0, 1.0, 2.0])
    >>> res = DistributionalPolicyValue(
    ...     1.0, 0.1, quantiles=q, quantiles_raw=q, stderr_quantiles=np.full(3, 0.1),
    ...     pointwise_band=(q - 0.2, q + 0.2), uniform_band=None,
    ...     levels=np.array([1, 3, 5]) / 6, utility=Mean(), n=100, method="DR")
    >>> res
    DistributionalPolicyValue(DR: utility=Mean(), value=1, stderr=0.1, 95% CI=[0.804, 1.196], n=100)
    >>> round(res.pvalue(), 6)
    0.0
    """

    def __init__(
        self, value, stderr, *, quantiles, quantiles_raw, stderr_quantiles,
        pointwise_band, uniform_band, levels, utility, n=None, scores=None, method="",
    ):
        super().__init__(value, stderr, n=n, scores=scores, method=method)
        self.quantiles = quantiles
        self.quantiles_raw = quantiles_raw
        self.stderr_quantiles = stderr_quantiles
        self.pointwise_band = pointwise_band
        self.uniform_band = uniform_band
        self.levels = levels
        self.utility = utility

    def _repr_fields(self):
        return f"utility={self.utility!r}, "
