"""The result of a DiD aggregation: estimates with pointwise errors and a uniform band."""

import numpy as np

from ..inference._estimate import Estimate, _check_alpha
from ._bootstrap import critical_value

__all__ = ["DiDAggregate"]


class DiDAggregate(Estimate):
    """Aggregated group-time ATTs with standard errors and a uniform confidence band.

    Returned by :meth:`StaggeredDiD.aggregate`. An :class:`Estimate` whose
    ``value`` is scalar (``kind="simple"``) or an array over event times,
    cohorts or calendar periods (``names``). ``conf_int`` gives the
    simultaneous band ``value -/+ c stderr`` with ``c`` the bootstrap quantile
    of the maximal t-statistic (Callaway & Sant'Anna 2021, sec. 4.1), or the
    pointwise normal interval when no bootstrap was run or ``uniform=False``.

    Parameters
    ----------
    value : float or ndarray
        Point estimate(s).
    stderr : float or ndarray
        Standard error(s), shaped like ``value``.
    kind : str
        ``"simple"``, ``"event"``, ``"group"``, ``"calendar"`` or ``"att_gt"``.
    names : ndarray, default=None
        Event times, cohorts or periods of the entries.
    sup_t : ndarray of shape (n_bootstrap,), default=None
        Bootstrap draws of the maximal absolute t-statistic.
    overall : Estimate, default=None
        The scalar summary of an array-valued aggregation: the mean over event
        times ``e >= 0`` (event), the cohort-size-weighted mean (group), the
        mean over periods (calendar).
    influence_function : ndarray of shape (n_units,) or (n_units, k), default=None
        Per-unit influence function of each entry.
    n : int, default=None
        Number of units.
    method : str, default=""
        Which estimator produced it, shown in the ``repr``.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.panel import DiDAggregate
    >>> res = DiDAggregate(np.array([0.5, 1.0]), np.array([0.1, 0.2]), kind="event",
    ...                    names=np.array([0, 1]))
    >>> lo, hi = res.conf_int()
    >>> np.round(lo, 3)
    array([0.304, 0.608])
    """

    def __init__(self, value, stderr, *, kind, names=None, sup_t=None, overall=None,
                 influence_function=None, n=None, method=""):
        super().__init__(value, stderr, n=n, names=names, method=method)
        self.kind = kind
        self.sup_t = sup_t
        self.overall = overall
        self.influence_function = influence_function

    def critical_value(self, alpha=0.05, uniform=True):
        """Multiplier of ``stderr`` in :meth:`conf_int`.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage.
        uniform : bool, default=True
            The sup-t quantile (when bootstrapped) rather than ``z_{1 - alpha/2}``.

        Returns
        -------
        c : float
            The critical value.
        """
        a = _check_alpha(alpha)
        if not uniform or self.sup_t is None or np.ndim(self.value) == 0:
            return float(self._z(a))
        return critical_value(self.sup_t, a)

    def conf_int(self, alpha=0.05, uniform=True):
        """Confidence band ``value -/+ c stderr`` (uniform over the entries by default).

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage.
        uniform : bool, default=True
            Simultaneous over the entries (the sup-t band); ``False``: pointwise.

        Returns
        -------
        lower, upper : float or ndarray
            Shaped like ``value``.
        """
        c = self.critical_value(alpha, uniform)
        lo = np.asarray(self.value) - c * np.asarray(self.stderr)
        hi = np.asarray(self.value) + c * np.asarray(self.stderr)
        if lo.ndim == 0:
            return float(lo), float(hi)
        return lo, hi

    def _repr_fields(self):
        return f"{self.kind}, "
