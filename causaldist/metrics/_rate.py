"""Rank-weighted average treatment effects (RATE) and the TOC curve."""

import numbers

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import norm
from sklearn.utils import check_consistent_length

from ._checks import _binary_treatment, _check_1d

__all__ = ["RATEResult", "rank_average_treatment_effect"]


class RATEResult:
    """A rank-weighted average treatment effect with its bootstrap inference.

    Attributes
    ----------
    estimate : float
        AUTOC or Qini-weighted RATE.
    stderr : float
        Bootstrap standard error.
    confidence_interval : tuple of float
        Normal interval ``estimate -/+ z * stderr``.
    target : {"AUTOC", "QINI"}
    q : ndarray of shape (n_q,)
        Treated fractions at which the TOC is reported.
    toc : ndarray of shape (n_q,)
        ``TOC(q)``: mean effect among the top ``q`` minus the overall mean.
    toc_stderr : ndarray of shape (n_q,)
        Bootstrap standard error of ``toc``.
    n_bootstrap : int
    """

    def __init__(self, estimate, stderr, confidence_interval, target, q, toc, toc_stderr, n_bootstrap):
        self.estimate = estimate
        self.stderr = stderr
        self.confidence_interval = confidence_interval
        self.target = target
        self.q = q
        self.toc = toc
        self.toc_stderr = toc_stderr
        self.n_bootstrap = n_bootstrap

    def __repr__(self):
        lo, hi = self.confidence_interval
        return (
            f"RATEResult(target={self.target!r}, estimate={self.estimate:.4g}, "
            f"stderr={self.stderr:.3g}, confidence_interval=({lo:.4g}, {hi:.4g}))"
        )


def _rate(g, w, starts, q, target):
    """RATE and TOC at ``q`` for units already in priority order.

    ``w`` is (B, n): one weighting per row (sample weights times bootstrap
    counts). Scores tied in priority are replaced by their weighted group mean
    (as grf does), so the order of ties cannot matter. Unit ``i`` occupies the
    interval ``[W_{i-1}, W_i] / W_n`` of treated fractions, with ``W`` the
    cumulative weight and ``G`` the cumulative weighted score; inside it the
    empirical TOC is ``c_i / (q W_n) + g_i - mu`` with ``c_i = G_{i-1} - W_{i-1} g_i``
    and ``mu = G_n / W_n``. The RATE is the exact integral of that curve:

        AUTOC = sum_i (c_i / W_n) log(W_i / W_{i-1}) + (g_i - mu) (W_i - W_{i-1}) / W_n
        QINI  = sum_i (c_i / W_n^2) (W_i - W_{i-1}) + (g_i - mu) (W_i^2 - W_{i-1}^2) / (2 W_n^2)

    so that an integer weight is exactly a repeated row (the repeats tie and
    their pieces of the curve join into one). It differs from the Riemann sum
    over units by O(log n / n).
    """
    if starts.size < g.size:
        sizes = np.diff(np.append(starts, g.size))
        w_group = np.add.reduceat(w, starts, axis=1)
        mean = np.divide(
            np.add.reduceat(w * g, starts, axis=1), w_group,
            out=np.zeros_like(w_group), where=w_group > 0,
        )
        g = np.repeat(mean, sizes, axis=1)
    else:
        g = np.broadcast_to(g, w.shape)
    W = np.cumsum(w, axis=1)
    G = np.cumsum(w * g, axis=1)
    total = W[:, -1:]
    mu = G[:, -1:] / total
    W_prev = W - w
    c = (G - w * g) - W_prev * g
    if target == "AUTOC":
        log_ratio = np.log(np.divide(W, W_prev, out=np.ones_like(W), where=W_prev > 0))
        pieces = c * log_ratio + (g - mu) * w
        estimate = pieces.sum(axis=1) / total[:, 0]
    else:
        pieces = c * w + (g - mu) * (W * W - W_prev * W_prev) / 2
        estimate = pieces.sum(axis=1) / total[:, 0] ** 2
    at_q = np.empty((w.shape[0], q.size))
    for b in range(w.shape[0]):
        point = q * total[b, 0]
        i = np.minimum(np.searchsorted(W[b], point * (1 - 1e-12)), g.shape[1] - 1)
        at_q[b] = (G[b, i] - w[b, i] * g[b, i] + (point - W_prev[b, i]) * g[b, i]) / point - mu[b, 0]
    return estimate, at_q


def _bootstrap_chunk(g, sw, starts, q, target, seed, size):
    rng = np.random.default_rng(seed)
    n = g.size
    counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(size)])
    return _rate(g, counts * sw, starts, q, target)


def _ipw_scores(y, treatment, propensity, sw, control):
    if y is None or treatment is None:
        raise ValueError(
            "Pass either scores (e.g. DREvaluator(...).fit(...).scores_) or both y and "
            "treatment (randomised trial)."
        )
    check_consistent_length(y, treatment)
    y = _check_1d(y, "y")
    t = _binary_treatment(treatment, control)
    w = np.ones_like(y) if sw is None else sw
    if propensity is None:
        e = np.full_like(y, np.dot(w, t) / w.sum())
    else:
        e = _check_1d(np.broadcast_to(propensity, y.shape), "propensity")
        if np.any((e <= 0) | (e >= 1)):
            raise ValueError("propensity must lie strictly between 0 and 1.")
    return y * t / e - y * (1 - t) / (1 - e)


