"""Identification checks shared by the estimators with a final stage.

An effect that the data cannot identify must be an error, not a number: a
treatment with no variation left after residualisation (a constant dose, a
dose that is a deterministic function of ``X``), treatment columns that are
linearly dependent (two identical doses), or a least-squares final stage
with no residual degrees of freedom, whose sandwich is exactly zero and whose
intervals would be a certain ``[theta, theta]``. These checks sit on the
ground floor so that the DML, DR and forest families call the same ones.
"""

import numpy as np

from .base import _warn

__all__ = []

# Relative size under which a residualised treatment column counts as zero:
# well above the rounding of a perfect out-of-fold fit (~1e-15), far below any
# treatment that varies.
_NO_VARIATION = 1e-8

# Reciprocal condition number of the standardised residual treatment matrix
# under which its columns count as linearly dependent.
_RANK_TOL = 1e-7

# Residual degrees of freedom below which the sandwich's small-sample factor
# N / (N - k) is unreliable and the intervals are only indicative.
SMALL_DOF = 10


def _rms(a, w):
    return np.sqrt(np.average(a**2, axis=0, weights=w))


def check_treatment_residuals(T, t_res, sample_weight=None, *, owner):
    """Refuse residualised treatments that cannot identify an effect.

    With ``T~ = T - E[T | X]`` cross-fitted, the partially linear effect is
    identified when ``E[T~ T~']`` is non-singular (Chernozhukov et al. 2018,
    assumption 4.1): every column of ``T~`` must vary, and the columns must not
    be linearly dependent. Column ``j`` counts as constant when
    ``rms(T~_j) <= 1e-8 rms(T_j)``; dependence is judged on the columns scaled
    to unit root-mean-square, by the ratio of the smallest to the largest
    singular value (``< 1e-7``).

    Parameters
    ----------
    T : ndarray of shape (n,) or (n, d_t)
        The treatment as given to fit.
    t_res : ndarray of shape (n, d_t)
        Its cross-fitted residuals.
    sample_weight : ndarray of shape (n,), default=None
    owner : str
        Name of the estimator, for the message.

    Raises
    ------
    ValueError
        Naming the treatment columns that are constant after residualisation
        or linearly dependent.
    """
    n = t_res.shape[0]
    T = np.asarray(T, dtype=np.float64).reshape(n, -1)
    R = np.asarray(t_res, dtype=np.float64).reshape(n, -1)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    res_scale, t_scale = _rms(R, w), _rms(T, w)
    flat = np.flatnonzero(~(res_scale > _NO_VARIATION * t_scale))
    if flat.size:
        cols = "" if R.shape[1] == 1 else f" (column(s) {flat.tolist()})"
        raise ValueError(
            f"{owner}: treatment{cols} has no variation left after residualisation "
            "on X: it is constant, or the treatment model predicts it exactly from "
            "X, so its effect is not identified. Check the treatment, or use a "
            "treatment model that does not interpolate it."
        )
    if R.shape[1] > 1:
        Z = R / res_scale
        if w is not None:
            Z = Z * np.sqrt(w / w.sum())[:, None]
        _, s, vt = np.linalg.svd(Z, full_matrices=False)
        if s[-1] < _RANK_TOL * s[0]:
            null = np.abs(vt[-1])
            cols = np.flatnonzero(null > 0.1 * null.max()).tolist()
            raise ValueError(
                f"{owner}: the treatment columns {cols} are linearly dependent after "
                "residualisation on X (e.g. identical or proportional doses), so "
                "their separate effects are not identified. Drop or combine them."
            )


def intervals_available(n_eff, k, *, owner):
    """Whether a least-squares final stage leaves residual degrees of freedom.

    ``N - k`` with ``N`` the (weighted) number of rows and ``k`` the number of
    final-stage coefficients. With ``N - k <= 0`` the fit interpolates, the
    residuals are zero and the sandwich is zero: the intervals are reported as
    NaN, with a warning. With ``N - k < 10`` a warning says the intervals rest
    on very few degrees of freedom.

    Parameters
    ----------
    n_eff : float
        Number of rows (sum of the weights).
    k : int
        Number of final-stage coefficients.
    owner : str
        Name of the estimator, for the message.

    Returns
    -------
    available : bool
        False when the intervals must be NaN.
    """
    dof = n_eff - k
    if dof <= 0:
        _warn(
            f"{owner}: the final stage has {k} coefficients for {n_eff:g} rows, so no "
            "residual degrees of freedom: the effect intervals and standard errors "
            "are NaN. Use more rows or fewer effect features."
        )
        return False
    if dof < SMALL_DOF:
        _warn(
            f"{owner}: the final stage has only {dof:g} residual degrees of freedom "
            f"({n_eff:g} rows, {k} coefficients): its intervals are unreliable."
        )
    return True
