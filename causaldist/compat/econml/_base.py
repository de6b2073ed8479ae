"""What every econml adapter shares: the data layout and the econml verbs.

An adapter stores econml's constructor parameters verbatim, builds the native
causaldist estimator in ``fit`` (``_native(n_x)``) and fits it on
``X_full = [X, W]`` with ``effect_features`` the ``X`` columns. Every number
comes from that native estimator; the adapter only reshapes.
"""

import functools

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from ...base import _atomic_fit, _warn
from ._refit_bootstrap import (
    bootstrap_indices,
    bootstrap_interval,
    bootstrap_mean_interval,
    refit_replicates,
)

__all__ = []


def _auto_warning(owner, names):
    """Warn that econml's ``'auto'`` models map to causaldist's defaults."""
    if names:
        _warn(
            f"{type(owner).__name__}: {', '.join(names)}='auto' maps to causaldist's "
            "default models (for the DML family a choice among ridge, splines and "
            "HistGradientBoosting by held-out loss; elsewhere HistGradientBoosting "
            "outcome regressors and a standardised logistic propensity), not "
            "econml's model selection between linear models and forests; numeric "
            "parity with econml needs explicit models."
        )


def _model(value):
    """An econml model argument: ``'auto'`` (or None) -> None (the native default)."""
    return None if value is None or (isinstance(value, str) and value == "auto") else value


def _as_2d(a):
    a = np.asarray(a)
    return a.reshape(-1, 1) if a.ndim == 1 else a


def _names(a, prefix, k):
    cols = getattr(a, "columns", None)
    if cols is not None:
        return [str(c) for c in cols]
    return [f"{prefix}{j}" for j in range(k)]


def _bootstrap_spec(inference):
    """``(n_bootstrap_samples, n_jobs, bootstrap_type)`` of econml's bootstrap, else None.

    ``"bootstrap"`` is econml's ``BootstrapInference()`` (100 draws, all
    cores, pivot intervals); an ``econml.inference.BootstrapInference``
    object is read without importing econml.
    """
    if isinstance(inference, str) and inference == "bootstrap":
        return 100, -1, "pivot"
    if type(inference).__name__ == "BootstrapInference":
        return (inference._n_bootstrap_samples, inference._n_jobs,
                inference._bootstrap_type)
    return None


def _bootstrapped(point, average=False):
    """An ``*_interval`` verb that, after a bootstrap fit, reads the replicates of ``point``.

    ``average``: the verb is about the mean over rows of ``point`` (econml's
    ``ate_interval``, ``const_marginal_ate_interval``), for which econml
    forms a normal interval from the rows' bootstrap spreads.
    """
    def decorate(method):
        @functools.wraps(method)
        def verb(self, *args, alpha=0.05, **kwargs):
            if getattr(self, "_bootstrap_fits", None) is None:
                return method(self, *args, alpha=alpha, **kwargs)
            return self._bootstrap_interval(point, args, kwargs, alpha, average)
        return verb
    return decorate


def _linear_shap(phi, coef, intercept, feature_names, treatment_names, output_names,
                 background_samples):
    """Exact SHAP values of a CATE linear in the featurised ``phi`` (econml's ``shap_values``).

    The interventional SHAP value of feature ``j`` is ``coef_j (phi_j -
    mean_bg phi_j)`` and the base value the CATE at the background mean
    (Lundberg & Lee 2017; shap's ``LinearExplainer``). The background is
    econml's: the rows of ``phi``, subsampled to ``background_samples`` with
    shap's sampler (``sklearn.utils.resample(..., replace=False,
    random_state=0)``). ``coef`` is ``(d_y, d_t, d_f)``, ``intercept``
    ``(d_y, d_t)``. With shap importable each entry is a
    ``shap.Explanation``, else the values array.
    """
    from sklearn.utils import resample

    m = phi.shape[0]
    n_bg = m if background_samples is None else min(int(background_samples), m)
    bg = phi if n_bg >= m else resample(phi, n_samples=n_bg, replace=False, random_state=0)
    mean = bg.mean(axis=0)
    try:
        import shap
    except ImportError:
        shap = None
    out = {}
    for i, yname in enumerate(output_names):
        out[yname] = {}
        for k, tname in enumerate(treatment_names):
            values = coef[i, k] * (phi - mean)
            if shap is None:
                out[yname][tname] = values
            else:
                base = np.full(m, intercept[i, k] + coef[i, k] @ mean)
                out[yname][tname] = shap.Explanation(
                    values, base_values=base, data=phi, main_effects=values,
                    feature_names=list(feature_names))
    return out


