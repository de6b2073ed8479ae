"""Doubly robust (AIPW) off-policy evaluation."""

import numpy as np
from ..model_selection._mixin import _fill_cross_fit_doc
from ._base import _BasePolicyEvaluator

__all__ = ["DREvaluator"]


@_fill_cross_fit_doc
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
        ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    propensity_model : classifier, default=None
        Estimates ``e_a(x) = P(A = a | X = x)`` with ``predict_proba``,
        cross-fitted on the shared folds. ``None`` means ``StandardScaler`` +
        ``LogisticRegression``. Ignored when known propensities are passed to
        fit (``propensity=``).
    pooled_outcome : bool, default=False
        Fit one outcome model per fold on ``[X, one-hot(A)]`` and predict it at
        every arm (econml's structure: K times fewer fits, at the price of
        sharing one model across arms) instead of one model per arm.
    {cross_fit}

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
    >>> ev = DREvaluator(outcome_model=LinearRegression(), random_state=0).fit(X, y, treatment=t)
    >>> ev.scores_.shape
    (2000, 2)
    >>> res = ev.compare(X[:, 2] > -1, 1)   # targeted vs treat everyone
    >>> round(res.value, 2), round(res.stderr, 3)
    (0.12, 0.026)
    """

    _parameter_constraints: dict = {
        "pooled_outcome": ["boolean"],
    }
    _default_models = {"outcome_model": "outcome", "propensity_model": "propensity"}
    _method = "DR"
    _needs_outcome = True

    def __init__(
        self,
        *,
        outcome_model=None,
        propensity_model=None,
        cv=5,
        n_jobs=None,
        memory=None,
        min_propensity=1e-3,
        random_state=None,
        verbose=0, control=None,
        pooled_outcome=False,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control
        self.pooled_outcome = pooled_outcome

    def _fit_scores(self):
        self.scores_ = self.nuisances_.dr_scores(self._y, self._t)

    def _terms(self, P):
        return np.sum(P * self.scores_, axis=1), 1.0
