"""Distributional CATE: the effect of treatment on the conditional barycenter, per x.

For covariates ``x`` the conditional barycenter of arm ``a`` is
``q_a(x)(p) = E[Q_{Y(a)}(p) | X = x]`` and the distributional CATE is the
effect on it, ``tau_a(x)(p) = q_a(x)(p) - q_0(x)(p)``: an ``m``-vector per
``x`` and contrast. Utilities of the conditional barycenters give scalar
CATEs: of the CVaR (``CVaR(q_1(x)) - CVaR(q_0(x))``), of a quantile, of any
linear or nonlinear utility.
"""

import numpy as np
from scipy.stats import norm
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ..base import BaseCausalEstimator, _fit_model, _missing_treatment, _one_inner_thread
from ..inference import Estimate
from ..inference._estimate import _check_alpha
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ._base import _DistributionalY
from ._dr import DistributionalDREvaluator
from ._geometry import project_monotone
from ._utilities import Utility

__all__ = ["DistributionalDRLearner", "DistributionalEffect", "DistributionalTLearner"]


class DistributionalEffect(Estimate):
    """Effects on quantile functions at many points, with pointwise and uniform bands.

    An :class:`~causaldist.inference.Estimate` whose ``value`` and
    ``stderr`` have shape ``(n_points, m)`` (two arms) or
    ``(n_points, n_arms - 1, m)``: the effect ``tau(x)(p)`` at every point and
    level. ``uniform_band`` holds, per point and contrast, a band that covers
    the whole effect curve over the levels with probability ``1 - alpha``
    (Gaussian multiplier bootstrap of the per-unit influence terms).

    Parameters
    ----------
    value, stderr : ndarray
    pointwise_band, uniform_band : tuple of ndarray
        Lower and upper bands shaped like ``value``.
    levels : ndarray of shape (m,)
    n : int, default=None
    method : str, default=""

    Attributes
    ----------
    value, stderr, pointwise_band, uniform_band, levels, n, method
        As passed.
    """

    def __init__(self, value, stderr, *, pointwise_band, uniform_band, levels, n=None,
                 method=""):
        super().__init__(value, stderr, n=n, method=method)
        self.pointwise_band = pointwise_band
        self.uniform_band = uniform_band
        self.levels = levels

    def __repr__(self):
        shape = np.shape(self.value)
        return f"DistributionalEffect({self.method}: effects of shape {shape}, n={self.n})"


