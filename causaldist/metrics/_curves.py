"""Uplift and Qini curves, their areas, and uplift at k.

Values equal scikit-uplift 0.5.1's (``sklift.metrics``) to floating-point
rounding on the same inputs: units are ranked by decreasing uplift, tied scores
form one step of the curve, and the curves start at (0, 0). They differ in
cost: one sort per score (the perfect curves are counted, not sorted, for a
binary outcome), O(n) partial selection for ``uplift_at_k``, and in what they
accept: continuous outcomes, ``sample_weight`` (the x-axis is then cumulative
weight), any two treatment labels, and normalised areas that are defined (with
a warning) where the perfect curve's gain over random targeting vanishes.
"""

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from ..base import _warn
from ._checks import _check_uplift_inputs, _is_binary

__all__ = [
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "qini_auc_score",
    "qini_curve",
    "uplift_at_k",
    "uplift_auc_score",
    "uplift_curve",
]


def _cumulative(y, u, t, w):
    """Cumulative (n, n_t, y_t, y_c) at the end of each group of tied uplift.

    Units are visited by decreasing ``u``. A tied group is one step of the
    curve, so the order inside it is irrelevant and the (faster) unstable sort
    serves. A binary outcome travels through the sort as one int8 cell code
    ``2 t + y`` instead of two float arrays.
    """
    order = np.argsort(u)[::-1]
    u_s = u[order]
    ends = np.flatnonzero(np.r_[u_s[1:] != u_s[:-1], True])
    if w is None and _is_binary(y):
        cell = (2 * t + y).astype(np.int8)[order]
        n_all = (ends + 1).astype(np.float64)
        n_t = np.cumsum(cell >= 2)[ends].astype(np.float64)
        y_t = np.cumsum(cell == 3)[ends].astype(np.float64)
        y_c = np.cumsum(cell == 1)[ends].astype(np.float64)
        return n_all, n_t, y_t, y_c
    w_s = np.ones(u.size) if w is None else w[order]
    y_s, wt = y[order], w_s * t[order]
    n_all = (ends + 1).astype(np.float64) if w is None else np.cumsum(w_s)[ends]
    return n_all, np.cumsum(wt)[ends], np.cumsum(y_s * wt)[ends], np.cumsum(y_s * (w_s - wt))[ends]


def _grouped(groups, y, t, w):
    """Cumulative (n, n_t, y_t, y_c) for a binary outcome ranked by cell groups.

    Cells are ``2 t + y`` (0: control non-responder, 1: control responder,
    2: treated non-responder, 3: treated responder); ``groups`` lists the cells
    of each rank in order. Empty groups make no step, as a missing score value
    makes none in a sorted curve.
    """
    cells = np.bincount((2 * t + y).astype(np.intp), weights=w, minlength=4)
    rows = []
    for group in groups:
        c = np.zeros(4)
        c[group] = cells[group]
        if c.sum() > 0:
            rows.append((c.sum(), c[2] + c[3], c[3], c[1]))
    return tuple(np.cumsum(np.array(rows), axis=0).T)


def _uplift_values(n_all, n_t, y_t, y_c):
    n_c = n_all - n_t
    rate_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t != 0)
    rate_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c != 0)
    return np.r_[0.0, n_all], np.r_[0.0, (rate_t - rate_c) * n_all]


def _qini_values(n_all, n_t, y_t, y_c):
    n_c = n_all - n_t
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
    return np.r_[0.0, n_all], np.r_[0.0, y_t - y_c * ratio]


def uplift_curve(y_true, uplift, treatment, *, sample_weight=None, control=None):
    """Uplift curve: cumulative gain of treating the top-ranked units.

    At each distinct score threshold, with the top ``N`` units (``N_t`` treated,
    ``N_c`` control, responses ``Y_t``, ``Y_c``), the curve is
    ``(Y_t / N_t - Y_c / N_c) * N`` (Devriendt, Guns & Verbeke 2020; as
    ``sklift.metrics.uplift_curve``); a rate over an empty arm counts as 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Outcomes, binary or continuous.
    uplift : array-like of shape (n_samples,)
        Predicted uplift; higher means treat first.
    treatment : array-like of shape (n_samples,)
        Two arms: ``control`` and one treated label.
    sample_weight : array-like of shape (n_samples,), default=None
        Unit weights; the x-axis becomes cumulative weight.
    control : label, default=None
        Control label; ``None`` means the smaller label (0, False).

    Returns
    -------
    x : ndarray
        Number (or weight) of targeted units, starting at 0.
    y : ndarray
        Curve values, starting at 0.

    Examples
    --------
    >>> from causaldist.metrics import uplift_curve
    >>> x, y = uplift_curve([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 0, 0, 1])
    >>> x.tolist(), y.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 1.5, 0.0])
    """
    y, u, t, w = _check_uplift_inputs(y_true, uplift, treatment, sample_weight, control)
    return _uplift_values(*_cumulative(y, u, t, w))


