"""Overlap (positivity) diagnostics of estimated or known propensities."""

import numpy as np
import pandas as pd

from ..base import _warn

__all__ = ["overlap_diagnostics"]


def overlap_diagnostics(
    propensity,
    treatment,
    *,
    labels=None,
    sample_weight=None,
    min_propensity=0.0,
    min_ess_fraction=0.1,
    warn=True,
    estimand="ate",
):
    """Propensity range, effective sample size and clipping of every arm.

    For arm ``a`` the inverse-propensity weights of its units are
    ``w_i = s_i / e_a(X_i)`` (``s_i`` the sample weight, 1 by default). Their
    Kish (1965) effective sample size

    ``ESS_a = (sum_{A_i = a} w_i)^2 / sum_{A_i = a} w_i^2``

    is the number of equally weighted units that would give an IPW mean of
    arm ``a`` the same variance. For the effect on the treated
    (``estimand="att"``) the weights that matter are different: treated units
    count once, and the control units are weighted by the odds
    ``e_a(X_i) / e_0(X_i)`` of each treated arm ``a``; the control row then
    reports the smallest of those effective sizes over the treated arms.
    In both cases ``ess_fraction`` divides it by the arm's own
    Kish size ``(sum s_i)^2 / sum s_i^2`` (its unit count without sample
    weights). A small fraction means a few units with tiny propensities carry
    the arm, and IPW and DR estimates are noisy and sensitive to the
    propensity model there.

    Parameters
    ----------
    propensity : array-like of shape (n_samples, n_arms)
        ``e_a(X_i)``, columns in the order of the treatment codes.
    treatment : array-like of shape (n_samples,)
        Integer treatment codes ``0..n_arms-1``.
    labels : array-like of shape (n_arms,), default=None
        Arm labels for the index of the result; ``None`` means the codes.
    sample_weight : array-like of shape (n_samples,), default=None
    min_propensity : float, default=0.0
        The clipping bound the propensities were clipped to; units with
        ``e_a(X_i) <= min_propensity`` for some arm count as clipped.
    min_ess_fraction : float, default=0.1
        A ``UserWarning`` is raised when an arm's ``ess_fraction`` is below it.
    warn : bool, default=True
        Raise the ``UserWarning`` on poor overlap (low effective sample size
        or clipped propensities).
    estimand : {"ate", "att"}, default="ate"
        The target whose weights are reported: inverse propensities for the
        ATE (and policy values), control odds weights for the ATT.

    Returns
    -------
    report : DataFrame
        Indexed by arm, with columns ``n`` (units in the arm),
        ``propensity_min`` and ``propensity_max`` (of ``e_a(X)`` over all
        units), ``ess`` and ``ess_fraction``, and ``n_clipped`` (units whose
        ``e_a`` sits at the clipping bound).

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.evaluation import overlap_diagnostics
    >>> e = np.array([[0.5, 0.5], [0.8, 0.2], [0.2, 0.8], [0.5, 0.5]])
    >>> report = overlap_diagnostics(e, np.array([0, 0, 1, 1]))
    >>> report["n"].tolist(), report["ess_fraction"].round(3).tolist()
    ([2, 2], [0.949, 0.949])
    """
    e = np.asarray(propensity, dtype=np.float64)
    if e.ndim == 2 and e.size and np.all(np.isfinite(e)):
        n_arms = e.shape[1]
        row_sums = e.sum(axis=1)
        off = np.flatnonzero(np.abs(row_sums - 1) > 1e-6)
        if off.size:
            # Each row is a distribution over the arms; rows that do not sum to 1
            # (one arm's column only, unnormalised scores) give wrong weights.
            raise ValueError(
                f"propensity rows must sum to 1 over the {n_arms} arms; {off.size} rows do "
                f"not (row {off[0]} sums to {row_sums[off[0]]:.6g}). Pass the full matrix "
                "of predict_proba, one column per arm."
            )
    return _overlap_report(
        propensity, treatment, labels=labels, sample_weight=sample_weight,
        min_propensity=min_propensity, min_ess_fraction=min_ess_fraction, warn=warn,
        estimand=estimand,
    )


