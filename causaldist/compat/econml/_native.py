"""econml's numerics as private subclasses of the native estimators.

The native estimators expose named, documented hooks; econml 0.17's choices
override them here, so that the behaviour belongs to the class (``clone``,
pickling and ``get_params`` keep it), not to a flag set on an instance:

- ``_propensity_clipping`` (class attribute of the cross-fitting mixin):
  econml clips every propensity to ``[c, 1 - c]`` without renormalising
  (``"clip"``);
- ``_record_nuisance_scores``: econml scores every nuisance model on its
  test fold (``nuisance_scores_*``);
- ``_repetitions()`` / ``_aggregate_repeats(values)``: econml's
  ``mc_iters`` draws the folds of every repetition from one ``RandomState``
  (given here as ``repeat_folds``) and aggregates the repetitions' residuals
  or AIPW scores entrywise (``repeat_agg``, mean or median) before ONE final
  fit, where the native estimators fit one final stage per repetition;
- ``_sandwich_row_weights``: econml reads ``sample_weight`` as analytic
  weights in its sandwich (``"analytic"``);
- ``_fit_final`` of the sparse learners: econml's ``DebiasedLasso``
  (``lasso_options``);
- ``_fit`` (and ``_cate``) of the X- and domain-adaptation learners: econml's
  in-sample, unclipped variants.

The extra constructor parameters are added to the native signature by
:func:`_init_with`, so that ``get_params`` and ``clone`` see them.
"""

import inspect
import numpy as np

from ...base import _effect_columns, _fit_model
from ...dml import DML, LinearDML, SparseLinearDML
from ...inference._linear_final import _LinearFit, _kron_rows
from ...metalearners import (
    DomainAdaptationLearner,
    DRLearner,
    LinearDRLearner,
    SparseLinearDRLearner,
    XLearner,
)
from ._lasso import debiased_lasso_homoskedastic

__all__ = []


def _init_with(parent, **extra):
    """``parent.__init__`` with the keyword-only parameters ``extra`` (name=default) added.

    The signature is published through ``__signature__``, which scikit-learn's
    ``get_params`` reads, so the added parameters are cloned like the others.
    """
    sig = inspect.signature(parent.__init__)
    params = list(sig.parameters.values()) + [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
        for name, default in extra.items()
    ]

    def __init__(self, **kwargs):
        for name, default in extra.items():
            setattr(self, name, kwargs.pop(name, default))
        parent.__init__(self, **kwargs)

    __init__.__signature__ = sig.replace(parameters=params)
    __init__.__doc__ = parent.__init__.__doc__
    return __init__


class _CrossFitting:
    """econml's cross-fitting: clipped propensities, nuisance scores, ``mc_iters``.

    ``repeat_folds`` is a list of fold lists (one per repetition) or None;
    ``repeat_agg`` is ``"mean"`` or ``"median"``.
    """

    _propensity_clipping = "clip"
    _record_nuisance_scores = True
    _sandwich_row_weights = "analytic"

    _parameter_constraints: dict = {
        "repeat_folds": "no_validation",
        "repeat_agg": "no_validation",
    }

    def _repetitions(self):
        if self.repeat_folds is None:
            return super()._repetitions()
        return [dict(folds=folds) for folds in self.repeat_folds]

    def _aggregate_repeats(self, values):
        if self.repeat_folds is None:
            return values
        agg = np.median if self.repeat_agg == "median" else np.mean
        if isinstance(values[0], tuple):
            return [tuple(agg(np.stack(v), axis=0) for v in zip(*values))]
        return [agg(np.stack(values), axis=0)]


class _DMLCrossFitting(_CrossFitting):
    # The DML adapters pass min_propensity=0: econml does not clip E[T | X].
    _propensity_clipping = "renormalise"


_REPEATS = dict(repeat_folds=None, repeat_agg="mean")


class _EconmlDRLearner(_CrossFitting, DRLearner):
    __init__ = _init_with(DRLearner, **_REPEATS)


class _EconmlLinearDRLearner(_CrossFitting, LinearDRLearner):
    __init__ = _init_with(LinearDRLearner, **_REPEATS)


class _EconmlSparseLinearDRLearner(_CrossFitting, SparseLinearDRLearner):
    __init__ = _init_with(SparseLinearDRLearner, **_REPEATS, lasso_options=None)

    _parameter_constraints: dict = {"lasso_options": "no_validation"}

    def _fit_final(self, Phi, phi, sample_weight, groups):
        # econml's DebiasedLasso: unpenalised intercept, homoskedastic covariance.
        if groups is not None:
            raise ValueError("econml's debiased lasso has no cluster-robust covariance.")
        F = Phi[:, 1:] if self.fit_cate_intercept else Phi
        return debiased_lasso_homoskedastic(
            F, phi, sample_weight, fit_intercept=self.fit_cate_intercept,
            alpha=self.alpha, alpha_cov=self.alpha_cov, **(self.lasso_options or {}),
        )


