"""The one way into the shared cross-fitting stage: the estimators' mixin."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval

# Re-exported for the modules that imported them from here before the
# defaults moved to the ground floor.
from .._defaults import (  # noqa: F401
    CLASSIFIER,
    DEFAULT_MODELS,
    REGRESSOR,
    _default_for,
    _resolve_model,
    model_constraint,
)
from ._overlap import _overlap_report, overlap_diagnostics  # noqa: F401
from ._scorers import _RefitScoringMixin
from ._roles import check_model_roles
from ._stage import _repeat_seed, _shared_stage  # noqa: F401

__all__ = []


def _check_known_propensity(propensity, t_codes, n_arms):
    """Validate user-given propensities and return them as an (n, K) matrix.

    Accepts a scalar or an array of shape ``(n,)`` with two arms (the
    probability of the treated arm ``categories_[1]``), a row of shape
    ``(1, n_arms)`` shared by every unit, or a full ``(n, n_arms)`` matrix.
    Every arm must have a positive probability for every unit: where an arm
    cannot be received its effect, and the value of any policy that picks it,
    are not identified.
    """
    n = t_codes.shape[0]
    try:
        e = np.asarray(propensity, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError("propensity must be numeric probabilities.") from exc
    if e.ndim == 0 or e.ndim == 1:
        if n_arms != 2:
            raise ValueError(
                f"propensity must have shape (n_samples, {n_arms}) or "
                f"(1, {n_arms}) with {n_arms} arms; a scalar or 1-D propensity "
                "(the probability of the treated arm) needs two arms."
            )
        e = np.broadcast_to(e, (n,)) if e.ndim == 0 else e
        if e.shape[0] != n:
            raise ValueError(f"propensity has {e.shape[0]} entries but X has {n} rows.")
        e = np.column_stack([1.0 - e, e])
    elif e.ndim == 2:
        if e.shape[1] != n_arms or e.shape[0] not in (1, n):
            raise ValueError(
                f"propensity must have shape ({n}, {n_arms}) or (1, {n_arms}), "
                f"columns in categories_ order; got {e.shape}."
            )
        e = np.broadcast_to(e, (n, n_arms)).copy()
    else:
        raise ValueError(f"propensity must be at most 2-D; got shape {e.shape}.")
    if not np.all(np.isfinite(e)) or np.any(e < 0) or np.any(e > 1):
        raise ValueError("propensity must hold probabilities in [0, 1].")
    if not np.allclose(e.sum(axis=1), 1.0, rtol=0, atol=1e-6):
        raise ValueError("propensity rows must sum to 1 over the arms.")
    zero = np.sum(np.any(e <= 0, axis=1))
    if zero:
        raise ValueError(
            f"propensity is 0 (or 1) for some arm of {zero} units: effects and "
            "policy values are not identified where an arm cannot be received "
            "(positivity). Drop those units or restrict the comparison."
        )
    return e


def resolve_flag(owner, flag, default):
    """None for a nuisance that is not needed (False), else the resolved model."""
    if flag is False:
        return None
    return owner._model(default if flag is True else flag)


class _CrossFitMixin(_RefitScoringMixin):
    """Cross-fitting parameters, defaults and the one call into the shared stage.

    Every estimator that needs out-of-fold nuisances (learners, evaluators,
    uplift models, policy learners) inherits this mixin before
    :class:`~causaldist.base.BaseCausalEstimator`. It owns ``cv``, ``n_jobs``,
    ``memory``, ``min_propensity`` and ``random_state`` with their
    constraints, the routed ``groups`` and known ``propensity`` fit
    parameters, the default models (``DEFAULT_MODELS``), ``verbose`` and the
    overlap report and warning. Subclasses call :meth:`_cross_fit` from
    ``_fit``.
    """

    __metadata_request__fit = {"treatment": True, "groups": True, "propensity": True}

    _parameter_constraints: dict = {
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "memory": [None, str, HasMethods(["cache"])],
        "min_propensity": [Interval(Real, 0, 0.5, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _fit_params = ("groups", "propensity")

    # Overlap is reported for this estimand ("ate" or "att").
    _estimand = "ate"

    # Hooks that a subclass overrides to change how the stage runs (the
    # compatibility layers' private subclasses do; ``clone`` keeps a class).
    #: How estimated propensities are kept away from 0 and 1 (see
    #: ``model_selection._crossfit._clip_propensity``): "renormalise" raises
    #: every arm to ``min_propensity`` and rescales the row; "clip" clips each
    #: entry to ``[c, 1 - c]``; "floor" only raises entries below ``c``.
    _propensity_clipping = "renormalise"
    #: Record every nuisance model's score on its test fold (``Nuisances.scores``).
    _record_nuisance_scores = False

    def _models_seeing_X(self):
        return [self._model(name) for name in self._default_models]

    def _cross_fit(
        self, X, y, t, sample_weight, *, groups=None, propensity=None,
        propensity_model=False, outcome_model=False, marginal_model=False,
        pooled_outcome=False, treatment_model=False, repeat=0, folds=None,
    ):
        """Folds and out-of-fold nuisances of the shared stage, with the overlap report.

        Sets ``folds_``, ``nuisances_`` and, when propensities are involved,
        ``overlap_`` (warning when the effective sample is small or units were
        clipped). ``propensity_model``, ``outcome_model`` and ``marginal_model``
        are either False (not needed) or the name of the model parameter to
        fit (True means the parameter of the same name). A known
        ``propensity`` replaces the propensity model. ``treatment_model``
        regresses a continuous treatment ``t`` (``_discrete_treatment`` False;
        folds are then unstratified). ``repeat`` > 0 draws the folds of a
        further cross-fitting repetition (a seed derived from
        ``random_state``); explicit ``folds`` replace the drawn ones.
        """
        def param(flag, default):
            return default if flag is True else flag

        if treatment_model is not False:
            check_model_roles(
                y,
                marginal_model=resolve_flag(self, marginal_model, "outcome_model"),
                treatment_model=resolve_flag(self, treatment_model, "treatment_model"),
                names={"marginal_model": param(marginal_model, "outcome_model"),
                       "treatment_model": param(treatment_model, "treatment_model")},
            )
            self.folds_, nuis = _shared_stage(
                self, X, y, t, 0, sample_weight,
                groups=None if groups is None else np.asarray(groups),
                marginal_model=resolve_flag(self, marginal_model, "outcome_model"),
                treatment_model=resolve_flag(self, treatment_model, "treatment_model"),
                repeat=repeat, folds=folds,
            )
            self.nuisances_ = nuis
            return nuis
        n_arms = len(self.categories_)
        known = None if propensity is None else _check_known_propensity(propensity, t, n_arms)

        def resolve(flag, default):
            return resolve_flag(self, flag, default)

        check_model_roles(
            y,
            propensity_model=None if known is not None else resolve(
                propensity_model, "propensity_model"),
            outcome_model=resolve(outcome_model, "outcome_model"),
            marginal_model=resolve(marginal_model, "outcome_model"),
            names={"propensity_model": param(propensity_model, "propensity_model"),
                   "outcome_model": param(outcome_model, "outcome_model"),
                   "marginal_model": param(marginal_model, "outcome_model")},
        )
        self.folds_, nuis = _shared_stage(
            self, X, y, t, n_arms, sample_weight,
            groups=None if groups is None else np.asarray(groups),
            known_propensity=known,
            propensity_model=resolve(propensity_model, "propensity_model"),
            outcome_model=resolve(outcome_model, "outcome_model"),
            marginal_model=resolve(marginal_model, "outcome_model"),
            pooled_outcome=pooled_outcome, repeat=repeat, folds=folds,
        )
        self.nuisances_ = nuis
        if nuis.propensity is not None and propensity_model is not False:
            # The stage's own propensities skip the rows-sum-to-1 check: the
            # econml subclass's clipping leaves rows summing to slightly more.
            self.overlap_ = _overlap_report(
                nuis.propensity, t, labels=self.categories_, sample_weight=sample_weight,
                min_propensity=self.min_propensity if known is None else 0.0,
                estimand=self._estimand,
            )
        return nuis

    # -- repeated cross-fitting ------------------------------------------------
    def _repetitions(self):
        """Keyword arguments of :meth:`_cross_fit` for every cross-fitting repetition.

        A hook: by default ``n_repeats`` repetitions (1 without that
        parameter), each on folds drawn with a seed derived from
        ``random_state``; a subclass may give explicit fold lists instead.
        """
        return [dict(repeat=r) for r in range(getattr(self, "n_repeats", 1))]

    def _aggregate_repeats(self, values):
        """What the final stage is fitted on, from the values of every repetition.

        A hook: by default every repetition keeps its own values (its own
        final fit; the estimates are aggregated afterwards with the
        between-repetition variance, :func:`causaldist.inference._repeats._aggregate`).
        A subclass may aggregate the values entrywise into one instead.
        """
        return values

    def _repeat_cross_fit(self, one_run):
        """Run ``one_run(**kwargs)`` on every repetition's cross-fitting; aggregate.

        ``one_run`` takes the keyword arguments of :meth:`_cross_fit` for
        one repetition (``repeat=r`` or ``folds=...``), calls it and returns
        what the final stage needs (residuals, AIPW scores). ``folds_``,
        ``nuisances_`` and ``overlap_`` are those of the first repetition.

        Returns
        -------
        values : list
            ``_aggregate_repeats`` of the repetitions' values.
        """
        values, first = [], None
        for run in self._repetitions():
            values.append(one_run(**run))
            if first is None:
                first = (self.folds_, self.nuisances_, getattr(self, "overlap_", None))
        self.folds_, self.nuisances_ = first[:2]
        if first[2] is not None:
            self.overlap_ = first[2]
        return self._aggregate_repeats(values)


_CROSS_FIT_PARAMS_DOC = """cv : int, cross-validation generator or iterable, default=5
        Cross-fitting folds (:func:`causaldist.model_selection.make_folds`:
        stratified on treatment, grouped when ``groups`` are passed to fit).
    n_jobs : int, default=None
        Folds fitted in parallel with joblib (inner threads limited to one
        per worker, so that workers do not oversubscribe the cores).
    memory : None, str or joblib.Memory, default=None
        Cache of the cross-fitted nuisances: tuning a final stage under
        ``GridSearchCV`` then fits the nuisances once per outer split.
    min_propensity : float, default=1e-3
        Estimated propensities are clipped to ``[min_propensity,
        1 - min_propensity]`` (known ones are used as given).
    random_state : int, RandomState instance or None, default=None
        Shuffling of the folds and seed of the default models (``None``:
        unshuffled, deterministic folds).
    verbose : int, default=0
        Progress on standard output, as scikit-learn's ``verbose``: 0 silent,
        1 a line per stage (cross-fitting with its elapsed time and
        ``memory`` cache hits; bootstraps, searches and forests where the
        estimator has them), 2 a line per fold with each nuisance's fit time
        (per search, chunk or tree elsewhere), 3 and more also joblib's own
        messages. Results do not depend on it.
    control : label, default=None
        The control arm ``categories_[0]``; ``None`` means a 0/False label
        or an arm named "control", else the smallest label with a warning."""


_EFFECT_FEATURES_DOC = """effect_features : list of str or int, bool mask or None, default=None
        The columns of ``X`` the final (effect) stage uses, in
        ``ColumnTransformer``'s spellings (names, positions or a mask); every
        other column is a control that only the nuisance models see. ``None``
        means all columns."""


def _fill_cross_fit_doc(cls):
    """Put the shared parameter texts where the docstring says ``{cross_fit}``
    (and ``{effect_features}``)."""
    cls.__doc__ = cls.__doc__.replace("{cross_fit}", _CROSS_FIT_PARAMS_DOC).replace(
        "{effect_features}", _EFFECT_FEATURES_DOC
    )
    return cls
