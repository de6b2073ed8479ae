"""Policy trees learned end to end from (X, y, treatment)."""

from numbers import Integral

import numpy as np
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..base import BaseCausalEstimator
from ..evaluation import DREvaluator
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ._tree import PolicyTree

__all__ = ["DRPolicyTree"]


@_fill_cross_fit_doc
class DRPolicyTree(_CrossFitMixin, BaseCausalEstimator):
    """Exact policy tree on cross-fitted AIPW scores (Athey & Wager 2021).

    The shared cross-fitting stage gives the doubly robust scores
    ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} / e_a(X_i) (Y_i - mu_a(X_i))``
    (:class:`causaldist.evaluation.DREvaluator`); :class:`PolicyTree` then
    finds the tree that maximises ``sum_i s_i Gamma_i(pi(X_i))``, whose regret is
    of order ``sqrt(VC(Pi) / n)`` (Athey & Wager 2021; Zhou, Athey & Wager 2023).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_a(x)``; ``None`` means
        ``HistGradientBoostingRegressor(early_stopping=False)``.
    propensity_model : classifier, default=None
        ``e_a(x)``; ``None`` means ``StandardScaler`` + ``LogisticRegression``.
        Known propensities passed to fit (``propensity=``) replace it.
    max_depth, min_node_size, split_step, search_depth : int
        As in :class:`PolicyTree`, whose search of the root features runs on
        ``n_jobs`` threads (the same tree for any ``n_jobs``).
    pooled_outcome : bool, default=False
        One outcome model on ``[X, one-hot(A)]`` per fold (econml's
        DRPolicyTree structure) instead of one per arm.
    {cross_fit}

    Attributes
    ----------
    policy_tree_ : PolicyTree
        Fitted on ``evaluator_.scores_``; its actions are treatment codes
        (indices into ``categories_``).
    evaluator_ : DREvaluator
        The cross-fitted scores and nuisance models.
    value_ : PolicyValue
        DR value of the learned policy on the training units (optimistic:
        the tree was chosen on them).
    overlap_ : DataFrame
        Per-arm overlap report of the propensities.
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    PolicyTree : the tree search on a given reward matrix.
    causaldist.model_selection.PolicyValueScorer : the same value with
        nuisances cross-fitted on the scored rows.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.policy import DRPolicyTree
    >>> X, y, t, tau = make_heterogeneous(2000, random_state=0)
    >>> est = DRPolicyTree(outcome_model=LinearRegression(), max_depth=1, cv=3)
    >>> print(est.fit(X, y, treatment=t).export_text(decimals=1))
    |--- x2 <= -1.0
    |   |--- action: 0
    |--- x2 >  -1.0
    |   |--- action: 1
    >>> X_new, y_new, t_new, _ = make_heterogeneous(2000, random_state=1)
    >>> round(est.score(X_new, y_new, treatment=t_new), 2)
    1.53
    """

    _parameter_constraints: dict = {
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "min_node_size": [Interval(Integral, 1, None, closed="left")],
        "split_step": [Interval(Integral, 1, None, closed="left")],
        "search_depth": [Interval(Integral, 1, 3, closed="both"), None],
        "pooled_outcome": ["boolean"],
    }
    _default_models = {"outcome_model": "outcome", "propensity_model": "propensity"}

    def __init__(
        self, *, outcome_model=None, propensity_model=None, max_depth=2, min_node_size=1,
        split_step=1, search_depth=None, pooled_outcome=False, cv=5, n_jobs=None,
        memory=None, min_propensity=1e-3, random_state=None, verbose=0, control=None,
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
        self.verbose = verbose
        self.control = control

    def _models_seeing_X(self):
        return super()._models_seeing_X() + [self._tree()]

    def _tree(self):
        return PolicyTree(
            max_depth=self.max_depth, min_node_size=self.min_node_size,
            split_step=self.split_step, search_depth=self.search_depth,
            verbose=self.verbose,
            n_jobs=self.n_jobs,
        )

    def _evaluator(self):
        return DREvaluator(
            outcome_model=self.outcome_model, propensity_model=self.propensity_model, cv=self.cv,
            n_jobs=self.n_jobs, memory=self.memory, min_propensity=self.min_propensity,
            random_state=self.random_state, control=self.control,
            pooled_outcome=self.pooled_outcome, verbose=self.verbose,
        )

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        self.evaluator_ = self._fit_encoded(
            self._evaluator(), X, y, t, sample_weight, groups=groups, propensity=propensity
        )
        for name in ("folds_", "nuisances_", "overlap_"):
            if hasattr(self.evaluator_, name):
                setattr(self, name, getattr(self.evaluator_, name))
        self.policy_tree_ = self._tree().fit(X, self.evaluator_.scores_, sample_weight)
        chosen = np.eye(len(self.categories_))[self.policy_tree_._predict_codes(X)]
        self.value_ = self.evaluator_.evaluate(chosen)
        return self

    def predict(self, X):
        """Recommended treatment label of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            From ``categories_``.
        """
        check_is_fitted(self, "policy_tree_")
        X = self._validate_X_predict(X)
        return self.categories_[self.policy_tree_._predict_codes(X)]

    def predict_value(self, X):
        """Mean DR score of every arm in each row's leaf.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        values : ndarray of shape (n_samples, n_arms)
            Columns in ``categories_`` order.
        """
        check_is_fitted(self, "policy_tree_")
        return self.policy_tree_.predict_value(self._validate_X_predict(X))

    @available_if(lambda self: isinstance(self._tree(), PolicyTree))
    def export_text(self, feature_names=None, decimals=2):
        """The tree as indented text, with the arms' labels and the features' names.

        Parameters
        ----------
        feature_names : list of str, default=None
            ``None`` means the names seen in fit, else ``x0, x1, ...``.
        decimals : int, default=2
            Decimals of the thresholds.

        Returns
        -------
        text : str
        """
        check_is_fitted(self, "policy_tree_")
        if feature_names is None:
            feature_names = getattr(self, "feature_names_in_", None)
        return self.policy_tree_.export_text(feature_names, self.categories_, decimals)

    def _score(self, X, y, t, sample_weight):
        """DR value of the learned policy on the scored rows, with the fitted nuisances.

        ``score = sum_i s_i Gamma_i(pi(X_i)) / sum_i s_i`` with the AIPW
        scores ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} / e_a(X_i) (Y_i -
        mu_a(X_i))`` (Dudik, Langford & Li 2011; Athey & Wager 2021), whose
        ``mu`` and ``e`` are the fold models fitted in ``fit``, averaged, at
        the scored rows (as econml's ``score``): nothing is refitted, so
        ``GridSearchCV(DRPolicyTree(), grid)`` ranks candidates by held-out
        value. After a fit with known propensities there is no propensity
        model to predict with, and both nuisances are cross-fitted on the
        scored rows instead, as :class:`~causaldist.model_selection.PolicyValueScorer`
        does.
        """
        if "propensity" in self.evaluator_.nuisances_.models:
            gamma = self.evaluator_.nuisances_.predict(X).dr_scores(y, t)
        else:
            gamma = self._fit_encoded(self._evaluator(), X, y, t, sample_weight).scores_
        codes = self.policy_tree_._predict_codes(X)
        return np.average(gamma[np.arange(X.shape[0]), codes], weights=sample_weight)
