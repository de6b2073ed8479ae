"""Staggered adoption: group-time ATTs and their aggregations (Callaway & Sant'Anna 2021)."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import _warn
from ._aggregate import aggregate_cells, group_basis
from ._bootstrap import analytic_se, bootstrap_se, critical_value, multiplier_draws
from ._kernels_panel import panel_att
from ._result import DiDAggregate
from ._validation import METHODS, MODEL_CONSTRAINTS, check_column, check_covariates, check_weights

__all__ = ["StaggeredDiD"]


def _wide_panel(X, y, unit, time, first_treated, w, cluster):
    """Balanced wide arrays (units x periods) from long rows; incomplete units dropped."""
    # pandas' hash factorisation: np.unique sorts 10^6 ids several times slower
    u, uniq_u = pd.factorize(unit, sort=True)
    if np.any(u < 0):
        raise ValueError("unit contains missing values.")
    t, tlist = pd.factorize(time, sort=True)
    uniq_u, tlist = np.asarray(uniq_u), np.asarray(tlist)
    n_u, T = uniq_u.size, tlist.size
    if np.bincount(u * T + t, minlength=n_u * T).max() > 1:
        raise ValueError("(unit, time) pairs must be unique: a unit has two rows in a period.")
    counts = np.bincount(u, minlength=n_u)
    complete = counts == T
    if not complete.all():
        _warn(f"StaggeredDiD: {np.sum(~complete)} unit(s) not observed in all {T} periods "
              "were dropped (a balanced panel is required).")
    Y = np.full((n_u, T), np.nan)
    Y[u, t] = y
    Xw = np.zeros((T, n_u, X.shape[1]))
    Xw[t, u] = X
    G = np.full(n_u, np.nan)
    G[u] = first_treated
    for name, col in (("first_treated", first_treated), ("sample_weight", w),
                      ("cluster", cluster)):
        if col is None:
            continue
        first = np.empty(n_u, dtype=col.dtype)
        first[u] = col
        same = col == first[u]
        if col.dtype.kind == "f":
            same |= np.isnan(col) & np.isnan(first[u])
        if not np.all(same):
            raise ValueError(f"{name} must be constant within a unit.")
    W = np.ones(n_u)
    W[u] = w
    C = None
    if cluster is not None:
        C = np.empty(n_u, dtype=cluster.dtype)
        C[u] = cluster
        C = pd.factorize(C[complete], sort=True)[0]
    return (Y[complete], Xw[:, complete], G[complete], W[complete], C, tlist,
            uniq_u[complete])


class StaggeredDiD(BaseEstimator):
    """Group-time average treatment effects under staggered adoption (Callaway & Sant'Anna 2021).

    Units are first treated in period ``g`` (their cohort) and stay treated;
    some are never treated. For each cohort ``g`` and period ``t`` the ATT of
    cohort ``g`` at ``t`` is identified under (conditional) parallel trends by
    a two-period DiD between cohort ``g`` and a comparison group, from a base
    period before ``g - anticipation`` to ``t``::

        ATT(g, t) = E[Y_t - Y_b | G = g] - E[ E[Y_t - Y_b | X, C] | G = g ]

    estimated by the doubly robust, IPW or outcome-regression estimators of
    :class:`DRDiD` on the units of cohort ``g`` and the comparison group ``C``
    (never treated, or not yet treated by ``max(t, b) + anticipation``).
    Influence functions are stacked over cells, so that every aggregation
    (:meth:`aggregate`) gets analytic standard errors and a clustered
    multiplier-bootstrap uniform band. This is the estimator of R's ``did``
    (``att_gt`` / ``aggte``) and of ``csdid``, and reproduces their numbers.

    Parameters
    ----------
    method : {"dr", "dr-improved", "ipw", "reg"}, default="dr"
        Two-period estimator of each cell (see :class:`DRDiD`); ``"dr"`` is the
        traditional doubly robust estimator ``did`` uses.
    control_group : {"never_treated", "not_yet_treated"}, default="never_treated"
    anticipation : int, default=0
        Number of periods before ``g`` in which units may already react.
    base_period : {"varying", "universal"}, default="varying"
        ``"varying"``: pre-treatment cells compare consecutive periods;
        ``"universal"``: every cell compares with ``g - anticipation - 1`` (whose
        own cell is 0 by construction).
    propensity_model, outcome_model : estimator or None, default=None
        Nuisance models; ``None`` is a logit and least squares on ``[1, X]``.
    trim_level : float, default=0.995
        Comparison units with a propensity score at or above this are dropped.
    n_bootstrap : int, default=999
        Multiplier-bootstrap draws for the standard errors and uniform bands;
        0 gives analytic standard errors and pointwise intervals.
    bootstrap_weights : {"mammen", "rademacher"}, default="mammen"
    alpha : float, default=0.05
        One minus the coverage of the bands in ``att_gt_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the bootstrap, drawn once in ``fit`` and shared by the aggregations.

    Attributes
    ----------
    att_gt_ : DataFrame
        One row per cell: ``group``, ``time``, ``event_time``, ``att``, ``se``,
        ``lower``, ``upper`` (the uniform band when bootstrapped).
    influence_function_ : ndarray of shape (n_units, n_cells)
    groups_ : ndarray
        Cohorts with at least one cell.
    periods_ : ndarray
        The periods.
    units_ : ndarray
        Units used (balanced, not treated in the first period).
    unit_cohort_ : ndarray of shape (n_units,)
        Cohort of each unit in ``units_`` (``inf``: never treated, or the
        cohort that served as never treated).
    unit_weight_ : ndarray of shape (n_units,)
        Unit weights, mean one.
    cluster_codes_ : ndarray of shape (n_units,) or None
        Cluster of each unit, when ``cluster`` was given.
    bootstrap_draws_ : ndarray of shape (n_bootstrap, n_cells + n_cohorts) or None
        Multiplier-bootstrap draws of the cells' and the cohort shares' influence
        functions, reused by every aggregation.
    critical_value_ : float
        Multiplier of ``se`` in the bands of ``att_gt_`` (the sup-t quantile when
        bootstrapped, else ``z_{1 - alpha/2}``).
    n_units_ : int
    n_features_in_ : int

    References
    ----------
    .. [1] Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences
       with multiple time periods. Journal of Econometrics, 225(2), 200-230.

    Examples
    --------
    >>> from causaldist.datasets import make_staggered
    >>> from causaldist.panel import StaggeredDiD
    >>> data = make_staggered(2000, random_state=0)
    >>> df = data.frame
    >>> did = StaggeredDiD(n_bootstrap=0).fit(
    ...     df[["x1", "x2"]], df.y, unit=df.unit, time=df.time,
    ...     first_treated=df.first_treated)
    >>> res = did.aggregate("simple")
    >>> round(res.value, 2), round(res.stderr, 3), round(data.truth["simple"], 2)
    (1.97, 0.046, 1.94)
    >>> did.aggregate("event").names
    array([-3, -2, -1,  0,  1,  2,  3])
    """

    __metadata_request__fit = {"unit": True, "time": True, "first_treated": True,
                               "cluster": True}

    _parameter_constraints = {
        "method": [METHODS],
        "control_group": [StrOptions({"never_treated", "not_yet_treated"})],
        "anticipation": [Interval(Integral, 0, None, closed="left")],
        "base_period": [StrOptions({"varying", "universal"})],
        "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "bootstrap_weights": [StrOptions({"mammen", "rademacher"})],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        **MODEL_CONSTRAINTS,
    }

    def __init__(self, method="dr", *, control_group="never_treated", anticipation=0,
                 base_period="varying", propensity_model=None, outcome_model=None,
                 trim_level=0.995, n_bootstrap=999, bootstrap_weights="mammen", alpha=0.05,
                 random_state=None):
        self.method = method
        self.control_group = control_group
        self.anticipation = anticipation
        self.base_period = base_period
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.trim_level = trim_level
        self.n_bootstrap = n_bootstrap
        self.bootstrap_weights = bootstrap_weights
        self.alpha = alpha
        self.random_state = random_state

    def _cohorts(self, G, tlist):
        """Never treated as ``inf``; units treated in the first period are dropped."""
        G = np.where(np.isnan(G) | (G == 0) | (G > tlist[-1]), np.inf, G)
        early = G <= tlist[0] + self.anticipation
        if early.any():
            _warn(f"StaggeredDiD: {early.sum()} unit(s) already treated in the first period "
                  f"(first_treated <= {tlist[0]} + anticipation) were dropped.")
        return G, ~early

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, unit=None, time=None, first_treated=None, sample_weight=None,
            cluster=None):
        """Estimate every ATT(g, t) and its influence function.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features) or None
            Covariates for conditional parallel trends (those of the earlier of
            the two periods of each cell are used). ``None`` or no columns:
            unconditional parallel trends.
        y : array-like of shape (n_rows,)
            Outcome.
        unit : array-like of shape (n_rows,)
            Unit id.
        time : array-like of shape (n_rows,)
            Period (numeric; cohorts are on the same scale).
        first_treated : array-like of shape (n_rows,)
            First treated period of the row's unit; 0, NaN or ``inf`` for
            never treated. Constant within a unit.
        sample_weight : array-like of shape (n_rows,), default=None
            Unit weights (constant within a unit).
        cluster : array-like of shape (n_rows,), default=None
            Cluster of the row's unit (constant within a unit), for clustered
            standard errors and bootstrap; units are the clusters by default.

        Returns
        -------
        self : StaggeredDiD
            The fitted estimator.
        """
        n = len(y)
        X, names = check_covariates(X, n)
        y = np.asarray(check_column(y, "y", n), dtype=np.float64)
        unit = check_column(unit, "unit", n)
        time = check_column(time, "time", n)
        integer_time = time.dtype.kind in "iu"
        time = np.asarray(time, dtype=np.float64)
        G_rows = np.asarray(check_column(first_treated, "first_treated", n), dtype=np.float64)
        w = check_weights(sample_weight, n)
        cluster = None if cluster is None else check_column(cluster, "cluster", n)
        if not (np.all(np.isfinite(y)) and np.all(np.isfinite(time))):
            raise ValueError("y and time must be finite.")
        Y, Xw, G, W, C, tlist, units = _wide_panel(X, y, unit, time, G_rows, w, cluster)
        G, keep = self._cohorts(G, tlist)
        Y, Xw, G, W, units = Y[keep], Xw[:, keep], G[keep], W[keep], units[keep]
        if C is not None:
            C = pd.factorize(C[keep], sort=True)[0]
        if not np.isfinite(G).any():
            raise ValueError("no treated cohort: every unit is never treated.")
        if np.isinf(G).any():
            pass  # never-treated units exist: every comparison group is available
        elif self.control_group == "never_treated":
            raise ValueError("control_group='never_treated' needs never-treated units "
                             "(first_treated 0, NaN or inf); there are none. Use "
                             "control_group='not_yet_treated'.")
        else:
            last = G.max()
            _warn(f"StaggeredDiD: no never-treated units; cohort {last:g} serves as the "
                  f"comparison group and periods from {last - self.anticipation:g} on are "
                  "dropped.")
            cols = tlist < last - self.anticipation
            Y, Xw, tlist = Y[:, cols], Xw[cols], tlist[cols]
            G = np.where(G == last, np.inf, G)
        W = W / W.mean()
        att, psi, group, period = self._cells(Y, Xw, G, W, tlist)
        ok = np.isfinite(att)
        basis = np.hstack([psi[:, ok], group_basis(G, W, np.unique(group[ok]))])
        draws = n_clusters = None
        if self.n_bootstrap > 0 and ok.any():
            # one set of draws for the cells and the cohort indicators: every
            # aggregation is a linear combination of them (see _aggregate)
            draws, n_clusters = multiplier_draws(
                basis, self.n_bootstrap, self.bootstrap_weights,
                check_random_state(self.random_state), C)
        if integer_time:
            group, period = group.astype(np.int64), period.astype(np.int64)
        table = pd.DataFrame({"group": group, "time": period, "event_time": period - group,
                              "att": att})
        se = np.full(att.size, np.nan)
        sup_t = None
        if ok.any():
            se[ok], sup_t = self._inference(np.eye(basis.shape[1])[:, :ok.sum()], basis,
                                            draws, n_clusters, C)
        c = critical_value(sup_t, self.alpha)
        table["se"] = se
        table["lower"] = att - c * se
        table["upper"] = att + c * se
        self.att_gt_ = table
        self.influence_function_ = psi
        self.groups_ = np.unique(group)
        self.periods_ = tlist.astype(np.int64) if integer_time else tlist
        self.units_ = units
        self.n_units_ = len(units)
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        self.unit_cohort_, self.unit_weight_, self.cluster_codes_ = G, W, C
        self.critical_value_ = c
        self.bootstrap_draws_ = draws
        self._n_clusters = n_clusters
        return self

    def _cells(self, Y, Xw, G, W, tlist):
        n, T = Y.shape
        a = self.anticipation
        tfac = 1 if self.base_period == "varying" else 0
        never = np.isinf(G)
        out_att, out_psi, out_g, out_t = [], [], [], []
        # cells of a cohort often share rows and covariates (never-treated comparison
        # units, time-invariant X): their propensity fit is then the same
        cache = {}
        for g in np.unique(G[~never]):
            pre = np.flatnonzero(tlist + a < g)
            if pre.size == 0:
                _warn(f"StaggeredDiD: cohort {g:g} has no pre-treatment period; dropped.")
                continue
            pret_g = pre[-1]
            for ti in range(T - tfac):
                tn_idx = ti + tfac
                tn = tlist[tn_idx]
                pret = pret_g if (self.base_period == "universal" or g - a <= tn) else ti
                out_g.append(g)
                out_t.append(tn)
                if pret == tn_idx:
                    out_att.append(0.0)
                    out_psi.append(np.zeros(n))
                    continue
                if self.control_group == "never_treated":
                    comp = never
                else:
                    comp = never | ((G > tlist[max(ti, pret) + tfac] + a) & (G != g))
                mask = (G == g) | comp
                earlier = min(tn_idx, pret)
                att, psi = self._cell(Y[mask, tn_idx] - Y[mask, pret], (G[mask] == g),
                                      Xw[earlier][mask], W[mask], g, tn,
                                      (cache, mask.tobytes()))
                col = np.zeros(n)
                col[mask] = n / mask.sum() * psi
                out_att.append(att)
                out_psi.append(col)
        if not out_att:
            raise ValueError("no group-time cell could be estimated.")
        return (np.array(out_att), np.column_stack(out_psi), np.array(out_g),
                np.array(out_t))

    def _cell(self, dy, D, X, w, g, t, cache_key):
        cache, key = cache_key
        cached = None
        if self.propensity_model is None and self.method != "reg":
            hit = cache.get(key)
            if hit is not None and np.array_equal(hit[0], X):
                cached = hit[1]
        try:
            att, psi, ps = panel_att(self.method, dy, D.astype(np.float64), X, w / w.mean(),
                                     propensity_model=self.propensity_model,
                                     outcome_model=self.outcome_model,
                                     trim_level=float(self.trim_level), ps=cached)
        except (ValueError, np.linalg.LinAlgError) as exc:
            _warn(f"StaggeredDiD: ATT({g:g}, {t:g}) could not be estimated ({exc}); it is "
                  "NaN and left out of the aggregations.")
            return np.nan, np.full(len(dy), np.nan)
        if cached is None and ps is not None and self.propensity_model is None:
            cache.clear()  # keep one design: memory stays bounded
            cache[key] = (X, ps)
        return att, psi

    @staticmethod
    def _inference(coefs, basis, draws, n_clusters, C):
        """Standard errors (and sup-t draws when bootstrapped) of ``basis @ coefs``."""
        if draws is not None:
            return bootstrap_se(draws @ coefs, n_clusters)
        se = analytic_se(basis @ coefs, C)
        # a universal base period's cell is 0 by construction: no standard error
        return np.where(se > 0, se, np.nan), None

    def aggregate(self, kind="event", *, min_e=-np.inf, max_e=np.inf):
        """Aggregate the group-time ATTs.

        Parameters
        ----------
        kind : {"simple", "event", "group", "calendar"}, default="event"
            ``"simple"``: the cohort-share-weighted mean of all post-treatment
            ATT(g, t). ``"event"``: the event study, one ATT per event time
            ``e = t - g`` (overall: the mean over ``e >= 0``). ``"group"``: one
            ATT per cohort. ``"calendar"``: one ATT per period. Formulas in
            ``causaldist.panel._aggregate``.
        min_e, max_e : float, default=-inf, inf
            Event-time window (all kinds but ``"calendar"``).

        Returns
        -------
        result : DiDAggregate
            Scalar for ``"simple"``, else array-valued with ``names`` (event
            times, cohorts or periods), a uniform band from ``conf_int()`` and
            the scalar summary in ``overall``.
        """
        check_is_fitted(self, "att_gt_")
        tab = self.att_gt_
        ok = np.isfinite(tab["att"].to_numpy())
        att = tab["att"].to_numpy()[ok]
        names, values, coefs, overall, glist = aggregate_cells(
            kind, att, tab["group"].to_numpy()[ok], tab["time"].to_numpy()[ok],
            self.unit_cohort_, self.unit_weight_, min_e=min_e, max_e=max_e)
        basis = np.hstack([self.influence_function_[:, ok],
                           group_basis(self.unit_cohort_, self.unit_weight_, glist)])
        inference = (basis, self.bootstrap_draws_, self._n_clusters, self.cluster_codes_)
        method = f"StaggeredDiD {self.method}"
        n = self.n_units_
        if overall is not None:
            o_se, _ = self._inference(overall[1][:, None], *inference)
            overall = DiDAggregate(overall[0], o_se[0], kind=f"{kind} overall",
                                   influence_function=basis @ overall[1], n=n,
                                   method=method)
        if coefs.ndim == 1:
            se, _ = self._inference(coefs[:, None], *inference)
            return DiDAggregate(values, se[0], kind=kind, influence_function=basis @ coefs,
                                n=n, method=method)
        se, sup_t = self._inference(coefs, *inference)
        return DiDAggregate(values, se, kind=kind, names=names, sup_t=sup_t, overall=overall,
                            influence_function=basis @ coefs, n=n, method=method)
