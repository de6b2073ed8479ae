"""Shared machinery of the evaluators: nuisances, known propensities, policies."""

import warnings
from abc import ABCMeta, abstractmethod
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ..base import BaseCausalEstimator
from ..model_selection import Nuisances, cross_fit, make_folds
from ._inference import PolicyValue, _linearised_ratio
from ._overlap import overlap_diagnostics

# Row sums of probabilities are checked to this absolute tolerance.
_PROBA_TOL = 1e-6


def _check_known_propensity(propensity, t_codes, n_arms):
    """Validate user-given propensities and return them as an (n, K) matrix.

    Accepts a scalar or an array of shape ``(n,)`` with two arms (the
    probability of the treated arm ``categories_[1]``), a row of shape
    ``(1, n_arms)`` shared by every unit, or a full ``(n, n_arms)`` matrix.
    """
    n = t_codes.shape[0]
    e = np.asarray(propensity, dtype=np.float64)
    if e.ndim == 0 or e.ndim == 1:
        if n_arms != 2:
            raise ValueError(
                f"propensity must have shape (n_samples, {n_arms}) or "
                f"(1, {n_arms}) with {n_arms} arms; a scalar or 1-D propensity "
                "(the probability of the treated arm) needs two arms."
            )
        e = np.broadcast_to(e, (n,)) if e.ndim == 0 else e
        if e.shape[0] != n:
            raise ValueError(f"propensity has {e.shape[0]} entries but X has {n} rows.")
        e = np.column_stack([1.0 - e, e])
    elif e.ndim == 2:
        if e.shape[1] != n_arms or e.shape[0] not in (1, n):
            raise ValueError(
                f"propensity must have shape ({n}, {n_arms}) or (1, {n_arms}), "
                f"columns in categories_ order; got {e.shape}."
            )
        e = np.broadcast_to(e, (n, n_arms)).copy()
    else:
        raise ValueError(f"propensity must be at most 2-D; got shape {e.shape}.")
    if not np.all(np.isfinite(e)) or np.any(e < 0) or np.any(e > 1):
        raise ValueError("propensity must hold probabilities in [0, 1].")
    if not np.allclose(e.sum(axis=1), 1.0, rtol=0, atol=_PROBA_TOL):
        raise ValueError("propensity rows must sum to 1 over the arms.")
    if np.any(e[np.arange(n), t_codes] <= 0):
        raise ValueError(
            "propensity is 0 for the arm a unit received: the given "
            "propensities contradict the observed treatment."
        )
    return e


