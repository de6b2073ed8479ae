"""Inverse-propensity-weighted (Horvitz-Thompson) off-policy evaluation."""

import numpy as np
from sklearn.base import _fit_context

from ._base import _BasePolicyEvaluator

__all__ = ["IPWEvaluator"]


class IPWEvaluator(_BasePolicyEvaluator):
    """Inverse-propensity-weighted value of a policy (Horvitz-Thompson).

    The value of a (possibly stochastic) policy ``pi(a | x)`` is estimated by

    ``V_IPW(pi) = (1/n) sum_i pi(A_i | X_i) / e_{A_i}(X_i) * Y_i``

    (Horvitz & Thompson 1952; for policies, Dudik, Langford & Li 2011), with
    the propensities ``e`` cross-fitted on the shared folds or given. It is
    unbiased when ``e`` is correct. The standard error is the influence
    function's, ``sd_i(terms) / sqrt(n)``, which treats ``e`` as known: with
    estimated propensities it is conservative (Hirano, Imbens & Ridder 2003).

    Parameters
    ----------
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

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples, n_arms)
        Per-unit IPW scores ``1{A_i = a} / e_a(X_i) * Y_i``: the value of
        ``pi`` is the mean of ``sum_a pi(a | X_i) scores_[i, a]``.
    propensity_ : ndarray of shape (n_samples, n_arms)
        Out-of-fold (or known) propensities, columns in ``categories_`` order.
    overlap_ : DataFrame
        Per-arm overlap report, see :func:`overlap_diagnostics`.
    nuisances_ : Nuisances
        The shared cross-fitting stage's output.
    folds_ : list of (train, test) or None
        Cross-fitting folds (``None`` with known propensities).
    propensity_model_ : classifier or None
        Unfitted clone of the propensity model (the fitted per-fold models
        are in ``nuisances_.models``).
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first.
    n_samples_ : int
        Number of training units.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    SNIPWEvaluator : self-normalised IPW, lower variance.
    DREvaluator : doubly robust (AIPW) evaluation.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.evaluation import IPWEvaluator
    >>> X, y, t, _ = make_heterogeneous(2000, design="rct", random_state=0)
    >>> ev = IPWEvaluator().fit(X, y, treatment=t, propensity=0.5)
    >>> res = ev.evaluate(X[:, 2] > -1)   # treat where x2 > -1
    >>> round(res.value, 2), round(res.stderr, 2)
    (1.42, 0.06)
    >>> lo, hi = res.conf_int(0.05)
    """

    _parameter_constraints: dict = {**_BasePolicyEvaluator._parameter_constraints}
    _method = "IPW"

    def __init__(
        self,
        propensity_model=None,
        *,
        cv=5,
        n_jobs=None,
        memory=None,
        min_propensity=1e-3,
        random_state=None,
        control=None,
    ):
        self.propensity_model = propensity_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

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
        n, n_arms = self.propensity_.shape
        rows = np.arange(n)
        # 1 / e_{A_i}(X_i): the weight of unit i for a policy that picks A_i.
        self._inv_e = 1.0 / self.propensity_[rows, self._t]
        self.scores_ = np.zeros((n, n_arms))
        self.scores_[rows, self._t] = self._inv_e * self._y

    def _terms(self, P):
        return np.sum(P * self.scores_, axis=1), 1.0
