"""What the off-policy evaluators share: fit once, then evaluate many policies."""

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import BaseCausalEstimator
from ..model_selection._mixin import _CrossFitMixin
from ._inference import PolicyValue, _linearised_ratio

# Row sums of probabilities are checked to this absolute tolerance.
_PROBA_TOL = 1e-6


class _BasePolicyEvaluator(_CrossFitMixin, BaseCausalEstimator, metaclass=ABCMeta):
    """Off-policy evaluator: ``fit`` the nuisances once, ``evaluate`` many policies.

    Subclasses set ``_needs_outcome`` and implement ``_terms(P)``: the
    numerator and denominator terms of the value of a policy given as an
    ``(n, K)`` matrix of action probabilities, and ``_fit_scores()`` to set
    ``scores_``. A DataFrame ``X`` is passed to the nuisance models as given
    (so that a pipeline that encodes mixed columns works) and kept to apply
    estimator policies to.
    """


    _method = ""
    _needs_outcome = False
    _keep_frame = True

    def _models_seeing_X(self):
        names = ["propensity_model"] + (["outcome_model"] if self._needs_outcome else [])
        return [self._model(name) for name in names]

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=self._needs_outcome,
            pooled_outcome=getattr(self, "pooled_outcome", False),
        )
        self.propensity_ = self.nuisances_.propensity
        if self._needs_outcome:
            self.outcome_ = self.nuisances_.outcome
        self._y = y
        self._t = t
        self._sample_weight = sample_weight
        self._X_policy = X
        self.n_samples_ = t.shape[0]
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
