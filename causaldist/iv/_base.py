"""The instrument contract and the cross-fitted residuals shared by the IV estimators.

The instrument is per-sample metadata like the treatment:
``fit(X, y, *, treatment, instrument, sample_weight=None, groups=None)``,
requested through metadata routing by default, so ``Pipeline``,
``GridSearchCV`` and ``clone`` forward it once
``sklearn.set_config(enable_metadata_routing=True)`` is set.
"""

import numpy as np
from sklearn.base import clone
from sklearn.multioutput import MultiOutputRegressor
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import UNUSED
from sklearn.utils.validation import check_array

from .._progress import Progress
from ..base import (
    BaseCausalEstimator,
    _as_label_array,
    _codes_of,
    _effect_columns,
    _warn,
)
from ..model_selection import cross_fit, make_folds
from .._defaults import DEFAULT_MODELS
from ..model_selection._mixin import _CrossFitMixin
from ._weak import WEAK_F_THRESHOLD, first_stage_diagnostics

__all__ = []


def _onehot(codes, n_levels):
    """One-hot columns of levels ``1..n_levels-1`` (level 0 is the reference)."""
    return (codes[:, None] == np.arange(1, n_levels)).astype(np.float64)


class _BaseIV(_CrossFitMixin, BaseCausalEstimator):
    """Instrument validation, folds and out-of-fold conditional means for IV estimators.

    Subclasses implement ``_fit_iv(X, y, t, T, inst, sample_weight, groups,
    folds)`` and return a dict of fitted attributes (assigned atomically);
    ``inst`` holds the encoded instrument (``Z`` float columns, ``codes``
    for a discrete instrument).
    """

    __metadata_request__fit = {
        "treatment": True, "instrument": True, "groups": True, "propensity": UNUSED,
    }

    _fit_params = ("instrument", "groups")

    _default_models = {
        "outcome_model": "outcome",
        "treatment_model": "treatment",
        "instrument_model": "treatment",
        "projection_model": "treatment",
    }

    # Models that take a classifier when their target is discrete.
    _discrete_targets = {
        "treatment_model": "discrete_treatment",
        "projection_model": "discrete_treatment",
        "instrument_model": "discrete_instrument",
    }

    @property
    def _discrete_treatment(self):
        return self.discrete_treatment

    def _default_model(self, param):
        flag = self._discrete_targets.get(param)
        if flag is not None and getattr(self, flag, False):
            random_state = self.random_state
            if isinstance(random_state, np.random.RandomState):
                random_state = random_state.randint(np.iinfo(np.int32).max)
            return DEFAULT_MODELS["propensity"](random_state)
        return super()._default_model(param)

    def _model(self, param):
        model = getattr(self, param)
        return self._default_model(param) if model is None else model

    def _models_seeing_X(self):
        return [self._model(name) for name in self._used_models()]

    def _used_models(self):
        return [p for p in self._default_models if p in self.get_params()]

    # -- the instrument ---------------------------------------------------------
    def _encode_instrument(self, instrument, n):
        """``(Z, codes, levels)``: float columns (one-hot for a discrete instrument)."""
        if instrument is None:
            raise ValueError(
                f"{type(self).__name__} requires an instrument: call fit(X, y, "
                "treatment=t, instrument=z). Inside GridSearchCV, cross_validate or "
                "Pipeline, enable metadata routing with "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
        if self._instrument_is_discrete():
            z = _as_label_array(instrument, "instrument")
            if z.shape[0] != n:
                raise ValueError(f"instrument has {z.shape[0]} entries but X has {n} rows.")
            try:
                levels = np.unique(z)
            except TypeError as exc:
                raise TypeError(
                    "instrument labels must be mutually comparable (all strings or "
                    "all numbers)."
                ) from exc
            if levels.shape[0] < 2:
                raise ValueError(
                    f"instrument takes one value only ({levels.tolist()}): it cannot "
                    "move the treatment, so the effect is not identified."
                )
            codes = _codes_of(z, levels, "instrument")
            return _onehot(codes, levels.shape[0]), codes, levels
        try:
            Z = check_array(
                instrument, ensure_2d=False, dtype=np.float64, input_name="instrument",
                ensure_min_samples=1,
            )
        except ValueError as exc:
            if "could not convert" in str(exc):
                raise ValueError(
                    "instrument holds non-numeric labels; set discrete_instrument=True "
                    "to use them as levels."
                ) from exc
            raise
        if Z.ndim > 2 or Z.shape[0] != n:
            raise ValueError(
                f"instrument must have shape ({n},) or ({n}, d_z); got {Z.shape}."
            )
        Z = Z.reshape(n, -1)
        constant = np.flatnonzero(np.ptp(Z, axis=0) == 0)
        if constant.size:
            raise ValueError(
                f"instrument column(s) {constant.tolist()} are constant: they cannot "
                "move the treatment, so the effect is not identified."
            )
        return Z, None, None

    def _instrument_is_discrete(self):
        return getattr(self, "discrete_instrument", False)

    # -- fit --------------------------------------------------------------------
    def _fit(self, X, y, t, sample_weight, instrument=None, groups=None):
        n = X.shape[0]
        if n < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two samples; got n_samples = {n}.")
        Z, zcodes, levels = self._encode_instrument(instrument, n)
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (n,):
                raise ValueError(f"groups must have one label per unit ({n}); got {groups.shape}.")
        T = _onehot(t, len(self.categories_)) if self.discrete_treatment else t.reshape(n, -1)
        if Z.shape[1] < T.shape[1]:
            raise ValueError(
                f"instrument has {Z.shape[1]} column(s) (after encoding) for "
                f"{T.shape[1]} treatment column(s): the effect is not identified "
                "(it needs at least one instrument per treatment column)."
            )
        strata = zcodes if zcodes is not None else (t if self.discrete_treatment else None)
        folds = make_folds(
            self.cv, np.zeros(n) if strata is None else strata, groups=groups,
            random_state=self.random_state, stratify=strata is not None,
        )
        inst = dict(Z=Z, codes=zcodes, levels=levels)
        fitted = self._fit_iv(X, y, t, T, inst, sample_weight, groups, folds)
        fitted["folds_"] = folds
        if levels is not None:
            fitted["instrument_categories_"] = levels
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    def _progress(self):
        return Progress(getattr(self, "verbose", 0), type(self).__name__)

    def _oof(self, Xin, y, target, param, folds, sample_weight, *, codes=None,
             n_levels=None, outcome=False):
        """Out-of-fold ``E[target | Xin]`` of shape ``(n, d)`` and the stage's Nuisances.

        A discrete target (``codes``) gives the probabilities of levels
        ``1..n_levels-1`` from a classifier (econml's ``predict_proba[:, 1:]``,
        unclipped); a continuous one the regression, one model per column for
        regressors that predict one output. ``outcome=True`` fits
        ``E[y | Xin]`` (``outcome_model``) in the same pass of the stage (its
        ``marginal``): one fit per fold of each model, one pass over the folds.
        """
        model = self._model(param)
        kw = dict(
            folds=folds, sample_weight=sample_weight, n_jobs=self.n_jobs,
            memory=self.memory, warn=False, verbose=self._progress(),
            marginal_model=self._model("outcome_model") if outcome else None,
        )
        if codes is not None:
            nuis = cross_fit(
                Xin, y, codes, n_arms=n_levels, propensity_model=model,
                min_propensity=0.0, **kw,
            )
            return nuis.propensity[:, 1:], nuis
        target = np.asarray(target, dtype=np.float64)
        if target.ndim == 2 and target.shape[1] == 1:
            target = target[:, 0]
        if target.ndim == 2 and not get_tags(model).target_tags.multi_output:
            model = MultiOutputRegressor(model)
        nuis = cross_fit(Xin, y, target, treatment_model=model, **kw)
        return nuis.treatment.reshape(Xin.shape[0], -1), nuis

    def _treatment_mean(self, Xin, y, t, T, param, folds, sample_weight, outcome=False):
        """Out-of-fold ``E[T | Xin]`` (probabilities of the treated arms when discrete)."""
        if self.discrete_treatment:
            return self._oof(Xin, y, None, param, folds, sample_weight,
                             codes=t, n_levels=len(self.categories_), outcome=outcome)
        return self._oof(Xin, y, T, param, folds, sample_weight, outcome=outcome)

    def _diagnose(self, t_res, z_res, sample_weight, groups):
        """Weak-instrument diagnostics as fitted attributes, with the warning."""
        diag = first_stage_diagnostics(t_res, z_res, sample_weight, groups)
        single = t_res.shape[1] == 1

        def shape(a):
            return float(a[0]) if single else a

        fitted = {
            "first_stage_f_": shape(diag["f_stat"]),
            "effective_f_": shape(diag["effective_f"]),
            "partial_r2_": shape(diag["partial_r2"]),
            "first_stage_": diag,
        }
        weakest = float(np.min(diag["effective_f"]))
        if weakest < WEAK_F_THRESHOLD:
            _warn(
                f"{type(self).__name__}: weak instrument: effective_f_ = {weakest:.2f} "
                f"< {WEAK_F_THRESHOLD:g} (Montiel Olea-Pflueger effective first-stage F "
                "given the controls; partial_r2_ = "
                f"{float(np.min(diag['partial_r2'])):.4f}). Wald intervals "
                "(effect_interval, summary) can under-cover and the estimate is biased "
                "towards the confounded regression; ar_interval() stays valid.",
            )
        return fitted

    def _features_of(self, Xe, featurizer):
        return Xe if featurizer is None else np.asarray(
            featurizer.transform(Xe), dtype=np.float64
        )

    def _prepare_features(self, X):
        """``(effect_features_, featurizer_, F)`` of the training rows."""
        cols = _effect_columns(self, self.effect_features)
        Xe = X if cols is None else X[:, cols]
        featurizer = None if self.featurizer is None else clone(self.featurizer).fit(Xe)
        return cols, featurizer, self._features_of(Xe, featurizer)
