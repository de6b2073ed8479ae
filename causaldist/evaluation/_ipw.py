"""Inverse-propensity-weighted (Horvitz-Thompson) off-policy evaluation."""

import numpy as np
from ..model_selection._mixin import _fill_cross_fit_doc
from ._base import _BasePolicyEvaluator

__all__ = ["IPWEvaluator"]


@_fill_cross_fit_doc
class IPWEvaluator(_BasePolicyEvaluator):
    """Inverse-propensity-weighted value of a policy (Horvitz-Thompson or Hajek).

    The value of a (possibly stochastic) policy ``pi(a | x)`` is estimated by

    ``V_IPW(pi) = (1/n) sum_i w_i Y_i``, ``w_i = pi(A_i | X_i) / e_{A_i}(X_i)``

    (Horvitz & Thompson 1952; for policies, Dudik, Langford & Li 2011), or
    with ``normalize=True`` by the self-normalised (Hajek 1971; Swaminathan &
    Joachims 2015) ``V_SNIPW(pi) = sum_i w_i Y_i / sum_i w_i``: biased in
    finite samples but consistent, invariant to a shift of ``Y``, and usually
    of much lower variance. The propensities ``e`` are cross-fitted on the
    shared folds or given. The standard error is the (linearised) influence
    function's, which treats ``e`` as known: with estimated propensities it is
    conservative (Hirano, Imbens & Ridder 2003).

    Parameters
    ----------
    propensity_model : classifier, default=None
        Estimates ``e_a(x) = P(A = a | X = x)`` with ``predict_proba``,
        cross-fitted on the shared folds. ``None`` means ``StandardScaler`` +
        ``LogisticRegression``. Ignored when known propensities are passed to
        fit (``propensity=``).
    normalize : bool, default=False
        Self-normalise the weights (Hajek / SNIPW).
    {cross_fit}

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
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first.
    n_samples_ : int
        Number of training units.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    SNIPWEvaluator : ``IPWEvaluator(normalize=True)``.
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

    _parameter_constraints: dict = {
        "normalize": ["boolean"],
    }
    _default_models = {"propensity_model": "propensity"}

    def __init__(
        self,
        *,
        propensity_model=None,
        normalize=False,
        cv=5,
        n_jobs=None,
        memory=None,
        min_propensity=1e-3,
        random_state=None,
        verbose=0, control=None,
    ):
        self.propensity_model = propensity_model
        self.normalize = normalize
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    @property
    def _method(self):
        return "SNIPW" if self.normalize else "IPW"

    def _fit_scores(self):
        n, n_arms = self.propensity_.shape
        rows = np.arange(n)
        # 1 / e_{A_i}(X_i): the weight of unit i for a policy that picks A_i.
        self._inv_e = 1.0 / self.propensity_[rows, self._t]
        self.scores_ = np.zeros((n, n_arms))
        self.scores_[rows, self._t] = self._inv_e * self._y

    def _terms(self, P):
        if self.normalize:
            w = P[np.arange(P.shape[0]), self._t] * self._inv_e
            return w * self._y, w
        return np.sum(P * self.scores_, axis=1), 1.0
