"""DML with a linear final stage and sandwich (HC0, HC1, cluster) inference."""

import numpy as np
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from .._identification import intervals_available
from ..inference._effect import EffectInference
from ..inference._linear_final import _kron_rows, _LinearFinalMixin, _LinearFit
from ..inference._repeats import _aggregate
from ..inference._sandwich import ols_sandwich
from ..model_selection._mixin import _fill_cross_fit_doc
from ._dml import _BaseDML

__all__ = ["LinearDML"]


class _LinearDMLFinalMixin(_LinearFinalMixin):
    """The linear final stage of DML: ``(d_t, p, d_y)`` coefficients from ``final_fits_``.

    Coefficients and intercepts have separate inference tables, rows the
    features, then the outcome and treatment axes where they exist.
    """

    def _n_coef(self):
        check_is_fitted(self, "final_fits_")
        fit = self.final_fits_[0]
        return fit.coef.shape[0] if hasattr(fit, "coef") else fit.point.coef.shape[0]

    def _has_output_axis(self):
        return bool(self._d_y)

    def _drops_treatment_axis(self):
        return not self._d_t or self.discrete_treatment

    def _summary_frames(self, alpha):
        frames = [self.coef__inference().summary_frame(alpha)]
        if self.fit_cate_intercept:
            frames.append(self.intercept__inference().summary_frame(alpha))
        return frames

    def _combo(self, L):
        """Aggregated (over repetitions) ``L b`` with standard errors."""
        values, stderrs = [], []
        for fit in self.final_fits_:
            v, s = fit.combo(L)
            values.append(v)
            stderrs.append(s)
        if any(s is None for s in stderrs):
            stderrs = None
        return _aggregate(values, stderrs, self.repeat_aggregation)

    def _mean_stderr(self, F, D):
        Lbar = _kron_rows(D, self._design(F)).mean(axis=0, keepdims=True)
        _, se = self._combo(Lbar)
        if se is None:
            return None
        return se[0] if self._d_y else float(se[0, 0])

    def _param_inference(self, which):
        v, s = self._params()
        if s is None:
            self._check_inference()
        part = 0 if which == "coef" else 1
        if which == "intercept" and not self.fit_cate_intercept:
            raise AttributeError("fit_cate_intercept=False: there is no intercept.")
        v, s = self._split(v)[part], self._split(s)[part]
        if which == "intercept":
            v, s = v[:, None, :], s[:, None, :]
        # rows = features, then outcomes, then treatments
        v, s = np.transpose(v, (1, 2, 0)), np.transpose(s, (1, 2, 0))
        names = self.cate_feature_names() if which == "coef" else np.array(["cate_intercept"])
        outputs, treatments = self._output_names(), self._treatment_names(keep_binary=False)
        if outputs is None:
            v, s = v[:, 0], s[:, 0]
        if treatments is None and (not self._d_t or self.discrete_treatment):
            v, s = v[..., 0], s[..., 0]
        return EffectInference(
            v, s, row_names=names, output_names=outputs, treatment_names=treatments,
            method=type(self).__name__,
        )

    def coef__inference(self):
        """Inference on the coefficients.

        Returns
        -------
        inference : EffectInference
            Rows are the features (``cate_feature_names()``), then the
            outcome and treatment axes where they exist.
        """
        return self._param_inference("coef")

    def intercept__inference(self):
        """Inference on the CATE intercept.

        Returns
        -------
        inference : EffectInference
        """
        return self._param_inference("intercept")

    def intercept__interval(self, *, alpha=0.05):
        """Intervals of ``intercept_``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray shaped like ``intercept_``
        """
        lo, hi = self.intercept__inference().conf_int(alpha)
        return self._to_coef_layout(lo)[..., 0], self._to_coef_layout(hi)[..., 0]


