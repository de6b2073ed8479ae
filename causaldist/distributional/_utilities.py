"""Utilities of a distribution given by its quantile function.

A policy's value is ``U(q_pi)``, a utility of the Wasserstein barycenter it
induces (Huang, Leung, Wu & Zhang, "Wasserstein Policy Learning for
Distributional Outcomes", COLT 2026). Linear utilities ``U(q) = integral q(p)
w(p) dp`` reduce policy learning to scalar rewards ``integral Gamma_i(a)(p) w(p)
dp``; nonlinear ones expose their gradient for iterative linearisation.
"""

import numpy as np

from ._grid import QuantileGrid

__all__ = [
    "CVaR",
    "DistortionUtility",
    "ExpectedUtility",
    "Mean",
    "MeanVariance",
    "Quantile",
    "Utility",
]


def _as_grid(grid, m):
    if grid is None:
        return QuantileGrid(m)
    grid = grid if isinstance(grid, QuantileGrid) else QuantileGrid(levels=grid)
    if grid.n_levels != m:
        raise ValueError(f"grid has {grid.n_levels} levels but q has {m}.")
    return grid


class Utility:
    """Base class: ``U(q)`` of quantile functions ``q`` on a grid.

    Subclasses set ``is_linear``; linear ones implement ``weights(grid)`` (the
    vector ``w`` with ``U(q) = q @ w``), nonlinear ones ``__call__`` and
    ``gradient(q, grid)`` (``dU/dq_j``, the weights of the linearisation).
    """

    is_linear = True

    def weights(self, grid):  # pragma: no cover - abstract for linear ones
        raise NotImplementedError

    def __call__(self, q, grid=None):
        """Utility of each quantile function (rows of ``q``)."""
        q = np.asarray(q, dtype=np.float64)
        out = q @ self.weights(_as_grid(grid, q.shape[-1]))
        return float(out) if out.ndim == 0 else out

    def gradient(self, q, grid=None):
        """``dU/dq`` on the grid (constant ``weights`` for a linear utility)."""
        q = np.asarray(q, dtype=np.float64)
        return np.broadcast_to(self.weights(_as_grid(grid, q.shape[-1])), q.shape).copy()

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

    def weights(self, grid):
        return grid.weights.copy()


class Quantile(Utility):
    """The ``tau``-quantile ``q(tau)``, interpolated linearly between levels.

    Parameters
    ----------
    tau : float in (0, 1)
    """

    def __init__(self, tau=0.5):
        if not 0 < tau < 1:
            raise ValueError(f"tau must be in (0, 1); got {tau!r}.")
        self.tau = tau

    def weights(self, grid):
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
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1]; got {alpha!r}.")
        self.alpha = alpha

    def weights(self, grid):
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

    def weights(self, grid):
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
        self.u = u
        self.du = du

    def __call__(self, q, grid=None):
        q = np.asarray(q, dtype=np.float64)
        out = self.u(q) @ _as_grid(grid, q.shape[-1]).weights
        return float(out) if np.ndim(out) == 0 else out

    def gradient(self, q, grid=None):
        q = np.asarray(q, dtype=np.float64)
        return self.du(q) * _as_grid(grid, q.shape[-1]).weights


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
        if risk_aversion < 0:
            raise ValueError(f"risk_aversion must be non-negative; got {risk_aversion!r}.")
        self.risk_aversion = risk_aversion

    def __call__(self, q, grid=None):
        q = np.asarray(q, dtype=np.float64)
        w = _as_grid(grid, q.shape[-1]).weights
        mean = q @ w
        out = mean - self.risk_aversion * ((q**2) @ w - mean**2)
        return float(out) if np.ndim(out) == 0 else out

    def gradient(self, q, grid=None):
        q = np.asarray(q, dtype=np.float64)
        w = _as_grid(grid, q.shape[-1]).weights
        mean = (q @ w)[..., None]
        return w * (1.0 - 2.0 * self.risk_aversion * (q - mean))
