"""Double machine learning: the partially linear model with any final stage.

Chernozhukov, Chetverikov, Demirer, Duflo, Hansen, Newey & Robins (2018),
"Double/debiased machine learning for treatment and structural parameters";
Nie & Wager (2021), "Quasi-oracle estimation of heterogeneous treatment
effects". The model is

``Y = theta(X_e) . T + g(X) + eps``,  ``T = f(X) + eta``,

with ``X_e`` the effect features (all of ``X`` unless ``effect_features`` says
otherwise; the other columns are controls, which enter ``g`` and ``f`` only).
Cross-fitted ``q(x) = E[Y | X]`` and ``f(x) = E[T | X]`` give the residuals
``Y~ = Y - q(X)`` and ``T~ = T - f(X)``, and ``theta`` minimises the R-loss
``sum_i (Y~_i - theta(X_e,i) . T~_i)^2``.
"""

import numbers
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.multioutput import MultiOutputRegressor
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from .._identification import check_treatment_residuals
from ..base import BaseCausalEstimator, _as_label_array, _effect_columns, _fit_model
from ..inference._bootstrap import _Bootstrap
from ..inference._effect import EffectInference
from ..inference._repeats import _aggregate
from .._defaults import AUTO_CANDIDATES, DEFAULT_MODELS, REGRESSOR
from .._progress import Progress
from ..model_selection._auto import AutoModel
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc

__all__ = ["DML"]


class _ModelFit:
    """A final stage fitted as a weighted pseudo-outcome regression (one treatment column).

    ``theta`` minimises ``sum_i w_i (Y~_i - theta(x_i) T~_i)^2``, the same as
    regressing ``Y~_i / T~_i`` on ``x_i`` with weights ``w_i T~_i^2``, so any
    regressor that takes ``sample_weight`` is a final stage (Nie & Wager 2021;
    econml's ``NonParamDML``). One model per outcome column.
    """

    def __init__(self, model, F, y_res, t_res, sample_weight):
        t = t_res[:, 0]
        pseudo = np.divide(
            y_res, t[:, None], out=np.zeros_like(y_res), where=t[:, None] != 0
        )
        w = t**2 if sample_weight is None else t**2 * sample_weight
        self.models = [_fit_model(model, F, pseudo[:, j], w) for j in range(y_res.shape[1])]

    def theta(self, F):
        return np.stack([m.predict(F) for m in self.models], axis=1)[:, :, None]


