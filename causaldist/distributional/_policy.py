"""Policy learning for distribution-valued outcomes."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from .._progress import Progress
from ..base import BaseCausalEstimator, _missing_treatment, _one_inner_thread
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from ._base import _DistributionalY
from ._dr import DistributionalDREvaluator
from ._ipw import DistributionalIPWEvaluator
from ._terms import _ChosenTerms
from ._utilities import Mean

__all__ = ["DistributionalPolicyLearner", "DistributionalPolicyTree"]


@_fill_cross_fit_doc
class DistributionalPolicyLearner(_DistributionalY, _CrossFitMixin, BaseCausalEstimator):
    """Learn a policy that maximises a utility of the Wasserstein barycenter it induces.

    Each unit's outcome is a quantile function on a grid: ``y`` is each unit's outcome as raw draws (a ragged list of 1-D arrays,
    :class:`Draws`, or a long table whose columns the grid names,
    ``QuantileGrid(m, long=(unit, value))``), read as empirical quantiles on
    the grid with the grid's few-draw correction (:func:`few_draw_correction`),
    or as an ``(n, m)`` matrix of quantile functions (rows non-decreasing).
    The value of a policy ``pi`` is ``U(q_pi)``, a utility of
    the barycenter ``q_pi(p) = sum_i s_i Gamma_i(pi(X_i))(p) / sum_i s_i``
    estimated by IPW or DR scores ``Gamma`` (Huang, Leung, Wu & Zhang,
    "Wasserstein Policy Learning for Distributional Outcomes", COLT 2026; their
    regret bound is ``O(sqrt(N-dim(Pi) / N))``), ``s`` the sample weights.

    - Linear utility ``U(q) = sum_j w_j q_j`` (mean, quantile, CVaR, any
      distortion): ``U(q_pi)`` is the weighted mean of the scalar rewards
      ``Gamma_i(pi(X_i)) @ w``, so the policy class is fitted once on the
      reward matrix ``Gamma @ w`` (n x K) with the sample weights.
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
        A policy learner fitted as ``fit(X, rewards, sample_weight=None)``
        with ``predict(X)`` returning action codes ``0..K-1`` (e.g.
        :class:`causaldist.policy.PolicyTree`, ``LinearPolicy``,
        ``PolicyClassifier``). ``None`` means ``PolicyTree(max_depth=2)``,
        searching on ``n_jobs`` threads.
    utility : Utility, default=None
        ``None`` means :class:`Mean`.
    method : {"dr", "ipw"}, default="dr"
        Scores of :class:`DistributionalDREvaluator` or
        :class:`DistributionalIPWEvaluator`.
    outcome_model : regressor, default=None
        Multi-output regression of the quantile functions (DR only); ``None``
        means cubic splines (5 knots per feature) followed by
        ``Ridge(alpha=1.0)``, as in :class:`DistributionalDREvaluator`.
    propensity_model : classifier, default=None
        ``None`` means ``StandardScaler`` + ``LogisticRegression``. Known
        propensities passed to fit (``propensity=``) replace it.
    grid : QuantileGrid or array-like of levels, default=None
        The levels (and, for raw draws, how they are read: the few-draw
        ``correction``, the columns of a ``long`` table); ``None`` means the
        midpoint grid of ``y``'s columns, or 100 levels for raw draws.
    max_iter : int, default=20
        Linearisation steps for a nonlinear utility.
    {cross_fit}

    Attributes
    ----------
    policy_ : estimator
        The fitted policy learner (its actions are codes into ``categories_``).
    evaluator_ : DistributionalDREvaluator or DistributionalIPWEvaluator
        Holds the per-unit scores ``scores_`` (n, K, m) and the nuisance models.
    value_ : DistributionalPolicyValue
        The learned policy's estimated barycenter and utility on the training
        units (optimistic: the policy was chosen on them).
    barycenter_ : ndarray of shape (m,)
    grid_ : QuantileGrid
    draw_counts_ : ndarray of shape (n_samples,) or None
        Number of draws of each unit (None for a quantile matrix).
    correction_ : object or None
        The fitted few-draw correction (its ``shape_params_``), or None.
    n_iter_ : int
    objective_path_ : list of float
    overlap_ : DataFrame
        Per-arm overlap report of the propensities.
    categories_ : ndarray of shape (n_arms,)
    n_features_in_ : int

    Examples
    --------
    >>> from causaldist.datasets import make_distributional
    >>> from causaldist.distributional import CVaR, DistributionalPolicyTree
    >>> X, y, t = make_distributional(2000, n_levels=20, random_state=0)
    >>> learner = DistributionalPolicyTree(max_depth=1, utility=CVaR(0.1), cv=3)
    >>> learner.fit(X, y, treatment=t).predict(X[:5]).shape
    (5,)
    >>> X_new, y_new, t_new = make_distributional(2000, n_levels=20, random_state=1)
    >>> round(learner.score(X_new, y_new, treatment=t_new), 2)  # held-out CVaR
    -1.38
    """

    _parameter_constraints: dict = {
        "policy": [HasMethods(["fit", "predict"]), None],
        "utility": "no_validation",
        "method": [StrOptions({"dr", "ipw"})],
        "grid": "no_validation",
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }
    _default_models = {"outcome_model": "quantile_outcome", "propensity_model": "propensity"}

    def __init__(
        self, *, policy=None, utility=None, method="dr", outcome_model=None,
        propensity_model=None, grid=None, max_iter=20, cv=5, n_jobs=None, memory=None,
        min_propensity=1e-3, random_state=None, verbose=0, control=None,
    ):
        self.policy = policy
        self.utility = utility
        self.method = method
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.grid = grid
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _base_policy(self):
        if self.policy is not None:
            return self.policy
        from ..policy import PolicyTree

        return PolicyTree(max_depth=2, n_jobs=self.n_jobs)

    def _models_seeing_X(self):
        names = ["propensity_model"] + (["outcome_model"] if self.method == "dr" else [])
        return [self._model(name) for name in names] + [self._base_policy()]

    def _evaluator(self):
        common = dict(
            propensity_model=self.propensity_model, grid=self.grid, cv=self.cv,
            n_jobs=self.n_jobs, memory=self.memory, min_propensity=self.min_propensity,
            random_state=self.random_state, control=self.control, verbose=self.verbose,
        )
        if self.method == "dr":
            return DistributionalDREvaluator(outcome_model=self.outcome_model, **common)
        return DistributionalIPWEvaluator(**common)

    def _utility(self):
        return Mean() if self.utility is None else self.utility

    def _policy_codes(self, policy, X):
        """The actions of a fitted policy learner as codes into ``categories_``."""
        out = np.asarray(policy.predict(X))
        n_arms = len(self.categories_)
        if out.shape != (X.shape[0],) or out.dtype.kind not in "iub" or (
            out.size and (out.min() < 0 or out.max() >= n_arms)
        ):
            raise ValueError(
                f"{type(policy).__name__}.predict must return one action code in "
                f"0..{n_arms - 1} per row (the columns of the reward matrix); got "
                f"shape {out.shape}, dtype {out.dtype}."
            )
        return out.astype(np.intp)

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        ev = self._fit_encoded(
            self._evaluator(), X, y, t, sample_weight, groups=groups, propensity=propensity
        )
        self.evaluator_ = ev
        for name in ("folds_", "nuisances_", "overlap_", "grid_", "correction_",
                     "draw_counts_"):
            if hasattr(ev, name):
                setattr(self, name, getattr(ev, name))
        utility, base = self._utility(), self._base_policy()
        fit_kw = {}
        if sample_weight is not None:
            if not has_fit_parameter(base, "sample_weight"):
                raise TypeError(
                    f"policy={type(base).__name__} does not accept sample_weight in "
                    "fit, so the weights could not enter the policy search."
                )
            fit_kw["sample_weight"] = sample_weight

        def fit_policy(weights):
            policy = clone(base).fit(X, ev.scores_ @ weights, **fit_kw)
            codes = self._policy_codes(policy, X)
            terms = _ChosenTerms(ev._N, ev._D, codes, sample_weight)
            return policy, codes, terms, utility(terms.theta, ev.grid_)

        if utility.is_linear:
            self.policy_, codes, terms, value = fit_policy(utility.weights(ev.grid_))
            self.n_iter_, self.objective_path_ = 1, [value]
        else:
            self.policy_, codes, terms, value = fit_policy(Mean().weights(ev.grid_))
            self.objective_path_ = [value]
            self.n_iter_ = 0
            progress = Progress(self.verbose, type(self).__name__)
            progress(1, f"linearisation start (the mean's policy): utility {value:.6g}")
            for _ in range(self.max_iter):
                self.n_iter_ += 1
                step = fit_policy(utility.gradient(terms.theta, ev.grid_))
                progress(
                    1, f"linearisation step {self.n_iter_}/{self.max_iter}: utility "
                       f"{step[3]:.6g}, incumbent {value:.6g}, elapsed {progress.elapsed()}",
                )
                if np.array_equal(step[1], codes) or step[3] <= value:
                    break
                self.policy_, codes, terms, value = step
                self.objective_path_.append(value)
        self.value_ = ev._result(terms, utility, random_state=self.random_state)
        self.barycenter_ = self.value_.quantiles
        return self

    def predict(self, X):
        """Treatment label recommended for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            From ``categories_``.
        """
        check_is_fitted(self, "policy_")
        X = self._validate_X_predict(X)
        return self.categories_[self._policy_codes(self.policy_, X)]

    def _score(self, X, y, t, sample_weight):
        """Utility of the barycenter the learned policy induces on the scored rows.

        ``score = U(q)``, ``q = sum_i s_i Gamma_i(pi(X_i)) / sum_i s_i``, with
        the per-unit IPW or DR scores ``Gamma`` of the evaluator computed from
        the nuisance models fitted in ``fit`` (fold models averaged, as
        econml's ``score``) at the scored rows: nothing is refitted, so
        ``GridSearchCV(learner, grid)`` ranks candidates by held-out utility.
        ``y`` holds the scored rows' quantile functions on the fitted grid.
        After a fit with known propensities there is no propensity model to
        predict with, and the nuisances are cross-fitted on the scored rows.
        """
        codes = self._policy_codes(self.policy_, X)
        return self.evaluator_._utility_at(X, y, t, sample_weight, codes, self._utility())

    @_one_inner_thread
    def score(self, X, y, treatment=None, *, sample_weight=None):
        """Utility of the barycenter the learned policy induces on ``(X, y, treatment)``.

        ``y`` in any form ``fit`` takes (raw draws are read on the fitted grid
        and corrected with the fitted few-draw correction); see ``_score``:
        held-out utility, nothing refitted, so ``GridSearchCV(learner, grid)``
        ranks candidates by it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : draws or array-like of shape (n_samples, m)
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        from sklearn.utils.validation import _check_sample_weight

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


class DistributionalPolicyTree(DistributionalPolicyLearner):
    """:class:`DistributionalPolicyLearner` with an exact :class:`~causaldist.policy.PolicyTree`.

    Parameters
    ----------
    max_depth : int, default=2
    min_node_size : int, default=1
        Of the :class:`~causaldist.policy.PolicyTree`, whose search of the
        root features runs on ``n_jobs`` threads (the same tree for any
        ``n_jobs``).
    utility, method, outcome_model, propensity_model, grid, max_iter, cv, n_jobs, \
memory, min_propensity, random_state, verbose, control
        As in :class:`DistributionalPolicyLearner`.

    Attributes
    ----------
    policy_ : PolicyTree
        The fitted tree (actions are codes into ``categories_``).
    evaluator_, value_, barycenter_, n_iter_, objective_path_, categories_
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
        self, *, max_depth=2, min_node_size=1, utility=None, method="dr",
        outcome_model=None, propensity_model=None, grid=None, max_iter=20, cv=5,
        n_jobs=None, memory=None, min_propensity=1e-3, random_state=None, verbose=0,
        control=None,
    ):
        self.max_depth = max_depth
        self.min_node_size = min_node_size
        self.utility = utility
        self.method = method
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.grid = grid
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _base_policy(self):
        from ..policy import PolicyTree

        return PolicyTree(
            max_depth=self.max_depth, min_node_size=self.min_node_size,
            n_jobs=self.n_jobs,
        )

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
        check_is_fitted(self, "policy_")
        if feature_names is None:
            feature_names = getattr(self, "feature_names_in_", None)
        return self.policy_.export_text(feature_names, self.categories_, decimals)
