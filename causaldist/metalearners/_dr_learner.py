"""The doubly robust (DR) learner."""

import warnings

import numpy as np

from ..base import (
    BaseCausalEstimator,
    CATEMixin,
    _effect_columns,
    _fit_model,
    _reject_positional,
)
from ..inference import Estimate
from ..inference._estimate import _linearised_ratio
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

__all__ = ["DRLearner"]


@_fill_cross_fit_doc
class DRLearner(_CrossFitMixin, CATEMixin, BaseCausalEstimator):
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
        gives ``E[Y | ...]`` from its class probabilities (a binary outcome).
    propensity_model : classifier, default=None
        ``e_a(x)``; ``None`` means ``StandardScaler`` + ``LogisticRegression``.
        Known propensities passed to fit replace it.
    final_model : regressor, default=None
        Regression of the pseudo-outcome on ``X``, one clone per treated arm.
        ``None`` means ``HistGradientBoostingRegressor(max_depth=3,
        early_stopping=False)``. Tunable as ``final_model__<param>``.
    pooled_outcome : bool, default=False
        Fit one outcome model on ``[X, one-hot(A)]`` per fold (econml's
        structure) instead of one per arm.
    {effect_features}
    {cross_fit}

    Attributes
    ----------
    final_models_ : list of regressors
        One fitted final model per treated arm ``categories_[1:]``.
    effect_features_ : ndarray of int or None
        Positions of the effect features in ``X`` (None: all columns).
    ate_ : Estimate
        AIPW average treatment effects against control with their
        influence-function standard errors (a scalar with two arms).
    pseudo_outcomes_ : ndarray of shape (n_samples, n_arms - 1)
    overlap_ : DataFrame
        Per-arm overlap report (warns when the effective sample is small).
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
    >>> lo, hi = est.ate_.conf_int()
    >>> bool(lo < tau.mean() < hi)
    True
    """

    _default_models = {
        "outcome_model": "outcome",
        "propensity_model": "propensity",
        "final_model": "final",
    }

    _parameter_constraints: dict = {
        "pooled_outcome": ["boolean"],
        "effect_features": "no_validation",
    }

    def __init__(
        self, *, outcome_model=None, propensity_model=None, final_model=None,
        pooled_outcome=False, effect_features=None, cv=5, n_jobs=None, memory=None,
        min_propensity=1e-3, random_state=None, verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.propensity_model = propensity_model
        self.final_model = final_model
        self.pooled_outcome = pooled_outcome
        self.effect_features = effect_features
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _aipw_scores(self, X, y, t, sample_weight, groups=None, propensity=None):
        """AIPW scores ``Gamma`` (n, n_arms) of every cross-fitting repetition.

        The stage runs the repetitions (``_repetitions``) and returns what the
        final stage is fitted on (``_aggregate_repeats``): a list with one
        score matrix per final fit.
        """
        kw = dict(groups=groups, propensity=propensity, propensity_model=True,
                  outcome_model=True, pooled_outcome=self.pooled_outcome)
        return self._repeat_cross_fit(
            lambda **run: self._cross_fit(X, y, t, sample_weight, **run, **kw).dr_scores(y, t)
        )

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        # One cross-fitting (no n_repeats here), or one aggregate of several.
        (gamma,) = self._aipw_scores(X, y, t, sample_weight, groups, propensity)
        phi = gamma[:, 1:] - gamma[:, [0]]
        final = self._model("final_model")
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        self.final_models_ = [
            _fit_model(final, Xe, phi[:, k], sample_weight) for k in range(phi.shape[1])
        ]
        theta, scores, se = _linearised_ratio(phi, 1.0, sample_weight)
        single = theta.size == 1
        self.ate_ = Estimate(
            theta[0] if single else theta, se[0] if single else se, n=len(y),
            scores=scores[:, 0] if single else scores,
            names=self.categories_[1:], method="AIPW ATE",
        )
        self.pseudo_outcomes_ = phi
        return self

    def refit_final(self, X, *, sample_weight=None):
        """Refit only the final models on the stored pseudo-outcomes.

        ``final_model`` as it is now (e.g. after ``set_params``) is fitted
        on ``pseudo_outcomes_``; the nuisances are not refitted (econml's
        ``refit_final`` after ``fit(..., cache_values=True)``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training covariates, as passed to :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            The training weights, as passed to :meth:`fit`.

        Returns
        -------
        self : object
        """
        check_is_fitted(self, "final_models_")
        X = self._validate_X_predict(X)
        phi = self.pseudo_outcomes_
        if X.shape[0] != phi.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows; the pseudo-outcomes have {phi.shape[0]}.")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        final = self._model("final_model")
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        self.final_models_ = [
            _fit_model(final, Xe, phi[:, k], sample_weight) for k in range(phi.shape[1])
        ]
        return self

    def _cate(self, X):
        Xe = self._effect_X(X)
        return np.column_stack([m.predict(Xe) for m in self.final_models_])

    def _scoring_nuisances(self, X, y, t, sample_weight):
        if "propensity" in self.nuisances_.models:
            return self.nuisances_.predict(X)
        # Known propensities in fit: nothing to predict them at new rows with.
        return super()._scoring_nuisances(X, y, t, sample_weight)

    @property
    def ate_stderr_(self):
        """Standard error of ``ate_`` (deprecated: use ``ate_.stderr``)."""
        check_is_fitted(self, "ate_")
        warnings.warn(
            "ate_stderr_ is deprecated and will be removed in the next release; "
            "use ate_.stderr.", FutureWarning, stacklevel=2,
        )
        return self.ate_.stderr

    def ate_interval(self, *args, alpha=0.05):
        """Normal ``1 - alpha`` interval of the ATE (deprecated: ``ate_.conf_int``).

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage.

        Returns
        -------
        lower, upper : float or ndarray of shape (n_arms - 1,)
        """
        _reject_positional("ate_interval", args)
        check_is_fitted(self, "ate_")
        warnings.warn(
            "ate_interval is deprecated and will be removed in the next release; "
            "use ate_.conf_int(alpha).", FutureWarning, stacklevel=2,
        )
        return self.ate_.conf_int(alpha)
