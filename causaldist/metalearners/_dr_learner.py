"""The doubly robust (DR) learner."""

import numpy as np
from scipy.stats import norm
from sklearn.base import _fit_context
from sklearn.utils.validation import check_is_fitted

from ._base import (
    _CLASSIFIER,
    _REGRESSOR,
    CROSS_FIT_CONSTRAINTS,
    _MetaLearner,
    default_final_model,
    default_outcome_model,
    default_propensity_model,
    fit_model,
    or_default,
)

__all__ = ["DRLearner"]


class DRLearner(_MetaLearner):
    """Doubly robust learner of conditional average treatment effects.

    With cross-fitted outcome regressions ``mu_a(x)`` and propensities
    ``e_a(x)``, the AIPW scores
    ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} / e_a(X_i) (Y_i - mu_a(X_i))``
    give the pseudo-outcome ``phi_i(a) = Gamma_i(a) - Gamma_i(0)`` whose
    regression on ``X`` is the CATE of arm ``a`` against control (Kennedy 2023,
    "Towards optimal doubly robust estimation of heterogeneous causal effects").
    It is consistent if either nuisance is, and its error is second order in
    theirs. The mean of ``phi(a)`` is the AIPW ATE, reported with its
    influence-function standard error.

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_a(x)``; one clone per arm and fold, or one pooled clone per fold
        with ``pooled_outcome=True``. ``None`` means
        ``HistGradientBoostingRegressor(early_stopping=False)``. A classifier
        gives ``P(Y = 1 | ...)`` for a binary outcome.
    propensity_model : classifier, default=None
        ``e_a(x)``; ``None`` means ``LogisticRegression(max_iter=1000)``.
    final_model : regressor, default=None
        Regression of the pseudo-outcome on ``X``, one clone per treated arm.
        ``None`` means ``HistGradientBoostingRegressor(max_depth=3,
        early_stopping=False)``. Tunable as ``final_model__<param>``.
    pooled_outcome : bool, default=False
        Fit one outcome model on ``[X, one-hot(A)]`` per fold (econml's
        structure) instead of one per arm.
    cv : int, cross-validation generator or iterable, default=5
        Cross-fitting folds (:func:`causaldist.model_selection.make_folds`).
    n_jobs : int, default=None
        Folds fitted in parallel with joblib.
    memory : None, str or joblib.Memory, default=None
        Cache of the cross-fitted nuisances: tuning ``final_model`` under
        ``GridSearchCV`` then fits the nuisances once per outer split.
    min_propensity : float, default=1e-3
        Clipping of the estimated propensities.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the folds (``None``: unshuffled, deterministic folds).
    control : label, default=None
        Control arm; ``None`` means the smallest label.

    Attributes
    ----------
    final_models_ : list of regressors
        One fitted final model per treated arm ``categories_[1:]``.
    ate_ : float or ndarray of shape (n_arms - 1,)
        AIPW average treatment effects against control.
    ate_stderr_ : float or ndarray of shape (n_arms - 1,)
        Their influence-function standard errors.
    pseudo_outcomes_ : ndarray of shape (n_samples, n_arms - 1)
    nuisances_ : Nuisances
    folds_ : list of (train, test)
    categories_ : ndarray of shape (n_arms,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    causaldist.evaluation.AverageTreatmentEffect : the ATE alone, with ATT.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import DRLearner
    >>> X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    >>> est = DRLearner(cv=3).fit(X, y, treatment=t)
    >>> est.predict(X[:2]).shape
    (2,)
    >>> lo, hi = est.ate_interval()
    >>> bool(lo < tau.mean() < hi)
    True
    """

    _default_models = {
        "outcome_model": default_outcome_model,
        "propensity_model": default_propensity_model,
        "final_model": default_final_model,
    }

    _parameter_constraints: dict = {
        **_MetaLearner._parameter_constraints,
        **CROSS_FIT_CONSTRAINTS,
        "outcome_model": _REGRESSOR,
        "propensity_model": _CLASSIFIER,
        "final_model": _REGRESSOR,
        "pooled_outcome": ["boolean"],
    }

    def __init__(
        self, outcome_model=None, propensity_model=None, final_model=None, *,
        pooled_outcome=False, cv=5, n_jobs=None, memory=None, min_propensity=1e-3,
        random_state=None, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.final_model = final_model
        self.pooled_outcome = pooled_outcome
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Cross-fit the nuisances, then regress the pseudo-outcomes on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
            Any labels; requested through metadata routing by default.
        sample_weight : array-like of shape (n_samples,), default=None
            Used by every nuisance, the final models and the ATE.

        Returns
        -------
        self : DRLearner
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        nuis = self._cross_fit(
            X, y, t, sample_weight,
            propensity_model=or_default(self.propensity_model, default_propensity_model),
            outcome_model=or_default(self.outcome_model, default_outcome_model),
            pooled_outcome=self.pooled_outcome,
        )
        gamma = nuis.dr_scores(y, t)
        phi = gamma[:, 1:] - gamma[:, [0]]
        final = or_default(self.final_model, default_final_model)
        self.final_models_ = [
            fit_model(final, X, phi[:, k], sample_weight) for k in range(phi.shape[1])
        ]
        s = np.ones(len(y)) if sample_weight is None else sample_weight
        ate = s @ phi / s.sum()
        psi = s[:, None] * (phi - ate) / s.mean()
        se = psi.std(axis=0, ddof=1) / np.sqrt(len(y))
        self.pseudo_outcomes_ = phi
        self.ate_ = float(ate[0]) if ate.size == 1 else ate
        self.ate_stderr_ = float(se[0]) if se.size == 1 else se
        return self

    def _cate(self, X):
        return np.column_stack([m.predict(X) for m in self.final_models_])

    def ate_interval(self, alpha=0.05):
        """Normal ``1 - alpha`` confidence interval of the ATE.

        Returns
        -------
        lower, upper : float or ndarray of shape (n_arms - 1,)
        """
        check_is_fitted(self, "ate_")
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
        z = norm.ppf(1 - alpha / 2)
        return self.ate_ - z * self.ate_stderr_, self.ate_ + z * self.ate_stderr_