def _overlap_report(
    propensity,
    treatment,
    *,
    labels=None,
    sample_weight=None,
    min_propensity=0.0,
    min_ess_fraction=0.1,
    warn=True,
    estimand="ate",
):
    """``overlap_diagnostics`` without its check that rows sum to 1.

    For the stage's own propensities, which econml's clipping rule (each
    entry clipped, rows not renormalised) leaves summing to slightly more.
    """
    if estimand not in ("ate", "att"):
        raise ValueError(f"estimand must be 'ate' or 'att'; got {estimand!r}.")
    e = np.asarray(propensity, dtype=np.float64)
    t = np.asarray(treatment)
    if e.ndim != 2 or t.ndim != 1 or e.shape[0] != t.shape[0]:
        raise ValueError(
            f"propensity must have shape (n_samples, n_arms) with n_samples = "
            f"{t.shape[0] if t.ndim else 'len(treatment)'}; got {e.shape}."
        )
    n_arms = e.shape[1]
    if t.dtype.kind not in "iub" or np.any(t < 0) or np.any(t >= n_arms):
        raise ValueError(
            f"treatment must hold integer codes 0..{n_arms - 1}; got "
            f"{np.unique(t)[:10].tolist()}."
        )
    t = t.astype(np.intp)
    if not np.all(np.isfinite(e)) or np.any(e < 0) or np.any(e > 1):
        raise ValueError("propensity must hold probabilities in [0, 1].")
    s = (
        np.ones(t.shape[0])
        if sample_weight is None
        else np.asarray(sample_weight, float)
    )
    if s.shape != t.shape or np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("sample_weight must be finite, non-negative, one per unit.")
    rows = np.arange(t.shape[0])
    onehot = t[:, None] == np.arange(n_arms)
    sum_s = np.where(onehot, s[:, None], 0.0).sum(axis=0)
    sum_s2 = np.where(onehot, s[:, None] ** 2, 0.0).sum(axis=0)
    base = np.divide(sum_s**2, sum_s2, out=np.zeros(n_arms), where=sum_s2 > 0)

    def kish(w, mask):
        # A zero propensity gives an infinite weight: no effective sample.
        if np.any(~np.isfinite(w[mask])):
            return 0.0
        sw, sw2 = w[mask].sum(), (w[mask] ** 2).sum()
        return sw**2 / sw2 if sw2 > 0 else 0.0

    with np.errstate(divide="ignore", invalid="ignore"):
        if estimand == "ate":
            w = s / e[rows, t]
            ess = np.array([kish(w, onehot[:, a]) for a in range(n_arms)])
        else:
            ess = base.copy()
            ctl = onehot[:, 0]
            ess[0] = min(kish(s * e[:, a] / e[:, 0], ctl) for a in range(1, n_arms))
    frac = np.divide(ess, base, out=np.zeros(n_arms), where=base > 0)
    # Clipping renormalises rows, which moves a clipped entry slightly below
    # the bound; the relative tolerance catches exactly those.
    n_clipped = (
        np.sum(e <= min_propensity * (1 + 1e-9), axis=0)
        if min_propensity > 0
        else np.zeros(n_arms, dtype=np.intp)
    )
    index = pd.Index(
        np.arange(n_arms) if labels is None else np.asarray(labels), name="arm"
    )
    report = pd.DataFrame(
        {
            "n": onehot.sum(axis=0),
            "propensity_min": e.min(axis=0),
            "propensity_max": e.max(axis=0),
            "ess": ess,
            "ess_fraction": frac,
            "n_clipped": n_clipped,
        },
        index=index,
    )
    if warn:
        problems = []
        low = report.index[report["ess_fraction"] < min_ess_fraction].tolist()
        if low:
            problems.append(
                f"the effective sample size of the inverse-propensity weights is "
                f"below {min_ess_fraction:g} of the arm size for arm(s) {low} "
                f"(ess_fraction {np.round(frac[frac < min_ess_fraction], 3).tolist()})"
            )
        clipped_units = int(np.sum((e <= min_propensity * (1 + 1e-9)).any(axis=1)))
        if min_propensity > 0 and clipped_units:
            problems.append(
                f"{clipped_units} of {t.shape[0]} units have a propensity clipped "
                f"to the bound {min_propensity:g}"
            )
        if problems:
            _warn(
                "Poor overlap: " + "; ".join(problems) + ". Inverse-propensity and "
                "doubly robust estimates are unreliable there; see the overlap "
                "report (overlap_) and consider trimming or a different target."
            )
    return report