@_fill_cross_fit_doc
class _BaseDML(_CrossFitMixin, BaseCausalEstimator):
    """Shared stage, residuals and the effect API of the DML estimators.

    Subclasses implement ``_fit_final(F, y_res, t_res, sample_weight, groups)``
    (returning an object with ``theta(F)`` of shape ``(m, d_y, d_t)`` and,
    for an analytic inference, ``effect(F, D)`` giving values and standard
    errors) and may set ``_final_default``.
    """

    _multi_output = True

    _parameter_constraints: dict = {
        **BaseCausalEstimator._parameter_constraints,
        **_CrossFitMixin._parameter_constraints,
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "fit_cate_intercept": ["boolean"],
        "effect_features": "no_validation",
        "discrete_treatment": ["boolean"],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "repeat_aggregation": [StrOptions({"mean", "median"})],
        "n_bootstraps": [Interval(Integral, 2, None, closed="left")],
    }

    @property
    def _discrete_treatment(self):
        return self.discrete_treatment

    # treatment_model's default is a classifier with discrete_treatment=True
    # (see _default_model); "treatment" is its role for a continuous treatment.
    _default_models = {"outcome_model": "outcome", "treatment_model": "treatment"}

    # Model parameters whose None / "auto" is a choice among candidates
    # (AUTO_CANDIDATES) by held-out loss on each fold's training rows.
    _auto_models = ("outcome_model", "treatment_model")

    def _role(self, param):
        if param == "treatment_model" and self.discrete_treatment:
            return "propensity"
        return self._default_models[param]

    def _seed(self):
        rs = self.random_state
        return rs.randint(np.iinfo(np.int32).max) if isinstance(rs, np.random.RandomState) else rs

    def _default_model(self, param):
        if param in self._auto_models:
            return AutoModel(AUTO_CANDIDATES[self._role(param)](self._seed()),
                             random_state=self._seed())
        if param == "treatment_model" and self.discrete_treatment:
            return DEFAULT_MODELS["propensity"](self.random_state)
        return super()._default_model(param)

    def _model(self, param):
        model = getattr(self, param)
        if model is None or (isinstance(model, str) and model == "auto"):
            model = self._default_model(param)
        elif isinstance(model, list):
            # econml's model_y=[...]: the candidates to choose from.
            model = AutoModel(model, random_state=self._seed())
        # Several outcome (or treatment) columns: one clone per column for
        # models that predict a single output (HistGradientBoosting).
        columns = {"outcome_model": "_y_2d", "treatment_model": "_t_2d"}.get(param)
        if columns and getattr(self, columns, False) and not get_tags(model).target_tags.multi_output:
            return MultiOutputRegressor(model)
        return model

    # -- fit ------------------------------------------------------------------
    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        if not self.discrete_treatment and propensity is not None:
            raise ValueError(
                "propensity is for a discrete treatment; set discrete_treatment=True."
            )
        if self.n_repeats > 1 and not isinstance(self.cv, numbers.Integral):
            raise ValueError(
                "n_repeats > 1 draws new folds for every repetition and needs an int cv."
            )
        n = X.shape[0]
        self._y_2d = y.ndim == 2
        self._t_2d = (not self.discrete_treatment) and t.ndim == 2
        self._d_y = y.shape[1:]
        self._d_t = (len(self.categories_) - 1,) if self.discrete_treatment else t.shape[1:]
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        self.featurizer_ = None if self.featurizer is None else clone(self.featurizer).fit(Xe)
        F = self._features_of(Xe)
        groups = None if groups is None else np.asarray(groups)
        Y = y.reshape(n, -1)
        # The stage runs the repetitions (fresh folds each) and says what the
        # final stage is fitted on: by default one fit per repetition.

        def residualise(**run):
            if self.discrete_treatment:
                nuis = self._cross_fit(
                    X, y, t, sample_weight, groups=groups, propensity=propensity,
                    propensity_model="treatment_model", marginal_model=True, **run,
                )
                onehot = (t[:, None] == np.arange(1, len(self.categories_))).astype(float)
                t_res = onehot - nuis.propensity[:, 1:]
            else:
                nuis = self._cross_fit(
                    X, y, t, sample_weight, groups=groups, treatment_model=True,
                    marginal_model=True, **run,
                )
                t_res = t.reshape(n, -1) - nuis.treatment.reshape(n, -1)
            check_treatment_residuals(
                onehot if self.discrete_treatment else t, t_res, sample_weight,
                owner=type(self).__name__,
            )
            return Y - nuis.marginal.reshape(n, -1), t_res

        residuals = self._repeat_cross_fit(residualise)
        self.nuisance_selection_ = self._nuisance_selection()
        self.residuals_ = residuals[0]
        self._repeat_residuals = residuals
        self.final_fits_ = [
            self._fit_final_with_inference(F, y_res, t_res, sample_weight, groups)
            for y_res, t_res in residuals
        ]
        return self

    def _nuisance_selection(self):
        """Candidate chosen in every fold for each model parameter resolved to an AutoModel."""
        roles = {"marginal": "outcome_model", "treatment": "treatment_model",
                 "propensity": "treatment_model"}
        out = {}
        for role, models in self.nuisances_.models.items():
            picks = []
            for model in models:
                inner = getattr(model, "estimators_", [model])
                picks.append([m.selected_ for m in inner if isinstance(m, AutoModel)])
            if any(picks):
                out[roles.get(role, role)] = [p[0] if len(p) == 1 else p for p in picks]
        progress = Progress(self.verbose, type(self).__name__)
        for param, picks in out.items():
            names, counts = np.unique([str(p) for p in picks], return_counts=True)
            progress(1, f"{param} chosen by held-out loss: " + ", ".join(
                f"{n} ({c}/{len(picks)} folds)" for n, c in zip(names, counts)))
        return out

    def refit_final(self, X, *, sample_weight=None, groups=None):
        """Refit only the final stage on the stored cross-fitted residuals.

        The final-stage parameters as they are now (``final_model`` and its
        parameters, ``featurizer``, ``fit_cate_intercept``, ``inference``)
        are fitted on the residuals of every repetition kept from
        :meth:`fit`; the nuisances are not refitted (econml's
        ``refit_final`` after ``fit(..., cache_values=True)``). Changes to
        nuisance parameters have no effect until the next :meth:`fit`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training covariates, as passed to :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            The training weights, as passed to :meth:`fit`.
        groups : array-like of shape (n_samples,), default=None
            Clusters of the final stage's standard errors, as in :meth:`fit`.

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "final_fits_")
        X = self._validate_X_predict(X)
        n = self._repeat_residuals[0][0].shape[0]
        if X.shape[0] != n:
            raise ValueError(f"X has {X.shape[0]} rows; the stored residuals have {n}.")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        groups = None if groups is None else np.asarray(groups)
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        self.featurizer_ = None if self.featurizer is None else clone(self.featurizer).fit(Xe)
        F = self._features_of(Xe)
        self.final_fits_ = [
            self._fit_final_with_inference(F, y_res, t_res, sample_weight, groups)
            for y_res, t_res in self._repeat_residuals
        ]
        return self

    def _fit_final_with_inference(self, F, y_res, t_res, sample_weight, groups):
        fit = self._fit_final(F, y_res, t_res, sample_weight, groups)
        if self._inference_kind() == "bootstrap":
            fit = _Bootstrap(self, fit, F, y_res, t_res, sample_weight, groups)
        return fit

    def _inference_kind(self):
        return getattr(self, "inference", None)

    def _effect_X(self, X):
        return X if self.effect_features_ is None else X[:, self.effect_features_]

    def _features_of(self, Xe):
        return Xe if self.featurizer_ is None else np.asarray(
            self.featurizer_.transform(Xe), dtype=np.float64
        )

    def _design(self, F):
        """``[1, F(x)]`` (the CATE intercept first) or ``F(x)``."""
        if self.fit_cate_intercept:
            return np.hstack([np.ones((F.shape[0], 1)), F])
        return F

    def _features(self, X):
        """Effect features of validated rows of the full ``X``."""
        return self._features_of(self._effect_X(X))

    # -- names ------------------------------------------------------------------
    def cate_feature_names(self, feature_names=None):
        """Names of the final stage's features (after the featurizer).

        Parameters
        ----------
        feature_names : list of str, default=None
            Names of the effect features; ``None`` takes them from the
            training ``X`` (its column names, else ``X0, X1, ...``).

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "final_fits_")
        if feature_names is None:
            if hasattr(self, "feature_names_in_"):
                names = self.feature_names_in_
                feature_names = names if self.effect_features_ is None else names[
                    self.effect_features_
                ]
            else:
                k = self.n_features_in_ if self.effect_features_ is None else len(
                    self.effect_features_
                )
                feature_names = [f"X{j}" for j in range(k)]
        feature_names = np.asarray(feature_names, dtype=object)
        if self.featurizer_ is not None:
            return np.asarray(self.featurizer_.get_feature_names_out(feature_names), dtype=object)
        return feature_names

    def _output_names(self):
        return None if not self._d_y else np.array([f"Y{j}" for j in range(self._d_y[0])])

    def _treatment_names(self, keep_binary=False):
        if self.discrete_treatment:
            if len(self.categories_) == 2 and not keep_binary:
                return None
            return np.array([f"T0_{c}" for c in self.categories_[1:]], dtype=object)
        return None if not self._d_t else np.array([f"T{j}" for j in range(self._d_t[0])])

    # -- effects ------------------------------------------------------------------
    def _n_t(self):
        return self._d_t[0] if self._d_t else 1

    def _treatment_matrix(self, T, m, name):
        """Treatment values of ``m`` rows as an ``(m, d_t)`` matrix (one-hot for arms)."""
        if self.discrete_treatment:
            T = np.asarray(T)
            if T.ndim == 0:
                T = np.full(m, T.item(), dtype=T.dtype)
            codes = self._codes_of(_as_label_array(T, name), name)
            if codes.shape[0] != m:
                raise ValueError(f"{name} has {codes.shape[0]} entries but X has {m} rows.")
            return (codes[:, None] == np.arange(1, len(self.categories_))).astype(float)
        T = np.asarray(T, dtype=np.float64)
        d = self._n_t()
        if T.ndim == 0:
            return np.full((m, d), float(T))
        if T.ndim == 1 and self._d_t and T.shape[0] == d and m != d:
            return np.broadcast_to(T, (m, d)).copy()
        T = T.reshape(T.shape[0], -1)
        if T.shape != (m, d):
            raise ValueError(f"{name} must have shape ({m},) or ({m}, {d}); got {T.shape}.")
        return T

    def _entries(self, F, D):
        """Values (and standard errors or None) of ``theta(x) . D`` per outcome: ``(m, d_y)``."""
        values, stderrs = [], []
        for fit in self.final_fits_:
            if hasattr(fit, "effect"):
                v, s = fit.effect(F, D)
            else:
                v, s = np.einsum("myt,mt->my", fit.theta(F), D), None
            values.append(v)
            stderrs.append(s)
        if any(s is None for s in stderrs):
            stderrs = None
        return _aggregate(values, stderrs, self.repeat_aggregation)

    def _shape_effect(self, v):
        """``(m, d_y)`` -> ``(m,)`` when ``y`` was 1-D."""
        return v if self._d_y else v[:, 0]

    def _cme(self, X, with_se):
        F = self._features(X)
        m, d = F.shape[0], self._n_t()
        vals, ses = [], []
        for k in range(d):
            D = np.zeros((m, d))
            D[:, k] = 1.0
            v, s = self._entries(F, D)
            vals.append(v)
            ses.append(s)
        value = np.stack(vals, axis=2)  # (m, d_y, d_t)
        se = None if not with_se or ses[0] is None else np.stack(ses, axis=2)
        return value, se

    def _shape_cme(self, a, keep_binary=True):
        if a is None:
            return None
        if not self._d_y:
            a = a[:, 0]
        if not self._d_t or (self.discrete_treatment and not keep_binary and a.shape[-1] == 1):
            a = a[..., 0]
        return a

    def const_marginal_effect(self, X):
        """The effect of one unit of each treatment, ``theta(x)``.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
            The full covariates (controls included), as in fit.

        Returns
        -------
        theta : ndarray of shape (m, d_y, d_t)
            econml's shape, with the axis of a 1-D ``y`` or of a 1-D
            continuous treatment dropped (a discrete treatment keeps its
            ``K - 1`` axis).
        """
        X = self._validate_X_predict(X)
        return self._shape_cme(self._cme(X, False)[0])

    def marginal_effect(self, T, X):
        """``d E[Y | T, X] / d T`` at ``(T, X)``: ``theta(x)``, the model is linear in ``T``.

        Parameters
        ----------
        T : array-like of shape (m,) or (m, d_t)
            Treatment values (unused: the marginal effect is constant in T).
        X : array-like of shape (m, n_features)

        Returns
        -------
        theta : ndarray
            As :meth:`const_marginal_effect`.
        """
        return self.const_marginal_effect(X)

    def predict(self, X):
        """The conditional average effect: ``theta(x)``, shape ``(m,)`` for one treated column.

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        cate : ndarray
            :meth:`const_marginal_effect` with the arm axis of a binary
            treatment dropped: ``(m,)`` for a binary or one continuous
            treatment and one outcome.
        """
        X = self._validate_X_predict(X)
        return self._shape_cme(self._cme(X, False)[0], keep_binary=False)

    def effect(self, X, T0=0, T1=1):
        """Effect of moving each row from treatment ``T0`` to ``T1``.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : scalar, label or array-like of shape (m,) or (m, d_t), default 0 and 1
            Base and target treatments (labels for a discrete treatment,
            where ``T0=0`` means the control when 0 is not a label).

        Returns
        -------
        effect : ndarray of shape (m,) or (m, d_y)
            ``theta(x) . (T1 - T0)``.
        """
        X = self._validate_X_predict(X)
        v, _ = self._entries(self._features(X), self._dT(X.shape[0], T0, T1))
        return self._shape_effect(v)

    def _dT(self, m, T0, T1):
        if self.discrete_treatment:
            labels = self.categories_.tolist()
            if np.ndim(T0) == 0 and T0 == 0 and 0 not in labels:
                T0 = self.categories_[0]
            if np.ndim(T1) == 0 and T1 == 1 and 1 not in labels:
                if len(labels) > 2:
                    raise ValueError(f"T1 is required with arms {labels}.")
                T1 = self.categories_[1]
        return self._treatment_matrix(T1, m, "T1") - self._treatment_matrix(T0, m, "T0")

    # -- inference ------------------------------------------------------------------
    def _check_inference(self):
        check_is_fitted(self, "final_fits_")
        if not all(hasattr(f, "effect") for f in self.final_fits_):
            raise ValueError(
                f"{type(self).__name__} was fitted without inference: set "
                "inference='bootstrap' (any final model) or use LinearDML."
            )

    def effect_inference(self, X, T0=0, T1=1):
        """Effects of ``T0 -> T1`` at the rows of ``X`` with standard errors.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        inference : EffectInference
            ``point_estimate`` shaped like :meth:`effect`; ``conf_int``,
            ``pvalue``, ``summary_frame`` and ``population_summary``.
        """
        self._check_inference()
        X = self._validate_X_predict(X)
        F = self._features(X)
        D = self._dT(X.shape[0], T0, T1)
        v, s = self._entries(F, D)
        mean_se = self._mean_stderr(F, D)
        return EffectInference(
            self._shape_effect(v), self._shape_effect(s), output_names=self._output_names(),
            mean_stderr=mean_se, method=type(self).__name__,
        )

    def _mean_stderr(self, F, D):
        """Exact standard error of the mean effect, when the final stage knows it."""
        return None

    def effect_interval(self, X, T0=0, T1=1, *, alpha=0.05):
        """Pointwise ``1 - alpha`` intervals of :meth:`effect`.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : as in :meth:`effect`
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray shaped like :meth:`effect`
        """
        return self.effect_inference(X, T0, T1).conf_int(alpha)

    def const_marginal_effect_inference(self, X):
        """:meth:`const_marginal_effect` with standard errors.

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        inference : EffectInference
        """
        self._check_inference()
        X = self._validate_X_predict(X)
        v, s = self._cme(X, True)
        return EffectInference(
            self._shape_cme(v), self._shape_cme(s), output_names=self._output_names(),
            treatment_names=self._treatment_names(keep_binary=True) if (
                self._d_t) else None,
            method=type(self).__name__,
        )

    def const_marginal_effect_interval(self, X, *, alpha=0.05):
        """Pointwise intervals of :meth:`const_marginal_effect`.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self.const_marginal_effect_inference(X).conf_int(alpha)

    def marginal_effect_inference(self, T, X):
        """:meth:`marginal_effect` with standard errors (constant in ``T``).

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, n_features)

        Returns
        -------
        inference : EffectInference
        """
        return self.const_marginal_effect_inference(X)

    def marginal_effect_interval(self, T, X, *, alpha=0.05):
        """Pointwise intervals of :meth:`marginal_effect`.

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, n_features)
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self.const_marginal_effect_inference(X).conf_int(alpha)

    def ate_inference(self, X, T0=0, T1=1):
        """The average of :meth:`effect` over the rows of ``X``, with its uncertainty.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        summary : PopulationSummary
        """
        return self.effect_inference(X, T0, T1).population_summary()

    # -- score ------------------------------------------------------------------
    def _score(self, X, y, t, sample_weight):
        """Negated R-loss with the estimator's own nuisance models; higher is better.

        ``- mean_i ||Y~_i - theta(x_i) T~_i||^2`` with the residuals formed by
        the nuisance models fitted in ``fit`` (averaged over the folds, as
        econml's DML ``score``): nothing is refitted.
        """
        n = X.shape[0]
        nuis = self.nuisances_.predict(X)
        if self.discrete_treatment:
            if nuis.propensity is None:
                raise ValueError("score needs a fitted propensity model (known propensities were given).")
            onehot = (t[:, None] == np.arange(1, len(self.categories_))).astype(float)
            t_res = onehot - nuis.propensity[:, 1:]
        else:
            t_res = t.reshape(n, -1) - nuis.treatment.reshape(n, -1)
        y_res = y.reshape(n, -1) - nuis.marginal.reshape(n, -1)
        pred, _ = self._entries(self._features(X), t_res)
        loss = np.sum((y_res - pred) ** 2, axis=1)
        return -float(np.average(loss, weights=sample_weight))


