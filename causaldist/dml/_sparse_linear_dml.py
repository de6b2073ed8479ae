"""DML with a debiased lasso final stage, for many effect features."""

import inspect
from numbers import Integral, Real

import sklearn

import numpy as np
from sklearn.linear_model import Lasso, LassoCV
from sklearn.utils._param_validation import Interval, StrOptions

from ..model_selection._mixin import _fill_cross_fit_doc
from ._dml import _BaseDML
from ._linear_dml import LinearDML, _kron_rows, _LinearFinalMixin, _LinearFit

__all__ = ["SparseLinearDML"]

_ALPHAS_COUNT = "n_alphas" not in inspect.signature(LassoCV).parameters or sklearn.__version__ >= "1.7"


def _lasso(alpha, Z, y, w, random_state, n_alphas, cv=3):
    """A lasso without intercept (residuals are centred), ``alpha="auto"`` by CV over ``cv``."""
    if alpha == "auto":
        # ``alphas`` takes a count from scikit-learn 1.7 (``n_alphas`` before).
        grid = {"alphas": n_alphas} if _ALPHAS_COUNT else {"n_alphas": n_alphas}
        model = LassoCV(fit_intercept=False, cv=cv, random_state=random_state, **grid)
    else:
        model = Lasso(alpha=alpha, fit_intercept=False)
    return model.fit(Z, y, sample_weight=w).coef_


def debiased_lasso(Z, Y, sample_weight=None, *, alpha="auto", alpha_cov="auto",
                   groups=None, random_state=None, cv=3):
    """Debiased (desparsified) lasso with a sandwich covariance.

    van de Geer, Buhlmann, Ritov & Dezeure (2014), "On asymptotically optimal
    confidence regions and tests for high-dimensional models": with the lasso
    ``b`` and a nodewise-lasso approximate inverse ``M`` of the Gram matrix
    ``S = Z'WZ / N``,

    ``b_d = b + M Z'W(Y - Z b) / N``,
    ``cov(b_d) = M (sum_i w_i e_i^2 z_i z_i' / N) M' / N``

    (clustered scores with ``groups``); the penalties ``"auto"`` are chosen by
    ``LassoCV`` over the folds ``cv`` (an int: unshuffled ``KFold``). Row ``j`` of ``M`` is
    ``(e_j - gamma_j) / tau_j^2`` with ``gamma_j`` the lasso of column ``j`` on
    the others and ``tau_j^2 = (Z_j - Z_{-j} gamma_j)' W Z_j / N``.

    Returns
    -------
    coef : ndarray of shape (k, d)
    cov : ndarray of shape (d * k, d * k)
        Output-major, as :func:`causaldist.evaluation._sandwich.ols_sandwich`.
    """
    n, k = Z.shape
    d = Y.shape[1]
    w = np.ones(n) if sample_weight is None else sample_weight
    N = w.sum()
    M = np.zeros((k, k))
    for j in range(k):
        others = np.delete(np.arange(k), j)
        gamma = _lasso(alpha_cov, Z[:, others], Z[:, j], w, random_state, 10, cv) if k > 1 else (
            np.zeros(0))
        resid = Z[:, j] - Z[:, others] @ gamma
        tau2 = np.sum(w * resid * Z[:, j]) / N
        row = np.zeros(k)
        row[j] = 1.0
        row[others] = -gamma
        M[j] = row / tau2
    coef = np.empty((k, d))
    scores = np.empty((n, d * k))
    for c in range(d):
        b = _lasso(alpha, Z, Y[:, c], w, random_state, 100, cv)
        e = Y[:, c] - Z @ b
        coef[:, c] = b + M @ (Z.T @ (w * e)) / N
        scores[:, c * k:(c + 1) * k] = (Z * e[:, None]) @ M.T
    if groups is not None:
        codes = np.unique(groups, return_inverse=True)[1].ravel()
        summed = np.zeros((codes.max() + 1, d * k))
        np.add.at(summed, codes, scores * w[:, None])
        cov = summed.T @ summed / N**2
    else:
        cov = (scores * w[:, None]).T @ scores / N**2
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(cov))):
        # The L1 penalty is not scale-free: on features of extreme scale the
        # lasso paths and the nodewise tau^2 under- or overflow.
        scale = np.max(np.abs(Z)) if Z.size else 0.0
        raise ValueError(
            "the debiased lasso gave non-finite coefficients: its design reaches "
            f"only {scale:.3g} in magnitude (effect features times treatment "
            "residuals). Rescale X to moderate units (e.g. StandardScaler)."
        )
    return coef, (cov + cov.T) / 2


