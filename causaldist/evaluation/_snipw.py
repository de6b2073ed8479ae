"""Self-normalised inverse-propensity-weighted (Hajek) off-policy evaluation."""

import numpy as np

from ._ipw import IPWEvaluator

__all__ = ["SNIPWEvaluator"]


class SNIPWEvaluator(IPWEvaluator):
    """Self-normalised IPW value of a policy (Hajek estimator).

    With the importance weights ``w_i = pi(A_i | X_i) / e_{A_i}(X_i)``,

    ``V_SNIPW(pi) = sum_i w_i Y_i / sum_i w_i``

    (Hajek 1971; Swaminathan & Joachims 2015). It is biased in finite samples
    but consistent, invariant to adding a constant to ``Y``, never leaves the
    range of the outcomes, and usually has a much smaller variance than
    :class:`IPWEvaluator`. Its standard error comes from the linearised
    influence function ``psi_i = w_i (Y_i - V) / mean(w)`` (delta method),
    treating the propensities as known.

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
        Unnormalised per-unit IPW scores ``1{A_i = a} / e_a(X_i) * Y_i``;
        the value is ``sum_i sum_a pi(a|X_i) scores_[i, a]`` over the sum of
        the policy's weights ``w_i``.
    propensity_ : ndarray of shape (n_samples, n_arms)
        Out-of-fold (or known) propensities, columns in ``categories_`` order.
    overlap_ : DataFrame
        Per-arm overlap report, see :func:`overlap_diagnostics`.
    nuisances_ : Nuisances
        The shared cross-fitting stage's output.
    folds_ : list of (train, test) or None
        Cross-fitting folds (``None`` with known propensities).
    propensity_model_ : classifier or None
        Unfitted clone of the propensity model.
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first.
    n_samples_ : int
        Number of training units.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    IPWEvaluator : the unnormalised (Horvitz-Thompson) estimator.
    DREvaluator : doubly robust (AIPW) evaluation.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.evaluation import SNIPWEvaluator
    >>> X, y, t, _ = make_heterogeneous(2000, random_state=0)
    >>> ev = SNIPWEvaluator(random_state=0).fit(X, y, treatment=t)
    >>> res = ev.evaluate(X[:, 2] > -1)
    >>> round(res.value, 2), round(res.stderr, 2)
    (1.47, 0.06)
    """

    _method = "SNIPW"

    def _terms(self, P):
        rows = np.arange(P.shape[0])
        w = P[rows, self._t] * self._inv_e
        return w * self._y, w
