"""Policy learning for distribution-valued outcomes."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import BaseCausalEstimator
from ._evaluators import DistributionalDREvaluator, DistributionalIPWEvaluator
from ._utilities import Mean

__all__ = ["DistributionalPolicyLearner", "DistributionalPolicyTree"]


class DistributionalPolicyLearner(BaseCausalEstimator):
    """Learn a policy that maximises a utility of the Wasserstein barycenter it induces.

    Each unit's outcome is a quantile function on a grid (``y`` of shape
    ``(n, m)``). The value of a policy ``pi`` is ``U(q_pi)``, a utility of the
    barycenter ``q_pi(p) = (1/N) sum_i Gamma_i(pi(X_i))(p)`` estimated by IPW or
    DR scores ``Gamma`` (Huang, Leung, Wu & Zhang, "Wasserstein Policy Learning
    for Distributional Outcomes", COLT 2026; their regret bound is
    ``O(sqrt(N-dim(Pi) / N))``).

    - Linear utility ``U(q) = sum_j w_j q_j`` (mean, quantile, CVaR, any
      distortion): ``U(q_pi)`` is the mean of the scalar rewards
      ``Gamma_i(pi(X_i)) @ w``, so the policy class is fitted once on the
      reward matrix ``Gamma @ w`` (n x K).
    - Nonlinear utility (expected concave utility, mean-variance): iterate.
      Linearise ``U`` at the current policy's barycenter ``q_k``
      (``U(q) ~ U(q_k) + g_k @ (q - q_k)``, ``g_k = U'(q_k)``), fit the policy
      class on ``Gamma @ g_k``, and accept the new policy only if its
      estimated ``U`` is higher; stop when it is not, when the policy no longer
      changes, or after ``max_iter`` steps. The estimated objective therefore
      never decreases (``objective_path_``). It starts from the policy that is
      best for the mean.

    Parameters
    ----------
    policy : estimator, default=None
        A policy learner fitted as ``fit(X, rewards)`` with ``predict(X)``
        returning action codes ``0..K-1`` (e.g. :class:`causaldist.policy.PolicyTree`).
        ``None`` means ``PolicyTree(max_depth=2)``.
    utility : Utility, default=None
        ``None`` means :class:`Mean`.
    estimator : {"dr", "ipw"}, default="dr"
        Scores of :class:`DistributionalDREvaluator` or
        :class:`DistributionalIPWEvaluator`.
    outcome_model : regressor, default=None
        Multi-output regression of the quantile functions (DR only); ``None``
        means ``Ridge(alpha=1.0)``.
    propensity_model : classifier, default=None
        ``None`` means ``LogisticRegression(max_iter=1000)``.
    grid : QuantileGrid or array-like of levels, default=None
        Levels of the columns of ``y``; ``None`` means the midpoint grid.
    max_iter : int, default=20
        Linearisation steps for a nonlinear utility.
    cv, n_jobs, memory, min_propensity, random_state, control
        As in :class:`DistributionalDREvaluator`.

    Attributes
    ----------
    policy_ : estimator
        The fitted policy learner.
    evaluator_ : DistributionalDREvaluator or DistributionalIPWEvaluator
        Holds the per-unit scores ``scores_`` (n, K, m).
    value_ : DistributionalPolicyValue
        The learned policy's estimated barycenter and utility on the training
        units (optimistic: the policy was chosen on them).
    barycenter_ : ndarray of shape (m,)
    n_iter_ : int
    objective_path_ : list of float
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from causaldist.datasets import make_distributional
    >>> from causaldist.distributional import CVaR, DistributionalPolicyTree
    >>> X, y, t = make_distributional(2000, n_levels=20, random_state=0)
    >>> learner = DistributionalPolicyTree(max_depth=1, utility=CVaR(0.1), cv=3)
    >>> learner.fit(X, y, treatment=t).predict(X[:5]).shape
    (5,)
    """

    _parameter_constraints: dict = {
        **BaseCausalEstimator._parameter_constraints,
        "policy": [HasMethods(["fit", "predict"]), None],
        "utility": "no_validation",
        "estimator": [StrOptions({"dr", "ipw"})],
        "outcome_model": [HasMethods(["fit", "predict"]), None],
        "propensity_model": [HasMethods(["fit", "predict_proba"]), None],
        "grid": "no_validation",
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "memory": [None, str, HasMethods(["cache"])],
        "min_propensity": [Interval(Real, 0, 0.5, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self, policy=None, utility=None, *, estimator="dr", outcome_model=None,
        propensity_model=None, grid=None, max_iter=20, cv=5, n_jobs=None, memory=None,
        min_propensity=1e-3, random_state=None, control=None,
    ):
        self.policy = policy
        self.utility = utility
        self.estimator = estimator
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.grid = grid
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

    def _base_policy(self):
        if self.policy is not None:
            return self.policy
        from ..policy import PolicyTree

        return PolicyTree(max_depth=2)

    def _evaluator(self):
        common = dict(
            propensity_model=self.propensity_model, grid=self.grid, cv=self.cv,
            n_jobs=self.n_jobs, memory=self.memory, min_propensity=self.min_propensity,
            random_state=self.random_state, control=self.control,
        )
        if self.estimator == "dr":
            return DistributionalDREvaluator(outcome_model=self.outcome_model, **common)
        return DistributionalIPWEvaluator(**common)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None, propensity=None):
        """Estimate the per-unit scores, then learn the policy.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples, m)
            Quantile functions on the grid.
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        propensity : array-like, default=None
            Known propensities (see :class:`DistributionalIPWEvaluator`).

        Returns
        -------
        self : DistributionalPolicyLearner
        """
        X, y, t, sample_weight = self._validate_fit_data(
            X, y, treatment, sample_weight, multi_output=True
        )
        ev = self._evaluator().fit(
            X, y, treatment=self.categories_[t], sample_weight=sample_weight,
            propensity=propensity,
        )
        self.evaluator_ = ev
        grid = ev._grid()
        utility = Mean() if self.utility is None else self.utility
        base = self._base_policy()
        scores = ev.scores_

        def fit_policy(weights):
            policy = clone(base).fit(X, scores @ weights)
            codes = np.asarray(policy.predict(X), dtype=np.intp)
            return policy, codes, ev.evaluate(ev.categories_[codes], utility=utility, uniform=False)

        if utility.is_linear:
            self.policy_, codes, value = fit_policy(utility.weights(grid))
            self.n_iter_, self.objective_path_ = 1, [value.value]
        else:
            self.policy_, codes, value = fit_policy(Mean().weights(grid))
            self.objective_path_ = [value.value]
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                self.n_iter_ += 1
                g = utility.gradient(value.quantiles_raw, grid)
                policy, new_codes, new_value = fit_policy(g)
                if np.array_equal(new_codes, codes) or new_value.value <= value.value:
                    break
                self.policy_, codes, value = policy, new_codes, new_value
                self.objective_path_.append(value.value)
        self.value_ = ev.evaluate(
            ev.categories_[codes], utility=utility, random_state=self.random_state
        )
        self.barycenter_ = self.value_.quantiles
        return self

    def predict(self, X):
        """Treatment label recommended for each row."""
        check_is_fitted(self, "policy_")
        X = self._validate_X_predict(X)
        return self.categories_[np.asarray(self.policy_.predict(X), dtype=np.intp)]


class DistributionalPolicyTree(DistributionalPolicyLearner):
    """:class:`DistributionalPolicyLearner` with an exact :class:`~causaldist.policy.PolicyTree`.

    Parameters
    ----------
    max_depth : int, default=2
    min_node_size : int, default=1
    utility, estimator, outcome_model, propensity_model, grid, max_iter, cv, n_jobs,
    memory, min_propensity, random_state, control
        As in :class:`DistributionalPolicyLearner`.

    Examples
    --------
    >>> from causaldist.datasets import make_distributional
    >>> from causaldist.distributional import DistributionalPolicyTree
    >>> X, y, t = make_distributional(1000, n_levels=20, random_state=0)
    >>> DistributionalPolicyTree(max_depth=1, cv=3).fit(X, y, treatment=t).n_iter_
    1
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in DistributionalPolicyLearner._parameter_constraints.items()
           if k != "policy"},
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "min_node_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self, max_depth=2, min_node_size=1, utility=None, *, estimator="dr",
        outcome_model=None, propensity_model=None, grid=None, max_iter=20, cv=5,
        n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, control=None,
    ):
        self.max_depth = max_depth
        self.min_node_size = min_node_size
        self.utility = utility
        self.estimator = estimator
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.grid = grid
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

    def _base_policy(self):
        from ..policy import PolicyTree

        return PolicyTree(max_depth=self.max_depth, min_node_size=self.min_node_size)
