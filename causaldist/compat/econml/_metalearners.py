"""econml's S-, T- and X-learners on :mod:`causaldist.metalearners`."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import column_or_1d

from ...base import _atomic_fit
from ...metalearners import SLearner as _NativeSLearner
from ...metalearners import TLearner as _NativeTLearner
from ._base import _BootstrapIntervals, _EconmlAdapter, _bootstrap_spec
from ._native import _EconmlDomainAdaptationLearner, _EconmlXLearner

__all__ = ["DomainAdaptationLearner", "SLearner", "TLearner", "XLearner"]


def _single(models, name):
    if isinstance(models, (list, tuple)):
        raise NotImplementedError(f"{name} as a list (one model per arm) is not supported.")
    return models


class _MetaAdapter(_BootstrapIntervals, _EconmlAdapter):
    """fit and the verbs of econml's metalearners (X is required)."""

    @_atomic_fit
    def fit(self, Y, T, *, X, inference=None):
        """Fit with econml's signature.

        Parameters
        ----------
        Y : array-like of shape (n,)
        T : array-like of shape (n,)
            Arm labels; the first category is the control.
        X : array-like of shape (n, d_x)
        inference : None, "bootstrap" or BootstrapInference, default=None
            ``"bootstrap"`` / econml's ``BootstrapInference(...)``: the whole
            fit repeated on rows resampled from numpy's global
            ``RandomState`` (unstratified, as econml's metalearners); the
            ``*_interval`` verbs then read the replicates.

        Returns
        -------
        self : object
        """
        if inference is not None and _bootstrap_spec(inference) is None:
            raise NotImplementedError("Only bootstrap inference is supported by the "
                                      "metalearner adapters (as econml).")
        if X is None:
            raise ValueError(f"{type(self).__name__} adapter needs X.")
        if self.allow_missing:
            raise NotImplementedError("allow_missing=True is not supported.")
        n = np.shape(Y)[0]
        T = np.asarray(T)
        if T.ndim == 2 and T.shape[1] == 1:
            # econml reads T with column_or_1d(warn=True): a column vector warns, then works.
            T = column_or_1d(T, warn=True)
        T = T.ravel()
        Xf = self._layout(X, None, n)
        if isinstance(self.categories, str) and self.categories == "auto":
            control = np.unique(T)[0]
        else:
            control = list(self.categories)[0]
        self.native_ = self._native(control).fit(
            Xf, np.asarray(Y, dtype=np.float64).ravel(), treatment=T
        )
        return self._fit_bootstrap(inference, None, Y, T, X=X)

    def const_marginal_effect(self, X):
        """Effects of every treated arm against control, shape ``(m, n_arms - 1)``.

        Parameters
        ----------
        X : array-like of shape (m, d_x)

        Returns
        -------
        cate : ndarray of shape (m, n_arms - 1)
        """
        tau = self._check().predict(self._full(X))
        return tau.reshape(tau.shape[0], -1)

    def marginal_effect(self, T, X):
        """As :meth:`const_marginal_effect`.

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, d_x)

        Returns
        -------
        cate : ndarray of shape (m, n_arms - 1)
        """
        return self.const_marginal_effect(X)

    def const_marginal_ate(self, X):
        """Mean of :meth:`const_marginal_effect` over the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (m, d_x)

        Returns
        -------
        ate : ndarray of shape (n_arms - 1,)
        """
        return np.mean(self.const_marginal_effect(X), axis=0)

    def marginal_ate(self, T, X):
        """Mean of :meth:`marginal_effect` over the rows (discrete: :meth:`const_marginal_ate`).

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, d_x)

        Returns
        -------
        ate : ndarray of shape (n_arms - 1,)
        """
        return np.mean(self.marginal_effect(T, X), axis=0)

    def effect(self, X=None, *, T0=0, T1=1):
        """Effect of moving each row from arm ``T0`` to arm ``T1``.

        Parameters
        ----------
        X : array-like of shape (m, d_x)
        T0, T1 : label or array-like, default=0 and 1

        Returns
        -------
        effect : ndarray of shape (m,)
        """
        native = self._check()
        cats = native.categories_.tolist()
        if np.ndim(T0) == 0 and T0 == 0 and 0 not in cats:
            T0 = cats[0]
        if np.ndim(T1) == 0 and T1 == 1 and 1 not in cats and len(cats) == 2:
            T1 = cats[1]
        return native.effect(self._full(X), T0=T0, T1=T1)


