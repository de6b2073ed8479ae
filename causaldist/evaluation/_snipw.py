"""Self-normalised inverse-propensity-weighted (Hajek) off-policy evaluation."""

from ..model_selection._mixin import _fill_cross_fit_doc
from ._ipw import IPWEvaluator

__all__ = ["SNIPWEvaluator"]


@_fill_cross_fit_doc
class SNIPWEvaluator(IPWEvaluator):
    """Self-normalised IPW value of a policy (Hajek): ``IPWEvaluator(normalize=True)``.

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
        As in :class:`IPWEvaluator`.
    normalize : bool, default=True
        Self-normalise (the point of this class; ``False`` is plain IPW).
    {cross_fit}

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

    def __init__(
        self,
        *,
        propensity_model=None,
        normalize=True,
        cv=5,
        n_jobs=None,
        memory=None,
        min_propensity=1e-3,
        random_state=None,
        verbose=0,
        control=None,
    ):
        super().__init__(
            propensity_model=propensity_model, normalize=normalize, cv=cv,
            n_jobs=n_jobs, memory=memory, min_propensity=min_propensity,
            random_state=random_state, verbose=verbose, control=control,
        )
