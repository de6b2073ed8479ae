"""Shallow trees that summarise a fitted CATE estimator or the policy it implies."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.tree import DecisionTreeRegressor

from ..policy import PolicyTree
from . import _effects as E
from ._export import TreeExportMixin, check_interpreted

__all__ = ["SingleTreeCateInterpreter", "SingleTreePolicyInterpreter"]


def _check_params(interp):
    if interp.max_depth is not None and not (
        isinstance(interp.max_depth, Integral) and interp.max_depth >= 1
    ):
        raise ValueError(f"max_depth must be a positive integer or None; got {interp.max_depth!r}.")
    if not (isinstance(interp.min_samples_leaf, Integral) and interp.min_samples_leaf >= 1):
        raise ValueError(
            f"min_samples_leaf must be a positive integer; got {interp.min_samples_leaf!r}."
        )


def _alpha(value, name):
    if not (isinstance(value, Real) and 0 < value < 1):
        raise ValueError(f"{name} must be in (0, 1); got {value!r}.")
    return float(value)


class SingleTreeCateInterpreter(TreeExportMixin, BaseEstimator):
    """A shallow regression tree on a fitted estimator's effects, to read them.

    ``interpret(cate_estimator, X)`` fits a ``DecisionTreeRegressor`` of the
    effects ``tau_hat(X)`` (``cate_estimator.predict(X)``, one output per
    treated arm) on the raw ``X``, so its thresholds are in the units of
    ``X`` even when the estimator is a ``Pipeline`` that scales or encodes.
    Every leaf reports its number of units, the mean and standard deviation of
    the effects in it, and, when the estimator gives intervals
    (``effect_inference`` or ``effect_interval``), a ``1 - uncertainty_level``
    interval of the leaf's mean effect (exact for a linear final stage, else
    the conservative ``sqrt(mean(stderr^2))`` of econml's population summary).
    Only public API is used, so any causaldist CATE estimator, or a Pipeline
    ending in one, can be interpreted (econml's ``SingleTreeCateInterpreter``).

    Parameters
    ----------
    include_model_uncertainty : bool or None, default=None
        Intervals in the nodes: ``None`` when the estimator gives them,
        ``True`` requires them, ``False`` leaves them out.
    uncertainty_level : float, default=0.05
        ``alpha`` of the intervals.
    uncertainty_only_on_leaves : bool, default=True
        Intervals on the leaves only (one call per leaf, not per node).
    max_depth : int, default=3
        Depth of the tree; shallow enough to read.
    min_samples_leaf : int, default=1
        Minimum units per leaf.
    min_impurity_decrease : float, default=0.0
        Minimum decrease of the squared error for a split (scikit-learn's).
    random_state : int, RandomState instance or None, default=None
        Seed of the tree's tie breaking.

    Attributes
    ----------
    tree_model_ : DecisionTreeRegressor
        The fitted surrogate.
    tree_ : dict of ndarrays
        Per node: ``feature``, ``threshold``, ``left``, ``right`` (``-1`` at
        leaves), ``n_samples``, ``value`` and ``std`` (mean and spread of the
        effects, one column per treated arm), ``ci_lower``, ``ci_upper``
        (NaN where not computed).
    feature_names_ : list of str
    treatment_names_ : list
        Labels of the treated arms (``categories_[1:]``, else ``T1, T2, ...``).
    score_ : float
        R^2 of the tree against the effects it summarises.

    See Also
    --------
    SingleTreePolicyInterpreter : The treatment rule the effects imply.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.interpret import SingleTreeCateInterpreter
    >>> from causaldist.metalearners import TLearner
    >>> X, y, t, tau = make_heterogeneous(1000, design="rct", as_frame=True, random_state=0)
    >>> est = TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t)
    >>> interp = SingleTreeCateInterpreter(max_depth=1).interpret(est, X)
    >>> print(interp.export_text(decimals=1))
    |--- x2 <= 0.0
    |   |--- effect 0.3, std 0.6, n = 529
    |--- x2 >  0.0
    |   |--- effect 1.7, std 0.5, n = 471
    """

    def __init__(
        self, *, include_model_uncertainty=None, uncertainty_level=0.05,
        uncertainty_only_on_leaves=True, max_depth=3, min_samples_leaf=1,
        min_impurity_decrease=0.0, random_state=None,
    ):
        self.include_model_uncertainty = include_model_uncertainty
        self.uncertainty_level = uncertainty_level
        self.uncertainty_only_on_leaves = uncertainty_only_on_leaves
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.min_impurity_decrease = min_impurity_decrease
        self.random_state = random_state

    def interpret(self, cate_estimator, X, *, feature_names=None):
        """Fit the tree on ``cate_estimator``'s effects at ``X``.

        Parameters
        ----------
        cate_estimator : fitted CATE estimator or Pipeline ending in one
            Its ``predict(X)`` gives the effects the tree summarises.
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric covariates, as the estimator takes them.
        feature_names : list of str, default=None
            Names in the text and plots; ``None`` means a DataFrame's columns,
            else the estimator's ``feature_names_in_``, else ``x0, x1, ...``.

        Returns
        -------
        self : SingleTreeCateInterpreter
            With ``tree_`` and ``tree_model_`` set.
        """
        _check_params(self)
        alpha = _alpha(self.uncertainty_level, "uncertainty_level")
        Xa = E.numeric(X)
        tau = E.effects(cate_estimator, X)
        want = self.include_model_uncertainty
        if want and not E.has_intervals(cate_estimator):
            raise TypeError(
                f"include_model_uncertainty=True but {type(cate_estimator).__name__} gives "
                "no intervals (no effect_inference or effect_interval)."
            )
        if want is None:
            intervals = E.has_intervals(cate_estimator, X, tau.shape[1])
        else:
            intervals = bool(want)
        model = DecisionTreeRegressor(
            max_depth=self.max_depth, min_samples_leaf=self.min_samples_leaf,
            min_impurity_decrease=self.min_impurity_decrease, random_state=self.random_state,
        ).fit(Xa, tau[:, 0] if tau.shape[1] == 1 else tau)
        t = model.tree_
        leaf = t.children_left < 0
        members = model.decision_path(Xa).tocsc()
        n_nodes, K = t.node_count, tau.shape[1]
        table = dict(
            feature=np.where(leaf, -1, t.feature), threshold=np.where(leaf, np.nan, t.threshold),
            left=np.where(leaf, -1, t.children_left), right=np.where(leaf, -1, t.children_right),
            n_samples=np.zeros(n_nodes, dtype=np.intp), value=np.zeros((n_nodes, K)),
            std=np.zeros((n_nodes, K)), ci_lower=np.full((n_nodes, K), np.nan),
            ci_upper=np.full((n_nodes, K), np.nan),
        )
        for node in range(n_nodes):
            rows = members[:, node].nonzero()[0]
            table["n_samples"][node] = rows.size
            table["value"][node] = tau[rows].mean(axis=0)
            table["std"][node] = tau[rows].std(axis=0)
            if intervals and (leaf[node] or not self.uncertainty_only_on_leaves):
                table["ci_lower"][node], table["ci_upper"][node] = E.mean_effect_interval(
                    cate_estimator, E.take_rows(X, rows), K, alpha
                )
        self.tree_model_ = model
        self.tree_ = table
        self.feature_names_ = E.feature_names(X, cate_estimator, Xa.shape[1], feature_names)
        self.treatment_names_ = E.arm_labels(cate_estimator, K)[1]
        self.score_ = float(model.score(Xa, tau[:, 0] if K == 1 else tau))
        return self

    def _leaf_text(self, node, decimals):
        t = self.tree_
        parts = []
        for k, name in enumerate(self.treatment_names_):
            head = "effect" if len(self.treatment_names_) == 1 else f"effect of {name}"
            text = f"{head} {t['value'][node, k]:.{decimals}f}"
            if np.isfinite(t["ci_lower"][node, k]):
                level = f"{1 - self.uncertainty_level:.0%}"
                text += (f" ({level} CI {t['ci_lower'][node, k]:.{decimals}f} to "
                         f"{t['ci_upper'][node, k]:.{decimals}f})")
            parts.append(f"{text}, std {t['std'][node, k]:.{decimals}f}")
        return "; ".join(parts) + f", n = {t['n_samples'][node]}"


class SingleTreePolicyInterpreter(TreeExportMixin, BaseEstimator):
    """A shallow policy tree on a fitted estimator's effects net of costs.

    ``interpret(cate_estimator, X, sample_treatment_costs=None)`` forms the
    rewards ``[0, tau_1(x) - c_1, ..., tau_K(x) - c_K]`` (control first, free)
    and fits an exact :class:`~causaldist.policy.PolicyTree` on them: the
    tree of depth ``max_depth`` that maximises the mean net effect of the arms
    it assigns (econml's ``SingleTreePolicyInterpreter``). With
    ``risk_level`` the rewards are the lower ends of the pointwise
    ``1 - risk_level`` intervals of the effects (the upper ends with
    ``risk_seeking``): a cautious rule treats only where the effect is surely
    worth its cost. Leaves report the arm, the units and the mean net gain
    over control of the arm.

    Parameters
    ----------
    risk_level : float, default=None
        ``alpha`` of the intervals whose ends replace the effects; ``None``
        uses the point estimates.
    risk_seeking : bool, default=False
        Upper ends instead of lower ends.
    max_depth : int, default=2
        Depth of the policy tree (exact search: 3 is slow on large samples).
    min_samples_leaf : int, default=1
        Minimum units per leaf (the tree's ``min_node_size``).

    Attributes
    ----------
    policy_tree_ : PolicyTree
    tree_ : dict of ndarrays
        Per node: ``feature``, ``threshold``, ``left``, ``right``, ``action``
        (code into ``treatment_names_``, 0 the control), ``n_samples`` and
        ``value`` (mean net reward of every arm in the node, control first).
    feature_names_ : list of str
    treatment_names_ : list
        Control first (``categories_``, else ``"control", "T1", ...``).
    policy_value_ : float
        Mean net reward over control of the tree's rule at ``X``.
    always_treat_value_ : ndarray of shape (n_arms - 1,)
        Mean net reward of giving everyone each treated arm.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.interpret import SingleTreePolicyInterpreter
    >>> from causaldist.metalearners import TLearner
    >>> X, y, t, tau = make_heterogeneous(1000, design="rct", as_frame=True, random_state=0)
    >>> est = TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t)
    >>> interp = SingleTreePolicyInterpreter(max_depth=1)
    >>> print(interp.interpret(est, X, sample_treatment_costs=1.0).export_text(decimals=1))
    |--- x2 <= 0.0
    |   |--- treatment 0, n = 529, gain 0.0
    |--- x2 >  0.0
    |   |--- treatment 1, n = 471, gain 0.7
    """

    def __init__(self, *, risk_level=None, risk_seeking=False, max_depth=2,
                 min_samples_leaf=1):
        self.risk_level = risk_level
        self.risk_seeking = risk_seeking
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def interpret(self, cate_estimator, X, sample_treatment_costs=None, *, feature_names=None):
        """Fit the policy tree on ``cate_estimator``'s effects at ``X`` less the costs.

        Parameters
        ----------
        cate_estimator : fitted CATE estimator or Pipeline ending in one
            Its ``predict(X)`` gives the effects of each treated arm.
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric covariates, as the estimator takes them.
        sample_treatment_costs : float, array-like of shape (n_arms - 1,) or \
(n_samples, n_arms - 1), default=None
            Cost of each treated arm in outcome units, per arm or per unit.
        feature_names : list of str, default=None
            As in :meth:`SingleTreeCateInterpreter.interpret`.

        Returns
        -------
        self : SingleTreePolicyInterpreter
            With ``policy_tree_`` and ``tree_`` set.
        """
        _check_params(self)
        if self.max_depth is None:
            raise ValueError("max_depth must be a positive integer for a policy tree.")
        Xa = E.numeric(X)
        tau = E.effects(cate_estimator, X)
        n, K = tau.shape
        if self.risk_level is not None:
            alpha = _alpha(self.risk_level, "risk_level")
            ends = [E.pointwise_interval(cate_estimator, X, k, K, alpha) for k in range(K)]
            tau = np.column_stack([hi if self.risk_seeking else lo for lo, hi in ends])
        costs = 0.0 if sample_treatment_costs is None else sample_treatment_costs
        try:
            c = np.broadcast_to(np.asarray(costs, dtype=np.float64), (n, K))
        except ValueError as exc:
            raise ValueError(
                f"sample_treatment_costs must be a scalar, shape ({K},) or ({n}, {K}); got "
                f"{np.shape(costs)}."
            ) from exc
        if not np.all(np.isfinite(c)):
            raise ValueError("sample_treatment_costs must be finite.")
        rewards = np.column_stack([np.zeros(n), tau - c])
        tree = PolicyTree(max_depth=self.max_depth, min_node_size=self.min_samples_leaf)
        tree.fit(Xa, rewards)
        src = tree.tree_
        n_nodes = len(src["feature"])
        codes = tree._predict_codes(Xa)
        table = {key: np.asarray(src[key]).copy() for key in ("feature", "threshold", "left",
                                                             "right", "action")}
        table["n_samples"] = np.asarray(src["n_samples"], dtype=np.intp)
        table["value"] = np.vstack(src["value"]).reshape(n_nodes, K + 1)
        self.policy_tree_ = tree
        self.tree_ = table
        control, treated = E.arm_labels(cate_estimator, K)
        self.treatment_names_ = ["control" if control is None else control] + list(treated)
        self.feature_names_ = E.feature_names(X, cate_estimator, Xa.shape[1], feature_names)
        self.policy_value_ = float(rewards[np.arange(n), codes].mean())
        self.always_treat_value_ = rewards[:, 1:].mean(axis=0)
        return self

    def treat(self, X):
        """Recommended arm of each row (labels of ``treatment_names_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric covariates, in the columns ``interpret`` saw.

        Returns
        -------
        arms : ndarray of shape (n_samples,)
            Labels from ``treatment_names_`` (the control first).
        """
        check_interpreted(self)
        codes = self.policy_tree_._predict_codes(E.numeric(X))
        return np.asarray(self.treatment_names_, dtype=object)[codes]

    def _leaf_text(self, node, decimals):
        t = self.tree_
        a = t["action"][node]
        return (f"treatment {self.treatment_names_[a]}, n = {t['n_samples'][node]}, "
                f"gain {t['value'][node, a]:.{decimals}f}")
