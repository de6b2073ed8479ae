"""Utilities of a distribution given by its quantile function.

A policy's value is ``U(q_pi)``, a utility of the Wasserstein barycenter it
induces (Huang, Leung, Wu & Zhang, "Wasserstein Policy Learning for
Distributional Outcomes", COLT 2026). Linear utilities ``U(q) = integral q(p)
w(p) dp`` reduce policy learning to scalar rewards ``integral Gamma_i(a)(p) w(p)
dp``; nonlinear ones expose their gradient for iterative linearisation.
"""

import numbers

import numpy as np

from ._grid import _as_grid

__all__ = [
    "CVaR",
    "DistortionUtility",
    "ExpectedUtility",
    "Mean",
    "MeanVariance",
    "Quantile",
    "Utility",
]


def _check_q(q):
    """Quantile function(s) on a grid: finite, levels along the last axis."""
    q = np.asarray(q, dtype=np.float64)
    if q.ndim == 0 or q.shape[-1] == 0:
        raise ValueError(
            "q must be a quantile function of shape (m,) or a stack of them "
            f"(..., m), levels along the last axis; got shape {q.shape}."
        )
    if not np.all(np.isfinite(q)):
        raise ValueError("q contains NaN or infinite values.")
    return q


def _check_real(value, name, low, high, closed_high):
    """A real number in ``(low, high)`` or ``(low, high]``, else a ValueError."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = low < value and (value <= high if closed_high else value < high)
    if not ok:
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{name} must be a number in ({low}, {high}{bracket}; got {value!r}.")
    return float(value)


class Utility:
    """Base class: ``U(q)`` of quantile functions ``q`` on a grid.

    Subclasses set ``is_linear``; linear ones implement ``_weights(grid)`` (the
    vector ``w`` with ``U(q) = q @ w``), nonlinear ones ``_value(q, grid)`` and
    ``_gradient(q, grid)`` (``dU/dq_j``, the weights of the linearisation).
    The public methods check their inputs.
    """

    is_linear = True

    def _weights(self, grid):  # pragma: no cover - abstract for linear ones
        raise NotImplementedError

    def weights(self, grid):
        """The weights ``w`` with ``U(q) = q @ w`` on ``grid`` (linear utilities).

        Parameters
        ----------
        grid : QuantileGrid or array-like of shape (m,)
            The grid, or its increasing levels in (0, 1).

        Returns
        -------
        w : ndarray of shape (m,)
        """
        if not self.is_linear:
            raise TypeError(
                f"{type(self).__name__} is not linear in q: it has no weights; use "
                "gradient(q, grid) for its linearisation at q."
            )
        return self._weights(_as_grid(grid))

    def _value(self, q, grid):
        return q @ self._weights(grid)

    def _gradient(self, q, grid):
        return np.broadcast_to(self._weights(grid), q.shape).copy()

    def __call__(self, q, grid=None):
        """Utility of a quantile function, or of each row of a stack of them.

        Parameters
        ----------
        q : array-like of shape (m,) or (..., m)
        grid : QuantileGrid or array-like of shape (m,), default=None
            ``None`` means the midpoint grid of ``m`` levels.

        Returns
        -------
        value : float or ndarray of shape (...)
        """
        q = _check_q(q)
        rows = q.reshape(-1, q.shape[-1])
        drop = np.diff(rows, axis=1) < -1e-12 * (1.0 + np.abs(rows[:, 1:]))
        if drop.any():
            # A decreasing q is not a quantile function (raw draws, or crossed
            # estimates): a lower-tail utility would average arbitrary values.
            raise ValueError(
                f"q must be non-decreasing along the levels (a quantile function); "
                f"{int(drop.any(axis=1).sum())} row(s) decrease. Sort raw draws with "
                "QuantileGrid(m).from_samples, or rearrange crossed estimates with "
                "project_monotone."
            )
        return self._evaluate(q, grid)

    def _evaluate(self, q, grid=None):
        """``__call__`` without the checks, for estimates that may cross slightly."""
        out = self._value(q, _as_grid(grid, q.shape[-1]))
        return float(out) if np.ndim(out) == 0 else out

    def gradient(self, q, grid=None):
        """``dU/dq_j`` on the grid (the constant weights of a linear utility).

        Parameters
        ----------
        q : array-like of shape (m,) or (..., m)
        grid : QuantileGrid or array-like of shape (m,), default=None
            ``None`` means the midpoint grid of ``m`` levels.

        Returns
        -------
        gradient : ndarray shaped like ``q``
        """
        q = _check_q(q)
        return self._gradient(q, _as_grid(grid, q.shape[-1]))

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


class Mean(Utility):
    """The mean ``integral_0^1 q(p) dp``.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import Mean
    >>> Mean()(np.array([1.0, 2.0, 6.0]))
    3.0
    """

    def _weights(self, grid):
        return grid.weights.copy()


class Quantile(Utility):
    """The ``tau``-quantile ``q(tau)``, interpolated linearly between levels.

    Parameters
    ----------
    tau : float in (0, 1)
    """

    def __init__(self, tau=0.5):
        self.tau = _check_real(tau, "tau", 0, 1, closed_high=False)

    def _weights(self, grid):
        p = grid.levels
        w = np.zeros(p.size)
        if self.tau <= p[0] or p.size == 1:
            w[0] = 1.0
        elif self.tau >= p[-1]:
            w[-1] = 1.0
        else:
            j = np.searchsorted(p, self.tau) - 1
            frac = (self.tau - p[j]) / (p[j + 1] - p[j])
            w[j], w[j + 1] = 1.0 - frac, frac
        return w


class CVaR(Utility):
    """Lower-tail conditional value at risk ``(1/alpha) integral_0^alpha q(p) dp``.

    The mean of the worst ``alpha`` share of outcomes (Rockafellar & Uryasev
    2000), higher is better; ``alpha = 1`` is the mean.

    Parameters
    ----------
    alpha : float in (0, 1]
    """

    def __init__(self, alpha=0.1):
        self.alpha = _check_real(alpha, "alpha", 0, 1, closed_high=True)

    def _weights(self, grid):
        cuts = np.concatenate([[0.0], np.cumsum(grid.weights)])
        overlap = np.clip(np.minimum(cuts[1:], self.alpha) - cuts[:-1], 0.0, None)
        return overlap / self.alpha


class DistortionUtility(Utility):
    """Any distortion integral ``integral_0^1 q(p) w(p) dp`` (Yaari 1987).

    Parameters
    ----------
    weight : callable or array-like of shape (m,)
        The density ``w(p)`` as a function of the levels, or its values on the
        grid.
    """

    def __init__(self, weight):
        self.weight = weight

    def _weights(self, grid):
        w = self.weight(grid.levels) if callable(self.weight) else self.weight
        w = np.asarray(w, dtype=np.float64)
        if w.shape != grid.levels.shape or not np.all(np.isfinite(w)):
            raise ValueError(
                f"weight must give {grid.n_levels} finite values on the grid; got "
                f"shape {w.shape}."
            )
        return w * grid.weights


class ExpectedUtility(Utility):
    """Expected utility ``integral_0^1 u(q(p)) dp = E[u(Y)]`` for ``Y ~ q``.

    Nonlinear in ``q`` unless ``u`` is affine; a concave ``u`` expresses risk
    aversion. The gradient is ``u'(q(p_j)) w_j``.

    Parameters
    ----------
    u : callable
        Vectorised utility of an outcome.
    du : callable
        Its derivative.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import ExpectedUtility
    >>> U = ExpectedUtility(np.log1p, lambda x: 1 / (1 + x))
    >>> round(U(np.array([0.0, np.e - 1])), 3)
    0.5
    """

    is_linear = False

    def __init__(self, u, du):
        for name, f in (("u", u), ("du", du)):
            if not callable(f):
                raise ValueError(f"{name} must be a callable; got {type(f).__name__}.")
        self.u = u
        self.du = du

    def _apply(self, f, name, q):
        out = np.asarray(f(q), dtype=np.float64)
        if out.shape != q.shape:
            raise ValueError(
                f"{name} must be vectorised (return an array shaped like its input "
                f"{q.shape}); got shape {out.shape}."
            )
        return out

    def _value(self, q, grid):
        return self._apply(self.u, "u", q) @ grid.weights

    def _gradient(self, q, grid):
        return self._apply(self.du, "du", q) * grid.weights


class MeanVariance(Utility):
    """Mean minus ``risk_aversion`` times the variance (Markowitz 1952).

    ``U(q) = m(q) - lambda (integral q^2 - m(q)^2)`` with ``m(q) = integral q``;
    gradient ``w_j (1 - 2 lambda (q_j - m(q)))``. ``risk_aversion=0`` is the mean.

    Parameters
    ----------
    risk_aversion : float, default=1.0
    """

    is_linear = False

    def __init__(self, risk_aversion=1.0):
        ok = isinstance(risk_aversion, numbers.Real) and not isinstance(risk_aversion, bool)
        if not (ok and np.isfinite(risk_aversion) and risk_aversion >= 0):
            raise ValueError(
                f"risk_aversion must be a non-negative number; got {risk_aversion!r}."
            )
        self.risk_aversion = risk_aversion

    def _value(self, q, grid):
        w = grid.weights
        mean = q @ w
        return mean - self.risk_aversion * ((q**2) @ w - mean**2)

    def _gradient(self, q, grid):
        w = grid.weights
        mean = (q @ w)[..., None]
        return w * (1.0 - 2.0 * self.risk_aversion * (q - mean))