class _CrossFittedNuisances(BaseCausalEstimator):
    """Fit-time half of every evaluator: validated data, folds, nuisances, overlap.

    Subclasses set ``_needs_outcome`` and call :meth:`_fit_nuisances` in fit.
    """

    __metadata_request__fit = {"treatment": True, "propensity": True}

    _parameter_constraints: dict = {
        # sklearn spells "no validation" as a bare string, not a list.
        "control": "no_validation",
        "propensity_model": [HasMethods(["fit", "predict_proba"]), None],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "memory": [None, str, HasMethods(["cache"])],
        "min_propensity": [Interval(Real, 0, 0.5, closed="left")],
        "random_state": ["random_state"],
    }

    _needs_outcome = False

    def _default_propensity_model(self):
        return (
            LogisticRegression(max_iter=1000)
            if self.propensity_model is None
            else self.propensity_model
        )

    def _default_outcome_model(self):
        return (
            HistGradientBoostingRegressor()
            if self.outcome_model is None
            else self.outcome_model
        )

    def _fit_nuisances(self, X, y, t, sample_weight, propensity, groups):
        """Set ``folds_``, ``nuisances_``, ``propensity_``, ``outcome_``, ``overlap_``."""
        n_arms = len(self.categories_)
        known = (
            None
            if propensity is None
            else _check_known_propensity(propensity, t, n_arms)
        )
        need_ps = known is None
        if need_ps or self._needs_outcome:
            self.folds_ = make_folds(
                self.cv, t, groups=groups, random_state=self.random_state
            )
            self.propensity_model_ = (
                clone(self._default_propensity_model()) if need_ps else None
            )
            self.outcome_model_ = (
                clone(self._default_outcome_model()) if self._needs_outcome else None
            )
            # The overlap report below gives a per-arm warning that covers
            # clipping; the shared stage's own clipping warning would repeat it.
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "ignore", message=r".*were clipped", category=UserWarning
                )
                nuis = cross_fit(
                    X,
                    y,
                    t,
                    n_arms=n_arms,
                    folds=self.folds_,
                    propensity_model=self.propensity_model_,
                    outcome_model=self.outcome_model_,
                    pooled_outcome=getattr(self, "pooled_outcome", False),
                    sample_weight=sample_weight,
                    min_propensity=self.min_propensity,
                    n_jobs=self.n_jobs,
                    memory=self.memory,
                )
        else:
            self.folds_ = None
            self.propensity_model_ = self.outcome_model_ = None
            nuis = Nuisances()
        if known is not None:
            nuis = replace(nuis, propensity=known, n_clipped=0)
        self.nuisances_ = nuis
        self.propensity_ = nuis.propensity
        if self._needs_outcome:
            self.outcome_ = nuis.outcome
        self.overlap_ = overlap_diagnostics(
            nuis.propensity,
            t,
            labels=self.categories_,
            sample_weight=sample_weight,
            min_propensity=self.min_propensity if known is None else 0.0,
        )
        return nuis


