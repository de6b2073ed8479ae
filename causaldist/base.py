"""The estimator contract shared by every causaldist estimator.

A causal estimator is fitted as ``fit(X, y, treatment=..., sample_weight=None)``.
``treatment`` is per-sample metadata, like ``sample_weight``: it is requested by
default through scikit-learn's metadata routing (for ``fit`` and ``score``), so
that ``GridSearchCV``, ``cross_validate`` and ``Pipeline`` forward it once
``sklearn.set_config(enable_metadata_routing=True)`` is set.

:meth:`BaseCausalEstimator.fit` is the one template: it validates the
parameters, ``X``, ``y``, the treatment and the sample weights once, and hands
integer treatment codes (control = 0) to the estimator's ``_fit``, the way
imbalanced-learn's ``fit_resample`` hands over to ``_fit_resample``. Composed
estimators call each other's ``_fit`` with the same codes (``_fit_encoded``).
"""

import functools
import os
import sys
import warnings

import joblib
import numpy as np
import sklearn
import threadpoolctl
from sklearn import config_context
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)
from threadpoolctl import threadpool_limits

from ._defaults import _default_for, _resolve_model, model_constraint
from ._input import (  # noqa: F401  (re-exported: the families import them from here)
    _LARGEST,
    _as_label_array,
    _check_aligned,
    _check_discrete,
    _check_range,
    _check_weight_range,
    _codes_of,
)

__all__ = ["BaseCausalEstimator", "CATEMixin"]

# Labels that name a control arm without ambiguity (compared case-insensitively).
_CONTROL_NAMES = ("control", "ctrl", "ctl", "untreated", "placebo")

_ROUTING_MESSAGE = (
    "{name} needs the treatment of the scored rows, and scikit-learn did not pass "
    "it. Enable metadata routing with sklearn.set_config("
    "enable_metadata_routing=True) so that GridSearchCV / cross_validate forward "
    "`treatment` to the scorer, and pass treatment=... to their fit."
)

# sklearn modules that turn an exception raised by a scorer into a NaN score.
_SKLEARN_CALLERS = ("sklearn.model_selection._validation", "sklearn.metrics._scorer")


class _MissingTreatment:
    """What a scorer returns to sklearn's ``_score`` when treatment is missing.

    ``_score`` turns any exception raised by a scorer into ``error_score``
    (NaN by default) and lets the search refit an arbitrary candidate. Its one
    check outside that ``try`` is that the score is a number, so returning this
    object makes it raise ``ValueError`` with the message below instead.
    """

    def __init__(self, message):
        self.message = message

    def __repr__(self):
        return self.message


def _missing_treatment(name, depth=2):
    """Fail loudly for a score that was called without a treatment.

    Raises ``ValueError``, except when the caller ``depth`` frames up is one
    of scikit-learn's scoring loops: those swallow exceptions into NaN scores,
    so a non-number whose ``repr`` is the message is returned to make them
    raise instead.
    """
    message = _ROUTING_MESSAGE.format(name=name)
    caller = sys._getframe(depth).f_globals.get("__name__", "")
    if caller in _SKLEARN_CALLERS:
        return _MissingTreatment(message)
    raise ValueError(message)


# Frames in these packages sit between a user's call and our warnings; the
# warning is reported at the first frame outside them.
_INTERNAL_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, sklearn.__file__, joblib.__file__, threadpoolctl.__file__)
)


def _warn(message, category=UserWarning):
    """``warnings.warn`` at the user's line, however deep the call.

    A fixed ``stacklevel`` points into causaldist when the same warning is
    raised under the template ``fit``, a ``Pipeline``, ``GridSearchCV`` or a
    scorer, whose depths differ; the first frame outside causaldist,
    scikit-learn and joblib is the line the user wrote.
    """
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL_DIRS):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _infer_control(labels, owner):
    """The control arm when ``control=None``: 0/False, or a label named like one.

    Anything else is ambiguous: the smallest label is used with a warning that
    names it, since a wrong control flips the sign of every effect.
    """
    if labels.dtype.kind in "biuf":
        if np.any(labels == 0):
            return labels[labels == 0][0]
    else:
        named = [v for v in labels if isinstance(v, str) and v.lower() in _CONTROL_NAMES]
        if len(named) == 1:
            return named[0]
    first = labels.tolist()[0]
    _warn(
        f"{owner}: the treatment labels {labels.tolist()} contain no 0/False and "
        f"no arm named 'control', so the control arm is ambiguous; using "
        f"{first!r} (the smallest label). Pass control=... to choose it."
    )
    return labels[0]