def rank_average_treatment_effect(
    priorities, scores=None, *, y=None, treatment=None, propensity=None, target="AUTOC",
    q=None, sample_weight=None, n_bootstrap=200, confidence_level=0.95, control=None,
    random_state=None, n_jobs=None,
):
    """Rank-weighted average treatment effect of a prioritisation rule (RATE).

    Yadlowsky, Fleming, Shah, Brunskill & Wager (2021), "Evaluating Treatment
    Prioritization Rules via Rank-Weighted Average Treatment Effects". Units are
    ranked by ``priorities``; the Targeting Operator Characteristic is

        TOC(q) = E[tau(X) | S(X) in top q] - E[tau(X)],

    estimated by averaging per-unit effect scores ``Gamma_i`` over the top ``q``
    share. The RATE integrates it: ``AUTOC = int_0^1 TOC(q) dq`` and
    ``QINI = int_0^1 q TOC(q) dq``. Both are 0 for a random ranking and
    positive when the rule finds the units that benefit most.

    ``Gamma_i`` is either given (``scores``: doubly robust scores for
    observational data, e.g. ``Gamma_i(1) - Gamma_i(0)`` from
    :class:`causaldist.evaluation.DREvaluator`) or, for a randomised trial,
    the IPW score ``y t / e - y (1 - t) / (1 - e)`` with ``e`` the known
    ``propensity`` (default: the treated share). Standard errors come from the
    bootstrap over units with the ranking held fixed (the priorities are
    assumed fitted on other data); the cost is one sort plus O(n) per
    bootstrap replicate, run in ``n_jobs`` chunks.

    Parameters
    ----------
    priorities : array-like of shape (n_samples,)
        Higher means treat first (e.g. a CATE estimate).
    scores : array-like of shape (n_samples,) or (n_samples, 2), default=None
        Per-unit effect scores; two columns are read as ``Gamma(0), Gamma(1)``.
    y, treatment : array-like of shape (n_samples,), default=None
        Outcome and binary treatment of a randomised trial, used when
        ``scores`` is None.
    propensity : float or array-like, default=None
        Known treatment probability for the IPW scores.
    target : {"AUTOC", "QINI"}, default="AUTOC"
    q : array-like, default=None
        Fractions at which to report the TOC; ``None`` means 0.01, 0.02, ..., 1.
    sample_weight : array-like of shape (n_samples,), default=None
    n_bootstrap : int, default=200
    confidence_level : float, default=0.95
    control : label, default=None
        Control label of ``treatment`` (default: the smaller label).
    random_state : int, Generator or None, default=None
    n_jobs : int, default=None
        Parallel bootstrap chunks (joblib).

    Returns
    -------
    result : RATEResult

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.metrics import rank_average_treatment_effect
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2000)
    >>> scores = np.maximum(x, 0) + rng.normal(size=2000)
    >>> res = rank_average_treatment_effect(x, scores, random_state=0)
    >>> bool(res.confidence_interval[0] > 0)
    True
    """
    if target not in ("AUTOC", "QINI"):
        raise ValueError(f"target must be 'AUTOC' or 'QINI'; got {target!r}.")
    if not isinstance(n_bootstrap, numbers.Integral) or n_bootstrap < 2:
        raise ValueError(f"n_bootstrap must be an integer >= 2; got {n_bootstrap!r}.")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be in (0, 1); got {confidence_level!r}.")
    s = _check_1d(priorities, "priorities")
    sw = None
    if sample_weight is not None:
        check_consistent_length(s, sample_weight)
        sw = _check_1d(sample_weight, "sample_weight")
        if np.any(sw < 0) or sw.sum() <= 0:
            raise ValueError("sample_weight must be non-negative with a positive sum.")
    if scores is None:
        g = _ipw_scores(y, treatment, propensity, sw, control)
    else:
        g = np.asarray(scores)
        if g.ndim == 2 and g.shape[1] == 2:
            g = g[:, 1] - g[:, 0]
        elif g.ndim == 2 and g.shape[1] == 1:
            g = g[:, 0]
        elif g.ndim != 1:
            raise ValueError(
                "scores must be (n_samples,) or (n_samples, 2) [Gamma(0), Gamma(1)]; got "
                f"shape {g.shape}. For K arms pass the contrast of interest."
            )
        g = _check_1d(g, "scores")
    check_consistent_length(s, g)
    q = np.arange(1, 101) / 100 if q is None else _check_1d(q, "q")
    if np.any((q <= 0) | (q > 1)):
        raise ValueError("q must lie in (0, 1].")

    order = np.argsort(s, kind="stable")[::-1]
    s_sorted, g = s[order], g[order]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    sw = np.ones_like(g) if sw is None else sw[order]
    estimate, toc = _rate(g, sw[None, :], starts, q, target)

    # Chunks bound memory (a few (chunk, n) arrays) and are the parallel unit;
    # their seeds depend on random_state alone, not on n_jobs.
    chunk = int(max(1, min(n_bootstrap, 4_000_000 // g.size)))
    sizes = [min(chunk, n_bootstrap - i) for i in range(0, n_bootstrap, chunk)]
    seeds = np.random.SeedSequence(
        np.random.default_rng(random_state).integers(2**63)
    ).spawn(len(sizes))
    parts = Parallel(n_jobs=n_jobs)(
        delayed(_bootstrap_chunk)(g, sw, starts, q, target, seed, size)
        for seed, size in zip(seeds, sizes)
    )
    boot = np.concatenate([p[0] for p in parts])
    boot_toc = np.concatenate([p[1] for p in parts])
    stderr = float(np.std(boot, ddof=1))
    z = norm.ppf(0.5 + confidence_level / 2)
    est = float(estimate[0])
    return RATEResult(
        estimate=est, stderr=stderr, confidence_interval=(est - z * stderr, est + z * stderr),
        target=target, q=q, toc=toc[0], toc_stderr=np.std(boot_toc, axis=0, ddof=1),
        n_bootstrap=n_bootstrap,
    )
