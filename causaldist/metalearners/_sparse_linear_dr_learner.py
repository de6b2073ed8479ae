"""The DR learner with a debiased lasso final stage, for many effect features."""

import numbers
from numbers import Real

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..inference._debiased_lasso import debiased_lasso
from ..model_selection._mixin import _fill_cross_fit_doc
from ._linear_dr_learner import LinearDRLearner

__all__ = ["SparseLinearDRLearner"]


@_fill_cross_fit_doc
class SparseLinearDRLearner(LinearDRLearner):
    """DR learner whose linear CATE in many features is fitted by the debiased lasso.

    As :class:`LinearDRLearner`, with each arm's least-squares regression of
    the AIPW pseudo-outcome ``phi_i(a) = Gamma_i(a) - Gamma_i(0)`` on
    ``[1, f(x)]`` replaced by a lasso debiased with a nodewise-lasso inverse
    Gram matrix (van de Geer, Buhlmann, Ritov & Dezeure 2014, "On
    asymptotically optimal confidence regions and tests for high-dimensional
    models"; :func:`causaldist.dml._sparse_linear_dml.debiased_lasso`), so the
    coefficients stay asymptotically normal with many features.
    Standard errors are heteroskedasticity-robust (cluster-robust with routed
    ``groups``).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_a(x)`` (HistGradientBoosting when None).
    propensity_model : classifier, default=None
        ``e_a(x)`` (standardised logistic regression when None).
    featurizer : transformer, default=None
        ``f``: e.g. ``PolynomialFeatures(degree=2, include_bias=False)``.
    fit_cate_intercept : bool, default=True
    effect_features : list of str or int, bool mask or None, default=None
        Columns of ``X`` the effect varies with; the others are controls.
    alpha : "auto" or float, default="auto"
        Lasso penalty; ``"auto"`` chooses it by cross-validation over the
        cross-fitting folds ``folds_``.
    alpha_cov : "auto" or float, default="auto"
        Penalty of the nodewise lassos.
    n_repeats : int, default=1
    repeat_aggregation : {"mean", "median"}, default="mean"
    pooled_outcome : bool, default=False
        One outcome model on ``[X, one-hot(A)]`` per fold (econml's structure).
    {cross_fit}

    Attributes
    ----------
    coef_, intercept_, ate_, effect_features_, featurizer_, nuisances_, folds_, categories_
        As in :class:`LinearDRLearner`.

    See Also
    --------
    causaldist.dml.SparseLinearDML : the same final stage in the partially linear model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.metalearners import SparseLinearDRLearner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 8)); t = rng.integers(0, 2, 2000)
    >>> y = (1 + X[:, 1]) * t + X[:, 0] + rng.normal(size=2000)
    >>> est = SparseLinearDRLearner(outcome_model=LinearRegression(), cv=3,
    ...                             random_state=0).fit(X, y, treatment=t)
    >>> float(est.coef_[1].round(1))  # truth 1
    0.9
    """

    _parameter_constraints: dict = {
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "fit_cate_intercept": ["boolean"],
        "effect_features": "no_validation",
        "alpha": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "alpha_cov": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "n_repeats": [Interval(numbers.Integral, 1, None, closed="left")],
        "repeat_aggregation": [StrOptions({"mean", "median"})],
    }

    def __init__(
        self, *, outcome_model=None, propensity_model=None, featurizer=None,
        fit_cate_intercept=True, effect_features=None, alpha="auto", alpha_cov="auto",
        n_repeats=1, repeat_aggregation="mean", pooled_outcome=False, cv=5, n_jobs=None,
        memory=None, min_propensity=1e-3, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.alpha = alpha
        self.alpha_cov = alpha_cov
        self.n_repeats = n_repeats
        self.repeat_aggregation = repeat_aggregation
        self.pooled_outcome = pooled_outcome
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit_final(self, Phi, phi, sample_weight, groups):
        rs = self.random_state if isinstance(self.random_state, numbers.Integral) else 0
        # The penalties are searched over the cross-fitting folds, which move
        # with the rows: the fit does not depend on the order of the rows.
        return debiased_lasso(
            Phi, phi, sample_weight, alpha=self.alpha, alpha_cov=self.alpha_cov,
            groups=groups, random_state=rs, cv=self.folds_,
        )