class _BasePolicyEvaluator(_CrossFittedNuisances, metaclass=ABCMeta):
    """Off-policy evaluator: ``fit`` the nuisances once, ``evaluate`` many policies.

    Subclasses implement ``_terms(P)``: the numerator and denominator terms
    of the value of a policy given as an ``(n, K)`` matrix of action
    probabilities, and ``_fit_scores()`` to set ``scores_``.
    """

    _method = ""
    # Distribution-valued outcomes (a quantile function per unit) are 2-D.
    _multi_output = False

    def _fit(self, X, y, treatment, sample_weight, propensity, groups):
        X_in = X
        X, y, t, sample_weight = self._validate_fit_data(
            X, y, treatment, sample_weight, multi_output=self._multi_output
        )
        self._fit_nuisances(X, y, t, sample_weight, propensity, groups)
        self._y = y
        self._t = t
        self._sample_weight = sample_weight
        # The policies are evaluated on the training units, and an estimator
        # policy may need the covariates as given (e.g. a DataFrame with the
        # column names its pipeline selects on), so the input is kept as is.
        self._X_policy = X_in
        self.n_samples_ = X.shape[0]
        self._fit_scores()
        return self

    @abstractmethod
    def _fit_scores(self):
        """Set ``scores_`` from the fitted nuisances."""

    @abstractmethod
    def _terms(self, P):
        """Numerator and denominator terms, shape (n,), of the value of ``P``."""

    def _policy_matrix(self, policy, X, name="policy"):
        """Action probabilities ``(n, K)`` of a policy in any accepted form."""
        n, n_arms = self.n_samples_, len(self.categories_)
        if X is None:
            X = self._X_policy
        else:
            n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
            if n_rows != n:
                raise ValueError(
                    f"X has {n_rows} rows but the evaluator was fitted on {n}: "
                    "policies are evaluated on the training units."
                )
        if hasattr(policy, "predict") and not isinstance(policy, np.ndarray):
            out = policy.predict(X)
        elif callable(policy):
            out = policy(X)
        else:
            out = policy
        if hasattr(out, "to_numpy"):
            out = out.to_numpy()
        arr = np.asarray(out)
        if arr.ndim == 0:
            codes = np.full(n, self._codes_of(arr.reshape(1), name)[0])
        elif arr.ndim == 1:
            if arr.shape[0] != n:
                raise ValueError(
                    f"{name} gives {arr.shape[0]} actions but the evaluator was "
                    f"fitted on {n} units."
                )
            codes = self._codes_of(arr, name)
        elif arr.ndim == 2:
            if arr.shape != (n, n_arms) or arr.dtype.kind not in "biuf":
                raise ValueError(
                    f"{name} must be arm labels of shape ({n},) or action "
                    f"probabilities of shape ({n}, {n_arms}) (columns in "
                    f"categories_ order); got an array of shape {arr.shape} "
                    f"and dtype {arr.dtype}."
                )
            P = arr.astype(np.float64)
            if not np.all(np.isfinite(P)) or np.any(P < -_PROBA_TOL):
                raise ValueError(
                    f"{name} probabilities must be finite and non-negative."
                )
            sums = P.sum(axis=1)
            bad = np.flatnonzero(np.abs(sums - 1.0) > _PROBA_TOL)
            if bad.size:
                raise ValueError(
                    f"{name} probabilities must sum to 1 in every row; row "
                    f"{bad[0]} sums to {sums[bad[0]]:.6g} ({bad.size} rows do not)."
                )
            return np.clip(P, 0.0, None)
        else:
            raise ValueError(
                f"{name} must be 1-D labels or 2-D probabilities; got {arr.ndim}-D."
            )
        P = np.zeros((n, n_arms))
        P[np.arange(n), codes] = 1.0
        return P

    def _estimate(self, P):
        num, den = self._terms(P)
        return _linearised_ratio(num, den, self._sample_weight)

    def evaluate(self, policy, X=None):
        """Estimated value of a policy on the training units, with inference.

        Parameters
        ----------
        policy : array-like, estimator or callable
            One of: arm labels of shape ``(n_samples,)`` (or one label for
            every unit); action probabilities of shape ``(n_samples, n_arms)``
            with columns in ``categories_`` order (a stochastic policy); a
            fitted estimator whose ``predict(X)`` returns arm labels; a
            callable ``X -> labels`` or ``X -> probabilities``.
        X : array-like of shape (n_samples, n_features), default=None
            Covariates an estimator or callable policy is applied to. ``None``
            means the ``X`` given to fit, as given. The value is always
            estimated on the training units, so any ``X`` must hold those
            rows in the same order.

        Returns
        -------
        result : PolicyValue
            ``value``, ``stderr``, ``conf_int(alpha)``, per-unit ``scores``.
        """
        check_is_fitted(self, "nuisances_")
        theta, scores, se = self._estimate(self._policy_matrix(policy, X))
        return PolicyValue(
            value=float(theta),
            stderr=float(se),
            n=self.n_samples_,
            scores=scores,
            method=self._method,
        )

    def compare(self, policy_a, policy_b, X=None):
        """Paired difference ``value(policy_a) - value(policy_b)``.

        Both values are means over the same units, so the difference of their
        per-unit terms gives its standard error directly; when the policies
        agree on many units it is much smaller than the two separate standard
        errors combined as if independent.

        Parameters
        ----------
        policy_a, policy_b : array-like, estimator or callable
            Policies in any form :meth:`evaluate` accepts.
        X : array-like of shape (n_samples, n_features), default=None
            As in :meth:`evaluate`.

        Returns
        -------
        result : PolicyValue
            The difference, its paired standard error and per-unit terms.
        """
        check_is_fitted(self, "nuisances_")
        _, sa, _ = self._estimate(self._policy_matrix(policy_a, X, "policy_a"))
        _, sb, _ = self._estimate(self._policy_matrix(policy_b, X, "policy_b"))
        d = sa - sb
        return PolicyValue(
            value=float(d.mean()),
            stderr=float(d.std(ddof=1) / np.sqrt(d.shape[0])),
            n=self.n_samples_,
            scores=d,
            method=f"{self._method} difference",
        )
