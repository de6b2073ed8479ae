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


def _lasso(alpha, Z, y, w, random_state, n_alphas):
    """A lasso without intercept (residuals are centred), ``alpha="auto"`` by 3-fold CV."""
    if alpha == "auto":
        # ``alphas`` takes a count from scikit-learn 1.7 (``n_alphas`` before).
        grid = {"alphas": n_alphas} if _ALPHAS_COUNT else {"n_alphas": n_alphas}
        model = LassoCV(fit_intercept=False, cv=3, random_state=random_state, **grid)
    else:
        model = Lasso(alpha=alpha, fit_intercept=False)
    return model.fit(Z, y, sample_weight=w).coef_


def debiased_lasso(Z, Y, sample_weight=None, *, alpha="auto", alpha_cov="auto",
                   groups=None, random_state=None):
    """Debiased (desparsified) lasso with a sandwich covariance.

    van de Geer, Buhlmann, Ritov & Dezeure (2014), "On asymptotically optimal
    confidence regions and tests for high-dimensional models": with the lasso
    ``b`` and a nodewise-lasso approximate inverse ``M`` of the Gram matrix
    ``S = Z'WZ / N``,

    ``b_d = b + M Z'W(Y - Z b) / N``,
    ``cov(b_d) = M (sum_i w_i e_i^2 z_i z_i' / N) M' / N``

    (clustered scores with ``groups``). Row ``j`` of ``M`` is
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
        gamma = _lasso(alpha_cov, Z[:, others], Z[:, j], w, random_state, 10) if k > 1 else (
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
        b = _lasso(alpha, Z, Y[:, c], w, random_state, 100)
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
    return coef, (cov + cov.T) / 2


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
        rs = self.random_state if isinstance(self.random_state, Integral) else 0
        coef, cov = debiased_lasso(
            Z, y_res, sample_weight, alpha=self.alpha, alpha_cov=self.alpha_cov,
            groups=groups, random_state=rs,
        )
        return _LinearFit(coef, cov, self._design, t_res.shape[1])
