"""Per-unit terms of a barycenter estimate: its value, pointwise variance and projections.

Every estimator of the barycenter a policy induces is a ratio of weighted means
of per-unit, per-arm terms ``N_i(a)`` (vectors over the m levels) and
denominators ``D_i(a)``:

``q_pi = sum_i s_i sum_a pi(a | X_i) N_i(a) / sum_i s_i sum_a pi(a | X_i) D_i(a)``

(``D = 1`` for IPW and DR, ``D_i(a) = 1{A_i = a} / e_a(X_i)`` for the
self-normalised IPW). The scalar evaluators are the case m = 1. Its
influence function is the linearised ratio of
:func:`causaldist.inference._estimate._linearised_ratio`.
"""

import numpy as np
from numba import njit

from ..inference._estimate import _linearised_ratio
from ..model_selection._crossfit import _row_blocks

__all__ = []


@njit(cache=True, nogil=True, fastmath=True)
def _chosen_moments(N, D, codes, s, g):  # pragma: no cover - compiled
    """One pass over the chosen rows ``T_i = N[c_i, i]``, ``d_i = D[c_i, i]``.

    Returns ``sum s T``, ``sum s^2 T^2``, ``sum s^2 d T`` (per level),
    ``sum s d``, ``sum s^2 d^2``, and per unit ``T_i @ g`` and ``d_i``.
    """
    n, m = N.shape[1], N.shape[2]
    sum_t = np.zeros(m)
    sum_t2 = np.zeros(m)
    sum_dt = np.zeros(m)
    sum_d = 0.0
    sum_d2 = 0.0
    tg = np.empty(n)
    d = np.empty(n)
    for i in range(n):
        c = codes[i]
        row = N[c, i]
        di = D[c, i]
        w = s[i]
        w2 = w * w
        sum_d += w * di
        sum_d2 += w2 * di * di
        d[i] = di
        acc = 0.0
        for j in range(m):
            v = row[j]
            sum_t[j] += w * v
            sum_t2[j] += w2 * v * v
            sum_dt[j] += w2 * di * v
            acc += v * g[j]
        tg[i] = acc
    return sum_t, sum_t2, sum_dt, sum_d, sum_d2, tg, d


@njit(cache=True, nogil=True, fastmath=True)
def _chosen_project(N, codes, g):  # pragma: no cover - compiled
    n, m = N.shape[1], N.shape[2]
    tg = np.empty(n)
    for i in range(n):
        row = N[codes[i], i]
        acc = 0.0
        for j in range(m):
            acc += row[j] * g[j]
        tg[i] = acc
    return tg


class _ChosenTerms:
    """The terms of a deterministic policy ``c``, read in one compiled pass.

    With ``psi_i = s_i (T_i - theta d_i) / mean(s d)``, the barycenter
    ``theta``, its pointwise variance ``sum_i psi_i^2 / (n - 1)`` and the
    projections ``psi_i @ g`` are sums over the chosen rows: no (n, m) copy
    per policy, which is what makes evaluating many policies cheap.
    ``N`` is ``(K, n, m)`` with each arm's block contiguous, ``D`` ``(K, n)``.
    """

    def __init__(self, N, D, codes, s, g=None):
        n = codes.shape[0]
        self._N, self._D, self._codes = N, D, codes
        self._s = np.ones(n) if s is None else s
        g = np.zeros(N.shape[2]) if g is None else np.ascontiguousarray(g, dtype=np.float64)
        sum_t, sum_t2, sum_dt, sum_d, sum_d2, self._tg, self._d = _chosen_moments(
            N, D, codes, self._s, g
        )
        if not sum_d > 0:
            raise ValueError(
                "the estimate's denominator is zero: no unit carries weight for it "
                "(e.g. the policy never chooses an observed arm)."
            )
        self._g = g
        self._sbar = sum_d / n
        self.theta = sum_t / sum_d
        ss = (sum_t2 - 2 * self.theta * sum_dt + self.theta**2 * sum_d2) / self._sbar**2
        self.se = np.sqrt(np.maximum(ss, 0.0) / (n - 1) / n)

    def project(self, g):
        """``psi_i @ g`` for every unit."""
        g = np.ascontiguousarray(g, dtype=np.float64)
        tg = self._tg if np.array_equal(g, self._g) else _chosen_project(self._N, self._codes, g)
        return self._s * (tg - (self.theta @ g) * self._d) / self._sbar

    def cov(self):
        """``sum_i psi_i psi_i^T / (n - 1)``, (m, m), summed by blocks of rows."""
        out = np.zeros((self.theta.size,) * 2)
        for a in range(self._N.shape[0]):
            arm_rows = np.flatnonzero(self._codes == a)
            for block in _row_blocks(arm_rows.size, self._N[0, :1].nbytes):
                rows = arm_rows[block]
                centred = self._N[a, rows] - self._d[rows, None] * self.theta
                centred *= (self._s[rows] / self._sbar)[:, None]
                out += centred.T @ centred
        return out / (self._codes.shape[0] - 1)


class _DenseTerms:
    """The terms of a stochastic policy ``P`` (n, K), held as an (n, m) array."""

    def __init__(self, N, D, P, s):
        num = np.einsum("ik,kim->im", P, N)
        den = np.einsum("ik,ki->i", P, D)[:, None]
        self.theta, terms, self.se = _linearised_ratio(num, den, s)
        self._psi = terms - self.theta

    def project(self, g):
        return self._psi @ g

    def cov(self):
        return self._psi.T @ self._psi / (self._psi.shape[0] - 1)


def _policy_terms(N, D, P, s, g=None):
    """The terms of the policy ``P``: compiled for a deterministic one, dense otherwise."""
    codes = np.argmax(P, axis=1)
    if np.all(P[np.arange(P.shape[0]), codes] == 1.0):
        return _ChosenTerms(N, D, codes, s, g)
    return _DenseTerms(N, D, P, s)
