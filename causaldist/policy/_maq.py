"""MultiArmQini: cost-aware Qini curves over several treatment arms (grf-labs' maq)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from ..inference import Estimate
from ._maq_path import (
    half_sample_bootstrap,
    influence_se,
    mean_hull_path,
    path_increments,
    solution_path,
)

__all__ = ["MultiArmQini"]


def _as_matrix(a, name, n=None, k=None):
    a = a.to_numpy() if hasattr(a, "to_numpy") else a
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric.") from exc
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or (n is not None and a.shape != (n, k)):
        want = "(n_samples, n_arms)" if n is None else f"({n}, {k})"
        raise ValueError(f"{name} must have shape {want}; got {a.shape}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return a


class MultiArmQini:
    """Multi-armed Qini curve with costs: the best allocation at every budget.

    Given targeting rewards ``tau_hat_ik`` (estimated effects of arm ``k``
    against control, e.g. a CATE model's ``predict`` on held-out units) and
    costs ``c_ik > 0``, the policy ``pi_B`` solving

    ``max_pi sum_i w_i <pi_i, tau_hat_i>  s.t.  sum_i w_i <pi_i, c_i> <= B,
    sum_k pi_ik <= 1, pi_ik >= 0``

    is found for every spend per unit ``B`` at once (a path of single-unit
    moves along each unit's convex hull, ordered by incremental
    cost-benefit ratio), and its gain is estimated with evaluation scores
    ``Gamma_ik`` (doubly robust scores of ``Y(k) - Y(0)``, independent of the
    rewards) as the Qini curve ``Q(B) = sum_i w_i <pi_B(X_i), Gamma_i>``
    (Sverdrup, Wu, Athey & Wager 2025, "Qini curves for multi-armed treatment
    rules", JCGS 34(3); grf-labs' ``maq``). Between path points the solution
    is the linear interpolation (one unit fractionally moved), so the curve is
    piecewise linear and concave in the rewards.

    Parameters
    ----------
    budget : float, default=None
        Largest spend per unit to trace the path to; ``None`` traces the whole
        path (until no move adds reward).
    target_with_covariates : bool, default=True
        Allocate by the per-unit rewards; ``False`` gives the baseline that
        ignores covariates (every unit gets the arms on the convex hull of the
        mean reward, units in index order: a straight line per arm).
    n_bootstrap : int, default=200
        Half-sample bootstrap replicates for the standard errors (maq's
        ``R``); ``0`` gives influence-function standard errors that treat the
        allocation as fixed, ``sqrt(sum_i w_i^2 (s_i - Q)^2 n / (n - 1))``
        with ``s_i`` unit ``i``'s allocated score.
    paired_inference : bool, default=True
        Keep the bootstrap curves (``gain_bootstrap_``) so that two curves
        fitted with the same ``random_state`` on the same units can be
        compared with paired standard errors.
    random_state : int, default=42
        Seed of the bootstrap half-samples.

    Attributes
    ----------
    spend_ : ndarray of shape (n_steps,)
        Spend per unit after every move of the path.
    gain_ : ndarray of shape (n_steps,)
        Estimated gain per unit after every move.
    std_err_ : ndarray of shape (n_steps,)
        Standard errors of ``gain_``.
    path_unit_, path_arm_ : ndarray of shape (n_steps,)
        The unit moved at every step and its new arm (1-based column of the
        rewards; 0 is control).
    gain_bootstrap_ : ndarray of shape (n_bootstrap, n_steps) or None
        Bootstrap gain curves on the ``spend_`` grid.
    complete_path_ : bool
        Whether the path was traced to its end (not cut at ``budget``).
    budget_ : float
        Largest spend the fit answers for.
    arms_ : ndarray of shape (n_arms,)
        Column names of the rewards, or ``1..K``.
    n_samples_ : int

    See Also
    --------
    causaldist.metrics.qini_curve : The single-arm Qini curve without costs.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.policy import MultiArmQini
    >>> rng = np.random.default_rng(0)
    >>> tau = rng.normal([0.5, 1.0], 1.0, size=(500, 2))
    >>> scores = tau + rng.normal(0, 2, size=(500, 2))
    >>> mq = MultiArmQini(n_bootstrap=50).fit(tau, cost=[1.0, 3.0], reward_scores=scores)
    >>> mq.average_gain(0.5)
    Estimate(MultiArmQini: value=0.7529, stderr=0.06105, 95% CI=[0.6333, 0.8726], n=500)
    >>> np.bincount(mq.predict(0.5), minlength=3)  # control, arm 1, arm 2
    array([305, 168,  27])
    """

    def __init__(
        self, *, budget=None, target_with_covariates=True, n_bootstrap=200,
        paired_inference=True, random_state=42,
    ):
        self.budget = budget
        self.target_with_covariates = target_with_covariates
        self.n_bootstrap = n_bootstrap
        self.paired_inference = paired_inference
        self.random_state = random_state

    def __repr__(self):
        params = ("budget", "target_with_covariates", "n_bootstrap", "paired_inference",
                  "random_state")
        default = type(self)()
        changed = [f"{p}={getattr(self, p)!r}" for p in params
                   if getattr(self, p) != getattr(default, p)]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _validate_params(self):
        if self.budget is not None and not (isinstance(self.budget, Real) and self.budget > 0):
            raise ValueError(f"budget must be a positive number or None; got {self.budget!r}.")
        if not (isinstance(self.n_bootstrap, Integral) and self.n_bootstrap >= 0):
            raise ValueError(
                f"n_bootstrap must be a non-negative integer; got {self.n_bootstrap!r}."
            )
        if self.n_bootstrap == 1:
            raise ValueError("n_bootstrap must be 0 or at least 2 (a standard deviation).")

    def fit(self, reward, cost=1.0, reward_scores=None, *, sample_weight=None, groups=None,
            tie_breaker=None):
        """Trace the optimal allocation path and its gain curve.

        Parameters
        ----------
        reward : array-like or DataFrame of shape (n_samples, n_arms)
            Targeting rewards: estimated effects of each treated arm against
            control (a 1-D array for one arm).
        cost : float, array-like of shape (n_arms,) or (n_samples, n_arms), default=1.0
            Positive cost of each arm, per arm or per unit. With cost 1 the
            budget is the fraction of units treated.
        reward_scores : array-like of shape (n_samples, n_arms), default=None
            Evaluation scores of each arm against control, e.g. AIPW scores
            ``Gamma_i(k) - Gamma_i(0)`` on units the rewards were not fitted
            on. ``None`` evaluates with ``reward`` itself (an in-sample,
            optimistic curve).
        sample_weight : array-like of shape (n_samples,), default=None
            Positive unit weights (normalised to sum to one).
        groups : array-like of shape (n_samples,), default=None
            Cluster labels: the bootstrap draws half of the clusters.
        tie_breaker : array-like of shape (n_samples,) of int, default=None
            Order among units with equal ratios (smaller first); ``None`` is
            the row order.

        Returns
        -------
        self : MultiArmQini
            The fitted path.
        """
        self._validate_params()
        arms = np.asarray(reward.columns) if hasattr(reward, "columns") else None
        R = _as_matrix(reward, "reward")
        n, K = R.shape
        if n < 2:
            raise ValueError(f"reward must have at least 2 rows; got {n}.")
        G = R if reward_scores is None else _as_matrix(reward_scores, "reward_scores", n, K)
        C = np.asarray(cost, dtype=np.float64) if np.ndim(cost) < 2 else _as_matrix(
            cost, "cost", n, K)
        if C.ndim == 1 and C.shape[0] != K:
            raise ValueError(f"cost has {C.shape[0]} entries for {K} arms.")
        C = np.broadcast_to(C, (n, K)).astype(np.float64)
        if not np.all(np.isfinite(C)) or np.any(C <= 0):
            raise ValueError("cost must be finite and > 0 for every arm (control is free).")
        if sample_weight is None:
            w = np.full(n, 1.0 / n)
        else:
            w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
            if w.shape[0] != n or not np.all(np.isfinite(w)) or np.any(w <= 0):
                raise ValueError("sample_weight must hold n_samples positive finite values.")
            w = w / w.sum()
        tb = np.arange(n) if tie_breaker is None else np.asarray(tie_breaker).reshape(-1)
        if tb.shape[0] != n:
            raise ValueError(f"tie_breaker has {tb.shape[0]} entries but reward has {n} rows.")
        if groups is None:
            clusters = np.arange(n)
        else:
            clusters = np.unique(np.asarray(groups).reshape(-1), return_inverse=True)[1]
            if clusters.shape[0] != n:
                raise ValueError(f"groups has {clusters.shape[0]} entries for {n} rows.")
        if self.n_bootstrap and clusters.max() + 1 < 4:
            raise ValueError("the bootstrap needs at least 4 units (or clusters).")

        unit, arm, prev, spend, gain = self._path(R, C, G, w, tb)
        budget = np.inf if self.budget is None else float(self.budget)
        stop = np.searchsorted(spend, budget, side="left")
        complete = stop >= spend.shape[0]
        keep = slice(None) if complete else slice(0, stop + 1)
        unit, arm, prev, spend, gain = unit[keep], arm[keep], prev[keep], spend[keep], gain[keep]

        boots = None
        if self.n_bootstrap:
            boots = half_sample_bootstrap(
                R, C, G, w, tb, clusters, spend, self.n_bootstrap,
                self.target_with_covariates, check_random_state(self.random_state),
            )
            std_err = boots.std(axis=0, ddof=1)
        else:
            std_err = influence_se(unit, arm, prev, G, w, gain)

        self.spend_, self.gain_, self.std_err_ = spend, gain, std_err
        self.path_unit_, self.path_arm_ = unit, arm + 1
        self._path_prev = prev + 1
        self.gain_bootstrap_ = boots if self.paired_inference else None
        self.complete_path_ = bool(complete)
        self.budget_ = (spend[-1] if spend.size else 0.0) if self.budget is None else budget
        self.arms_ = np.arange(1, K + 1) if arms is None else arms
        self.n_samples_ = n
        self._scores = G
        self._weight = w
        return self

    def _path(self, R, C, G, w, tb):
        if self.target_with_covariates:
            unit, arm, prev = solution_path(R, C, w, tb)
            values = G
        else:
            unit, arm, prev = mean_hull_path(R, C, w)
            values = np.broadcast_to(w @ G, G.shape)
            C = np.broadcast_to(w @ C, C.shape)
        spend = np.cumsum(path_increments(unit, arm, prev, C, w))
        gain = np.cumsum(path_increments(unit, arm, prev, values, w))
        return unit, arm, prev, spend, gain

    # -- reading the path ------------------------------------------------------
    def _check_budget(self, budget):
        if not hasattr(self, "spend_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This MultiArmQini instance is not fitted yet; call fit.")
        if not (isinstance(budget, Real) and np.isfinite(budget) and budget >= 0):
            raise ValueError(f"budget must be a non-negative number; got {budget!r}.")
        if not self.complete_path_ and budget > self.budget_:
            raise ValueError(
                f"the path was traced to budget={self.budget_:g} only; refit with a "
                f"larger budget (or None) to read budget={budget:g}."
            )
        # number of path points with spend <= budget (R's findInterval)
        return int(np.searchsorted(self.spend_, budget, side="right"))

    def predict(self, budget):
        """Arm of every unit under the optimal allocation at spend ``budget``.

        The integer solution at the last path point with spend <= ``budget``
        (maq's ``type="vector"``).

        Parameters
        ----------
        budget : float
            Spend per unit.

        Returns
        -------
        arm : ndarray of shape (n_samples,) of int
            ``0`` for control, ``k`` for column ``k - 1`` of the rewards
            (``arms_[k - 1]``).
        """
        j = self._check_budget(budget)
        out = np.zeros(self.n_samples_, dtype=np.intp)
        # later moves of a unit overwrite earlier ones
        out[self.path_unit_[:j]] = self.path_arm_[:j]
        return out

    def predict_allocation(self, budget):
        """Allocation matrix at spend ``budget``, with the one fractional unit.

        Parameters
        ----------
        budget : float
            Spend per unit.

        Returns
        -------
        pi : ndarray of shape (n_samples, n_arms)
            ``pi[i, k]`` the share of unit ``i`` given arm ``k + 1``; rows
            sum to at most one, and the spend ``sum_i w_i <pi_i, c_i>`` equals
            ``budget`` inside the path.
        """
        j = self._check_budget(budget)
        arm = self.predict(budget)
        K = self.arms_.shape[0]
        pi = np.zeros((self.n_samples_, K))
        on = arm > 0
        pi[np.flatnonzero(on), arm[on] - 1] = 1.0
        if 0 < j < self.spend_.shape[0] or (j == 0 and self.spend_.size):
            left = self.spend_[j - 1] if j else 0.0
            frac = (budget - left) / (self.spend_[j] - left)
            i, k = self.path_unit_[j], self.path_arm_[j]
            if frac > 0:
                pi[i, k - 1] = frac
                if arm[i] > 0:
                    pi[i, arm[i] - 1] = 1.0 - frac
        return pi

    def _interp(self, values, budget):
        return float(np.interp(budget, np.r_[0.0, self.spend_], np.r_[0.0, values]))

    def average_gain(self, budget):
        """Estimated gain per unit at spend ``budget``, with its standard error.

        Linear interpolation of the path (the LP solution between two path
        points); beyond the end of a complete path the curve is flat.

        Parameters
        ----------
        budget : float
            Spend per unit.

        Returns
        -------
        gain : Estimate
            Gain per unit (in the rewards' units) and its standard error.
        """
        self._check_budget(budget)
        return Estimate(
            self._interp(self.gain_, budget), self._interp(self.std_err_, budget),
            n=self.n_samples_, method="MultiArmQini",
        )

    def _check_paired(self, other):
        if not isinstance(other, MultiArmQini) or not hasattr(other, "spend_"):
            raise TypeError("other must be a fitted MultiArmQini.")
        ok = (
            self.gain_bootstrap_ is not None and other.gain_bootstrap_ is not None
            and self.n_bootstrap == other.n_bootstrap and self.n_samples_ == other.n_samples_
            and isinstance(self.random_state, Integral)
            and self.random_state == other.random_state
        )
        if not ok:
            raise ValueError(
                "paired comparisons need both curves fitted on the same units with "
                "paired_inference=True, n_bootstrap > 0 and the same integer random_state."
            )

    def difference_gain(self, other, budget):
        """Gain of this curve minus ``other``'s at ``budget``, paired bootstrap SE.

        Parameters
        ----------
        other : MultiArmQini
            Fitted on the same units, with the same ``random_state`` and
            ``n_bootstrap``.
        budget : float
            Spend per unit.

        Returns
        -------
        difference : Estimate
            ``Q_self(budget) - Q_other(budget)`` and its paired standard error.
        """
        self._check_paired(other)
        self._check_budget(budget)
        other._check_budget(budget)
        diff = [
            np.interp(budget, np.r_[0.0, self.spend_], np.r_[0.0, gl])
            - np.interp(budget, np.r_[0.0, other.spend_], np.r_[0.0, gr])
            for gl, gr in zip(self.gain_bootstrap_, other.gain_bootstrap_)
        ]
        value = self._interp(self.gain_, budget) - other._interp(other.gain_, budget)
        return Estimate(value, np.std(diff, ddof=1), n=self.n_samples_,
                        method="MultiArmQini difference")

    def _area(self, gain, budget):
        """``int_0^budget Q(b) db`` of the piecewise-linear curve (flat after its end)."""
        x = np.r_[0.0, self.spend_[self.spend_ < budget], budget]
        y = np.interp(x, np.r_[0.0, self.spend_], np.r_[0.0, gain])
        return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)

    def integrated_difference(self, other, budget):
        """Area between this curve and ``other`` on ``[0, budget]``, paired bootstrap SE.

        ``int_0^B (Q_self(b) - Q_other(b)) db``: a Qini coefficient of one
        targeting rule against another (often the ``target_with_covariates=
        False`` baseline) up to spend ``B``. It integrates over spend; maq's
        ``integrated_difference`` averages the path points instead, which is
        the same up to scale when every unit's cost is equal.

        Parameters
        ----------
        other : MultiArmQini
            Fitted on the same units, with the same ``random_state`` and
            ``n_bootstrap``.
        budget : float
            Upper end of the spend range.

        Returns
        -------
        difference : Estimate
            The area (gain x spend per unit) and its paired standard error.
        """
        self._check_paired(other)
        self._check_budget(budget)
        other._check_budget(budget)
        diff = [self._area(gl, budget) - other._area(gr, budget)
                for gl, gr in zip(self.gain_bootstrap_, other.gain_bootstrap_)]
        value = self._area(self.gain_, budget) - other._area(other.gain_, budget)
        return Estimate(value, np.std(diff, ddof=1), n=self.n_samples_,
                        method="MultiArmQini integrated difference")

    def plot(self, *, ax=None, name=None, show_ci=True, alpha=0.05, **kwargs):
        """Draw the gain curve over spend (:class:`~causaldist.plotting.MultiArmQiniDisplay`).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend label.
        show_ci : bool, default=True
            Draw pointwise ``1 - alpha`` intervals.
        alpha : float, default=0.05
            One minus the intervals' coverage.
        **kwargs : dict
            Passed to ``Axes.plot`` for the curve.

        Returns
        -------
        display : MultiArmQiniDisplay
            The drawn display (``ax_``, ``line_``, ``band_``).
        """
        from ..plotting._maq import MultiArmQiniDisplay

        return MultiArmQiniDisplay.from_estimator(
            self, ax=ax, name=name, show_ci=show_ci, alpha=alpha, **kwargs
        )