def _one_inner_thread(method):
    """Run ``method`` with one OpenMP/BLAS thread per process.

    HistGradientBoosting's OpenMP threads spin-wait: on a busy 2-core machine
    a DR-learner fit took 33 s with them and 2.1 s without (4000 rows). The
    parallelism causaldist controls goes through joblib's ``n_jobs``, whose
    workers get the cores instead.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return method(*args, **kwargs)

    return wrapper


def _atomic_fit(method):
    """Make ``method`` (a ``fit``) all-or-nothing on the estimator's state.

    The fit builds its attributes on ``self`` as it goes; an exception, a
    ``KeyboardInterrupt`` included, would leave a mix of the new and the
    previous fit (a T-learner with a new control model and an old treated
    one predicts neither fit's effect). On any ``BaseException`` the
    instance's ``__dict__`` is put back as it was before the call: the
    previous fit intact, or an unfitted estimator on which
    ``check_is_fitted`` raises ``NotFittedError``. Fits replace attributes and
    never mutate the previous fit's objects in place, so a shallow snapshot is
    enough. Nested fits (a component's template ``fit``) restore their own
    state the same way.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return wrapper


def _fit_model(model, X, y, sample_weight=None):
    """Fit a clone of ``model``, passing ``sample_weight`` only when there is one.

    A ``Pipeline`` takes the weights as ``<last step>__sample_weight``, fitted
    with metadata routing off: with routing on it would demand a request from
    every step (a ``StandardScaler`` in front of the model, say), which a
    nuisance model given by a user never declared.
    """
    model = clone(model)
    if sample_weight is None:
        return model.fit(X, y)
    if isinstance(model, Pipeline):
        with config_context(enable_metadata_routing=False):
            return model.fit(X, y, **{f"{model.steps[-1][0]}__sample_weight": sample_weight})
    return model.fit(X, y, sample_weight=sample_weight)


def _effect_columns(owner, effect_features):
    """Positions of the effect features in ``X``; None when every column is one.

    ``effect_features`` names the columns the final (effect) stage uses; the
    other columns are controls that enter only the nuisance models. It takes
    the spellings of ``ColumnTransformer``: column names (matched against
    ``feature_names_in_``), integer positions, or a boolean mask; ``None``
    means all columns.
    """
    if effect_features is None:
        return None
    n = owner.n_features_in_
    cols = np.asarray(effect_features)
    if cols.ndim == 0:
        cols = cols.reshape(1)
    if cols.size == 0:
        # [] names no column: a constant effect, every column a control.
        return np.empty(0, dtype=np.intp)
    if cols.dtype.kind == "b":
        if cols.shape != (n,):
            raise ValueError(
                f"effect_features as a boolean mask needs {n} entries; got {cols.shape}."
            )
        return np.flatnonzero(cols)
    if cols.dtype.kind in "iu":
        if cols.size and (cols.min() < -n or cols.max() >= n):
            raise ValueError(f"effect_features holds positions outside 0..{n - 1}.")
        return np.unique(cols % n)
    names = getattr(owner, "feature_names_in_", None)
    if names is None:
        raise ValueError(
            "effect_features names columns, but X had no column names in fit; "
            "pass a DataFrame (e.g. ColumnTransformer(...).set_output("
            "transform='pandas')) or give integer positions."
        )
    names = list(names)
    missing = [c for c in cols.tolist() if c not in names]
    if missing:
        raise ValueError(f"effect_features {missing} are not columns of X {names}.")
    return np.array(sorted(names.index(c) for c in cols.tolist()), dtype=np.intp)


class BaseCausalEstimator(BaseEstimator):
    """Base class of every causaldist estimator that is fitted with a treatment.

    ``fit`` is a template: it validates once and hands integer treatment codes
    to the subclass's ``_fit(X, y, t, sample_weight, **params)``. The
    treatment takes any hashable labels (ints, strings, booleans); the control
    arm is code 0 and ``categories_[0]``. Without ``control=``, the control is
    inferred only where it is unambiguous (a 0/False label, or one arm named
    ``"control"``); otherwise the smallest label is used with a warning.

    ``treatment`` is requested through metadata routing by default for ``fit``
    and ``score``, the way scikit-learn's group splitters request ``groups``;
    users never call ``set_fit_request(treatment=True)``.

    Parameters
    ----------
    control : label, default=None
        The control arm; ``None`` infers it as above.

    Attributes
    ----------
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first, then the other labels in sorted order.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.
    """

    __metadata_request__fit = {"treatment": True}
    __metadata_request__score = {"treatment": True}

    _parameter_constraints: dict = {"control": "no_validation"}

    # Parameter name -> key of the one default-model table
    # (causaldist._defaults.DEFAULT_MODELS), for the model
    # parameters that accept None, so that ``set_params(final_model__max_depth=2)``
    # (what GridSearchCV calls) tunes the default of a model left at None.
    _default_models: dict = {}

    # Extra routed fit parameters that ``_fit`` accepts (e.g. groups, propensity).
    _fit_params: tuple = ()

    # ``y`` may have several columns (e.g. a quantile function per unit).
    _multi_output = False

    # The treatment is a set of discrete arms (False for DML's continuous treatments).
    _discrete_treatment = True

    # Pass a DataFrame ``X`` to ``_fit`` as given (only its shape and names are
    # checked), for estimators whose every use of ``X`` is through models that
    # may encode it (e.g. evaluators whose nuisances are pipelines).
    _keep_frame = False

    def __init_subclass__(cls, **kwargs):
        # One place for the constraints every class would otherwise repeat:
        # those of its bases and mixins (``control``, the cross-fitting
        # parameters), and those of its model parameters, read off the role
        # each has in the one default-model table. A class lists only its own.
        super().__init_subclass__(**kwargs)
        merged = {}
        for klass in reversed(cls.__mro__[1:]):
            merged.update(klass.__dict__.get("_parameter_constraints", {}))
        auto = getattr(cls, "_auto_models", ())
        for param, role in cls._default_models.items():
            merged[param] = model_constraint(role) + (
                # "auto" or a list of candidates: a choice by held-out loss.
                [StrOptions({"auto"}), list] if param in auto else []
            )
        merged.update(cls.__dict__.get("_parameter_constraints", {}))
        cls._parameter_constraints = merged

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = self._allows_nan()
        return tags

    def _allows_nan(self):
        """Whether ``X`` may hold NaN: true when every model that sees ``X`` takes it."""
        models = self._models_seeing_X()
        return bool(models) and all(get_tags(m).input_tags.allow_nan for m in models)

    def _models_seeing_X(self):
        """The (resolved) models that are fitted on ``X``; none by default."""
        return []

    def set_params(self, **params):
        """Set parameters; a nested ``model__param`` on a None model sets its default.

        Parameters
        ----------
        **params : dict
            Estimator parameters, ``<component>__<parameter>`` for nested ones.

        Returns
        -------
        self : estimator instance
        """
        for key in params:
            head, nested, _ = key.partition("__")
            current = getattr(self, head, 0)
            if nested and head in self._default_models and (
                current is None or isinstance(current, str) and current == "auto"
            ):
                setattr(self, head, self._default_model(head))
        return super().set_params(**params)

    def _default_model(self, param):
        """A new instance of the default model of parameter ``param``."""
        return _default_for(self, param)

    def _model(self, param):
        """The value of model parameter ``param``, or its default when it is None."""
        return _resolve_model(self, param)

    # -- the template fit -----------------------------------------------------
    @_atomic_fit
    @_one_inner_thread
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None, **params):
        """Fit the estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Observed outcomes (a quantile function per row for the
            distributional estimators).
        treatment : array-like of shape (n_samples,)
            Received arm of every unit, any labels; requested through metadata
            routing by default.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative unit weights, used by every model and every mean.
        **params : dict
            Further routed data the estimator accepts (``_fit_params``), such
            as ``groups`` (grouped cross-fitting folds) and ``propensity``
            (known propensities) for the estimators that cross-fit.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        unknown = sorted(set(params) - set(self._fit_params))
        if unknown:
            accepted = ", ".join(("treatment", "sample_weight") + self._fit_params)
            raise TypeError(
                f"{type(self).__name__}.fit got unexpected argument(s) {unknown}; "
                f"it accepts X, y and {accepted}."
            )
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        return self._fit(X, y, t, sample_weight, **params)

    def _fit(self, X, y, t, sample_weight, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_encoded(self, other, X, y, t, sample_weight, **params):
        """Fit the component estimator ``other`` on data this one has validated.

        ``other`` takes this estimator's arms, feature count and names, checks
        its own parameters and runs its ``_fit`` on the same treatment codes:
        no labels decoded and re-encoded, no second validation.
        """
        other._validate_params()
        other.categories_ = self.categories_
        other.n_features_in_ = self.n_features_in_
        if hasattr(self, "feature_names_in_"):
            other.feature_names_in_ = self.feature_names_in_
        return other._fit(X, y, t, sample_weight, **params)

    # -- treatment encoding -------------------------------------------------
    def _encode_treatment(self, treatment, n_samples, *, reset):
        """Validate ``treatment`` and return integer codes (control is 0).

        With ``_discrete_treatment`` False (DML's continuous treatments) the
        treatment is returned as a float array of shape ``(n,)`` or
        ``(n, d_t)`` instead; its column count is fixed in fit
        (``_treatment_shape``).
        """
        if treatment is None:
            raise ValueError(
                f"{type(self).__name__} requires treatment: call "
                "fit(X, y, treatment=t). Inside GridSearchCV, cross_validate or "
                "Pipeline, enable metadata routing with "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
        if not self._discrete_treatment:
            return self._continuous_treatment(treatment, n_samples, reset=reset)
        t = _as_label_array(treatment, "treatment")
        if t.shape[0] != n_samples:
            raise ValueError(
                f"treatment has {t.shape[0]} entries but X has {n_samples} rows."
            )
        if reset:
            if self._discrete_treatment:
                _check_discrete(t, "treatment")
            try:
                labels = np.unique(t)
            except TypeError as exc:
                raise TypeError(
                    "treatment labels must be mutually comparable (e.g. all "
                    "strings or all numbers)."
                ) from exc
            if labels.shape[0] < 2:
                raise ValueError(
                    "treatment must contain at least two arms; got one class "
                    f"only: {labels.tolist()}."
                )
            if self.control is None:
                control = _infer_control(labels, type(self).__name__)
            else:
                control = self.control
            matches = np.flatnonzero(labels == control)
            if matches.size == 0:
                raise ValueError(
                    f"control={control!r} is not one of the treatment labels "
                    f"{labels.tolist()}."
                )
            categories = np.concatenate(
                [labels[matches], np.delete(labels, matches[0])]
            )
            codes = _codes_of(t, categories, "treatment")
            counts = np.bincount(codes, minlength=len(categories))
            if counts.min() < 2:
                # One unit is no arm: every model and every mean of that arm
                # would rest on it alone, with no variance to report.
                small = categories[counts < 2].tolist()
                raise ValueError(
                    f"treatment arm(s) {small} have fewer than 2 units "
                    f"(counts {dict(zip(categories.tolist(), counts.tolist()))}): "
                    "their effects are not identified. Drop or merge those arms."
                )
            self.categories_ = categories
            return codes
        return _codes_of(t, self.categories_, "treatment")

    def _continuous_treatment(self, treatment, n_samples, *, reset):
        """A continuous treatment as floats of shape ``(n,)`` or ``(n, d_t)``.

        Discreteness is never inferred from the labels (``discrete_treatment``
        decides, as in econml, so that the model does not change with the
        data): labels that are not numbers are an error, a boolean treatment
        is used as 0/1 with a warning.
        """
        kind = getattr(getattr(treatment, "dtype", None), "kind", None)
        if kind is None and not hasattr(treatment, "__array__"):
            kind = np.asarray(treatment).dtype.kind
        if kind in ("U", "S", "O"):
            try:
                np.asarray(treatment, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    "treatment holds labels that are not numbers, but the "
                    "treatment is continuous (discrete_treatment=False); set "
                    "discrete_treatment=True for a discrete treatment."
                ) from None
        if reset and kind == "b":
            _warn(
                "treatment is boolean and discrete_treatment=False: it is used as "
                "a continuous 0/1 treatment with a regressor for E[T | X]; set "
                "discrete_treatment=True to model it with a classifier."
            )
        try:
            T = check_array(
                treatment, ensure_2d=False, dtype=np.float64, input_name="treatment",
                ensure_min_samples=1,
            )
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(
                f"treatment must be numeric for {type(self).__name__} with "
                "discrete_treatment=False (a dose); for arm labels set "
                f"discrete_treatment=True. ({exc})"
            ) from exc
        if T.ndim > 2 or T.shape[0] != n_samples:
            raise ValueError(
                f"treatment must have shape ({n_samples},) or ({n_samples}, d_t); "
                f"got {T.shape}."
            )
        if reset:
            self._treatment_shape = T.shape[1:]
        elif T.shape[1:] != self._treatment_shape and not (
            T.ndim == 1 and self._treatment_shape == (1,)
        ):
            raise ValueError(
                f"treatment has shape {T.shape[1:]} per row but fit saw "
                f"{self._treatment_shape}."
            )
        return T

    def _codes_of(self, labels, name):
        """Integer codes of ``labels`` in ``categories_`` (ValueError if unseen)."""
        return _codes_of(labels, self.categories_, name)

    @property
    def n_arms_(self):
        """Number of treatment arms seen in fit."""
        check_is_fitted(self, "categories_")
        return len(self.categories_)

    # -- data validation ----------------------------------------------------
    def _check_X_kwargs(self):
        return dict(
            dtype=np.float64,
            ensure_all_finite="allow-nan" if self._allows_nan() else True,
        )

    def _validate_fit_data(self, X, y, treatment, sample_weight=None):
        """Validate and return ``X, y, t_codes, sample_weight`` for fit."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        _check_aligned(X, y=y, treatment=treatment, sample_weight=sample_weight)
        if self._keep_frame and hasattr(X, "iloc"):
            validate_data(self, X, skip_check_array=True)
            y = check_array(
                y, ensure_2d=False, dtype=np.float64, input_name="y",
                ensure_min_samples=1,
            )
            if y.ndim > (2 if self._multi_output else 1) or (
                not self._multi_output and y.ndim == 2 and y.shape[1] != 1
            ):
                raise ValueError(f"y must be 1-D; got shape {y.shape}.")
            y = y.ravel() if not self._multi_output else y
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"y has {y.shape[0]} entries but X has {X.shape[0]} rows.")
        else:
            X, y = validate_data(
                self, X, y, multi_output=self._multi_output, y_numeric=True,
                **self._check_X_kwargs(),
            )
        _check_range(X, "X")
        _check_range(y, "y")
        t = self._encode_treatment(treatment, X.shape[0], reset=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, ensure_non_negative=True
            )
            if not sample_weight.sum() > 0:
                raise ValueError("sample_weight must have a positive sum.")
            _check_weight_range(sample_weight)
        return X, y, t, sample_weight

    def _effect_X(self, X):
        """The columns of ``X`` the final (effect) stage uses (``effect_features_``)."""
        cols = getattr(self, "effect_features_", None)
        return X if cols is None else X[:, cols]

    def _validate_X_predict(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, **self._check_X_kwargs())

    # -- score ---------------------------------------------------------------
    def _has_score(self):
        # CATEMixin's DR score needs nuisances on the scored rows, which the
        # stage supplies (``_scoring_nuisances``, a mixin of model_selection).
        return hasattr(self, "_score") and (
            not isinstance(self, CATEMixin) or hasattr(self, "_scoring_nuisances")
        )

    @available_if(_has_score)
    @_one_inner_thread
    def score(self, X, y, treatment=None, *, sample_weight=None):
        """Causal score of the fitted estimator on ``(X, y, treatment)``; higher is better.

        What it measures is said by the estimator's ``_score`` docstring (e.g.
        the negated DR pseudo-outcome MSE of a CATE estimator, computed with
        the nuisance models it fitted, so nothing is refitted).
        ``GridSearchCV(estimator, grid)`` uses it with ``scoring=None``; the
        treatment is requested through metadata routing, and with routing off
        the search fails with a message instead of scoring NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        if treatment is None:
            return _missing_treatment(type(self).__name__, depth=3)
        Xv = self._validate_X_predict(X)
        y = check_array(
            y, ensure_2d=False, dtype=np.float64, input_name="y",
        )
        if y.shape[0] != Xv.shape[0]:
            raise ValueError(f"y has {y.shape[0]} entries but X has {Xv.shape[0]} rows.")
        t = self._encode_treatment(treatment, Xv.shape[0], reset=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, Xv, ensure_non_negative=True)
        return float(self._score(Xv, y, t, sample_weight))


def _reject_positional(method_name, args):
    """A clear TypeError for positional arguments where only keywords are meant."""
    if args:
        raise TypeError(
            f"{method_name}() takes keyword arguments only; got {len(args)} "
            "positional argument(s). (An ate_interval(X, ...) has no "
            "counterpart here: the ATE is estimated in fit.)"
        )


class CATEMixin:
    """``predict`` and ``effect`` for estimators of conditional average effects.

    The estimator implements ``_cate(X)``: the effects of arms ``1..K-1`` against
    the control arm, an array of shape ``(n_samples, K - 1)`` for validated ``X``.
    """

    def _cate(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    @_one_inner_thread
    def predict(self, X):
        """Conditional average treatment effect of each arm against control.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates.

        Returns
        -------
        cate : ndarray of shape (n_samples,) or (n_samples, n_arms - 1)
            ``tau(x) = E[Y(1) - Y(0) | X = x]`` for two arms; for K arms,
            column ``k`` holds the effect of ``categories_[k + 1]`` against
            the control ``categories_[0]``.
        """
        X = self._validate_X_predict(X)
        tau = self._cate(X)
        return tau[:, 0] if tau.shape[1] == 1 else tau

    @_one_inner_thread
    def effect(self, X, T0=None, T1=None):
        """Effect of moving each unit from arm ``T0`` to arm ``T1``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates.
        T0 : label or array-like of shape (n_samples,), default=None
            Base arm(s); ``None`` means the control arm.
        T1 : label or array-like of shape (n_samples,), default=None
            Target arm(s); ``None`` is allowed with two arms only and means
            the treated arm.

        Returns
        -------
        effect : ndarray of shape (n_samples,)
            ``tau_{T1}(x) - tau_{T0}(x)`` for each row.
        """
        X = self._validate_X_predict(X)
        n_arms = len(self.categories_)
        if T1 is None:
            if n_arms > 2:
                raise ValueError(
                    f"T1 is required with more than two arms; the arms are "
                    f"{self.categories_.tolist()}."
                )
            T1 = self.categories_[1]
        if T0 is None:
            T0 = self.categories_[0]
        codes = []
        for name, T in (("T0", T0), ("T1", T1)):
            T = np.asarray(T)
            if T.ndim == 0:
                T = np.full(X.shape[0], T.item(), dtype=T.dtype)
            T = _as_label_array(T, name)
            if T.shape[0] != X.shape[0]:
                raise ValueError(
                    f"{name} has {T.shape[0]} entries but X has {X.shape[0]} rows."
                )
            codes.append(self._codes_of(T, name))
        tau = np.column_stack([np.zeros(X.shape[0]), self._cate(X)])
        rows = np.arange(X.shape[0])
        return tau[rows, codes[1]] - tau[rows, codes[0]]

    def _score(self, X, y, t, sample_weight):
        """Negated DR pseudo-outcome MSE with the estimator's own nuisance models.

        ``- mean_i mean_a (phi_ia - tau_a(X_i))^2`` with
        ``phi_ia = Gamma_i(a) - Gamma_i(0)`` the AIPW pseudo-outcome, its
        ``mu_a`` and ``e_a`` predicted on the scored rows by the models fitted
        in ``fit`` (averaged over the cross-fitting folds, as econml's
        ``score``): nothing is refitted. Estimators without both nuisances of
        their own (S- and T-learners) cross-fit them on the scored rows, as
        :class:`causaldist.model_selection.DRMSEScorer` does, with their own
        outcome model. ``_scoring_nuisances(X, y, t, sample_weight)`` gives
        them; the cross-fitting stage's mixin provides it.
        """
        nuis = self._scoring_nuisances(X, y, t, sample_weight)
        gamma = nuis.dr_scores(y, t)
        phi = gamma[:, 1:] - gamma[:, [0]]
        tau = self._cate(X)
        sq = np.mean((phi - tau) ** 2, axis=1)
        return -np.average(sq, weights=sample_weight)
