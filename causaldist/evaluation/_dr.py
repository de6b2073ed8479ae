"""Doubly robust (AIPW) off-policy evaluation."""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods

from ._base import _BasePolicyEvaluator

__all__ = ["DREvaluator"]


class DREvaluator(_BasePolicyEvaluator):
    """Doubly robust (AIPW) value of a policy, from cross-fitted nuisances.

    With the per-unit scores (Robins, Rotnitzky & Zhao 1994; Dudik, Langford
    & Li 2011; Athey & Wager 2021)

    ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} / e_a(X_i) * (Y_i - mu_a(X_i))``,

    the value of a (possibly stochastic) policy is

    ``V_DR(pi) = (1/n) sum_i sum_a pi(a | X_i) Gamma_i(a)``.

    It is consistent when either the outcome regressions ``mu_a`` or the
    propensities ``e_a`` are, and with both cross-fitted on the shared folds
    (Chernozhukov et al. 2018) the standard error ``sd_i(terms) / sqrt(n)``
    is valid without accounting for the nuisances' estimation.

    Parameters
    ----------
    outcome_model : regressor, default=None
        Estimates ``mu_a(x) = E[Y | A = a, X = x]``, one clone per arm and
        fold (a classifier gives ``P(Y = 1 | ...)`` for a binary outcome).
        ``None`` means ``HistGradientBoostingRegressor()``.
    propensity_model : classifier, default=None
        Estimates ``e_a(x) = P(A = a | X = x)`` with ``predict_proba``,
        cross-fitted on the shared folds. ``None`` means
        ``LogisticRegression(max_iter=1000)``. Ignored when known propensities
        are passed to fit.
    cv : int, cross-validation generator or iterable, default=5
        Cross-fitting folds, built by :func:`causaldist.model_selection.make_folds`
        (stratified on treatment, grouped when ``groups`` are given).
    n_jobs : int, default=None
        Folds fitted in parallel with joblib.
    memory : None, str or joblib.Memory, default=None
        Cache of the cross-fitting stage.
    min_propensity : float, default=1e-3
        Estimated propensities are clipped to ``[min_propensity, 1 -
        min_propensity]`` (known ones are used as given).
    random_state : int, RandomState instance or None, default=None
        Shuffling of the folds.
    control : label, default=None
        The control arm, ``categories_[0]``; ``None`` means the smallest label.
    pooled_outcome : bool, default=False
        Fit one outcome model per fold on ``[X, one-hot(A)]`` and predict it at
        every arm (econml's structure: K times fewer fits, at the price of
        sharing one model across arms) instead of one model per arm.

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples, n_arms)
        The DR scores ``Gamma_i(a)``, columns in ``categories_`` order; the
        value of any policy is a weighted mean of them, and policy learners
        maximise ``sum_i Gamma_i(pi(X_i))``.
    propensity_ : ndarray of shape (n_samples, n_arms)
        Out-of-fold (or known) propensities.
    outcome_ : ndarray of shape (n_samples, n_arms)
        Out-of-fold outcome regressions ``mu_a(X_i)``.
    overlap_ : DataFrame
        Per-arm overlap report, see :func:`overlap_diagnostics`.
    nuisances_ : Nuisances
        The shared cross-fitting stage's output (fitted models in
        ``nuisances_.models``).
    folds_ : list of (train, test)
        Cross-fitting folds.
    propensity_model_, outcome_model_ : estimator or None
        Unfitted clones of the nuisance models.
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first.
    n_samples_ : int
        Number of training units.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    IPWEvaluator, SNIPWEvaluator : weighting-only estimators.
    AverageTreatmentEffect : ATE and ATT from the same scores.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.evaluation import DREvaluator
    >>> X, y, t, _ = make_heterogeneous(2000, random_state=0)
    >>> ev = DREvaluator(LinearRegression(), random_state=0).fit(X, y, treatment=t)
    >>> ev.scores_.shape
    (2000, 2)
    >>> res = ev.compare(X[:, 2] > -1, 1)   # targeted vs treat everyone
    >>> round(res.value, 2), round(res.stderr, 3)
    (0.12, 0.026)
    """

    _parameter_constraints: dict = {
        **_BasePolicyEvaluator._parameter_constraints,
        "outcome_model": [HasMethods(["fit", "predict"]), None],
        "pooled_outcome": ["boolean"],
    }
    _method = "DR"
    _needs_outcome = True

    def __init__(
        self,
        outcome_model=None,
        propensity_model=None,
        *,
        cv=5,
        n_jobs=None,
        memory=None,
        min_propensity=1e-3,
        random_state=None,
        control=None,
        pooled_outcome=False,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control
        self.pooled_outcome = pooled_outcome

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self, X, y, treatment=None, *, sample_weight=None, propensity=None, groups=None
    ):
        """Cross-fit the nuisances and compute the per-unit scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates. Kept (as given) to apply estimator and callable
            policies to in :meth:`evaluate`.
        y : array-like of shape (n_samples,)
            Observed outcomes.
        treatment : array-like of shape (n_samples,)
            Received arm of every unit (any labels).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the units in the nuisance fits and in every mean.
        propensity : float or array-like, default=None
            Known propensities, e.g. the design of a randomised trial, used
            instead of a cross-fitted ``propensity_model``: a matrix of shape
            ``(n_samples, n_arms)`` (or ``(1, n_arms)`` for one design shared
            by all units) with columns in ``categories_`` order, or, with two
            arms, a scalar or ``(n_samples,)`` array of the probability of the
            treated arm ``categories_[1]``. Requested through metadata routing
            by default, like ``treatment``.
        groups : array-like of shape (n_samples,), default=None
            Group labels for grouped cross-fitting folds.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, treatment, sample_weight, propensity, groups)

    def _fit_scores(self):
        self.scores_ = self.nuisances_.dr_scores(self._y, self._t)

    def _terms(self, P):
        return np.sum(P * self.scores_, axis=1), 1.0
