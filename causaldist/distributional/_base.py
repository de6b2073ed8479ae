"""What the barycenter evaluators share: fit the per-unit terms once, evaluate many policies."""

import numpy as np
from scipy.stats import norm
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..base import BaseCausalEstimator
from ..inference import PolicyValue
from ..evaluation._base import _BasePolicyEvaluator
from ..inference._estimate import _check_alpha
from ..model_selection._mixin import _CrossFitMixin
from ._draws import _Outcome, _read_outcome
from ._few_draws import _correct
from ._geometry import project_monotone
from ._grid import QuantileGrid, _as_grid
from ._result import DistributionalPolicyValue
from ._terms import _ChosenTerms, _policy_terms
from ._utilities import Mean

__all__ = []


def _outcome_grid(grid, y):
    """The estimator's ``grid`` parameter resolved for this ``y``."""
    if isinstance(grid, QuantileGrid):
        return grid
    if grid is not None:
        return _as_grid(grid)
    if isinstance(y, _Outcome):
        return QuantileGrid(y.Q.shape[1])
    return None


def _read_y(grid, y, n_rows=None, units=None):
    """``(outcome, grid)``: ``y`` in any accepted form, and the grid of its columns."""
    g = _outcome_grid(grid, y)
    if g is None:
        from ._draws import _is_ragged

        g = QuantileGrid(100) if _is_ragged(y) or hasattr(y, "iloc") else None
    outcome = _read_outcome(y, g, n_rows=n_rows, units=units)
    return outcome, _as_grid(g, outcome.Q.shape[1], "y")


class _DistributionalY:
    """Reads ``y`` as raw draws (ragged, long table, :class:`Draws`) or quantile functions.

    ``fit`` validates ``X`` and the treatment against the quantile matrix of
    ``y`` and hands ``_fit`` an ``_Outcome`` (quantiles, draw counts and
    means); ``_prepare_y`` applies the grid's few-draw correction.
    """

    _multi_output = True

    def _validate_fit_data(self, X, y, treatment, sample_weight=None):
        if y is None:
            return super()._validate_fit_data(X, y, treatment, sample_weight)
        from ._draws import _is_ragged

        if not (_is_ragged(y) or hasattr(y, "iloc") or isinstance(y, _Outcome)):
            # a quantile matrix: X first (sklearn's checks expect X's errors first)
            X, y, t, sample_weight = super()._validate_fit_data(
                X, y, treatment, sample_weight
            )
            return X, _read_y(self.grid, y)[0], t, sample_weight
        units = X.index if hasattr(X, "iloc") else None
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        outcome, _ = _read_y(self.grid, y, n_rows=n, units=units)
        X, _, t, sample_weight = super()._validate_fit_data(
            X, outcome.Q, treatment, sample_weight
        )
        return X, outcome, t, sample_weight

    def _prepare_y(self, y, sample_weight):
        """Corrected quantile matrix of ``y``; sets ``grid_``, ``correction_``, ``draw_counts_``."""
        outcome, self.grid_ = _read_y(self.grid, y)
        Q, self.correction_ = _correct(outcome, self.grid_, sample_weight)
        self.draw_counts_ = outcome.counts
        return Q

    def _new_y(self, y, n_rows, units=None):
        """Quantile matrix of new rows' ``y`` on the fitted grid, with the fitted correction."""
        outcome = _read_outcome(y, self.grid_, n_rows=n_rows, units=units)
        if outcome.Q.shape[1] != self.grid_.n_levels:
            raise ValueError(
                f"y has {outcome.Q.shape[1]} columns but the estimator was fitted on "
                f"{self.grid_.n_levels} levels."
            )
        if self.correction_ is None:
            return outcome.Q
        return _correct(outcome, self.grid_, fitted=self.correction_)[0]