class SLearner(_MetaAdapter):
    """econml's ``SLearner`` on :class:`causaldist.metalearners.SLearner`.

    econml fits ``overall_model`` on ``[X, 1{control}, one-hot(treated)]``,
    causaldist on ``[X, one-hot(treated)]``: the same column space, so any
    model with an intercept that is invariant to a redundant column (OLS)
    gives the same effects; trees may split on the extra column and differ.

    Parameters
    ----------
    overall_model : regressor
    categories : "auto" or list, default="auto"
    allow_missing : bool, default=False

    Attributes
    ----------
    native_ : causaldist.metalearners.SLearner
    """

    def __init__(self, *, overall_model, categories="auto", allow_missing=False):
        self.overall_model = overall_model
        self.categories = categories
        self.allow_missing = allow_missing

    def _native(self, control):
        return _NativeSLearner(outcome_model=self.overall_model, control=control)


class TLearner(_MetaAdapter):
    """econml's ``TLearner`` on :class:`causaldist.metalearners.TLearner` (same algorithm).

    Parameters
    ----------
    models : regressor
        One clone per arm (a list of models is not supported).
    categories : "auto" or list, default="auto"
    allow_missing : bool, default=False

    Attributes
    ----------
    native_ : causaldist.metalearners.TLearner
    """

    def __init__(self, *, models, categories="auto", allow_missing=False):
        self.models = models
        self.categories = categories
        self.allow_missing = allow_missing

    def _native(self, control):
        return _NativeTLearner(outcome_model=_single(self.models, "models"), control=control)


class XLearner(_MetaAdapter):
    """econml's ``XLearner`` on :class:`causaldist.metalearners.XLearner`.

    The native learner runs econml's exact algorithm (its opt-in switch):
    outcome models fitted in-sample per arm, and per treated arm a binary
    propensity model fitted on that arm and the control, unclipped. The
    native default cross-fits the outcome models and one multi-class
    propensity model instead (imputations from models that never saw the
    unit).

    Parameters
    ----------
    models : regressor
    cate_models : regressor, default=None
        ``None`` means ``models``.
    propensity_model : classifier, default=None
        ``None`` means ``LogisticRegression()`` (econml's default).
    categories : "auto" or list, default="auto"
    allow_missing : bool, default=False

    Attributes
    ----------
    native_ : causaldist.metalearners.XLearner
    """

    def __init__(self, *, models, cate_models=None, propensity_model=None,
                 categories="auto", allow_missing=False):
        self.models = models
        self.cate_models = cate_models
        self.propensity_model = propensity_model
        self.categories = categories
        self.allow_missing = allow_missing

    def _native(self, control):
        from sklearn.linear_model import LogisticRegression

        models = _single(self.models, "models")
        cate = models if self.cate_models is None else _single(self.cate_models, "cate_models")
        prop = LogisticRegression() if self.propensity_model is None else self.propensity_model
        # econml's in-sample variant: a private subclass of the native learner.
        return _EconmlXLearner(outcome_model=models, final_model=cate,
                               propensity_model=prop, control=control)


class DomainAdaptationLearner(_MetaAdapter):
    """econml's ``DomainAdaptationLearner`` on :class:`causaldist.metalearners.DomainAdaptationLearner`.

    The native learner runs econml's exact algorithm (its opt-in switch): for
    each treated arm, a propensity model fitted on the arm and the control,
    outcome models fitted in-sample with econml's weights ``p / (1 - p)``
    (controls) and ``(1 - p) / p`` (treated), no clipping, and the final
    model on the imputed effects. The native default cross-fits the
    propensity and the imputations instead.

    Parameters
    ----------
    models : regressor
        The outcome models, one clone per arm (a list is not supported); must
        accept ``sample_weight``.
    final_models : regressor
        One clone per treated arm (a list is not supported).
    propensity_model : classifier, default=LogisticRegression()
    categories : "auto" or list, default="auto"
    allow_missing : bool, default=False

    Attributes
    ----------
    native_ : causaldist.metalearners.DomainAdaptationLearner

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.compat.econml import DomainAdaptationLearner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 2)); T = rng.integers(0, 2, 1000)
    >>> Y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=1000)
    >>> est = DomainAdaptationLearner(models=LinearRegression(),
    ...                               final_models=LinearRegression()).fit(Y, T, X=X)
    >>> float(est.ate(X).round(1))  # truth 1
    0.9
    """

    def __init__(self, *, models, final_models, propensity_model=LogisticRegression(),
                 categories="auto", allow_missing=False):
        self.models = models
        self.final_models = final_models
        self.propensity_model = propensity_model
        self.categories = categories
        self.allow_missing = allow_missing

    def _native(self, control):
        # econml's in-sample variant: a private subclass of the native learner.
        return _EconmlDomainAdaptationLearner(
            outcome_model=_single(self.models, "models"),
            final_model=_single(self.final_models, "final_models"),
            propensity_model=self.propensity_model, control=control,
        )
