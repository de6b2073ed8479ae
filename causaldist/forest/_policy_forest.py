"""Policy forests: bagged exact policy trees."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import _atomic_fit
from .._progress import Progress
from ..policy import DRPolicyTree, PolicyTree
from ..policy._reward_policy import _RewardPolicy
from ..model_selection._mixin import _fill_cross_fit_doc

__all__ = ["DRPolicyForest", "PolicyForest"]


def _fit_tree(params, X, R, sw, rows):
    return PolicyTree(**params).fit(X[rows], R[rows], sw[rows])


class PolicyForest(_RewardPolicy):
    """Bagged exact policy trees on subsamples of a reward matrix.

    Each of ``n_estimators`` :class:`~causaldist.policy.PolicyTree` is the
    exact best tree of depth ``max_depth`` on a subsample of
    ``max_samples * n`` rows drawn without replacement; a row's action is
    the arm with the largest reward averaged over the trees' leaves
    (``predict_value``), as econml's ``PolicyForest`` (which bags greedy
    trees). A single exact tree is a high-variance function of the data
    near its thresholds; averaging smooths the policy at the cost of
    interpretability.

    Parameters
    ----------
    n_estimators : int, default=100
    max_samples : float in (0, 1], default=0.5
        Fraction of the rows in each tree's subsample.
    max_depth, min_node_size, split_step, search_depth : int
        As in :class:`~causaldist.policy.PolicyTree`.
    n_jobs : int, default=None
        Trees fitted in parallel with joblib.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        Progress on standard output: 1 the trees fitted at every tenth of
        ``n_estimators`` with the elapsed time, 2 every tree, 3 and more also
        joblib's own messages. Worker processes print nothing; the trees do
        not depend on it.

    Attributes
    ----------
    estimators_ : list of PolicyTree
    classes_ : ndarray of shape (n_actions,)
    welfare_ : float
        Weighted mean training reward of the chosen actions.
    n_features_in_ : int
    feature_names_in_ : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.forest import PolicyForest
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> rewards = np.column_stack([np.zeros(500), X[:, 1] + rng.normal(size=500)])
    >>> forest = PolicyForest(n_estimators=20, max_depth=1, random_state=0).fit(X, rewards)
    >>> forest.predict(np.array([[0.0, -2.0, 0.0], [0.0, 2.0, 0.0]])).tolist()
    [0, 1]
    """

    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Real, 0, 1, closed="right")],
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "min_node_size": [Interval(Integral, 1, None, closed="left")],
        "split_step": [Interval(Integral, 1, None, closed="left")],
        "search_depth": [Interval(Integral, 1, 3, closed="both"), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self, n_estimators=100, max_samples=0.5, max_depth=2, min_node_size=1,
        split_step=1, search_depth=None, n_jobs=None, random_state=None, verbose=0,
    ):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.max_depth = max_depth
        self.min_node_size = min_node_size
        self.split_step = split_step
        self.search_depth = search_depth
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, rewards, sample_weight=None):
        """Fit the trees on subsamples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        rewards : array-like of shape (n_samples, n_actions)
            A DataFrame's columns become ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : PolicyForest
        """
        X, R, sw = self._validate_fit_rewards(X, rewards, sample_weight)
        n = X.shape[0]
        rs = self.random_state
        rng = rs if isinstance(rs, np.random.RandomState) else np.random.RandomState(rs)
        size = max(1, int(np.ceil(self.max_samples * n)))
        subsamples = [np.sort(rng.choice(n, size, replace=False)) for _ in range(self.n_estimators)]
        params = dict(
            max_depth=self.max_depth, min_node_size=self.min_node_size,
            split_step=self.split_step, search_depth=self.search_depth,
        )
        progress = Progress(self.verbose, type(self).__name__)
        progress(1, f"fitting {self.n_estimators} depth-{self.max_depth} trees on "
                    f"subsamples of {size} units")
        counter = progress.counter(self.n_estimators, "trees")
        # Trees come back in order as they finish; the caller counts them, so
        # that workers print nothing.
        self.estimators_ = []
        for tree in Parallel(
            n_jobs=self.n_jobs, return_as="generator", verbose=progress.joblib_verbose
        )(delayed(_fit_tree)(params, X, R, sw, rows) for rows in subsamples):
            self.estimators_.append(tree)
            counter.update()
        self.welfare_ = self._welfare(X, R, sw)
        return self

    def _value(self, X):
        return np.mean(
            [np.vstack(t.tree_["value"])[t._apply(X)] for t in self.estimators_], axis=0
        )

    def _predict_codes(self, X):
        return np.argmax(self._value(X), axis=1)

    def predict_value(self, X):
        """Mean reward of every action in each row's leaves, averaged over the trees.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        values : ndarray of shape (n_samples, n_actions)
        """
        check_is_fitted(self)
        return self._value(validate_data(self, X, reset=False, dtype=np.float64))


@_fill_cross_fit_doc
class DRPolicyForest(DRPolicyTree):
    """Policy forest on cross-fitted AIPW scores (econml's ``DRPolicyForest``).

    The doubly robust scores
    ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} / e_a(X_i) (Y_i - mu_a(X_i))`` of
    the shared cross-fitting stage are the reward matrix of a
    :class:`PolicyForest` (bagged exact policy trees).

    Parameters
    ----------
    outcome_model, propensity_model, pooled_outcome
        As in :class:`~causaldist.policy.DRPolicyTree`.
    n_estimators, max_samples : int, float
        As in :class:`PolicyForest`.
    max_depth, min_node_size, split_step, search_depth : int
        As in :class:`~causaldist.policy.PolicyTree`.
    {cross_fit}

    Attributes
    ----------
    policy_forest_ : PolicyForest
        Its actions are treatment codes (indices into ``categories_``).
    evaluator_ : DREvaluator
    value_ : PolicyValue
        DR value of the learned policy on the training units (optimistic).
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.forest import DRPolicyForest
    >>> X, y, t, tau = make_heterogeneous(1000, random_state=0)
    >>> est = DRPolicyForest(outcome_model=LinearRegression(), n_estimators=10,
    ...                      max_depth=1, cv=3, random_state=0)
    >>> est.fit(X, y, treatment=t).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **DRPolicyTree._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(
        self, *, outcome_model=None, propensity_model=None, n_estimators=100,
        max_samples=0.5, max_depth=2, min_node_size=1, split_step=1, search_depth=None,
        pooled_outcome=False, cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, verbose=0, control=None,
    ):
        super().__init__(
            outcome_model=outcome_model, propensity_model=propensity_model,
            max_depth=max_depth, min_node_size=min_node_size, split_step=split_step,
            search_depth=search_depth, pooled_outcome=pooled_outcome, cv=cv,
            n_jobs=n_jobs, memory=memory, min_propensity=min_propensity,
            random_state=random_state, verbose=verbose, control=control,
        )
        self.n_estimators = n_estimators
        self.max_samples = max_samples

    def _tree(self):
        return PolicyForest(
            n_estimators=self.n_estimators, max_samples=self.max_samples,
            max_depth=self.max_depth, min_node_size=self.min_node_size,
            split_step=self.split_step, search_depth=self.search_depth,
            n_jobs=self.n_jobs, random_state=self.random_state, verbose=self.verbose,
        )

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        super()._fit(X, y, t, sample_weight, groups=groups, propensity=propensity)
        self.policy_forest_ = self.policy_tree_
        return self
