"""Rank-weighted average treatment effects (RATE) and the TOC curve."""

import numbers
import warnings

import numpy as np
from joblib import Parallel, delayed

from .._progress import Progress, progress_of
from ..inference import Estimate
from ._checks import _binary_treatment, _check_1d

__all__ = ["RATEResult", "rank_average_treatment_effect"]


class RATEResult(Estimate):
    """A rank-weighted average treatment effect with its bootstrap inference.

    An :class:`~causaldist.inference.Estimate` (``value``, ``stderr``,
    ``conf_int(alpha)``, ``pvalue()``, ``summary_frame()``) with the TOC
    curve behind it. ``pvalue()`` tests ``RATE = 0``: no heterogeneity that
    the ranking finds.

    Parameters
    ----------
    value : float
        AUTOC or Qini-weighted RATE.
    stderr : float
        Bootstrap standard error.
    target : {"AUTOC", "QINI"}
    q : ndarray of shape (n_q,)
        Treated fractions at which the TOC is reported.
    toc : ndarray of shape (n_q,)
        ``TOC(q)``: mean effect among the top ``q`` minus the overall mean.
    toc_stderr : ndarray of shape (n_q,)
        Bootstrap standard error of ``toc``.
    n_bootstrap : int
    n : int, default=None
        Number of units.

    Attributes
    ----------
    value, stderr, target, q, toc, toc_stderr, n_bootstrap, n
        As passed.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.metrics import RATEResult
    >>> q = np.array([0.5, 1.0])
    >>> RATEResult(0.2, 0.05, target="AUTOC", q=q, toc=np.array([0.3, 0.0]),
    ...            toc_stderr=np.array([0.1, 0.0]), n_bootstrap=200, n=1000)
    RATEResult(AUTOC: value=0.2, stderr=0.05, 95% CI=[0.102, 0.298], n=1000)
    """

    def __init__(
        self, value, stderr, *, target, q, toc, toc_stderr, n_bootstrap, n=None
    ):
        super().__init__(value, stderr, n=n, names=[target], method=target)
        self.target = target
        self.q = q
        self.toc = toc
        self.toc_stderr = toc_stderr
        self.n_bootstrap = n_bootstrap

    @property
    def estimate(self):
        """The RATE (deprecated: use ``value``)."""
        warnings.warn(
            "RATEResult.estimate is deprecated and will be removed in the next "
            "release; use RATEResult.value.", FutureWarning, stacklevel=2,
        )
        return self.value

    @property
    def confidence_interval(self):
        """95% normal interval (deprecated: use ``conf_int(alpha)``)."""
        warnings.warn(
            "RATEResult.confidence_interval is deprecated and will be removed in "
            "the next release; use RATEResult.conf_int(alpha=0.05).",
            FutureWarning, stacklevel=2,
        )
        return self.conf_int()


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


def _ipw_scores(y, treatment, propensity, sw, control, n):
    """``y t / e - y (1 - t) / (1 - e)``, ``e`` known or the (weighted) treated share."""
    if y is None or treatment is None:
        raise ValueError(
            "Pass either scores (e.g. DREvaluator(...).fit(...).scores_) or both y and "
            "treatment (randomised trial)."
        )
    y = _check_1d(y, "y")
    t = _binary_treatment(treatment, control)
    for name, values in (("y", y), ("treatment", t)):
        if values.size != n:
            raise ValueError(f"{name} has {values.size} entries but priorities has {n}.")
    w = np.ones_like(y) if sw is None else sw
    if propensity is None:
        if not (np.dot(w, t) > 0 and np.dot(w, 1 - t) > 0):
            raise ValueError("sample_weight gives one arm of treatment zero total weight.")
        e = np.full_like(y, np.dot(w, t) / w.sum())
    else:
        e = _check_1d(np.atleast_1d(propensity), "propensity")
        if e.size == 1:
            e = np.full_like(y, e[0])
        if e.size != y.size:
            raise ValueError(f"propensity has {e.size} entries but y has {y.size}.")
        if np.any((e <= 0) | (e >= 1)):
            raise ValueError("propensity must lie strictly between 0 and 1.")
    with np.errstate(over="ignore", invalid="ignore"):
        g = y * t / e - y * (1 - t) / (1 - e)
    if not np.all(np.isfinite(g)):
        raise ValueError(
            "the IPW scores y t / e - y (1 - t) / (1 - e) overflow: propensity is "
            "too close to 0 or 1 for the scale of y."
        )
    return g


