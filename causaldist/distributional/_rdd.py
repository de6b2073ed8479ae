"""Regression discontinuity with distribution-valued outcomes (R3D).

Each unit ``i`` has a running variable ``Z_i`` and an outcome that is a
distribution (the wages inside a firm, a customer's monthly spend), read as a
quantile function ``Q_i`` on a grid. Treatment switches on at ``Z >= c``
(sharp) or its probability jumps there (fuzzy). The estimand is the local
average quantile treatment effect (Van Dijcke 2025, "Regression
Discontinuity Design with Distribution-Valued Outcomes"):

``tau(p) = lim_{z -> c+} E[Q(p) | Z = z] - lim_{z -> c-} E[Q(p) | Z = z]``

(over the jump of ``P(D = 1 | Z = z)`` in a fuzzy design): the jump of the
conditional Wasserstein barycenter at the cutoff. It averages quantiles,
not distributions: a quantile RDD of the pooled draws estimates the jump of
the mixture's quantiles, another (and for heterogeneous units, different)
quantity.

Estimators, per side of the cutoff:

- ``"simple"``: local polynomial regression of ``Q_i(p)`` on ``Z_i - c`` at
  every level ``p`` (its own MSE-optimal bandwidth per level), the
  intercepts rearranged to be non-decreasing;
- ``"frechet"``: local Fréchet regression in the 1-D Wasserstein space
  (Petersen & Müller 2019) with one integrated-MSE-optimal bandwidth: the
  minimiser over quantile functions of ``sum_i l_i ||Q_i - q||^2`` with the
  local-polynomial intercept weights ``l_i``, i.e. the L2 (isotonic)
  projection of the local polynomial fit onto non-decreasing functions.

Inference is robust bias-corrected (Calonico, Cattaneo & Titiunik 2014, with
``rho = h / b = 1``: the local polynomial of one order higher at the same
bandwidth, whose heteroskedasticity-robust variance accounts for the bias
correction): pointwise intervals, and uniform bands over the levels by
Gaussian multiplier bootstrap of the per-unit influence terms (the sup of
the studentised process), which also give the tests of nullity
(``tau = 0`` at every level) and homogeneity (``tau`` constant in ``p``).
"""

import math
from numbers import Integral, Real

import numpy as np
from scipy.stats import norm
from sklearn.base import BaseEstimator
from sklearn.isotonic import isotonic_regression
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from ..base import _atomic_fit, _check_range, _check_weight_range
from ..inference import Estimate
from ._base import _read_y
from ._draws import _is_ragged
from ._few_draws import _correct

__all__ = ["DistributionalRDD"]

_KERNELS = {
    "triangular": lambda u: np.clip(1.0 - np.abs(u), 0.0, None),
    "epanechnikov": lambda u: 0.75 * np.clip(1.0 - u**2, 0.0, None),
    "uniform": lambda u: 0.5 * (np.abs(u) <= 1.0),
}


def _kernel_constants(kernel, order):
    """Boundary bias and variance constants of a local polynomial intercept.

    ``B = e1' G^{-1} int K(u) r(u) u^{p+1} du`` and ``V = e1' G^{-1} S G^{-1} e1``
    with ``G = int_0^1 K r r'``, ``S = int_0^1 K^2 r r'``, ``r(u) = (1, ..., u^p)``
    (Fan & Gijbels 1996, sec. 3.2.2), by quadrature.
    """
    u = (np.arange(20000) + 0.5) / 20000
    k = _KERNELS[kernel](u)
    r = np.vander(u, order + 1, increasing=True)
    G = r.T @ (r * k[:, None]) / u.size
    S = r.T @ (r * (k**2)[:, None]) / u.size
    b = r.T @ (k * u ** (order + 1)) / u.size
    Gi = np.linalg.inv(G)
    return float((Gi @ b)[0]), float((Gi @ S @ Gi)[0, 0])


