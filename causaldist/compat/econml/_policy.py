"""econml's policy trees on :mod:`causaldist.policy` (an exact search)."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ...base import _atomic_fit, _warn
from ._folds import _econml_folds
from ...policy import DRPolicyTree as _NativeDRPolicyTree
from ...policy import PolicyTree as _NativePolicyTree
from ._base import _check_discrete_T, _EconmlAdapter, _auto_warning, _model

__all__ = ["PolicyTree", "DRPolicyTree"]


def _depth(owner):
    if owner.max_depth is None:
        _warn(
            f"{type(owner).__name__}: max_depth=None (econml: grow until the leaves are "
            "small) has no exact-search counterpart; using max_depth=2."
        )
        return 2
    return int(owner.max_depth)


class PolicyTree(BaseEstimator):
    """econml's ``PolicyTree`` on :class:`causaldist.policy.PolicyTree`.

    causaldist finds the best tree of the given depth exactly; econml grows it
    greedily, so the structure may differ but the training welfare is never
    lower. ``honest``, ``criterion``, ``splitter``, ``max_features``,
    ``min_impurity_decrease``, ``min_balancedness_tol``,
    ``min_weight_fraction_leaf`` and ``random_state`` are stored but have no
    effect (an exact search has no randomness and uses all units).

    Parameters
    ----------
    criterion : str, default="neg_welfare"
    splitter : str, default="best"
    max_depth : int or None, default=None
        ``None`` becomes 2 with a warning (an exact search needs a depth).
    min_samples_split : int, default=10
        Ignored (``min_samples_leaf`` bounds the leaves).
    min_samples_leaf : int, default=5
        Minimum units per leaf.
    min_weight_fraction_leaf : float, default=0.0
    max_features : int, float, str or None, default=None
    random_state : int, RandomState or None, default=None
    min_impurity_decrease : float, default=0.0
    min_balancedness_tol : float, default=0.45
    honest : bool, default=True

    Attributes
    ----------
    native_ : causaldist.policy.PolicyTree
    """

    def __init__(self, *, criterion="neg_welfare", splitter="best", max_depth=None,
                 min_samples_split=10, min_samples_leaf=5, min_weight_fraction_leaf=0.0,
                 max_features=None, random_state=None, min_impurity_decrease=0.0,
                 min_balancedness_tol=0.45, honest=True):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease
        self.min_balancedness_tol = min_balancedness_tol
        self.honest = honest

    @_atomic_fit
    def fit(self, X, y, *, sample_weight=None, check_input=True):
        """Find the tree that maximises the summed rewards of its actions.

        Parameters
        ----------
        X : array-like of shape (n, d)
        y : array-like of shape (n, n_actions)
            Reward of every action for every unit.
        sample_weight : array-like of shape (n,), default=None
        check_input : bool, default=True
            Ignored.

        Returns
        -------
        self : object
        """
        self.native_ = _NativePolicyTree(
            max_depth=_depth(self), min_node_size=int(self.min_samples_leaf)
        ).fit(X, y, sample_weight=sample_weight)
        return self

    def predict(self, X):
        """Index of the recommended action of each row.

        Parameters
        ----------
        X : array-like of shape (m, d)

        Returns
        -------
        actions : ndarray of shape (m,)
        """
        check_is_fitted(self, "native_")
        return self.native_._predict_codes(np.asarray(X, dtype=np.float64))

    def predict_value(self, X):
        """Mean training reward of every action in each row's leaf.

        Parameters
        ----------
        X : array-like of shape (m, d)

        Returns
        -------
        values : ndarray of shape (m, n_actions)
        """
        check_is_fitted(self, "native_")
        return self.native_.predict_value(X)

    def apply(self, X):
        """Leaf of each row.

        Parameters
        ----------
        X : array-like of shape (m, d)

        Returns
        -------
        leaves : ndarray of shape (m,)
        """
        check_is_fitted(self, "native_")
        return self.native_.apply(X)


class DRPolicyTree(_EconmlAdapter):
    """econml's ``DRPolicyTree`` on :class:`causaldist.policy.DRPolicyTree`.

    AIPW scores from a pooled outcome model and a propensity model on
    ``[X, W]`` with econml's folds, then causaldist's exact tree on ``X``
    (welfare never below econml's greedy tree on the same scores).
    ``predict`` returns the arm index (econml's), ``predict_value`` the
    leaf's mean DR effect of every treated arm against control.

    Parameters
    ----------
    model_regression, model_propensity : estimator or "auto", default="auto"
    featurizer : None
        Only None is supported.
    min_propensity : float, default=1e-6
    categories : "auto" or list, default="auto"
    cv : int, splitter or iterable, default=2
    mc_iters : None
        Only None is supported.
    mc_agg : str, default="mean"
    max_depth : int or None, default=None
        ``None`` becomes 2 with a warning.
    min_samples_split : int, default=10
        Ignored.
    min_samples_leaf : int, default=5
    min_weight_fraction_leaf, max_features, min_impurity_decrease, min_balancedness_tol, honest
        Stored, no effect (exact search on all units).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    native_ : causaldist.policy.DRPolicyTree
    """

    def __init__(self, *, model_regression="auto", model_propensity="auto", featurizer=None,
                 min_propensity=1e-06, categories="auto", cv=2, mc_iters=None, mc_agg="mean",
                 max_depth=None, min_samples_split=10, min_samples_leaf=5,
                 min_weight_fraction_leaf=0.0, max_features="auto", min_impurity_decrease=0.0,
                 min_balancedness_tol=0.45, honest=True, random_state=None):
        self.model_regression = model_regression
        self.model_propensity = model_propensity
        self.featurizer = featurizer
        self.min_propensity = min_propensity
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.min_impurity_decrease = min_impurity_decrease
        self.min_balancedness_tol = min_balancedness_tol
        self.honest = honest
        self.random_state = random_state

    @_atomic_fit
    def fit(self, Y, T, *, X=None, W=None, sample_weight=None, groups=None):
        """Cross-fit the AIPW scores on ``[X, W]`` and search the tree on ``X``.

        Parameters
        ----------
        Y : array-like of shape (n,)
        T : array-like of shape (n,)
        X : array-like of shape (n, d_x)
        W : array-like of shape (n, d_w), default=None
        sample_weight : array-like of shape (n,), default=None
        groups : array-like of shape (n,), default=None

        Returns
        -------
        self : object
        """
        if X is None:
            raise ValueError("DRPolicyTree needs X (the features the policy splits on).")
        if self.featurizer is not None or (self.mc_iters or 1) > 1:
            raise NotImplementedError("featurizer and mc_iters > 1 are not supported.")
        _auto_warning(self, [k for k in ("model_regression", "model_propensity")
                             if isinstance(getattr(self, k), str)])
        n = np.shape(Y)[0]
        _check_discrete_T(T, type(self).__name__)
        T = np.asarray(T).ravel()
        self._layout(X, W, n)
        Xa = np.asarray(X, dtype=np.float64).reshape(n, -1)
        Wa = None if W is None else np.asarray(W, dtype=np.float64).reshape(n, -1)
        Xf = Xa if Wa is None else np.hstack([Xa, Wa])
        if isinstance(self.categories, str) and self.categories == "auto":
            control = np.unique(T)[0]
        else:
            control = list(self.categories)[0]
        folds = _econml_folds(self.cv, T, n, check_random_state(self.random_state),
                              groups=groups)
        native = _NativeDRPolicyTree(
            outcome_model=_model(self.model_regression),
            propensity_model=_model(self.model_propensity), max_depth=_depth(self),
            min_node_size=int(self.min_samples_leaf), pooled_outcome=True, cv=folds,
            min_propensity=self.min_propensity, control=control,
        )
        native.fit(Xf, np.asarray(Y, dtype=np.float64).ravel(), treatment=T,
                   sample_weight=sample_weight)
        if Wa is not None:
            # The tree splits on X only: refit it on the same AIPW scores and X.
            native.policy_tree_ = native._tree().fit(
                Xa, native.evaluator_.scores_, sample_weight
            )
        self.native_ = native
        return self

    def predict(self, X):
        """Index (into the sorted categories) of the recommended arm of each row.

        Parameters
        ----------
        X : array-like of shape (m, d_x)

        Returns
        -------
        arms : ndarray of shape (m,)
        """
        native = self._check()
        return native.policy_tree_._predict_codes(np.asarray(X, dtype=np.float64))

    def predict_value(self, X):
        """Leaf mean of the DR effect of every treated arm against control.

        Parameters
        ----------
        X : array-like of shape (m, d_x)

        Returns
        -------
        values : ndarray of shape (m, n_arms - 1)
        """
        v = self._check().policy_tree_.predict_value(np.asarray(X, dtype=np.float64))
        return v[:, 1:] - v[:, [0]]

    def cate_feature_names(self, feature_names=None):
        """Names of the features the tree splits on.

        Parameters
        ----------
        feature_names : list of str, default=None

        Returns
        -------
        names : list of str
        """
        self._check()
        return self._x_names if feature_names is None else list(feature_names)