class _EconmlDML(_DMLCrossFitting, DML):
    __init__ = _init_with(DML, **_REPEATS)


class _EconmlLinearDML(_DMLCrossFitting, LinearDML):
    __init__ = _init_with(LinearDML, **_REPEATS)


class _EconmlSparseLinearDML(_DMLCrossFitting, SparseLinearDML):
    __init__ = _init_with(SparseLinearDML, **_REPEATS, lasso_options=None)

    _parameter_constraints: dict = {"lasso_options": "no_validation"}

    def _fit_final(self, F, y_res, t_res, sample_weight, groups):
        # econml's DebiasedLasso (its final lasso has no intercept of its own
        # here: the CATE intercept is the column t_res of Z).
        if groups is not None:
            raise ValueError("econml's debiased lasso has no cluster-robust covariance.")
        Z = _kron_rows(t_res, self._design(F))
        coef, cov = debiased_lasso_homoskedastic(
            Z, y_res, sample_weight, fit_intercept=False, alpha=self.alpha,
            alpha_cov=self.alpha_cov, **(self.lasso_options or {}),
        )
        return _LinearFit(coef, cov, self._design, t_res.shape[1])


class _EconmlXLearner(XLearner):
    """econml 0.17's X-learner, for numeric parity.

    In-sample outcome models per arm (the imputations use fits that saw the
    imputed units), and for each treated arm a propensity model fitted on
    that arm and the control only, unclipped, as econml's
    ``propensity_models``.
    """

    def _fit(self, X, y, t, sample_weight, groups=None):
        if sample_weight is not None:
            raise ValueError("econml's XLearner takes no sample_weight.")
        outcome, final = self._model("outcome_model"), self._model("final_model")
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        mu = [_fit_model(outcome, X[t == a], y[t == a]) for a in range(len(self.categories_))]
        ctl = np.flatnonzero(t == 0)
        self.final_models_, self.propensity_models_ = [], []
        for a in range(1, len(self.categories_)):
            trt = np.flatnonzero(t == a)
            tau0 = _fit_model(final, Xe[ctl], mu[a].predict(X[ctl]) - y[ctl])
            tau1 = _fit_model(final, Xe[trt], y[trt] - mu[0].predict(X[trt]))
            both = np.r_[ctl, trt]  # econml's order: controls, then arm a
            self.propensity_models_.append(
                _fit_model(self._model("propensity_model"), X[both], (t[both] == a).astype(int))
            )
            self.final_models_.append((tau0, tau1))
        self.outcome_models_ = mu
        return self

    def _cate(self, X):
        Xe = self._effect_X(X)
        g = [m.predict_proba(X)[:, 1] for m in self.propensity_models_]
        return np.column_stack([
            ga * tau0.predict(Xe) + (1 - ga) * tau1.predict(Xe)
            for ga, (tau0, tau1) in zip(g, self.final_models_)
        ])


class _EconmlDomainAdaptationLearner(DomainAdaptationLearner):
    """econml 0.17's domain-adaptation learner (in-sample, unclipped, unweighted)."""

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        self.effect_features_ = _effect_columns(self, self.effect_features)
        Xe = self._effect_X(X)
        outcome, final = self._model("outcome_model"), self._model("final_model")
        ctl = np.flatnonzero(t == 0)
        K = len(self.categories_)
        D = np.full((len(y), K - 1), np.nan)
        self.final_models_, self.outcome_models_, self.propensity_models_ = [], [], []
        for a in range(1, K):
            trt = np.flatnonzero(t == a)
            both = np.r_[ctl, trt]  # econml's order: controls, then arm a
            prop = _fit_model(self._model("propensity_model"), X[both], (t[both] == a).astype(int))
            p = prop.predict_proba(X[both])[:, 1]
            pc, pt = p[: len(ctl)], p[len(ctl):]
            mu0 = _fit_model(outcome, X[ctl], y[ctl], pc / (1 - pc))
            mua = _fit_model(outcome, X[trt], y[trt], (1 - pt) / pt)
            D[ctl, a - 1] = mua.predict(X[ctl]) - y[ctl]
            D[trt, a - 1] = y[trt] - mu0.predict(X[trt])
            self.final_models_.append(_fit_model(final, Xe[both], D[both, a - 1]))
            self.outcome_models_.append([(mu0, mua)])
            self.propensity_models_.append(prop)
        self.imputed_effects_ = D
        return self
