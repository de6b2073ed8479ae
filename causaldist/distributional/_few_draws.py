"""Few-draw correction: the barycenter of the true unit distributions, not of their samples.

With ``m_i`` draws, unit ``i``'s empirical quantile at level ``p`` is biased,
most in the tails: the type-7 quantile of 40 normal draws at ``p = 0.025``
sits 0.2 standard deviations inside the true one, and a barycenter of
empirical quantile functions (any IPW or DR average of them) inherits the
bias, which does not shrink with the number of units.

The bias is known exactly as a function of the unit's quantile function.
The ``k``-th order statistic of ``m`` draws has ``E[X_(k)] = integral_0^1
Q(u) beta_{k, m-k+1}(u) du`` (David & Nagaraja 2003, eq. 2.1.5), and the
type-7 quantile is a fixed combination of two order statistics, so

``E[Q_hat_i(p)] = integral Q_i(u) K_{m_i, p}(u) du = (A_{m_i} Q_i)(p)``

with ``A_m`` a known linear operator (a mixture of two beta kernels per
level). Without any assumption on ``Q_i`` this cannot be inverted from one
unit's draws (no estimator from ``m`` draws is unbiased for a quantile:
expectations of functions of ``m`` draws are polynomials of degree ``m`` in
``F``). The correction assumes units share a shape up to location and
scale, ``Q_i(p) = mu_i + sigma_i z(p)`` (what ``make_distributional`` draws,
and a first-order description of most per-unit spreads), with the standard
shape ``z`` unknown in a flexible family: Tukey's g-and-h (Tukey 1977;
Hoaglin 1985), ``z = T(Phi^{-1}(u))``, ``T(t) = (e^{g t} - 1) / g *
e^{h t^2 / 2}``, which holds the normal (g = h = 0), skewed (g) and heavy
tails (h). Then

``E[Q_hat_i(p) - xbar_i] = sigma_i e_{m_i}(p)``, ``e_m = A_m z``,

1. the shape ``(g, h)`` is fitted to the pooled centred curves
   ``mean_i (Q_hat_i - xbar_i)`` (weighted by unit), whose expectation is
   proportional to ``mean_m A_m z`` (all ``N`` units inform it);
2. each unit's scale ``sigma_hat_i = <Q_hat_i - xbar_i, e_i> / <e_i, e_i>``
   (grid quadrature) is unbiased for ``sigma_i``;
3. ``Q_tilde_i = Q_hat_i + sigma_hat_i (z - e_{m_i})`` is unbiased for
   ``Q_i`` at every grid level, given the shape.

``Q_tilde_i`` replaces ``Q_hat_i`` in every per-unit term, so the
influence-function standard errors and the multiplier-bootstrap bands carry
the correction's per-unit noise (that of ``sigma_hat_i``). The shape is one
global two-parameter fit from all ``sum m_i`` draws; its error moves the
correction by a fraction of the (already small) bias and is not in the
standard errors (benchmarks/results/distributional_few_draws.md checks the
resulting coverage).
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, log_ndtr, ndtr

from ..base import _warn

__all__ = ["few_draw_correction"]

# Quadrature in t = Phi^{-1}(u): smooth integrands, tails to 1e-19.
_T = np.linspace(-9.0, 9.0, 1801)
_U = ndtr(_T)
_W = np.exp(-0.5 * _T**2) / np.sqrt(2 * np.pi) * (_T[1] - _T[0])
_W /= _W.sum()


def _beta_weights(k, m):
    """``beta_{k+1, m-k}(u_t) w_t`` on the quadrature nodes, for 0-based order ``k``."""
    a, b = k + 1.0, m - k * 1.0
    logpdf = (a - 1) * log_ndtr(_T) + (b - 1) * log_ndtr(-_T) - betaln(a, b)
    return np.exp(logpdf) * _W


def _kernel(m, levels):
    """``(M, T)`` weights with ``E[type-7 quantile of m draws at p] = K @ Q(u_t)``."""
    if m == 1:
        return np.tile(_W, (levels.size, 1))
    h = (m - 1) * levels
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, m - 1)
    frac = (h - lo)[:, None]
    rows = {k: _beta_weights(k, m) for k in np.unique(np.concatenate([lo, hi]))}
    K = np.vstack([rows[k] for k in lo]) * (1 - frac) + np.vstack([rows[k] for k in hi]) * frac
    return K


def _gh(theta, t):
    g, h = theta
    core = t if abs(g) < 1e-8 else np.expm1(g * t) / g
    return core * np.exp(h * t**2 / 2)


def _shape(theta):
    """Centred g-and-h shape on the quadrature nodes."""
    z = _gh(theta, _T)
    return z - z @ _W


def _shape_at(theta, levels):
    """The shape at the grid levels, centred as on the nodes."""
    from scipy.special import ndtri

    return _gh(theta, ndtri(levels)) - _gh(theta, _T) @ _W


class _LocationScaleCorrection:
    """The fitted few-draw correction (see the module docstring)."""

    def __init__(self, levels, weights):
        self.levels = levels
        self.weights = weights
        self._kernels = {}

    def kernel(self, m):
        if m not in self._kernels:
            self._kernels[m] = _kernel(int(m), self.levels)
        return self._kernels[m]

    def fit(self, Q, counts, means, sample_weight=None):
        s = np.ones(Q.shape[0]) if sample_weight is None else sample_weight
        ok = counts >= 2
        if not np.any(ok):
            raise ValueError(
                "the few-draw correction needs units with at least two draws; every "
                "unit has one. Pass a grid with correction=None."
            )
        C = Q - means[:, None]
        w = self.weights
        # Unit scale proxies weigh each count's kernel as the units weigh the curve.
        spread = np.sqrt(np.maximum((C**2) @ w, 0.0))
        target = (s[ok] @ C[ok]) / s[ok].sum()
        mix = np.zeros((self.levels.size, _T.size))
        for m in np.unique(counts[ok]):
            sel = ok & (counts == m)
            mix += (s[sel] @ spread[sel]) * self.kernel(m)
        mix /= max((s[ok] @ spread[ok]), 1e-300)

        def loss(theta):
            a = mix @ _shape(theta)
            aa = (a * a) @ w
            if not aa > 0:
                return np.inf
            return target * target @ w - ((target * a) @ w) ** 2 / aa

        best = None
        for start in ((0.0, 0.05), (0.3, 0.05), (-0.3, 0.05)):
            res = minimize(loss, start, method="L-BFGS-B", bounds=[(-1.5, 1.5), (0.0, 0.45)])
            if best is None or res.fun < best.fun:
                best = res
        self.shape_params_ = tuple(float(v) for v in best.x)
        return self

    def transform(self, Q, counts, means):
        """``Q_tilde`` and the per-unit scale estimates."""
        theta = self.shape_params_
        z_nodes = _shape(theta)
        z = _shape_at(theta, self.levels)
        out = Q.copy()
        scale = np.zeros(Q.shape[0])
        w = self.weights
        C = Q - means[:, None]
        for m in np.unique(counts):
            if m < 2:
                continue
            sel = counts == m
            e = self.kernel(m) @ z_nodes
            scale[sel] = (C[sel] @ (w * e)) / ((e * e) @ w)
            out[sel] += scale[sel, None] * (z - e)
        return out, scale


def _correct(outcome, grid, sample_weight=None, fitted=None):
    """Apply the grid's correction to an outcome read from draws; returns ``(Q, correction)``."""
    if not outcome.has_draws or getattr(grid, "correction", "auto") is None:
        return outcome.Q, None
    single = int(np.sum(outcome.counts < 2))
    if single:
        _warn(
            f"{single} units have a single draw: their quantile functions are left "
            "uncorrected (a scale cannot be estimated from one draw)."
        )
    corr = fitted
    if corr is None:
        corr = _LocationScaleCorrection(grid.levels, grid.weights).fit(
            outcome.Q, outcome.counts, outcome.means, sample_weight
        )
    Q, _ = corr.transform(outcome.Q, outcome.counts, outcome.means)
    return Q, corr