def _prepare(priorities, scores, y, treatment, propensity, sample_weight, control):
    """Validated priorities, effect scores and weights, zero-weight units dropped."""
    s = _check_1d(priorities, "priorities")
    sw = None
    if sample_weight is not None:
        sw = _check_1d(sample_weight, "sample_weight")
        if sw.size != s.size:
            raise ValueError(
                f"sample_weight has {sw.size} entries but priorities has {s.size}."
            )
        if np.any(sw < 0) or not sw.sum() > 0:
            raise ValueError("sample_weight must be non-negative with a positive sum.")
    if scores is None:
        g = _ipw_scores(y, treatment, propensity, sw, control, s.size)
        name = "y"
    else:
        if y is not None or treatment is not None:
            raise ValueError(
                "Pass either scores or y and treatment, not both: with scores, y and "
                "treatment would be ignored."
            )
        g = np.asarray(scores)
        if g.ndim == 2 and g.shape[1] == 2:
            g = _check_1d(g[:, 1], "scores") - _check_1d(g[:, 0], "scores")
        elif g.ndim > 1 and g.shape[1:] != (1,):
            raise ValueError(
                "scores must be (n_samples,) or (n_samples, 2) [Gamma(0), Gamma(1)]; got "
                f"shape {g.shape}. For K arms pass the contrast of interest."
            )
        g = _check_1d(g, "scores")
        name = "scores"
    if g.size != s.size:
        raise ValueError(f"{name} has {g.size} entries but priorities has {s.size}.")
    if sw is None:
        return s, g, np.ones_like(g), name
    # A unit of zero weight is not in the sample: nor in its bootstrap.
    keep = sw > 0
    return s[keep], g[keep], sw[keep], name


def _ranked(s, g, sw):
    """Scores and weights in decreasing priority, and where each tie group starts."""
    order = np.argsort(s, kind="stable")[::-1]
    s_sorted = s[order]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    return g[order], sw[order], starts


def _rate_score(
    y, uplift, treatment, *, sample_weight=None, target="AUTOC", propensity=None
):
    """Point RATE of an uplift ranking on trial data (UpliftScorer's "rate").

    A constant ranking scores 0, the value of random targeting.
    """
    if target not in ("AUTOC", "QINI"):
        raise ValueError(f"target must be 'AUTOC' or 'QINI'; got {target!r}.")
    s, g, sw, _ = _prepare(uplift, None, y, treatment, propensity, sample_weight, None)
    g, sw, starts = _ranked(s, g, sw)
    return float(_rate(g, sw[None, :], starts, np.ones(1), target)[0][0])