@_fill_cross_fit_doc
class LinearDML(_LinearDMLFinalMixin, _BaseDML):
    """DML with a linear CATE, ``theta(x) = b_0 + b' phi(x)``, and sandwich inference.

    The final stage is least squares of ``Y~`` on ``T~ (x) [1, phi(x)]`` (the
    treatment residuals times the featurised effect features), whose
    coefficients are asymptotically normal with the heteroskedasticity-robust
    sandwich covariance (HC1 by default, econml's; HC0; cluster-robust when
    ``groups`` are routed to fit). Binary, K-arm (one-hot residuals against
    the control), continuous and multi-column treatments; one or several
    outcome columns.

    Parameters
    ----------
    outcome_model : regressor, list of regressors or "auto", default="auto"
        ``q(x) = E[Y | X = x]``. ``"auto"`` (or None) chooses in every
        cross-fitting fold, by held-out loss on that fold's training rows
        only, among a ridge on standardised ``X``, additive cubic splines with
        a ridge, and ``HistGradientBoostingRegressor(early_stopping=False)``
        (:class:`~causaldist.model_selection.AutoModel`); a list gives the
        candidates (econml's ``model_y=[...]``). The choices are in
        ``nuisance_selection_``.
    treatment_model : regressor, classifier, list or "auto", default="auto"
        ``f(x) = E[T | X = x]``: a regressor for a continuous treatment, a
        classifier (its ``predict_proba``) with ``discrete_treatment=True``;
        the other kind is a ValueError. ``"auto"`` chooses as for
        ``outcome_model`` (the same candidates for a continuous treatment; a
        standardised logistic regression or splines with a logistic regression
        for a discrete one).
    featurizer : transformer, default=None
        ``phi``: e.g. ``PolynomialFeatures(degree=2, include_bias=False)``.
    fit_cate_intercept : bool, default=True
        Include ``b_0``.
    effect_features : list of str or int, bool mask or None, default=None
        Columns of ``X`` that the effect varies with; the rest are controls.
    discrete_treatment : bool, default=False
        Treat ``T`` as arm labels: binary or K arms, ``categories_[0]`` (or
        ``control=``) the control, one-hot residuals ``1{A = a} - e_a(x)``
        against it from a classifier ``treatment_model``. False: ``T`` is
        continuous, of shape ``(n,)`` or ``(n, d_t)``. Never inferred from the
        labels: labels that are not numbers need True, a boolean ``T`` left at
        False warns, and a classifier as ``treatment_model`` with False (or a
        regressor with True) is a ValueError.
    cov_type : {"HC1", "HC0"}, default="HC1"
        Small-sample factor of the sandwich (``N / (N - k)`` or 1); with
        ``groups`` routed, the cluster-robust covariance with statsmodels'
        ``G / (G - 1) (N - 1) / (N - k)`` factor.
    inference : {"auto", "bootstrap"}, default="auto"
        ``"auto"``: the sandwich; ``"bootstrap"``: refits of the final stage
        on resampled residuals.
    n_bootstraps : int, default=100
    n_repeats : int, default=1
        Cross-fitting repetitions (econml ``mc_iters``), aggregated with the
        variance of the repetitions added.
    repeat_aggregation : {"mean", "median"}, default="mean"
    {cross_fit}

    Attributes
    ----------
    coef_ : ndarray of shape (d_y, d_t, n_features), singleton axes dropped
    intercept_ : ndarray of shape (d_y, d_t), singleton axes dropped
    final_fits_ : list
    residuals_ : tuple of ndarray
    effect_features_ : ndarray of int or None
    nuisance_selection_ : dict
        For every model parameter chosen among candidates (``"auto"`` or a
        list): the name of the candidate selected in each fold (of the last
        cross-fitting repetition); also printed with ``verbose >= 1``.
    nuisances_ : Nuisances
    folds_ : list of (train, test)

    See Also
    --------
    SparseLinearDML : many effect features (debiased lasso).
    DML : any final regressor.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.dml import LinearDML
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3)); T = X[:, 0] + rng.normal(size=1000)
    >>> y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=1000)
    >>> est = LinearDML(outcome_model=LinearRegression(),
    ...                 treatment_model=LinearRegression(), cv=3).fit(X, y, treatment=T)
    >>> est.coef_.round(2).tolist()  # truth [0, 1, 0]
    [-0.0, 1.05, -0.01]
    >>> est.summary().round(2).loc["X1"].tolist()
    [1.05, 0.05, 20.17, 0.0, 0.95, 1.15]
    """

    _parameter_constraints: dict = {
        **_BaseDML._parameter_constraints,
        "cov_type": [StrOptions({"HC0", "HC1"})],
        "inference": [StrOptions({"auto", "bootstrap"})],
    }

    def __init__(
        self, *, outcome_model="auto", treatment_model="auto", featurizer=None,
        fit_cate_intercept=True, effect_features=None, discrete_treatment=False,
        cov_type="HC1", inference="auto", n_bootstraps=100, n_repeats=1,
        repeat_aggregation="mean", cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.discrete_treatment = discrete_treatment
        self.cov_type = cov_type
        self.inference = inference
        self.n_bootstraps = n_bootstraps
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
        coef, cov = ols_sandwich(
            Z, y_res, sample_weight, cov_type=self.cov_type, groups=groups,
            weights=self._sandwich_row_weights,
        )
        n_eff = Z.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        if not intervals_available(n_eff, Z.shape[1], owner=type(self).__name__):
            cov = np.full_like(cov, np.nan)
        return _LinearFit(coef, cov, self._design, t_res.shape[1])