def few_draw_correction(draws, grid=None, sample_weight=None):
    """Quantile functions of the units' true distributions, from few draws each.

    Empirical quantiles of ``m_i`` draws are biased by ``O(1/m_i)``, most in
    the tails, so their barycenter misses the barycenter of the true
    distributions. This returns, per unit, quantiles on the grid whose
    expectation is the unit's true quantile function when units share a
    shape up to location and scale (the shape is fitted, in Tukey's g-and-h
    family, from all units' draws): see the module
    :mod:`causaldist.distributional._few_draws` for the derivation.

    Parameters
    ----------
    draws : Draws or sequence of 1-D array-like
        The draws of each unit.
    grid : QuantileGrid, int or array-like of levels, default=None
        ``None`` means 100 midpoint levels; an int, that many.
    sample_weight : array-like of shape (n_units,), default=None
        Unit weights in the fit of the shape.

    Returns
    -------
    Q : ndarray of shape (n_units, m)
        Corrected quantile functions (unbiased, not necessarily
        non-decreasing for a unit with very few draws).
    shape_params : tuple of float
        The fitted ``(g, h)`` of the shape.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import QuantileGrid, few_draw_correction
    >>> rng = np.random.default_rng(0)
    >>> draws = [rng.normal(size=10) for _ in range(4000)]
    >>> grid = QuantileGrid(10)
    >>> raw = grid.from_samples(draws).mean(axis=0)[0]
    >>> fixed = few_draw_correction(draws, grid)[0].mean(axis=0)[0]
    >>> round(float(raw), 2), round(float(fixed), 2)  # the truth at p = 0.05 is -1.64
    (-1.3, -1.64)
    """
    from ._draws import Draws, _Outcome
    from ._grid import QuantileGrid

    if grid is None or isinstance(grid, (int, np.integer)):
        grid = QuantileGrid(100 if grid is None else int(grid))
    elif not isinstance(grid, QuantileGrid):
        grid = QuantileGrid(levels=grid)
    d = Draws(draws)
    sw = None
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        if (sw.shape != (len(d),) or not np.all(np.isfinite(sw)) or np.any(sw < 0)
                or not sw.sum() > 0):
            raise ValueError(
                f"sample_weight must hold {len(d)} finite non-negative unit weights "
                f"with a positive sum; got shape {sw.shape}."
            )
    outcome = _Outcome(d.quantiles(grid.levels), d.counts, d.means)
    corr = _LocationScaleCorrection(grid.levels, grid.weights).fit(
        outcome.Q, outcome.counts, outcome.means, sw
    )
    Q, _ = corr.transform(outcome.Q, outcome.counts, outcome.means)
    return Q, corr.shape_params_