def rank_average_treatment_effect(
    priorities, scores=None, *, y=None, treatment=None, propensity=None, target="AUTOC",
    q=None, sample_weight=None, n_bootstrap=200, control=None, random_state=None,
    n_jobs=None, verbose=0,
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
    bootstrap replicate, run in ``n_jobs`` chunks. Units of zero weight are
    left out.

    Parameters
    ----------
    priorities : array-like of shape (n_samples,)
        Higher means treat first (e.g. a CATE estimate); at least two
        distinct values.
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
    control : label, default=None
        Control label of ``treatment`` (default: the smaller label).
    random_state : int, Generator or None, default=None
    n_jobs : int, default=None
        Parallel bootstrap chunks (joblib).
    verbose : int, default=0
        Progress on standard output: 1 a line when the bootstrap starts and
        when it ends (the estimate and its standard error, the elapsed
        time), 2 a line per chunk of replicates, 3 and more also joblib's own
        messages. The result does not depend on it.

    Returns
    -------
    result : RATEResult
        ``value``, ``stderr``, ``conf_int(alpha)``, ``pvalue()`` and the TOC.

    Raises
    ------
    ValueError
        On input that leaves the RATE undefined or its standard error zero:
        all priorities equal (no ranking), constant scores (no effect
        variation to find), fewer than two units of positive weight, or
        scores so large that the sums overflow.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.metrics import rank_average_treatment_effect
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2000)
    >>> scores = np.maximum(x, 0) + rng.normal(size=2000)
    >>> res = rank_average_treatment_effect(x, scores, random_state=0)
    >>> bool(res.conf_int(alpha=0.05)[0] > 0), bool(res.pvalue() < 0.05)
    (True, True)
    """
    if target not in ("AUTOC", "QINI"):
        raise ValueError(f"target must be 'AUTOC' or 'QINI'; got {target!r}.")
    if not isinstance(n_bootstrap, numbers.Integral) or n_bootstrap < 2:
        raise ValueError(f"n_bootstrap must be an integer >= 2; got {n_bootstrap!r}.")
    if not isinstance(verbose, (numbers.Integral, Progress)):
        raise TypeError(f"verbose must be an int; got {type(verbose).__name__}.")
    s, g, sw, name = _prepare(
        priorities, scores, y, treatment, propensity, sample_weight, control
    )
    if s.size < 2:
        raise ValueError(
            f"the RATE needs at least two units of positive weight; got {s.size}."
        )
    if np.all(s == s[0]):
        raise ValueError(
            "priorities are all equal (over the units of positive weight): the rule "
            "ranks no unit above another, so its RATE is 0 by construction, with no "
            "uncertainty to estimate. Pass priorities that vary across units."
        )
    if np.all(g == g[0]):
        raise ValueError(
            f"the effect scores are constant (computed from {name}): every ranking "
            "has RATE 0 with zero standard error, so there is no effect variation "
            "to find."
        )
    q = np.arange(1, 101) / 100 if q is None else _check_1d(q, "q")
    if np.any((q <= 0) | (q > 1)):
        raise ValueError("q must lie in (0, 1].")

    g, sw, starts = _ranked(s, g, sw)
    with np.errstate(over="ignore", invalid="ignore"):
        estimate, toc = _rate(g, sw[None, :], starts, q, target)
        # Chunks bound memory (a few (chunk, n) arrays) and are the parallel
        # unit; their seeds depend on random_state alone, not on n_jobs.
        chunk = int(max(1, min(n_bootstrap, 4_000_000 // g.size)))
        sizes = [min(chunk, n_bootstrap - i) for i in range(0, n_bootstrap, chunk)]
        seeds = np.random.SeedSequence(
            np.random.default_rng(random_state).integers(2**63)
        ).spawn(len(sizes))
        progress = progress_of(verbose, "rank_average_treatment_effect")
        progress(
            1, f"bootstrapping the {target}: {n_bootstrap} replicates of {g.size} "
               f"units in {len(sizes)} chunk(s)",
        )
        parts = []
        # Chunks come back in order; the caller reports them, workers print nothing.
        for part in Parallel(
            n_jobs=n_jobs, return_as="generator", verbose=progress.joblib_verbose
        )(
            delayed(_bootstrap_chunk)(g, sw, starts, q, target, seed, size)
            for seed, size in zip(seeds, sizes)
        ):
            parts.append(part)
            progress(
                2, f"chunk {len(parts)}/{len(sizes)} ({sizes[len(parts) - 1]} "
                   f"replicates), elapsed {progress.elapsed()}",
            )
        boot = np.concatenate([p[0] for p in parts])
        boot_toc = np.concatenate([p[1] for p in parts])
        stderr = np.std(boot, ddof=1)
        toc_stderr = np.std(boot_toc, axis=0, ddof=1)
    if not all(np.all(np.isfinite(a)) for a in (estimate, toc, stderr, toc_stderr)):
        raise ValueError(
            f"the RATE overflowed: {name} is too large in magnitude for its sums; "
            "rescale it (the RATE is linear in the scores)."
        )
    if not stderr > 0:
        raise ValueError(
            f"every bootstrap replicate gave the same RATE (stderr 0) with "
            f"{g.size} units and n_bootstrap={n_bootstrap}: too few units or "
            "replicates for inference."
        )
    progress(
        1, f"bootstrap done in {progress.elapsed()}: {target} {float(estimate[0]):.6g} "
           f"(stderr {float(stderr):.6g})",
    )
    return RATEResult(
        float(estimate[0]), float(stderr), target=target, q=q, toc=toc[0],
        toc_stderr=toc_stderr, n_bootstrap=n_bootstrap, n=int(g.size),
    )
