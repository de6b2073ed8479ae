"""Policy trees learned end to end from (X, y, treatment)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ..base import BaseCausalEstimator
from ..evaluation import DREvaluator
from ._tree import PolicyTree

__all__ = ["DRPolicyTree"]


class DRPolicyTree(BaseCausalEstimator):
    """Exact policy tree on cross-fitted AIPW scores (Athey & Wager 2021).

    The shared cross-fitting stage gives the doubly robust scores
    ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} / e_a(X_i) (Y_i - mu_a(X_i))``
    (:class:`causaldist.evaluation.DREvaluator`); :class:`PolicyTree` then
    finds the tree that maximises ``sum_i Gamma_i(pi(X_i))``, whose regret is
    of order ``sqrt(VC(Pi) / n)`` (Athey & Wager 2021; Zhou, Athey & Wager 2023).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``None``: the evaluator's default (HistGradientBoostingRegressor).
    propensity_model : classifier, default=None
        ``None``: ``LogisticRegression(max_iter=1000)``.
    max_depth, min_node_size, split_step, search_depth : int
        As in :class:`PolicyTree`.
    pooled_outcome : bool, default=False
        One outcome model on ``[X, one-hot(A)]`` per fold (econml's
        DRPolicyTree structure) instead of one per arm.
    cv, n_jobs, memory, min_propensity, random_state, control
        As in :class:`causaldist.evaluation.DREvaluator`.

    Attributes
    ----------
    tree_ : PolicyTree
        Fitted on ``evaluator_.scores_``.
    evaluator_ : DREvaluator
    value_ : PolicyValue
        DR value of the learned policy on the training units (optimistic).
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.policy import DRPolicyTree
    >>> X, y, t, tau = make_heterogeneous(2000, random_state=0)
    >>> est = DRPolicyTree(LinearRegression(), max_depth=1, cv=3).fit(X, y, treatment=t)
    >>> print(est.tree_.export_text(decimals=1))
    |--- x2 <= -1.0
    |   |--- action: 0
    |--- x2 >  -1.0
    |   |--- action: 1
    """

    _parameter_constraints: dict = {
        **BaseCausalEstimator._parameter_constraints,
        "outcome_model": [HasMethods(["fit", "predict"]), None],
        "propensity_model": [HasMethods(["fit", "predict_proba"]), None],
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "min_node_size": [Interval(Integral, 1, None, closed="left")],
        "split_step": [Interval(Integral, 1, None, closed="left")],
        "search_depth": [Interval(Integral, 1, 3, closed="both"), None],
        "pooled_outcome": ["boolean"],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "memory": [None, str, HasMethods(["cache"])],
        "min_propensity": [Interval(Real, 0, 0.5, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self, outcome_model=None, propensity_model=None, *, max_depth=2, min_node_size=1,
        split_step=1, search_depth=None, pooled_outcome=False, cv=5, n_jobs=None,
        memory=None, min_propensity=1e-3, random_state=None, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.max_depth = max_depth
        self.min_node_size = min_node_size
        self.split_step = split_step
        self.search_depth = search_depth
        self.pooled_outcome = pooled_outcome
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Cross-fit the DR scores, then search the tree.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : DRPolicyTree
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        self.evaluator_ = DREvaluator(
            self.outcome_model, self.propensity_model, cv=self.cv, n_jobs=self.n_jobs,
            memory=self.memory, min_propensity=self.min_propensity,
            random_state=self.random_state, control=self.control,
            pooled_outcome=self.pooled_outcome,
        ).fit(X, y, treatment=self.categories_[t], sample_weight=sample_weight)
        self.tree_ = PolicyTree(
            max_depth=self.max_depth, min_node_size=self.min_node_size,
            split_step=self.split_step, search_depth=self.search_depth,
        ).fit(X, self.evaluator_.scores_, sample_weight=sample_weight)
        self.value_ = self.evaluator_.evaluate(self.categories_[self.tree_.predict(X)])
        return self

    def predict(self, X):
        """Recommended treatment label of each row."""
        check_is_fitted(self, "tree_")
        X = self._validate_X_predict(X)
        return self.categories_[np.asarray(self.tree_.predict(X), dtype=np.intp)]

    def predict_value(self, X):
        """Mean DR score of every arm in each row's leaf, (n, n_arms)."""
        check_is_fitted(self, "tree_")
        return self.tree_.predict_value(self._validate_X_predict(X))