def _not_after_bootstrap(method):
    """An analytic ``*_inference`` verb, refused after a bootstrap fit (not silently analytic)."""
    @functools.wraps(method)
    def verb(self, *args, **kwargs):
        if getattr(self, "_bootstrap_fits", None) is not None:
            raise NotImplementedError(
                f"{method.__name__} after inference='bootstrap' (econml's empirical "
                "inference results) is not supported; the *_interval verbs read the "
                "bootstrap replicates."
            )
        return method(self, *args, **kwargs)
    return verb


class _RefitFinalMixin:
    """econml's ``refit_final`` for the adapters with a separate final stage (DML, DR)."""

    @_atomic_fit
    def refit_final(self, inference=None):
        """Refit only the final stage with the current final-stage parameters.

        Needs ``fit(..., cache_values=True)``; the native estimator's stored
        residuals (DML) or pseudo-outcomes (DR) are reused through its
        ``refit_final``, the nuisances are not refitted. Final-stage
        parameters: ``model_final``, ``featurizer``, ``fit_cate_intercept``
        and the sparse models' ``alpha`` / ``alpha_cov``.

        Parameters
        ----------
        inference : None or "auto", default=None
            ``"bootstrap"`` is refused (it would refit the nuisances), as in econml.

        Returns
        -------
        self : object
        """
        native = self._check()
        cached = getattr(self, "_cached_values", None)
        if cached is None:
            raise ValueError("Refit can only be called if values were cached during the "
                             "original fit (fit(..., cache_values=True)).")
        if isinstance(inference, str) and inference == "bootstrap":
            raise ValueError("The chosen inference method does not allow only for model "
                             "final re-fitting.")
        # The replicates belong to the old final stage.
        self._bootstrap_fits = None
        native.set_params(**self._final_params())
        native.refit_final(cached["X"], sample_weight=cached["sample_weight"])
        return self


def _check_discrete_T(T, owner):
    """Refuse a continuous ``T`` where econml's signature says discrete arms.

    Without it the stratified folds fail inside scikit-learn ("Supported
    target types are ('binary', 'multiclass')").
    """
    T = np.asarray(T)
    values = np.unique(T.ravel()) if T.dtype.kind in "biuf" else None
    if T.ndim > 1 and T.shape[1] > 1:
        raise ValueError(
            f"{owner}: T has {T.shape[1]} columns; discrete arms are one label per unit."
        )
    if values is not None and T.dtype.kind == "f" and values.size > 10 and np.any(
            values != np.round(values)):
        raise ValueError(
            f"{owner}: T looks continuous ({values.size} distinct values, not all "
            "integers) but discrete_treatment=True (or the estimator takes discrete "
            "arms only): pass arm labels, or discrete_treatment=False for a dose."
        )


