"""The one way into the shared cross-fitting stage, and the one table of default models."""

from numbers import Integral, Real

import numpy as np
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import HasMethods, Interval

from .._progress import Progress
from ._crossfit import Nuisances, cross_fit, make_folds

__all__ = []


def _outcome(random_state):
    # No early stopping: its validation split is random, and a deterministic
    # nuisance keeps cached results and peer comparisons like for like.
    return HistGradientBoostingRegressor(early_stopping=False, random_state=random_state)


def _final(random_state):
    # Shallow trees: pseudo-outcomes are noisy and the CATE is usually simpler
    # than the outcome surface.
    return HistGradientBoostingRegressor(
        max_depth=3, early_stopping=False, random_state=random_state
    )


def _final_classifier(random_state):
    # The final stage of a classification reduction (ClassTransformation's
    # transformed label): shallow for the same reason as ``_final``.
    return HistGradientBoostingClassifier(
        max_depth=3, early_stopping=False, random_state=random_state
    )


def _propensity(random_state):
    # Standardised inputs: an unscaled lbfgs fit stops short of convergence on
    # data with income-like columns (NSW, NHEFS) and warns.
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _quantile_outcome(random_state):
    # Multi-output (one output per quantile level), smooth in x, cheap: three
    # times lower RMSE than a plain Ridge at the same cost
    # (benchmarks/results/distributional_outcome_models.md).
    return make_pipeline(SplineTransformer(n_knots=5, degree=3), Ridge(alpha=1.0))


# The one table of default models: role -> factory(random_state). Estimators
# map their model parameters onto these roles in ``_default_models``.
DEFAULT_MODELS = {
    "outcome": _outcome,
    "final": _final,
    "final_classifier": _final_classifier,
    "propensity": _propensity,
    "quantile_outcome": _quantile_outcome,
    # E[T | X] of a continuous treatment (DML): the outcome regressor's settings.
    "treatment": _outcome,
}

REGRESSOR = [HasMethods(["fit", "predict"]), None]
CLASSIFIER = [HasMethods(["fit", "predict_proba"]), None]

# Roles whose models must give class probabilities.
_CLASSIFIER_ROLES = {"propensity", "final_classifier"}


def model_constraint(role):
    """The parameter constraint of a model parameter with default role ``role``."""
    return CLASSIFIER if role in _CLASSIFIER_ROLES else REGRESSOR


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


def _resolve_model(owner, param):
    """``owner.<param>``, or a new default for its role when it is None."""
    model = getattr(owner, param)
    return _default_for(owner, param) if model is None else model


def _default_for(owner, param):
    """A new default model of ``owner``'s parameter ``param``.

    The role comes from ``owner._default_models`` and the factory from
    ``DEFAULT_MODELS``, seeded with ``owner.random_state`` where there is one.
    """
    random_state = getattr(owner, "random_state", None)
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    return DEFAULT_MODELS[owner._default_models[param]](random_state)


def _repeat_seed(random_state, repeat):
    """Fold seed of cross-fitting repetition ``repeat`` (0 keeps ``random_state``)."""
    if repeat == 0:
        return random_state
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    base = 0 if random_state is None else int(random_state)
    return int(np.random.SeedSequence([base, repeat]).generate_state(1)[0] >> 1)


def _shared_stage(
    owner, X, y, t, n_arms, sample_weight, *, groups=None, known_propensity=None,
    propensity_model=None, outcome_model=None, marginal_model=None, pooled_outcome=False,
    treatment_model=None, repeat=0, folds=None,
):
    """Folds and nuisances of the shared stage with ``owner``'s cross-fitting options.

    ``folds`` given replaces the folds ``owner.cv`` would draw.
    """
    models = dict(
        propensity_model=None if known_propensity is not None else propensity_model,
        outcome_model=outcome_model,
        marginal_model=marginal_model,
    )
    if treatment_model is not None:
        models["treatment_model"] = treatment_model
    if all(m is None for m in models.values()):
        nuis = Nuisances(n_arms=n_arms)
        folds = None
    else:
        folds = folds if folds is not None else make_folds(
            owner.cv, t, groups=groups,
            random_state=_repeat_seed(owner.random_state, repeat),
            stratify=treatment_model is None,
        )
        # A private instance switch (set by causaldist.compat.econml): econml's
        # clipping of each propensity to [c, 1 - c] without renormalising.
        clipping = getattr(owner, "_propensity_clipping", "renormalise")
        progress = Progress(getattr(owner, "verbose", 0), type(owner).__name__)
        if repeat:
            progress(1, f"cross-fitting repetition {repeat + 1}")
        nuis = cross_fit(
            X, y, t, n_arms=n_arms, folds=folds, pooled_outcome=pooled_outcome,
            sample_weight=sample_weight,
            min_propensity=owner.min_propensity if clipping == "renormalise" else 0.0,
            n_jobs=getattr(owner, "n_jobs", None), memory=owner.memory, warn=False,
            # Another private switch of the econml adapters: record each
            # nuisance model's held-out score (econml's nuisance_scores_*).
            score=getattr(owner, "_score_nuisances", False),
            verbose=progress, **models,
        )
        if clipping != "renormalise":
            from ._crossfit import _clip_propensity

            nuis.min_propensity, nuis.clipping = owner.min_propensity, clipping
            if nuis.propensity is not None:
                nuis.propensity, nuis.n_clipped = _clip_propensity(
                    nuis.propensity, owner.min_propensity, clipping
                )
    if known_propensity is not None:
        nuis.propensity, nuis.n_clipped = known_propensity, 0
    return folds, nuis


def resolve_flag(owner, flag, default):
    """None for a nuisance that is not needed (False), else the resolved model."""
    if flag is False:
        return None
    return owner._model(default if flag is True else flag)


class _CrossFitMixin:
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
        if treatment_model is not False:
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
            from ..evaluation._overlap import _overlap_report

            self.overlap_ = _overlap_report(
                nuis.propensity, t, labels=self.categories_, sample_weight=sample_weight,
                min_propensity=self.min_propensity if known is None else 0.0,
                estimand=self._estimand,
            )
        return nuis


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