def _side_weights(z, s, h, order, above, kernel):
    """Intercept weights ``l`` (n,) and the hat map of the local fit on one side.

    The local polynomial intercept is ``l @ Y``; ``fit(Y)`` gives each unit's
    fitted value (zero off the side's window) for residuals.
    """
    side = (z >= 0) if above else (z < 0)
    k = _KERNELS[kernel](z / h) * s * side
    Z = np.vander(z / h, order + 1, increasing=True)
    G = Z.T @ (Z * k[:, None])
    if np.linalg.matrix_rank(G) < order + 1:
        raise ValueError(
            f"too few units with positive kernel weight {'above' if above else 'below'} "
            f"the cutoff for a local polynomial of order {order} at bandwidth {h:.4g}; "
            "widen the bandwidth or lower the order."
        )
    A = np.linalg.solve(G, (Z * k[:, None]).T)  # (p+1, n): beta = A @ Y
    return A[0], Z, A, k > 0


class _SideFit:
    """Local polynomial fits of many outcome columns at one bandwidth, one side."""

    def __init__(self, z, s, h, order, above, kernel, Y):
        ell, Z, A, active = _side_weights(z, s, h, order, above, kernel)
        beta = A @ Y
        self.intercept = beta[0]
        resid = (Y - Z @ beta) * active[:, None]
        self.influence = ell[:, None] * resid  # (n, k): intercept - truth ~ sum


def _mse_bandwidth(z, s, Y, order, kernel, weights=None):
    """MSE-optimal bandwidth(s) of the jump of ``E[Y | Z]`` at 0 (per column, or integrated).

    ``h = [V (sigma_+^2 + sigma_-^2) / (f(0) n 2(p+1) (B D / (p+1)!)^2)]^{1/(2p+3)}``
    with pilot estimates: the density ``f(0)`` by a Gaussian kernel at
    Silverman's bandwidth, the derivatives ``m_+-^{(p+1)}(0)`` by global
    polynomials of order ``p + 2`` on each side, the conditional variances
    from their residuals within the pilot window, and ``D^2`` regularised
    by the variance of its estimate (as Imbens & Kalyanaraman 2012 do, so
    that a jump of equal curvature does not give an infinite bandwidth).
    ``weights`` (over the columns) gives one bandwidth for the integrated MSE.
    """
    n_eff = s.sum() ** 2 / (s**2).sum()
    sd = math.sqrt(np.average((z - np.average(z, weights=s)) ** 2, weights=s))
    hf = 1.06 * sd * n_eff ** (-0.2)
    f0 = float(np.sum(s * norm.pdf(z / hf)) / (s.sum() * hf))
    h_pilot = 1.84 * sd * n_eff ** (-0.2)
    B, V = _kernel_constants(kernel, order)
    q = order + 1
    deriv, dvar, sig2 = [], [], []
    for above in (True, False):
        side = (z >= 0) if above else (z < 0)
        zs, ys, ss = z[side], Y[side], s[side]
        P = np.vander(zs, q + 2, increasing=True)
        G = P.T @ (P * ss[:, None])
        beta = np.linalg.lstsq(G, (P * ss[:, None]).T @ ys, rcond=None)[0]
        res = ys - P @ beta
        Gi = np.linalg.pinv(G)
        row = Gi[q] * math.factorial(q)  # (p+2+1,) maps scores to the q-th derivative
        infl = (P * ss[:, None]) @ row  # (n_side,)
        dvar.append((infl[:, None] ** 2 * res**2).sum(axis=0))
        deriv.append(beta[q] * math.factorial(q))
        near = np.abs(zs) <= h_pilot
        if near.sum() < 5:
            near = np.argsort(np.abs(zs))[: max(5, min(len(zs), 20))]
        sig2.append(np.average(res[near] ** 2, axis=0, weights=ss[near]))
    sign = (-1) ** q
    D2 = (deriv[0] - sign * deriv[1]) ** 2 + dvar[0] + dvar[1]
    num = V * (sig2[0] + sig2[1])
    den = f0 * n_eff * 2 * q * (B / math.factorial(q)) ** 2 * D2
    if weights is not None:
        num, den = num @ weights, den @ weights
    with np.errstate(divide="ignore"):
        h = (num / np.maximum(den, 1e-300)) ** (1.0 / (2 * q + 1))
    span = np.max(np.abs(z))
    return np.clip(h, 1e-12, span)


def _min_bandwidth(z, order):
    """The smallest bandwidth that gives ``order + 2`` distinct running values weight on each side."""
    out = 0.0
    for side in (np.unique(z[z >= 0]), np.unique(-z[z < 0])):
        if side.size == 0:
            continue
        k = min(order + 1, side.size - 1)
        out = max(out, np.partition(side, k)[k] * (1 + 1e-6) + 1e-12)
    return out