class _DistributionalCATE(_DistributionalY, _CrossFitMixin, BaseCausalEstimator):
    """What the distributional CATE learners share: predictions and utilities of them.

    Subclasses implement ``_fit`` setting ``grid_`` and ``_arm_curves(X)``:
    the conditional barycenters ``q_a(x)`` before rearrangement, ``(n, K, m)``.
    """

    def _arm_curves(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def _squeeze(self, arr):
        """``(n, K-1, ...)`` as ``(n, ...)`` with two arms."""
        return arr[:, 0] if arr.shape[1] == 1 else arr

    @_one_inner_thread
    def predict(self, X):
        """Effect of each arm against control on the quantile function at ``x``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        tau : ndarray of shape (n_samples, m) or (n_samples, n_arms - 1, m)
            ``q_a(x)(p) - q_0(x)(p)`` at the grid levels (``grid_.levels``);
            contrast ``k`` is ``categories_[k + 1]`` against ``categories_[0]``.
        """
        q = self._arm_curves(self._validate_X_predict(X))
        return self._squeeze(q[:, 1:] - q[:, [0]])

    def effect(self, X, T0=None, T1=None):
        """Effect on the quantile function of moving from arm ``T0`` to arm ``T1``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        T0, T1 : label, default=None
            ``None`` means the control, and (with two arms) the treated arm.

        Returns
        -------
        tau : ndarray of shape (n_samples, m)
        """
        q = self._arm_curves(self._validate_X_predict(X))
        a0, a1 = self._arm_pair(T0, T1)
        return q[:, a1] - q[:, a0]

    def _arm_pair(self, T0, T1):
        if T1 is None:
            if len(self.categories_) > 2:
                raise ValueError("T1 is required with more than two arms.")
            T1 = self.categories_[1]
        T0 = self.categories_[0] if T0 is None else T0
        return tuple(int(self._codes_of(np.array([T]), name)[0])
                     for name, T in (("T0", T0), ("T1", T1)))

    @_one_inner_thread
    def predict_barycenter(self, X, arm=None):
        """Conditional barycenter ``q_a(x)``: the expected quantile function under arm ``a``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        arm : label, default=None
            ``None`` returns every arm.

        Returns
        -------
        q : ndarray of shape (n_samples, m) or (n_samples, n_arms, m)
            Rearranged to be non-decreasing in the levels.
        """
        q = project_monotone(
            self._arm_curves(self._validate_X_predict(X)).reshape(-1, self.grid_.n_levels)
        ).reshape(-1, len(self.categories_), self.grid_.n_levels)
        if arm is None:
            return q
        return q[:, int(self._codes_of(np.array([arm]), "arm")[0])]

    def _check_utility(self, utility):
        if not isinstance(utility, Utility):
            raise TypeError(f"utility must be a Utility (Mean(), CVaR(0.1), ...); got {utility!r}.")
        return utility

    @_one_inner_thread
    def predict_utility(self, X, utility):
        """CATE of a utility: ``U(q_a(x)) - U(q_0(x))`` (the CATE of the CVaR, of a quantile, ...).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        utility : Utility

        Returns
        -------
        effect : ndarray of shape (n_samples,) or (n_samples, n_arms - 1)
        """
        utility = self._check_utility(utility)
        q = self.predict_barycenter(X)
        u = utility(q, self.grid_)
        return self._squeeze(u[:, 1:] - u[:, [0]])

    # -- score -------------------------------------------------------------------
    def _score(self, X, y, t, sample_weight):
        """Negated DR pseudo-outcome MSE, integrated over the levels.

        ``- mean_i mean_a integral (phi_ia(p) - tau_a(X_i)(p))^2 dp`` with
        ``phi_ia = Gamma_i(a) - Gamma_i(0)`` the DR pseudo-outcome curves, from
        the nuisance models fitted in ``fit`` (fold models averaged) at the
        scored rows: nothing is refitted.
        """
        gamma = self._score_terms(X, y, t, sample_weight)
        phi = gamma[:, 1:] - gamma[:, [0]]
        q = self._arm_curves(X)
        tau = q[:, 1:] - q[:, [0]]
        sq = ((phi - tau) ** 2 @ self.grid_.weights).mean(axis=1)
        return -np.average(sq, weights=sample_weight)

    @_one_inner_thread
    def score(self, X, y, treatment=None, *, sample_weight=None):
        """Negated DR pseudo-outcome MSE on ``(X, y, treatment)``; higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : draws or array-like of shape (n_samples, m)
            In any form ``fit`` takes, read on the fitted grid.
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        if treatment is None:
            return _missing_treatment(type(self).__name__, depth=3)
        Xv = self._validate_X_predict(X)
        Q = self._new_y(y, Xv.shape[0], units=X.index if hasattr(X, "iloc") else None)
        if Q.shape[0] != Xv.shape[0]:
            raise ValueError(f"y has {Q.shape[0]} entries but X has {Xv.shape[0]} rows.")
        t = self._encode_treatment(treatment, Xv.shape[0], reset=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, Xv, ensure_non_negative=True)
        return float(self._score(Xv, Q, t, sample_weight))


_FINAL_DOC = """final_model : regressor, default=None
        Multi-output regression of the DR scores ``Gamma_i(a)`` (``m``
        outputs) on ``X``, one fit per arm. ``None`` means least squares on
        ``[1, featurizer(X)]``, the one final model with bands
        (:meth:`effect_inference`, :meth:`utility_inference`); any other
        (e.g. a ``HistGradientBoostingRegressor`` in a
        ``MultiOutputRegressor``, or a random forest) gives point estimates.
    featurizer : transformer, default=None
        Features of the least-squares final model (e.g.
        ``SplineTransformer()``); ``None`` means ``X`` itself."""


@_fill_cross_fit_doc
class DistributionalDRLearner(_DistributionalCATE):
    """Doubly robust learner of the effect of treatment on the conditional barycenter.

    The per-unit DR scores of :class:`DistributionalDREvaluator`,
    ``Gamma_i(a)(p) = mu(a, X_i)(p) + 1{A_i = a} / e(a | X_i) (Q_i(p) -
    mu(a, X_i)(p))`` (cross-fitted), are pseudo-outcomes whose conditional
    mean is the conditional barycenter ``q_a(x)(p) = E[Q_{Y(a)}(p) | X = x]``
    when either nuisance is right. A multi-output final model regresses them
    on ``X`` for every arm; the distributional CATE is
    ``tau_a(x) = q_a(x) - q_0(x)``, an ``m``-vector per ``x`` (the scalar
    DR-learner of Kennedy 2023 at every level). ``y`` is raw draws per unit or
    quantile functions, as for the evaluators (with the grid's few-draw
    correction).

    With the default least-squares final model on ``phi(x) = [1,
    featurizer(x)]``, ``tau_a(x)`` is linear in the pseudo-outcomes, and its
    per-unit influence terms ``phi(x)' H^{-1} phi(X_i) s_i r_ia`` (``H =
    sum_i s_i phi_i phi_i'``, ``r_ia`` the pseudo-outcome residual curves)
    give heteroskedasticity-robust (HC1) standard errors per level, uniform
    bands over the levels by Gaussian multiplier bootstrap, and delta-method
    standard errors of the CATE of any utility. The bands are for the best
    approximation of ``tau_a`` in the span of ``phi`` (the projection
    parameter), exact when ``tau_a`` is in it.

    Parameters
    ----------
    outcome_model : regressor, default=None
        Multi-output regression of the quantile functions, as in
        :class:`DistributionalDREvaluator`.
    propensity_model : classifier, default=None
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
    {final}
    grid : QuantileGrid or array-like of levels, default=None
        As in :class:`DistributionalDREvaluator`.
    {cross_fit}

    Attributes
    ----------
    evaluator_ : DistributionalDREvaluator
        Holds the DR scores ``scores_`` (n, K, m) and the nuisance models.
    final_models_ : list of regressors
        One per arm (generic final model only).
    coef_ : ndarray of shape (n_arms, n_basis, m)
        Least-squares coefficients (default final model only).
    grid_ : QuantileGrid
    draw_counts_ : ndarray of shape (n_samples,) or None
    overlap_ : DataFrame
    categories_ : ndarray of shape (n_arms,)
    n_features_in_ : int

    Examples
    --------
    >>> from causaldist.datasets import make_distributional
    >>> from causaldist.distributional import CVaR, DistributionalDRLearner
    >>> X, y, t = make_distributional(2000, n_levels=20, random_state=0)
    >>> est = DistributionalDRLearner(cv=3, random_state=0).fit(X, y, treatment=t)
    >>> est.predict(X[:2]).shape
    (2, 20)
    >>> inf = est.effect_inference(X[:2], random_state=0)
    >>> inf.uniform_band[0].shape
    (2, 20)
    >>> est.predict_utility(X[:2], CVaR(0.1)).shape
    (2,)
    """

    _parameter_constraints: dict = {
        "final_model": [HasMethods(["fit", "predict"]), None],
        "featurizer": [HasMethods(["fit", "transform"]), None],
        "grid": "no_validation",
    }
    _default_models = {"outcome_model": "quantile_outcome", "propensity_model": "propensity"}

    def __init__(
        self, *, outcome_model=None, propensity_model=None, final_model=None,
        featurizer=None, grid=None, cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.final_model = final_model
        self.featurizer = featurizer
        self.grid = grid
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _models_seeing_X(self):
        models = [self._model("outcome_model"), self._model("propensity_model")]
        return models + ([self.final_model] if self.final_model is not None else [])

    def _basis(self, X):
        Z = X if self.featurizer_ is None else self.featurizer_.transform(X)
        return np.column_stack([np.ones(X.shape[0]), np.asarray(Z, dtype=np.float64)])

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        ev = DistributionalDREvaluator(
            outcome_model=self.outcome_model, propensity_model=self.propensity_model,
            grid=self.grid, cv=self.cv, n_jobs=self.n_jobs, memory=self.memory,
            min_propensity=self.min_propensity, random_state=self.random_state,
            control=self.control,
        )
        self._fit_encoded(ev, X, y, t, sample_weight, groups=groups, propensity=propensity)
        self.evaluator_ = ev
        for name in ("folds_", "nuisances_", "overlap_", "grid_", "correction_",
                     "draw_counts_"):
            if hasattr(ev, name):
                setattr(self, name, getattr(ev, name))
        gamma = ev.scores_  # (n, K, m)
        n, K, m = gamma.shape
        if self.final_model is not None:
            self.final_models_ = [
                _fit_model(self.final_model, X, gamma[:, a], sample_weight) for a in range(K)
            ]
            return self
        self.featurizer_ = None if self.featurizer is None else clone(self.featurizer).fit(X)
        Phi = self._basis(X)
        s = np.ones(n) if sample_weight is None else sample_weight
        H = Phi.T @ (Phi * s[:, None])
        self._H_inv = np.linalg.pinv(H)
        coef = self._H_inv @ (Phi * s[:, None]).T @ gamma.reshape(n, K * m)
        self.coef_ = coef.reshape(-1, K, m).transpose(1, 0, 2)
        self._resid = gamma - np.einsum("ib,kbm->ikm", Phi, self.coef_)
        self._Phi_s = Phi * s[:, None]
        n_eff = int(np.sum(s > 0))
        self._hc1 = n_eff / max(n_eff - Phi.shape[1], 1)
        return self

    def _arm_curves(self, X):
        check_is_fitted(self, "evaluator_")
        if self.final_model is not None:
            return np.stack([np.asarray(f.predict(X), dtype=np.float64).reshape(X.shape[0], -1)
                             for f in self.final_models_], axis=1)
        return np.einsum("ib,kbm->ikm", self._basis(X), self.coef_)

    def _score_terms(self, X, y, t, sample_weight):
        return self.evaluator_._terms_at(X, y, t, sample_weight)[0].transpose(1, 0, 2)

    def _influence_weights(self, X):
        """``a_i(x) = phi(x)' H^{-1} phi_i s_i``, shape (n_points, n)."""
        if self.final_model is not None:
            raise ValueError(
                "bands need the default least-squares final model (final_model=None, "
                "with a featurizer for flexibility); a generic final_model gives point "
                "estimates only."
            )
        return self._basis(X) @ self._H_inv @ self._Phi_s.T

    @_one_inner_thread
    def effect_inference(self, X, *, alpha=0.05, n_bootstraps=1000, random_state=None):
        """Effects on the quantile function at ``X`` with pointwise and uniform bands.

        Parameters
        ----------
        X : array-like of shape (n_points, n_features)
        alpha : float, default=0.05
        n_bootstraps : int, default=1000
            Gaussian multiplier draws for the uniform bands (one band per point
            and contrast, simultaneous over the levels).
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        result : DistributionalEffect
        """
        X = self._validate_X_predict(X)
        A = self._influence_weights(X)  # (P, n)
        R = self._resid[:, 1:] - self._resid[:, [0]]  # (n, K-1, m)
        tau = self._arm_curves(X)
        tau = tau[:, 1:] - tau[:, [0]]
        var = np.einsum("pi,ikm->pkm", A**2, R**2) * self._hc1
        se = np.sqrt(np.maximum(var, 0.0))
        z = norm.ppf(1 - _check_alpha(alpha) / 2)
        rng = check_random_state(random_state)
        crit = np.empty(se.shape[:2])
        for p in range(X.shape[0]):
            for k in range(R.shape[1]):
                L = A[p][:, None] * R[:, k]  # (n, m) influence terms
                vals, vecs = np.linalg.eigh(L.T @ L * self._hc1)
                root = vecs * np.sqrt(np.clip(vals, 0.0, None))
                draws = rng.standard_normal((n_bootstraps, root.shape[0])) @ root.T
                scale = np.where(se[p, k] > 0, se[p, k], np.inf)
                crit[p, k] = np.quantile(np.max(np.abs(draws) / scale, axis=1), 1 - alpha)
        c = crit[..., None]
        return DistributionalEffect(
            self._squeeze(tau), self._squeeze(se),
            pointwise_band=(self._squeeze(tau - z * se), self._squeeze(tau + z * se)),
            uniform_band=(self._squeeze(tau - c * se), self._squeeze(tau + c * se)),
            levels=self.grid_.levels, n=self._resid.shape[0], method="DR-learner",
        )

    @_one_inner_thread
    def utility_inference(self, X, utility):
        """CATE of a utility at ``X``, ``U(q_a(x)) - U(q_0(x))``, with standard errors.

        Linear utilities (mean, CVaR, quantile, distortions) are exact linear
        functionals of the effect curve; nonlinear ones use the delta method
        at the estimated conditional barycenters.

        Parameters
        ----------
        X : array-like of shape (n_points, n_features)
        utility : Utility

        Returns
        -------
        result : Estimate
            ``value`` and ``stderr`` of shape (n_points,) or
            (n_points, n_arms - 1).
        """
        utility = self._check_utility(utility)
        X = self._validate_X_predict(X)
        A = self._influence_weights(X)
        q = self._arm_curves(X)  # (P, K, m)
        qm = project_monotone(q.reshape(-1, q.shape[-1])).reshape(q.shape)
        u = utility(qm, self.grid_)
        g = utility.gradient(qm, self.grid_)  # (P, K, m)
        # per-unit terms of U(q_a(x)): a_i(x) r_ia @ g_a(x)
        proj = np.einsum("ikm,pkm->pik", self._resid, g)  # (P, n, K)
        contrast = proj[:, :, 1:] - proj[:, :, [0]]
        var = np.einsum("pi,pik->pk", A**2, contrast**2) * self._hc1
        value = u[:, 1:] - u[:, [0]]
        return Estimate(self._squeeze(value), self._squeeze(np.sqrt(var)),
                        n=self._resid.shape[0], method=f"DR-learner CATE of {utility!r}")


DistributionalDRLearner.__doc__ = DistributionalDRLearner.__doc__.replace("{final}", _FINAL_DOC)


@_fill_cross_fit_doc
class DistributionalTLearner(_DistributionalCATE):
    """T-learner of the effect of treatment on the conditional barycenter.

    One multi-output regression of the quantile functions per arm, fitted on
    that arm's units: ``q_a(x) = mu_a(x)``, ``tau_a(x) = mu_a(x) - mu_0(x)``.
    Simple and without bands; biased where an arm's units are few or
    differ in ``x`` (prefer :class:`DistributionalDRLearner`).

    Parameters
    ----------
    outcome_model : regressor, default=None
        Multi-output regression; ``None`` means cubic splines (5 knots) and
        ``Ridge(alpha=1.0)``.
    grid : QuantileGrid or array-like of levels, default=None
    {cross_fit}

    Attributes
    ----------
    models_ : list of regressors
        One per arm.
    grid_ : QuantileGrid
    draw_counts_ : ndarray of shape (n_samples,) or None
    categories_ : ndarray of shape (n_arms,)
    n_features_in_ : int

    Examples
    --------
    >>> from causaldist.datasets import make_distributional
    >>> from causaldist.distributional import DistributionalTLearner
    >>> X, y, t = make_distributional(1000, n_levels=10, random_state=0)
    >>> DistributionalTLearner().fit(X, y, treatment=t).predict(X[:3]).shape
    (3, 10)
    """

    _parameter_constraints: dict = {"grid": "no_validation"}
    _default_models = {"outcome_model": "quantile_outcome"}

    def __init__(
        self, *, outcome_model=None, grid=None, cv=5, n_jobs=None, memory=None,
        min_propensity=1e-3, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.grid = grid
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        for name, value in (("groups", groups), ("propensity", propensity)):
            if value is not None:
                # Silently ignoring them would let a user believe the fit
                # was grouped or used the known propensities.
                raise ValueError(
                    f"DistributionalTLearner fits one model per arm on all of that "
                    f"arm's units, without cross-fitting or propensities: {name} is "
                    "not used. Use DistributionalDRLearner for them."
                )
        Q = self._prepare_y(y, sample_weight)
        model = self._model("outcome_model")
        self.models_ = []
        for a in range(len(self.categories_)):
            rows = t == a
            sw = None if sample_weight is None else sample_weight[rows]
            self.models_.append(_fit_model(model, X[rows], Q[rows], sw))
        return self

    def _arm_curves(self, X):
        check_is_fitted(self, "models_")
        return np.stack([np.asarray(f.predict(X), dtype=np.float64).reshape(X.shape[0], -1)
                         for f in self.models_], axis=1)

    def _score_terms(self, X, y, t, sample_weight):
        # DR pseudo-outcomes with nuisances cross-fitted on the scored rows.
        ev = DistributionalDREvaluator(
            outcome_model=self.outcome_model, grid=self.grid_, cv=2 if X.shape[0] < 10 else 5,
            random_state=0,
        )
        self._fit_encoded(ev, X, y, t, sample_weight)
        return ev.scores_