class _BarycenterEvaluator(_DistributionalY, _CrossFitMixin, BaseCausalEstimator):
    """Evaluator of the barycenter a policy induces, for outcomes ``y`` of shape (n, m).

    Subclasses set ``_needs_outcome`` and implement ``_unit_terms(nuisances,
    y, t)``: the per-arm terms ``N`` (K, n, m) and denominators ``D`` (K, n)
    of :mod:`._terms`, from nuisances at the rows of ``y``. The same method
    gives the terms on the training rows (out-of-fold nuisances) and on new
    rows (the fitted fold models), so ``fit`` and a learner's ``score`` share it.
    """

    _parameter_constraints: dict = {
        "grid": "no_validation",
    }

    _keep_frame = True
    _needs_outcome = False
    _method = ""

    # Policies are given in the same forms as to the scalar evaluators.
    _policy_matrix = _BasePolicyEvaluator._policy_matrix

    def _models_seeing_X(self):
        names = ["propensity_model"] + (["outcome_model"] if self._needs_outcome else [])
        return [self._model(name) for name in names]

    def _unit_terms(self, nuisances, y, t):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        y = self._prepare_y(y, sample_weight)
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True, outcome_model=self._needs_outcome,
        )
        self.propensity_ = nuis.propensity
        self._N, self._D = self._unit_terms(nuis, y, t)
        self.scores_ = self._N.transpose(1, 0, 2)
        self._sample_weight = sample_weight
        self._X_policy = X
        self.n_samples_ = t.shape[0]
        return self

    def _terms_at(self, X, y, t, sample_weight):
        """``N, D`` on new rows from the fitted fold models (refitted if propensities were known)."""
        if "propensity" in self.nuisances_.models:
            return self._unit_terms(self.nuisances_.predict(X), y, t)
        # Known propensities in fit: nothing predicts them at new rows, so the
        # nuisances are cross-fitted on these rows.
        other = self._fit_encoded(clone(self), X, y, t, sample_weight)
        return other._N, other._D

    def _utility_at(self, X, y, t, sample_weight, codes, utility):
        """``U`` of the barycenter of the policy ``codes`` on new rows."""
        N, D = self._terms_at(X, y, t, sample_weight)
        theta = _ChosenTerms(N, D, codes, sample_weight).theta
        return utility._evaluate(theta, self.grid_)

    def _result(self, terms, utility, alpha=0.05, uniform=True, n_bootstraps=1000,
                random_state=None):
        value, uterms = self._utility_terms(utility, terms, self.grid_)
        theta, se, n = terms.theta, terms.se, self.n_samples_
        z = norm.ppf(1 - _check_alpha(alpha) / 2)
        pointwise = (project_monotone(theta - z * se), project_monotone(theta + z * se))
        band = None
        if uniform:
            rng = check_random_state(random_state)
            # eigh tolerates the rank deficiency of tied or constant levels.
            vals, vecs = np.linalg.eigh(terms.cov())
            root = vecs * np.sqrt(np.clip(vals, 0.0, None))
            draws = rng.standard_normal((n_bootstraps, theta.size)) @ root.T / np.sqrt(n)
            scale = np.where(se > 0, se, np.inf)
            crit = np.quantile(np.max(np.abs(draws) / scale, axis=1), 1 - alpha)
            band = (project_monotone(theta - crit * se), project_monotone(theta + crit * se))
        return DistributionalPolicyValue(
            float(value), float(np.std(uterms, ddof=1) / np.sqrt(n)),
            quantiles=project_monotone(theta), quantiles_raw=theta, stderr_quantiles=se,
            pointwise_band=pointwise, uniform_band=band, levels=self.grid_.levels,
            utility=utility, n=n, scores=uterms, method=self._method,
        )

    @staticmethod
    def _utility_terms(utility, terms, grid):
        """``U(theta)`` and its per-unit influence terms ``U(theta) + psi_i @ U'(theta)``.

        The delta method (van der Vaart 1998, ch. 3): for a linear utility
        ``U'(theta)`` is its weight vector and the terms are exact.
        """
        value = utility._evaluate(terms.theta, grid)
        return value, value + terms.project(utility.gradient(terms.theta, grid))

    def _terms(self, policy, X, name, utility):
        P = self._policy_matrix(policy, X, name)
        g = utility.weights(self.grid_) if utility.is_linear else None
        return _policy_terms(self._N, self._D, P, self._sample_weight, g)

    def evaluate(
        self, policy, X=None, *, utility=None, alpha=0.05, uniform=True,
        n_bootstraps=1000, random_state=None,
    ):
        """The barycenter a policy induces, a utility of it, bands and inference.

        Parameters
        ----------
        policy : array-like, estimator or callable
            Arm labels ``(n,)``, action probabilities ``(n, n_arms)``, a fitted
            estimator whose ``predict`` gives labels, or a callable of ``X``.
        X : array-like, default=None
            Covariates for an estimator or callable policy; ``None`` means
            the training ``X``.
        utility : Utility, default=None
            ``None`` means :class:`Mean`.
        alpha : float, default=0.05
            One minus the coverage of the bands.
        uniform : bool, default=True
            Compute the uniform band over the levels. Its Gaussian multiplier
            bootstrap (Chernozhukov, Chetverikov & Kato 2013) draws
            ``xi @ psi / n`` with ``xi ~ N(0, I_n)``, which given the data is
            exactly ``N(0, S / n)`` with ``S`` the m x m empirical covariance of
            the per-unit terms, so it is drawn from that in O(n m^2 + B m^2).
        n_bootstraps : int, default=1000
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        result : DistributionalPolicyValue
        """
        check_is_fitted(self, "scores_")
        utility = Mean() if utility is None else utility
        return self._result(
            self._terms(policy, X, "policy", utility), utility, alpha, uniform,
            n_bootstraps, random_state,
        )

    def compare(self, policy_a, policy_b, X=None, *, utility=None):
        """Paired difference ``U(q_{pi_a}) - U(q_{pi_b})`` with its standard error.

        Parameters
        ----------
        policy_a, policy_b : array-like, estimator or callable
            Policies in any form :meth:`evaluate` accepts.
        X : array-like, default=None
            As in :meth:`evaluate`.
        utility : Utility, default=None
            ``None`` means :class:`Mean`.

        Returns
        -------
        result : PolicyValue
            The difference, its paired standard error and per-unit terms.
        """
        check_is_fitted(self, "scores_")
        utility = Mean() if utility is None else utility
        out = []
        for name, policy in (("policy_a", policy_a), ("policy_b", policy_b)):
            terms = self._terms(policy, X, name, utility)
            out.append(self._utility_terms(utility, terms, self.grid_)[1])
        d = out[0] - out[1]
        return PolicyValue(
            value=float(d.mean()), stderr=float(d.std(ddof=1) / np.sqrt(d.shape[0])),
            n=d.shape[0], scores=d, method=f"{self._method} difference",
        )