class DistributionalRDD(BaseEstimator):
    """Regression discontinuity design with distribution-valued outcomes (R3D).

    ``fit(X, y, treatment=None)``: ``X`` holds the running variable (column
    ``running``; other columns are ignored), ``y`` each unit's outcome
    distribution as raw draws (a ragged list, :class:`Draws`, a long table
    named in the grid) or quantile functions on the grid, ``treatment``
    the received treatment of a fuzzy design (``None``: sharp, treated iff
    the running variable is at or above the cutoff). See the module
    docstring for the estimand, the two estimators and the inference.

    Parameters
    ----------
    cutoff : float, default=0.0
    method : {"simple", "frechet"}, default="frechet"
        Local polynomial regression per level (a bandwidth per level), or
        local Fréchet regression (one integrated-MSE bandwidth; the monotone
        projection of the simple fit at that bandwidth).
    order : int, default=1
        Order ``p`` of the local polynomial; the bias-corrected inference
        uses order ``p + 1`` at the same bandwidth.
    bandwidth : float, array-like of shape (m,) or None, default=None
        ``None`` selects MSE-optimal bandwidths. The first stage of a fuzzy
        design gets its own (scalar) bandwidth.
    kernel : {"triangular", "epanechnikov", "uniform"}, default="triangular"
    grid : QuantileGrid or array-like of levels, default=None
        As for the other distributional estimators (with the few-draw
        correction for raw draws).
    running : int, default=0
        Column of ``X`` holding the running variable.
    alpha : float, default=0.05
    n_bootstraps : int, default=2000
        Gaussian multiplier draws for the uniform band and the tests.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    effect_ : ndarray of shape (m,)
        ``tau(p)`` from the order-``p`` fit.
    effect_bc_ : ndarray of shape (m,)
        The bias-corrected estimate (order ``p + 1`` at the same bandwidth)
        the bands are centred on.
    stderr_ : ndarray of shape (m,)
        Robust standard errors of ``effect_bc_``.
    pointwise_band_, uniform_band_ : tuple of ndarray of shape (m,)
    above_, below_ : ndarray of shape (m,)
        The conditional barycenters at the cutoff from above and below
        (non-decreasing; reduced-form, not divided by the first stage).
    first_stage_ : float or None
        Jump of ``P(D = 1 | Z)`` at the cutoff (fuzzy).
    bandwidth_ : ndarray of shape (m,) or float
    bandwidth_first_stage_ : float or None
    tests_ : dict
        ``{"nullity": Estimate, "homogeneity": Estimate}``: sup-t statistics
        (``value``) with multiplier-bootstrap p-values (``pvalue()`` is
        overridden by the stored ``p_value``).
    grid_ : QuantileGrid
    n_below_, n_above_ : int
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import DistributionalRDD
    >>> rng = np.random.default_rng(0)
    >>> z = rng.uniform(-1, 1, 2000)
    >>> draws = [rng.normal(zi + 1.0 * (zi >= 0), 1.0, size=30) for zi in z]
    >>> rdd = DistributionalRDD(grid=np.linspace(0.05, 0.95, 19), random_state=0)
    >>> rdd = rdd.fit(z[:, None], draws)
    >>> bool(np.all(np.abs(rdd.effect_ - 1.0) < 0.4))
    True
    >>> rdd.tests_["homogeneity"].p_value > 0.05
    True
    """

    _parameter_constraints: dict = {
        "cutoff": [Real],
        "method": [StrOptions({"simple", "frechet"})],
        "order": [Interval(Integral, 0, 4, closed="both")],
        "bandwidth": ["array-like", Interval(Real, 0, None, closed="neither"), None],
        "kernel": [StrOptions(set(_KERNELS))],
        "grid": "no_validation",
        "running": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "n_bootstraps": [Interval(Integral, 10, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self, *, cutoff=0.0, method="frechet", order=1, bandwidth=None, kernel="triangular",
        grid=None, running=0, alpha=0.05, n_bootstraps=2000, random_state=None,
    ):
        self.cutoff = cutoff
        self.method = method
        self.order = order
        self.bandwidth = bandwidth
        self.kernel = kernel
        self.grid = grid
        self.running = running
        self.alpha = alpha
        self.n_bootstraps = n_bootstraps
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    @_atomic_fit
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Estimate the jump of the conditional barycenter at the cutoff.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Column ``running`` is the running variable.
        y : draws or array-like of shape (n_samples, m)
            Raw draws per unit or quantile functions on the grid.
        treatment : array-like of shape (n_samples,), default=None
            Received treatment (0/1) of a fuzzy design; ``None`` is sharp.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : DistributionalRDD
        """
        self._validate_params()
        if y is None:
            raise ValueError(
                "DistributionalRDD requires y to be passed, but the target y is None: "
                "give the outcome distribution of every unit."
            )
        ragged = _is_ragged(y) or hasattr(y, "iloc")
        if ragged:
            n = X.shape[0] if hasattr(X, "shape") else len(X)
            outcome, self.grid_ = _read_y(self.grid, y, n_rows=n,
                                          units=X.index if hasattr(X, "iloc") else None)
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        else:
            X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                                 dtype=np.float64, ensure_min_samples=2)
            outcome, self.grid_ = _read_y(self.grid, y)
        n = X.shape[0]
        if outcome.Q.shape[0] != n:
            raise ValueError(f"y has {outcome.Q.shape[0]} units but X has {n} rows.")
        if self.running >= X.shape[1]:
            raise ValueError(f"running={self.running} but X has {X.shape[1]} columns.")
        s = np.ones(n) if sample_weight is None else _check_sample_weight(
            sample_weight, X, ensure_non_negative=True)
        if sample_weight is not None:
            _check_weight_range(s)
        _check_range(X, "X")
        _check_range(outcome.Q, "y")
        Q, self.correction_ = _correct(outcome, self.grid_, s)
        self.draw_counts_ = outcome.counts
        z = X[:, self.running] - self.cutoff
        self.n_above_, self.n_below_ = int(np.sum(z >= 0)), int(np.sum(z < 0))
        if min(self.n_above_, self.n_below_) < self.order + 2:
            raise ValueError(
                f"the cutoff leaves {self.n_below_} units below and {self.n_above_} above; "
                f"a local polynomial of order {self.order} needs at least "
                f"{self.order + 2} on each side."
            )
        D = None
        if treatment is not None:
            try:
                D = check_array(treatment, ensure_2d=False, dtype=np.float64,
                                input_name="treatment").ravel()
            except ValueError as exc:
                if "could not convert" not in str(exc):
                    raise
                raise ValueError(
                    "treatment of a fuzzy design must be numeric take-up (0/1 or a "
                    f"probability); got labels ({exc})."
                ) from exc
            if D.shape[0] != n:
                raise ValueError(f"treatment has {D.shape[0]} entries but X has {n} rows.")
        m = Q.shape[1]
        w = self.grid_.weights

        # -- bandwidths ---------------------------------------------------------
        if self.bandwidth is None:
            if self.method == "simple":
                h = _mse_bandwidth(z, s, Q, self.order, self.kernel)
            else:
                h = np.full(m, float(_mse_bandwidth(z, s, Q, self.order, self.kernel, w)))
            h = np.maximum(h, _min_bandwidth(z, self.order + 1))
        else:
            h = np.broadcast_to(np.asarray(self.bandwidth, dtype=np.float64), (m,)).copy()
            if not np.all(h > 0):
                raise ValueError("bandwidth must be positive.")
            if self.method == "frechet" and not np.all(h == h[0]):
                raise ValueError("method='frechet' takes one bandwidth for every level.")
        self.bandwidth_ = h if self.method == "simple" else float(h[0])

        # -- fits at each distinct bandwidth, order p and p + 1 -------------------
        fits = {}
        for order in (self.order, self.order + 1):
            ip, im = np.empty(m), np.empty(m)
            psi = np.empty((n, m))
            for hv in np.unique(h):
                cols = np.flatnonzero(h == hv)
                up = _SideFit(z, s, hv, order, True, self.kernel, Q[:, cols])
                dn = _SideFit(z, s, hv, order, False, self.kernel, Q[:, cols])
                ip[cols], im[cols] = up.intercept, dn.intercept
                psi[:, cols] = up.influence - dn.influence
            fits[order] = (ip, im, psi)
        self.first_stage_ = self.bandwidth_first_stage_ = None
        denom, psi_d = 1.0, None
        if D is not None:
            hd = (float(_mse_bandwidth(z, s, D[:, None], self.order, self.kernel)[0])
                  if self.bandwidth is None else float(np.median(h)))
            hd = max(hd, _min_bandwidth(z, self.order + 1))
            self.bandwidth_first_stage_ = hd
            jd = {}
            for order in (self.order, self.order + 1):
                up = _SideFit(z, s, hd, order, True, self.kernel, D[:, None])
                dn = _SideFit(z, s, hd, order, False, self.kernel, D[:, None])
                jd[order] = (float(up.intercept[0] - dn.intercept[0]),
                             (up.influence - dn.influence)[:, 0])
            self.first_stage_ = jd[self.order][0]
            if abs(self.first_stage_) < 1e-8:
                raise ValueError("the first stage does not jump at the cutoff: the fuzzy "
                                 "design identifies nothing.")

        def effect(order):
            ip, im, psi = fits[order]
            if self.method == "frechet":
                ip = isotonic_regression(ip, sample_weight=w)
                im = isotonic_regression(im, sample_weight=w)
            else:
                ip, im = np.sort(ip), np.sort(im)
            jump = ip - im
            if D is None:
                return jump, psi, ip, im
            jd_o, psi_do = jd[order]
            tau = jump / jd_o
            return tau, (psi - tau[None, :] * psi_do[:, None]) / jd_o, ip, im

        self.effect_, _, self.above_, self.below_ = effect(self.order)
        self.effect_bc_, psi, _, _ = effect(self.order + 1)
        self._psi = psi
        cov = psi.T @ psi * n / max(n - 2 * (self.order + 2), 1)
        self._cov = cov
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        self.stderr_ = se
        zc = norm.ppf(1 - self.alpha / 2)
        tau = self.effect_bc_
        self.pointwise_band_ = (tau - zc * se, tau + zc * se)

        rng = check_random_state(self.random_state)
        vals, vecs = np.linalg.eigh(cov)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        draws = rng.standard_normal((self.n_bootstraps, m)) @ root.T
        scale = np.where(se > 0, se, np.inf)
        sup = np.max(np.abs(draws) / scale, axis=1)
        crit = float(np.quantile(sup, 1 - self.alpha))
        self.critical_value_ = crit
        self.uniform_band_ = (tau - crit * se, tau + crit * se)
        # tests: sup-t over the levels against the bootstrap of the studentised process
        stat_null = float(np.max(np.abs(tau) / scale))
        C = np.eye(m) - np.outer(np.ones(m), w)
        cov_c = C @ cov @ C.T
        se_c = np.sqrt(np.clip(np.diag(cov_c), 0.0, None))
        scale_c = np.where(se_c > 1e-12 * max(se.max(), 1e-300), se_c, np.inf)
        stat_homo = float(np.max(np.abs(C @ tau) / scale_c))
        sup_c = np.max(np.abs(draws @ C.T) / scale_c, axis=1)
        self.tests_ = {
            "nullity": _TestResult(stat_null, float(np.mean(sup >= stat_null)), "nullity"),
            "homogeneity": _TestResult(stat_homo, float(np.mean(sup_c >= stat_homo)),
                                       "homogeneity"),
        }
        return self

    def summary(self):
        """Per-level table: effect, bias-corrected effect, SE and both bands.

        Returns
        -------
        frame : DataFrame
        """
        import pandas as pd

        check_is_fitted(self, "effect_")
        return pd.DataFrame({
            "level": self.grid_.levels, "effect": self.effect_, "effect_bc": self.effect_bc_,
            "stderr": self.stderr_, "pointwise_lower": self.pointwise_band_[0],
            "pointwise_upper": self.pointwise_band_[1], "uniform_lower": self.uniform_band_[0],
            "uniform_upper": self.uniform_band_[1],
        })

    def plot(self, ax=None, **kwargs):
        """Plot the effect curve with its bands (:func:`causaldist.plotting.plot_distributional_rdd`)."""
        from ..plotting._rdd import plot_distributional_rdd

        return plot_distributional_rdd(self, ax=ax, **kwargs)


class _TestResult(Estimate):
    """A sup-t test statistic with its multiplier-bootstrap p-value."""

    def __init__(self, statistic, p_value, name):
        super().__init__(statistic, np.nan, method=f"{name} test (sup-t)")
        self.p_value = p_value

    def pvalue(self, null=0.0):
        return self.p_value

    def __repr__(self):
        return f"{self.method}: statistic={self.value:.4g}, p-value={self.p_value:.4g}"