class _EconmlAdapter(BaseEstimator):
    """Base of the econml adapters (no parameters of its own)."""

    # fit takes W
    _takes_W = True

    def _layout(self, X, W, n):
        """``(X_full, n_x, names)`` for fit; records the layout."""
        Xa = None if X is None else _as_2d(np.asarray(X, dtype=np.float64))
        Wa = None if W is None else _as_2d(np.asarray(W, dtype=np.float64))
        if Xa is None and Wa is None:
            raise ValueError(f"{type(self).__name__}.fit needs X or W (econml's rule).")
        self._n_x = 0 if Xa is None else Xa.shape[1]
        self._n_w = 0 if Wa is None else Wa.shape[1]
        self._x_names = [] if Xa is None else _names(X, "X", self._n_x)
        self._has_x_names = X is not None and hasattr(X, "columns")
        return self._full(Xa, Wa, n)

    def _full(self, X, W=None, n=None):
        """``[X, W]`` as the native estimator saw it; zeros for W at predict time."""
        if X is None:
            if self._n_x:
                raise ValueError("X is required: the estimator was fitted with X.")
            n = 1 if n is None else n
            Xa = np.zeros((n, 0))
        else:
            Xa = _as_2d(np.asarray(X, dtype=np.float64))
            if Xa.shape[1] != self._n_x:
                raise ValueError(f"X has {Xa.shape[1]} columns; fit saw {self._n_x}.")
            n = Xa.shape[0]
        Wa = np.zeros((n, self._n_w)) if W is None else _as_2d(np.asarray(W, dtype=np.float64))
        if Wa.shape[0] != n:
            raise ValueError(f"W has {Wa.shape[0]} rows but X has {n}; give one row per unit.")
        full = np.hstack([Xa, Wa])
        if self._has_x_names:
            import pandas as pd

            cols = self._x_names + [f"__W{j}" for j in range(self._n_w)]
            return pd.DataFrame(full, columns=cols)
        return full

    def _effect_features(self):
        return np.arange(self._n_x, dtype=np.intp)

    def _check(self):
        check_is_fitted(self, "native_")
        return self.native_

    # -- verbs shared by all ---------------------------------------------------
    def cate_feature_names(self, feature_names=None):
        """Names of the features of the final (effect) stage, after the featurizer.

        Parameters
        ----------
        feature_names : list of str, default=None
            Names of the ``X`` columns; ``None`` means the fitted ones (the
            DataFrame's columns, else ``X0, X1, ...``).

        Returns
        -------
        names : list of str
        """
        native = self._check()
        names = self._x_names if feature_names is None else list(feature_names)
        return list(native.cate_feature_names(names))

    def ate(self, X=None, *, T0=0, T1=1):
        """Average of :meth:`effect` over the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : label, scalar or array-like, default=0 and 1

        Returns
        -------
        ate : float or ndarray of shape (d_y,)
        """
        return np.mean(self.effect(X, T0=T0, T1=T1), axis=0)

    # -- econml's BootstrapInference: the whole fit repeated on resampled rows --
    def _fit_bootstrap(self, inference, strata, *args, **kwargs):
        """After the main fit: econml's bootstrap replicates when ``inference`` asks.

        econml draws the rows from numpy's global ``RandomState``
        (stratified by ``strata``, a discrete treatment) and refits a copy
        of the estimator, without inference, on each replicate.
        """
        self._bootstrap_fits = None
        spec = _bootstrap_spec(inference)
        if spec is None:
            return self
        n_boot, n_jobs, kind = spec
        if kind not in ("percentile", "pivot", "normal"):
            raise ValueError(f"bootstrap_type must be 'percentile', 'pivot' or 'normal'; "
                             f"got {kind!r}.")
        idx = bootstrap_indices(np.shape(args[0])[0], int(n_boot), strata=strata)
        fits = refit_replicates(clone(self), idx, *args, n_jobs=n_jobs, **kwargs)
        self._bootstrap_fits, self._bootstrap_kind = fits, kind
        return self

    def _bootstrap_interval(self, point, args, kwargs, alpha, average=False):
        def value(est):
            v = getattr(est, point)
            return v(*args, **kwargs) if callable(v) else v

        reps = np.array([value(est) for est in self._bootstrap_fits])
        if average:
            return bootstrap_mean_interval(reps, value(self), alpha=alpha)
        return bootstrap_interval(reps, value(self), alpha=alpha, kind=self._bootstrap_kind)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class _BootstrapIntervals:
    """econml's interval verbs that only a bootstrap fit answers (no analytic intervals)."""

    def _no_intervals(self):
        raise ValueError(
            f"{type(self).__name__} has no analytic intervals: fit with "
            "inference='bootstrap' (or econml's BootstrapInference)."
        )

    @_bootstrapped("effect")
    def effect_interval(self, X=None, *, T0=0, T1=1, alpha=0.05):
        """Bootstrap interval of :meth:`effect` (needs ``fit(..., inference="bootstrap")``).

        Parameters
        ----------
        X : array-like of shape (m, d_x)
        T0, T1 : label or array-like, default=0 and 1
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        self._no_intervals()

    @_bootstrapped("const_marginal_effect")
    def const_marginal_effect_interval(self, X=None, *, alpha=0.05):
        """Bootstrap interval of :meth:`const_marginal_effect`.

        Parameters
        ----------
        X : array-like of shape (m, d_x)
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        self._no_intervals()

    @_bootstrapped("marginal_effect")
    def marginal_effect_interval(self, T, X=None, *, alpha=0.05):
        """Bootstrap interval of :meth:`marginal_effect`.

        Parameters
        ----------
        T : array-like of shape (m,)
        X : array-like of shape (m, d_x)
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        self._no_intervals()

    @_bootstrapped("effect", average=True)
    def ate_interval(self, X=None, *, T0=0, T1=1, alpha=0.05):
        """Bootstrap interval of :meth:`ate`.

        Parameters
        ----------
        X : array-like of shape (m, d_x)
        T0, T1 : label or array-like, default=0 and 1
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float or ndarray
        """
        self._no_intervals()

    @_bootstrapped("const_marginal_effect", average=True)
    def const_marginal_ate_interval(self, X=None, *, alpha=0.05):
        """Bootstrap interval of :meth:`const_marginal_ate`.

        Parameters
        ----------
        X : array-like of shape (m, d_x)
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        self._no_intervals()