def _lasso_econml(Z, y, w, alpha, *, fit_intercept, n_alphas, cv, max_iter, tol, precompute):
    """The fitted lasso of econml's ``WeightedLasso`` / ``WeightedLassoCV``.

    ``alpha="auto"``: ``LassoCV`` on unshuffled ``KFold(cv)`` folds over a
    path of ``n_alphas`` penalties (econml's ``WeightedKFold`` without
    weights).
    """
    from sklearn.model_selection import KFold

    common = dict(fit_intercept=fit_intercept, max_iter=max_iter, tol=tol)
    if alpha == "auto":
        grid = {"alphas": n_alphas} if _ALPHAS_COUNT else {"n_alphas": n_alphas}
        pre = {} if precompute is None else {"precompute": precompute}
        return LassoCV(cv=KFold(cv), **common, **grid, **pre).fit(Z, y, sample_weight=w)
    return Lasso(alpha=alpha, precompute=bool(precompute), **common).fit(Z, y, sample_weight=w)


def debiased_lasso_homoskedastic(F, Y, sample_weight=None, *, fit_intercept=True, alpha="auto",
                                 alpha_cov="auto", n_alphas=100, n_alphas_cov=10,
                                 max_iter=1000, tol=1e-4):
    """econml's ``DebiasedLasso``: unpenalised intercept, homoskedastic covariance.

    The same estimator as :func:`debiased_lasso` (van de Geer, Buhlmann,
    Ritov & Dezeure 2014) in econml 0.17's variant, which
    ``causaldist.compat.econml`` switches on for parity. With ``F`` centred
    (weighted means ``F_bar``, ``y_bar``), the lasso ``b`` (penalty by
    unshuffled 5-fold CV over ``n_alphas`` values) and ``Theta = diag(1 /
    tau_j^2) C`` from the nodewise lassos (3-fold CV over ``n_alphas_cov``;
    ``C_jj = 1``, ``C_j,-j = -gamma_j``, ``tau_j^2 = (F_j - F_-j gamma_j)' W F_j``
    with weights ``W`` summing to one):

    ``b_d = b + Theta F' W (y - F b)``,
    ``cov(b_d) = sigma^2 Theta (F' W F) Theta' / n``,
    ``sigma^2 = sum_i W_i e_i^2 / (1 - s / n)`` with ``s`` the lasso's
    non-zero coefficients, and the intercept ``y_bar - F_bar' b_d`` with
    variance ``F_bar' cov F_bar + sigma^2 / n``.

    The native :func:`debiased_lasso` penalises an intercept column and has
    a heteroskedasticity-robust sandwich. With ``sample_weight``, econml
    searches the penalty on weight-balanced shuffled folds; here the folds
    are unshuffled ``KFold`` in both cases, so weighted fits with
    ``alpha="auto"`` may select another penalty than econml.

    Parameters
    ----------
    F : ndarray of shape (n, k)
        Features, without an intercept column.
    Y : ndarray of shape (n, d)
    sample_weight : ndarray of shape (n,), default=None
    fit_intercept : bool, default=True
    alpha, alpha_cov : "auto" or float, default="auto"
    n_alphas, n_alphas_cov : int, default=100 and 10
    max_iter : int, default=1000
    tol : float, default=1e-4

    Returns
    -------
    coef : ndarray of shape (k + fit_intercept, d)
        Intercept first when fitted.
    cov : ndarray of shape (d * p, d * p)
        Output-major, as :func:`debiased_lasso` (``p = k + fit_intercept``).
    """
    n, k = F.shape
    d = Y.shape[1]
    wn = np.full(n, 1.0 / n) if sample_weight is None else sample_weight / np.sum(sample_weight)
    off = wn @ F if fit_intercept else np.zeros(k)
    Fc = F - off
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if k == 1:
        theta = np.array([[1.0 / (Fc[:, 0] @ Fc[:, 0] / n)]])
    else:
        theta = np.eye(k)
        tau2 = np.empty(k)
        for j in range(k):
            others = np.delete(np.arange(k), j)
            gamma = _lasso_econml(
                Fc[:, others], Fc[:, j], w, alpha_cov, fit_intercept=False,
                n_alphas=n_alphas_cov, cv=3, max_iter=max_iter, tol=tol, precompute=None,
            ).coef_
            theta[j, others] = -gamma
            tau2[j] = (Fc[:, j] - Fc[:, others] @ gamma) @ (Fc[:, j] * wn)
        theta = theta / tau2[:, None]
    sigma = Fc.T @ (wn[:, None] * Fc)
    unscaled = theta @ sigma @ theta.T / n
    p = k + int(fit_intercept)
    coef = np.empty((p, d))
    cov = np.zeros((d * p, d * p))
    for c in range(d):
        y = Y[:, c]
        yc = y - (wn @ y if fit_intercept else 0.0)
        a = alpha if alpha != "auto" else _lasso_econml(
            F, y, w, "auto", fit_intercept=fit_intercept, n_alphas=n_alphas, cv=5,
            max_iter=max_iter, tol=tol, precompute=False).alpha_
        if w is None:
            # econml's unweighted lasso: sklearn centres the data itself.
            b = _lasso_econml(F, y, None, a, fit_intercept=fit_intercept, n_alphas=n_alphas,
                              cv=5, max_iter=max_iter, tol=tol, precompute=False).coef_
        else:
            b = _lasso_econml(Fc, yc, w, a, fit_intercept=False, n_alphas=n_alphas, cv=5,
                              max_iter=max_iter, tol=tol, precompute=False).coef_
        e = yc - Fc @ b
        s2 = (wn @ e**2) / (1 - np.count_nonzero(b) / n)
        bd = b + theta @ (Fc.T @ (e * wn))
        V = unscaled * s2
        block = slice(c * p, (c + 1) * p)
        if fit_intercept:
            coef[0, c] = (wn @ y) - off @ bd
            coef[1:, c] = bd
            full = np.empty((p, p))
            full[1:, 1:] = V
            full[0, 1:] = full[1:, 0] = -off @ V
            full[0, 0] = off @ V @ off + s2 / n
            cov[block, block] = full
        else:
            coef[:, c] = bd
            cov[block, block] = V
    return coef, cov


