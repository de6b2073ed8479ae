"""The estimator contract shared by every causaldist estimator.

A causal estimator is fitted as ``fit(X, y, treatment=..., sample_weight=None)``.
``treatment`` is per-sample metadata, like ``sample_weight``: it is requested by
default through scikit-learn's metadata routing, so that ``GridSearchCV``,
``cross_validate`` and ``Pipeline`` forward it once
``sklearn.set_config(enable_metadata_routing=True)`` is set.
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

__all__ = ["BaseCausalEstimator", "CATEMixin"]


def _as_label_array(values, name):
    """1-D object-safe array of treatment labels, with missing labels rejected."""
    if hasattr(values, "to_numpy"):  # pandas Series / Index / Categorical column
        values = values.to_numpy()
    try:
        arr = column_or_1d(values, warn=True)
    except ValueError as exc:
        raise ValueError(
            f"{name} must be 1-D (one label per sample); got shape "
            f"{np.shape(values)}."
        ) from exc
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values.")
    elif arr.dtype.kind == "O":
        missing = [v is None or (isinstance(v, float) and np.isnan(v)) for v in arr]
        if any(missing):
            raise ValueError(f"{name} contains missing values (None or NaN).")
    return arr


class BaseCausalEstimator(BaseEstimator):
    """Base class of every causaldist estimator that is fitted with a treatment.

    It encodes the treatment (any hashable labels: ints, strings, booleans)
    into integer codes ``0..K-1`` with the control arm at code 0 and validates
    ``X``, ``y`` and ``sample_weight`` through scikit-learn's ``validate_data``.
    CATE estimators add :class:`CATEMixin` for ``predict`` and ``effect``.

    ``treatment`` is requested through metadata routing by default, the way
    scikit-learn's group splitters request ``groups``; users never call
    ``set_fit_request(treatment=True)``.

    Parameters
    ----------
    control : label, default=None
        The control arm. ``None`` means the first of the sorted treatment labels.

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

    _parameter_constraints: dict = {"control": "no_validation"}

    # Factories of the defaults of the model parameters that accept None, so
    # that ``set_params(final_model__max_depth=2)`` (what GridSearchCV calls)
    # tunes the default model of an estimator built with ``final_model=None``.
    _default_models: dict = {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

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
            if nested and head in self._default_models and getattr(self, head, 0) is None:
                setattr(self, head, self._default_models[head]())
        return super().set_params(**params)

    # -- treatment encoding -------------------------------------------------
    def _encode_treatment(self, treatment, n_samples, *, reset):
        """Validate ``treatment`` and return integer codes (control is 0)."""
        if treatment is None:
            raise ValueError(
                f"{type(self).__name__} requires treatment: call "
                "fit(X, y, treatment=t). Inside GridSearchCV, cross_validate or "
                "Pipeline, enable metadata routing with "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
        t = _as_label_array(treatment, "treatment")
        if t.shape[0] != n_samples:
            raise ValueError(
                f"treatment has {t.shape[0]} entries but X has {n_samples} rows."
            )
        if reset:
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
            control = labels[0] if self.control is None else self.control
            matches = np.flatnonzero(labels == control)
            if matches.size == 0:
                raise ValueError(
                    f"control={control!r} is not one of the treatment labels "
                    f"{labels.tolist()}."
                )
            self.categories_ = np.concatenate(
                [labels[matches], np.delete(labels, matches[0])]
            )
        return self._codes_of(t, "treatment")

    def _codes_of(self, labels, name):
        """Integer codes of ``labels`` in ``categories_`` (ValueError if unseen)."""
        labels = np.asarray(labels)
        cats = self.categories_
        order = np.argsort(cats, kind="stable")
        sorted_cats = cats[order]
        try:
            pos = np.searchsorted(sorted_cats, labels)
        except TypeError as exc:
            raise ValueError(
                f"{name} has labels {np.unique(labels.astype(object)).tolist()!r} "
                f"that cannot be compared with the fitted arms "
                f"{cats.tolist()!r}."
            ) from exc
        pos = np.clip(pos, 0, len(cats) - 1)
        found = sorted_cats[pos] == labels
        if not np.all(found):
            unseen = np.unique(np.asarray(labels)[~found]).tolist()
            raise ValueError(
                f"{name} contains labels not seen in fit: {unseen}; the fitted "
                f"arms are {cats.tolist()}."
            )
        return order[pos].astype(np.intp)

    @property
    def n_arms_(self):
        """Number of treatment arms seen in fit."""
        check_is_fitted(self, "categories_")
        return len(self.categories_)

    # -- data validation ----------------------------------------------------
    def _validate_fit_data(
        self, X, y, treatment, sample_weight=None, *, multi_output=False
    ):
        """Validate and return ``X, y, t_codes, sample_weight`` for fit."""
        X, y = validate_data(
            self, X, y, multi_output=multi_output, y_numeric=True, dtype=np.float64
        )
        t = self._encode_treatment(treatment, X.shape[0], reset=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        return X, y, t, sample_weight

    def _validate_X_predict(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=np.float64)


class CATEMixin:
    """``predict`` and ``effect`` for estimators of conditional average effects.

    The estimator implements ``_cate(X)``: the effects of arms ``1..K-1`` against
    the control arm, an array of shape ``(n_samples, K - 1)`` for validated ``X``.
    """

    def _cate(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

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

