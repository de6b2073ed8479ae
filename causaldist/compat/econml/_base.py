"""What every econml adapter shares: the data layout and the econml verbs.

An adapter stores econml's constructor parameters verbatim, builds the native
causaldist estimator in ``fit`` (``_native(n_x)``) and fits it on
``X_full = [X, W]`` with ``effect_features`` the ``X`` columns. Every number
comes from that native estimator; the adapter only reshapes.
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ...base import _warn

__all__ = []


def _auto_warning(owner, names):
    """Warn that econml's ``'auto'`` models map to causaldist's defaults."""
    if names:
        _warn(
            f"{type(owner).__name__}: {', '.join(names)}='auto' maps to causaldist's "
            "default models (HistGradientBoosting outcome/treatment regressors, "
            "standardised logistic propensity), not econml's model selection "
            "between linear models and forests; numeric parity with econml "
            "needs explicit models."
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