def qini_curve(y_true, uplift, treatment, *, sample_weight=None, control=None):
    """Qini curve: incremental responses among the top-ranked units.

    At each distinct score threshold the curve is ``Y_t - Y_c * N_t / N_c``
    (Radcliffe 2007; as ``sklift.metrics.qini_curve``), 0 where ``N_c = 0``.
    Parameters and returns as :func:`uplift_curve`.

    Examples
    --------
    >>> from causaldist.metrics import qini_curve
    >>> x, y = qini_curve([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 0, 0, 1])
    >>> y.tolist()
    [0.0, 1.0, 1.0, 0.5, 0.0]
    """
    y, u, t, w = _check_uplift_inputs(y_true, uplift, treatment, sample_weight, control)
    return _qini_values(*_cumulative(y, u, t, w))


def _perfect_uplift(y, t, w):
    if not _is_binary(y):
        raise ValueError(
            "The perfect uplift curve is defined for a binary y_true (0/1); use "
            "qini_auc_score, or uplift_auc_score(..., normalize=False), for a "
            "continuous outcome."
        )
    cells = np.bincount((2 * t + y).astype(np.intp), weights=w, minlength=4)
    # sklift ranks by 2 * (y == t) + (y if CR > TN else t): treated responders,
    # control non-responders, then control responders and treated
    # non-responders, the larger of these two groups last.
    last = [[1], [2]] if cells[1] > cells[2] else [[2], [1]]
    return _grouped([[3], [0], *last], y, t, w)


def perfect_uplift_curve(y_true, treatment, *, sample_weight=None, control=None):
    """Uplift curve of the ideal ranking of a binary outcome.

    Treated responders first, control non-responders next, as
    ``sklift.metrics.perfect_uplift_curve``; computed from four counts, no sort.

    Examples
    --------
    >>> from causaldist.metrics import perfect_uplift_curve
    >>> x, y = perfect_uplift_curve([1, 0, 1, 0], [1, 0, 0, 1])
    >>> y.tolist()
    [0.0, 1.0, 2.0, 1.5, 0.0]
    """
    y, _, t, w = _check_uplift_inputs(y_true, None, treatment, sample_weight, control)
    return _uplift_values(*_perfect_uplift(y, t, w))


def _perfect_qini(y, t, w, negative_effect):
    if negative_effect:
        if _is_binary(y):
            # sklift's ideal score y t - y (1 - t) takes three values: treated
            # responders, non-responders, control responders.
            return _qini_values(*_grouped([[3], [0, 2], [1]], y, t, w))
        return _qini_values(*_cumulative(y, y * (2 * t - 1), t, w))
    w1 = np.ones_like(y) if w is None else w
    n_t, n_c = np.sum(w1 * t), np.sum(w1 * (1 - t))
    gain = np.sum(w1 * t * y) - n_t * np.sum(w1 * (1 - t) * y) / n_c
    if gain >= 0:  # the ideal reaches the whole gain with its first ``gain`` units
        return np.array([0.0, gain, n_t + n_c]), np.array([0.0, gain, gain])
    # A negative total gain (where sklift's x-axis would run backwards): the
    # ideal gains nothing until it must treat everyone.
    return np.array([0.0, n_t + n_c, n_t + n_c]), np.array([0.0, 0.0, gain])