@_fill_cross_fit_doc
class SparseLinearDML(_LinearFinalMixin, _BaseDML):
    """DML with a linear CATE in many features, fitted by the debiased lasso.

    As :class:`LinearDML`, with the least-squares final stage replaced by a
    lasso of ``Y~`` on ``T~ (x) [1, phi(x)]`` debiased with a nodewise-lasso
    inverse Gram matrix (van de Geer et al. 2014), whose coefficients are
    asymptotically normal even with more features than a least-squares fit
    handles well. Standard errors are heteroskedasticity-robust (cluster-robust
    with routed ``groups``).

    Parameters
    ----------
    outcome_model, treatment_model, featurizer, fit_cate_intercept, effect_features, discrete_treatment
        As in :class:`LinearDML`.
    alpha : "auto" or float, default="auto"
        Lasso penalty of the final stage; ``"auto"`` chooses it by 3-fold CV.
    alpha_cov : "auto" or float, default="auto"
        Penalty of the nodewise lassos.
    n_repeats : int, default=1
    repeat_aggregation : {"mean", "median"}, default="mean"
    {cross_fit}

    Attributes
    ----------
    coef_, intercept_, final_fits_, residuals_, nuisances_, folds_
        As in :class:`LinearDML`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.dml import SparseLinearDML
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 10)); T = X[:, 0] + rng.normal(size=1000)
    >>> y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=1000)
    >>> est = SparseLinearDML(outcome_model=LinearRegression(),
    ...     treatment_model=LinearRegression(), cv=3, random_state=0).fit(X, y, treatment=T)
    >>> float(np.round(est.coef_[1], 1))  # truth 1
    0.9
    """

    _parameter_constraints: dict = {
        **_BaseDML._parameter_constraints,
        "alpha": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "alpha_cov": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self, *, outcome_model=None, treatment_model=None, featurizer=None,
        fit_cate_intercept=True, effect_features=None, discrete_treatment=False,
        alpha="auto", alpha_cov="auto", n_repeats=1, repeat_aggregation="mean", cv=5,
        n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, verbose=0,
        control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.discrete_treatment = discrete_treatment
        self.alpha = alpha
        self.alpha_cov = alpha_cov
        self.n_repeats = n_repeats
        self.repeat_aggregation = repeat_aggregation
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit_final(self, F, y_res, t_res, sample_weight, groups):
        Z = _kron_rows(t_res, self._design(F))
        # A private switch for causaldist.compat.econml: econml's DebiasedLasso
        # (its final lasso has no intercept of its own here: the CATE intercept
        # is the column t_res of Z).
        econml = getattr(self, "_econml_lasso", None)
        if econml is not None:
            if groups is not None:
                raise ValueError("econml's debiased lasso has no cluster-robust covariance.")
            coef, cov = debiased_lasso_homoskedastic(
                Z, y_res, sample_weight, fit_intercept=False, alpha=self.alpha,
                alpha_cov=self.alpha_cov, **econml,
            )
            return _LinearFit(coef, cov, self._design, t_res.shape[1])
        rs = self.random_state if isinstance(self.random_state, Integral) else 0
        coef, cov = debiased_lasso(
            Z, y_res, sample_weight, alpha=self.alpha, alpha_cov=self.alpha_cov,
            groups=groups, random_state=rs,
        )
        return _LinearFit(coef, cov, self._design, t_res.shape[1])
