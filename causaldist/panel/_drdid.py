"""Doubly robust difference-in-differences for two periods (Sant'Anna & Zhao 2020)."""


import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils.validation import check_is_fitted

from ..inference import Estimate
from ._kernels_panel import panel_att
from ._kernels_rc import rc_att
from ._validation import METHODS, MODEL_CONSTRAINTS, check_column, check_covariates, check_weights

__all__ = ["DRDiD"]


class DRDiD(BaseEstimator):
    """Doubly robust DiD estimator of the ATT with two periods (Sant'Anna & Zhao 2020).

    Identifies the average effect on the treated under conditional parallel
    trends: ``E[Y_1(0) - Y_0(0) | X, D = 1] = E[Y_1(0) - Y_0(0) | X, D = 0]``.
    The doubly robust estimators are consistent when either the propensity
    score ``P(D = 1 | X)`` or the comparison units' outcome regression is
    correct. Data come long (one row per unit and period): with ``unit`` the
    panel estimators are used (``DRDID::drdid_panel`` family), without it the
    repeated cross-section estimators (``drdid_rc`` family). Formulas are in
    the docstrings of ``causaldist.panel._kernels_panel`` and ``_kernels_rc``.

    Parameters
    ----------
    method : {"dr-improved", "dr", "ipw", "reg"}, default="dr-improved"
        ``"dr-improved"``: the improved, locally efficient DR estimator
        (propensity score by inverse probability tilting, weighted outcome
        regression; doubly robust for inference too), ``DRDID``'s default.
        ``"dr"``: the traditional DR estimator (the one ``did`` uses).
        ``"ipw"``: normalised inverse probability weighting (Abadie 2005).
        ``"reg"``: outcome regression (Heckman, Ichimura & Todd 1997).
    propensity_model : classifier or None, default=None
        Model of ``P(D = 1 | X)``. ``None``: logit on ``[1, X]`` fitted exactly,
        with its estimation effect in the influence function, as in ``DRDID``.
        Any classifier with ``predict_proba`` may be passed (see Notes).
    outcome_model : regressor or None, default=None
        Model of the comparison units' outcome (change). ``None``: least
        squares on ``[1, X]``.
    trim_level : float, default=0.995
        Comparison units with a propensity score at or above this are dropped.

    Attributes
    ----------
    estimate_ : Estimate
        The ATT with its influence-function standard error
        (``sd(psi) / sqrt(n)``) and per-unit scores ``att + psi``.
    att_ : float
        ``estimate_.value``.
    influence_function_ : ndarray of shape (n_units,) or (n_rows,)
        ``psi``: per unit (panel) or per row (repeated cross-sections).
    propensity_ : ndarray or None
        Fitted propensity scores (``None`` for ``method="reg"``).
    panel_ : bool
        Whether the panel estimators were used (``unit`` was given).
    n_features_in_ : int

    Notes
    -----
    With injected models the standard error is the plug-in one: it omits the
    estimation effect of the nuisances, which is first-order negligible for
    the doubly robust scores (Neyman-orthogonal) but not for ``"ipw"`` and
    ``"reg"``. Unpenalised ``LogisticRegression`` / ``LinearRegression`` are
    recognised as the parametric defaults and keep the correction.

    References
    ----------
    .. [1] Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust
       difference-in-differences estimators. Journal of Econometrics, 219(1),
       101-122.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.panel import DRDiD
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> x = rng.normal(size=n)
    >>> d = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> y0 = x + rng.normal(size=n)
    >>> y1 = y0 + 1 + x + 2 * d + rng.normal(size=n)   # trend depends on x; ATT = 2
    >>> unit = np.r_[np.arange(n), np.arange(n)]
    >>> time = np.r_[np.zeros(n), np.ones(n)]
    >>> X = np.r_[x, x].reshape(-1, 1)
    >>> did = DRDiD().fit(X, np.r_[y0, y1], treatment=np.r_[d, d], time=time, unit=unit)
    >>> round(did.att_, 1)
    2.0
    """

    __metadata_request__fit = {"treatment": True, "time": True, "unit": True}

    _parameter_constraints = {
        "method": [METHODS],
        **MODEL_CONSTRAINTS,
    }

    def __init__(self, method="dr-improved", *, propensity_model=None, outcome_model=None,
                 trim_level=0.995):
        self.method = method
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.trim_level = trim_level

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, time=None, unit=None, sample_weight=None):
        """Estimate the ATT.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features) or None
            Covariates (pre-treatment; with panel data those of the first
            period are used). ``None`` or zero columns: unconditional DiD.
        y : array-like of shape (n_rows,)
            Outcome.
        treatment : array-like of shape (n_rows,)
            Treated-group indicator (0/1 or booleans), constant within a unit.
        time : array-like of shape (n_rows,)
            Period of each row: exactly two distinct values, the later is post.
        unit : array-like of shape (n_rows,), default=None
            Unit id: panel data, every unit observed once in each period.
            ``None``: repeated cross-sections.
        sample_weight : array-like of shape (n_rows,), default=None
            Non-negative weights (constant within a unit for panels).

        Returns
        -------
        self : DRDiD
            The fitted estimator.
        """
        n = len(y)
        X, names = check_covariates(X, n)
        y = np.asarray(check_column(y, "y", n), dtype=np.float64)
        D = np.asarray(check_column(treatment, "treatment", n))
        time = check_column(time, "time", n)
        w = check_weights(sample_weight, n)
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinite values.")
        try:
            D = D.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError("treatment must be a 0/1 group indicator.") from exc
        if not np.all((D == 0) | (D == 1)):
            raise ValueError("treatment must be a 0/1 group indicator (1 = treated group).")
        periods = np.unique(time)
        if periods.size != 2:
            raise ValueError(f"time must take exactly two values; got {periods.size}.")
        post = (time == periods[1]).astype(np.float64)
        kw = dict(propensity_model=self.propensity_model, outcome_model=self.outcome_model,
                  trim_level=float(self.trim_level))
        if unit is not None:
            unit = check_column(unit, "unit", n)
            uniq, codes = np.unique(unit, return_inverse=True)
            n_units = uniq.size
            counts = np.bincount(codes, weights=post, minlength=n_units)
            totals = np.bincount(codes, minlength=n_units)
            if not (np.all(totals == 2) and np.all(counts == 1)):
                raise ValueError("with unit=..., every unit must be observed exactly once in "
                                 "each of the two periods (a balanced panel).")
            first, second = np.empty(n_units, int), np.empty(n_units, int)
            first[codes[post == 0]] = np.flatnonzero(post == 0)
            second[codes[post == 1]] = np.flatnonzero(post == 1)
            if np.any(D[first] != D[second]) or np.any(w[first] != w[second]):
                raise ValueError("treatment and sample_weight must be constant within a unit.")
            ww = w[first] / np.mean(w[first])
            att, psi, ps = panel_att(self.method, y[second] - y[first], D[first], X[first],
                                     ww, **kw)
        else:
            ww = w / np.mean(w)
            att, psi, ps = rc_att(self.method, y, post, D, X, ww, **kw)
        m = psi.shape[0]
        self.estimate_ = Estimate(att, np.std(psi, ddof=1) / np.sqrt(m), n=m,
                                  scores=att + psi, method=f"DRDiD ({self.method})")
        self.att_ = float(att)
        self.influence_function_ = psi
        self.propensity_ = ps
        self.panel_ = unit is not None
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        return self

    def summary_frame(self, alpha=0.05):
        """The ATT with its standard error, z, p-value and interval (one row).

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage of the interval.

        Returns
        -------
        frame : DataFrame
            One row, ``ATT``: point estimate, standard error, z, p-value, interval.
        """
        check_is_fitted(self, "estimate_")
        return self.estimate_.summary_frame(alpha).rename(index={0: "ATT"})