@_fill_cross_fit_doc
class DML(_BaseDML):
    """Double machine learning with any final regressor (econml's ``NonParamDML``).

    Residualises the outcome and the treatment on all of ``X`` with
    cross-fitted nuisance models, then fits ``theta(x)`` by minimising the
    R-loss ``sum_i (Y~_i - theta(x_i) T~_i)^2`` (Chernozhukov et al. 2018;
    Nie & Wager 2021). With one treatment column (a binary or one continuous
    treatment) that is the regression of ``Y~ / T~`` on the effect features
    with weights ``T~^2``, so any regressor that accepts ``sample_weight`` is
    a final stage. Several treatment columns (K arms, multi-column T) need a
    final stage linear in the features: use :class:`LinearDML` or
    :class:`SparseLinearDML`.

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
    final_model : regressor, default=None
        ``theta(x)``; must accept ``sample_weight``. ``None`` means
        ``HistGradientBoostingRegressor(max_depth=3, early_stopping=False)``.
    featurizer : transformer, default=None
        Applied to the effect features before the final stage.
    fit_cate_intercept : bool, default=True
        Unused by a non-linear final stage (kept for a shared signature).
    effect_features : list of str or int, bool mask or None, default=None
        The columns of ``X`` that ``theta`` depends on (names, positions or
        a mask, as ``ColumnTransformer``); the rest are controls ``W`` that
        enter the nuisance models only. ``None``: every column.
    discrete_treatment : bool, default=False
        Treat ``T`` as arm labels (one-hot residuals against the control).
        Never inferred from the labels (econml's semantics): labels that are
        not numbers need True, a boolean ``T`` left at False warns, and a
        classifier as ``treatment_model`` with False (or a regressor with
        True) is a ValueError.
    inference : {None, "bootstrap"}, default=None
        ``"bootstrap"``: standard errors from ``n_bootstraps`` refits of the
        final stage on resampled residuals (``n_jobs`` in parallel).
    n_bootstraps : int, default=100
    n_repeats : int, default=1
        Cross-fitting repetitions with fresh folds (econml ``mc_iters``,
        DoubleML ``n_rep``), aggregated by ``repeat_aggregation``.
    repeat_aggregation : {"mean", "median"}, default="mean"
    {cross_fit}

    Attributes
    ----------
    final_fits_ : list
        The fitted final stage of every repetition.
    residuals_ : tuple of ndarray
        ``(Y~, T~)`` of the first repetition, shapes ``(n, d_y)``, ``(n, d_t)``.
    effect_features_ : ndarray of int or None
    featurizer_ : transformer or None
    nuisance_selection_ : dict
        For every model parameter chosen among candidates (``"auto"`` or a
        list): the name of the candidate selected in each fold (of the last
        cross-fitting repetition); also printed with ``verbose >= 1``.
    nuisances_ : Nuisances
    folds_ : list of (train, test)
    categories_ : ndarray (discrete treatment only)

    See Also
    --------
    LinearDML : a linear final stage with sandwich standard errors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.dml import DML
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)); T = X[:, 0] + rng.normal(size=500)
    >>> y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=500)
    >>> est = DML(final_model=LinearRegression(), outcome_model=LinearRegression(),
    ...           treatment_model=LinearRegression(), cv=3).fit(X, y, treatment=T)
    >>> np.round(est.effect(np.zeros((1, 3))), 1)
    array([1.])
    """

    _default_models = {**_BaseDML._default_models, "final_model": "final"}

    _parameter_constraints: dict = {
        **_BaseDML._parameter_constraints,
        "final_model": REGRESSOR,
        "inference": [StrOptions({"bootstrap"}), None],
    }

    def __init__(
        self, *, outcome_model="auto", treatment_model="auto", final_model=None,
        featurizer=None, fit_cate_intercept=True, effect_features=None,
        discrete_treatment=False, inference=None, n_bootstraps=100, n_repeats=1,
        repeat_aggregation="mean", cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.final_model = final_model
        self.featurizer = featurizer
        self.fit_cate_intercept = fit_cate_intercept
        self.effect_features = effect_features
        self.discrete_treatment = discrete_treatment
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
        if t_res.shape[1] != 1:
            raise ValueError(
                f"DML with a general final model takes one treatment column; this "
                f"treatment has {t_res.shape[1]} (K arms or several columns). Use "
                "LinearDML or SparseLinearDML, whose linear final stage handles them."
            )
        return _ModelFit(self._model("final_model"), F, y_res, t_res, sample_weight)

    @property
    def final_models_(self):
        """The final models of the first repetition, one per outcome column."""
        check_is_fitted(self, "final_fits_")
        fit = self.final_fits_[0]
        return getattr(fit, "point", fit).models
