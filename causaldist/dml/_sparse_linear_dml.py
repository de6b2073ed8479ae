"""DML with a debiased lasso final stage, for many effect features."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ..model_selection._mixin import _fill_cross_fit_doc
from ._dml import _BaseDML
from ..inference._debiased_lasso import debiased_lasso
from ..inference._linear_final import _kron_rows, _LinearFit
from ._linear_dml import _LinearDMLFinalMixin

__all__ = ["SparseLinearDML"]

@_fill_cross_fit_doc
class SparseLinearDML(_LinearDMLFinalMixin, _BaseDML):
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
    coef_, intercept_, final_fits_, residuals_, nuisance_selection_, nuisances_, folds_
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
        self, *, outcome_model="auto", treatment_model="auto", featurizer=None,
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