def perfect_qini_curve(
    y_true, treatment, *, negative_effect=True, sample_weight=None, control=None
):
    """Qini curve of the ideal ranking.

    With ``negative_effect=True`` units are ranked by ``y (2 t - 1)`` (treated
    responders first, control responders last); with ``False`` the ideal curve
    reaches the total gain at once and stays there (sklift's two definitions).

    Examples
    --------
    >>> from causaldist.metrics import perfect_qini_curve
    >>> x, y = perfect_qini_curve([1, 0, 1, 0], [1, 0, 0, 1])
    >>> y.tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    if not isinstance(negative_effect, bool):
        raise TypeError(f"negative_effect must be a bool; got {negative_effect!r}.")
    y, _, t, w = _check_uplift_inputs(y_true, None, treatment, sample_weight, control)
    return _perfect_qini(y, t, w, negative_effect)


def _normalised_area(actual, perfect, zero_division):
    """``(A - A_random) / (A_perfect - A_random)``, trapezoidal areas.

    ``A_random`` is the chord from (0, 0) to the curve's end (random targeting).
    The ratio is undefined when the perfect curve gains nothing over random
    targeting (e.g. no responder at all); instead of dividing by a vanishing
    number (causalml's normalised AUUC, -0.51 on random scores), this returns
    ``zero_division`` and warns.
    """
    (xa, ya), (xp, yp) = actual, perfect
    area_random = xp[-1] * yp[-1] / 2
    denominator = np.trapezoid(yp, xp) - area_random
    numerator = np.trapezoid(ya, xa) - area_random
    scale = xp[-1] * max(np.max(np.abs(yp)), np.max(np.abs(ya)))
    if not denominator > 1e-12 * scale:
        if zero_division == "warn":
            _warn(
                "The perfect curve gains nothing over random targeting (its area "
                "above the chord is ~0), so the normalised score is undefined; "
                "returning 0.0. Set zero_division to choose the value.",
                UndefinedMetricWarning,
            )
            return 0.0
        return float(zero_division)
    return float(numerator / denominator)


def _check_zero_division(zero_division):
    if zero_division != "warn" and not isinstance(zero_division, (int, float)):
        raise ValueError(f"zero_division must be 'warn' or a number; got {zero_division!r}.")


def uplift_auc_score(
    y_true, uplift, treatment, *, normalize=True, sample_weight=None, control=None,
    zero_division="warn",
):
    """Area under the uplift curve (AUUC), normalised by the perfect curve's.

    ``(A - A_random) / (A_perfect - A_random)`` with trapezoidal areas under
    :func:`uplift_curve`, :func:`perfect_uplift_curve` and the chord of random
    targeting (sklift's ``uplift_auc_score``): 1 for the ideal ranking, 0 for
    random. ``normalize=False`` returns ``(A - A_random) / n^2`` (``n`` the
    total weight), defined for continuous outcomes too.

    Parameters
    ----------
    y_true, uplift, treatment, sample_weight, control
        As :func:`uplift_curve`.
    normalize : bool, default=True
        Divide by the perfect curve's area (needs a binary ``y_true``).
    zero_division : "warn" or float, default="warn"
        Value when the perfect curve has no area above random targeting;
        ``"warn"`` returns 0.0 with an ``UndefinedMetricWarning``.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from causaldist.metrics import uplift_auc_score
    >>> y, t = [1, 0, 1, 0, 1, 0], [1, 0, 0, 1, 1, 0]
    >>> uplift_auc_score(y, [6, 5, 1, 2, 4, 3], t)
    1.0
    """
    _check_zero_division(zero_division)
    y, u, t, w = _check_uplift_inputs(y_true, uplift, treatment, sample_weight, control)
    actual = _uplift_values(*_cumulative(y, u, t, w))
    if not normalize:
        x, v = actual
        return float((np.trapezoid(v, x) - x[-1] * v[-1] / 2) / x[-1] ** 2)
    return _normalised_area(actual, _uplift_values(*_perfect_uplift(y, t, w)), zero_division)


def qini_auc_score(
    y_true, uplift, treatment, *, negative_effect=True, sample_weight=None, control=None,
    zero_division="warn",
):
    """Qini coefficient: area under the Qini curve, normalised by the perfect one's.

    ``(A - A_random) / (A_perfect - A_random)`` with trapezoidal areas under
    :func:`qini_curve`, :func:`perfect_qini_curve` and the chord of random
    targeting (Radcliffe 2007; sklift's ``qini_auc_score``). Continuous outcomes
    are ranked ideally by ``y (2 t - 1)``.

    Parameters
    ----------
    y_true, uplift, treatment, sample_weight, control
        As :func:`uplift_curve`.
    negative_effect : bool, default=True
        Whether the perfect curve may dip at the end (see
        :func:`perfect_qini_curve`).
    zero_division : "warn" or float, default="warn"
        As :func:`uplift_auc_score`.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from causaldist.metrics import qini_auc_score
    >>> y, t = [1, 0, 1, 0, 1, 0], [1, 0, 0, 1, 1, 0]
    >>> round(qini_auc_score(y, [6, 5, 1, 2, 4, 3], t), 3)
    0.846
    """
    if not isinstance(negative_effect, bool):
        raise TypeError(f"negative_effect must be a bool; got {negative_effect!r}.")
    _check_zero_division(zero_division)
    y, u, t, w = _check_uplift_inputs(y_true, uplift, treatment, sample_weight, control)
    actual = _qini_values(*_cumulative(y, u, t, w))
    return _normalised_area(actual, _perfect_qini(y, t, w, negative_effect), zero_division)


def _top(u, size):
    """Indices of the ``size`` highest scores, ties going to later rows.

    The set equals ``np.argsort(u, kind="stable")[::-1][:size]`` (sklift's
    ranking) but costs O(n): a partition finds the cut value, and of the rows
    tied at it, the last ones are taken.
    """
    n = u.size
    if size == 0:
        return np.empty(0, dtype=np.intp)
    cut = np.partition(u, n - size)[n - size]
    above = np.flatnonzero(u > cut)
    tied = np.flatnonzero(u == cut)
    return np.concatenate([above, tied[tied.size - (size - above.size):]])


def uplift_at_k(
    y_true, uplift, treatment, strategy, k=0.3, *, sample_weight=None, control=None
):
    """Difference of mean outcomes, treated minus control, among the top k units.

    ``strategy="overall"`` takes the top ``k`` units of the whole sample by
    uplift and compares its treated and control units; ``"by_group"`` takes the
    top ``k`` of each arm separately. Same ranking, ties and ``k`` rules as
    ``sklift.metrics.uplift_at_k``, in O(n) (partial selection, no sort).

    Parameters
    ----------
    y_true, uplift, treatment, sample_weight, control
        As :func:`uplift_curve`.
    strategy : {"overall", "by_group"}
    k : float in (0, 1) or int in (0, n_samples), default=0.3
        Share (``int(k * n)`` units, of each arm for ``"by_group"``) or number.

    Returns
    -------
    score : float

    Raises
    ------
    ValueError
        If the top ``k`` units miss an arm (the difference is undefined).

    Examples
    --------
    >>> from causaldist.metrics import uplift_at_k
    >>> y, t = [1, 0, 1, 0, 1, 0], [1, 0, 0, 1, 1, 0]
    >>> uplift_at_k(y, [6, 5, 1, 2, 4, 3], t, strategy="overall", k=0.5)
    1.0
    """
    if strategy not in ("overall", "by_group"):
        raise ValueError(f"strategy must be 'overall' or 'by_group'; got {strategy!r}.")
    y, u, t, w = _check_uplift_inputs(y_true, uplift, treatment, sample_weight, control)
    n = y.size
    kind = np.asarray(k).dtype.kind
    if kind not in ("i", "f") or isinstance(k, bool):
        raise ValueError(f"k must be a float in (0, 1) or an int in (0, {n}); got {k!r}.")
    if (kind == "i" and not 0 < k < n) or (kind == "f" and not 0 < k < 1):
        raise ValueError(
            f"k={k} must be a float in (0, 1) or an int in (0, {n}) (the number of samples)."
        )
    w = np.ones(n) if w is None else w
    if strategy == "overall":
        top = _top(u, int(n * k) if kind == "f" else int(k))
        arms = {1: top[t[top] == 1], 0: top[t[top] == 0]}
    else:
        arms = {}
        for arm in (1, 0):
            rows = np.flatnonzero(t == arm)
            size = int(rows.size * k) if kind == "f" else int(k)
            name = "treated" if arm else "control"
            if size > rows.size:
                raise ValueError(f"k={k} exceeds the {rows.size} units of the {name} arm.")
            arms[arm] = rows[_top(u[rows], size)] if size > 0 else rows[:0]
    means = {}
    for arm, rows in arms.items():
        total = w[rows].sum()
        if total == 0:
            raise ValueError(
                f"The top k={k} units contain no {'treated' if arm else 'control'} unit, "
                "so uplift at k is undefined; increase k or use strategy='by_group'."
            )
        means[arm] = np.dot(w[rows], y[rows]) / total
    return float(means[1] - means[0])
