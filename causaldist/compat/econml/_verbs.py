"""econml's verb set, written once for the DML and DR adapters.

Every verb reshapes and forwards to the fitted native estimator
(``native_``); the two families differ only in the hooks ``_contrast``
(what ``T0=0, T1=1`` mean) and ``_score_inputs`` (how ``Y`` and ``T`` are
passed to the native ``score`` and how the loss is scaled).
"""

import numpy as np

from ._base import _bootstrapped, _not_after_bootstrap

__all__ = []


class _EffectVerbs:
    """``effect``, ``marginal_ate`` and ``score`` of econml's CATE estimators."""

    def _contrast(self, m, T0, T1):
        """The arms (or treatment values) of ``effect``'s ``T0`` and ``T1``."""
        return T0, T1

    def _score_inputs(self, Y, T):
        """``Y`` and ``T`` as the native ``score`` takes them, and the loss's divisor."""
        return np.asarray(Y, dtype=np.float64), np.asarray(T), 1

    def effect(self, X=None, *, T0=0, T1=1):
        """Effect of moving each row from ``T0`` to ``T1``.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : scalar, label or array-like, default=0 and 1
            Treatment values, or arms; ``0`` and ``1`` mean the control and
            (with two arms) the treated arm when they are not labels.

        Returns
        -------
        effect : ndarray of shape (m,) or (m, d_y)
        """
        native = self._check()
        Xf = self._full(X)
        T0, T1 = self._contrast(Xf.shape[0], T0, T1)
        return native.effect(Xf, T0=T0, T1=T1)

    def marginal_ate(self, T, X=None):
        """Mean of :meth:`marginal_effect` over the rows.

        Parameters
        ----------
        T : array-like
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        ate : ndarray
        """
        return np.mean(self.marginal_effect(T, X), axis=0)

    def score(self, Y, T, X=None, W=None, sample_weight=None):
        """econml's ``score``: the loss with the fitted nuisances (lower is better).

        The R-loss MSE for DML (averaged over the outcome columns, as econml),
        the DR pseudo-outcome MSE for the DR learners (the nuisances averaged
        over the fold models before the pseudo-outcome is formed; econml
        averages the pseudo-outcomes of every fold model, so the value is
        close to, not equal to, econml's).

        Parameters
        ----------
        Y : array-like of shape (n,) or (n, d_y)
        T : array-like
        X, W : array-like, default=None
        sample_weight : array-like of shape (n,), default=None

        Returns
        -------
        score : float
        """
        native = self._check()
        n = np.shape(Y)[0]
        Y, T, scale = self._score_inputs(Y, T)
        return -native.score(self._full(X, W, n), Y, treatment=T,
                             sample_weight=sample_weight) / scale


class _InferenceVerbs:
    """econml's ``*_inference`` and ``*_interval`` verbs of an analytic final stage."""

    @_not_after_bootstrap
    def effect_inference(self, X=None, *, T0=0, T1=1):
        """:meth:`effect` with standard errors.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        inference : causaldist.inference.EffectInference
            ``summary_frame()``, ``conf_int()``, ``population_summary()``.
        """
        native = self._check()
        Xf = self._full(X)
        T0, T1 = self._contrast(Xf.shape[0], T0, T1)
        return native.effect_inference(Xf, T0=T0, T1=T1)

    @_bootstrapped("effect")
    def effect_interval(self, X=None, *, T0=0, T1=1, alpha=0.05):
        """Pointwise ``1 - alpha`` intervals of :meth:`effect`.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : as in :meth:`effect`
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self.effect_inference(X, T0=T0, T1=T1).conf_int(alpha)

    @_not_after_bootstrap
    def const_marginal_effect_inference(self, X=None):
        """:meth:`const_marginal_effect` with standard errors.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None

        Returns
        -------
        inference : causaldist.inference.EffectInference
        """
        return self._check().const_marginal_effect_inference(self._full(X))

    @_bootstrapped("const_marginal_effect")
    def const_marginal_effect_interval(self, X=None, *, alpha=0.05):
        """Pointwise intervals of :meth:`const_marginal_effect`.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        return self.const_marginal_effect_inference(X).conf_int(alpha)

    @_not_after_bootstrap
    def ate_inference(self, X=None, *, T0=0, T1=1):
        """The mean of :meth:`effect` over the rows of ``X`` with its standard error.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : as in :meth:`effect`

        Returns
        -------
        summary : causaldist.inference.PopulationSummary
            econml's ``PopulationSummaryResults`` members (``mean_point``,
            ``stderr_mean``, ``conf_int_mean``, ``summary()``, ...).
        """
        return self.effect_inference(X, T0=T0, T1=T1).population_summary()

    @_bootstrapped("effect", average=True)
    def ate_interval(self, X=None, *, T0=0, T1=1, alpha=0.05):
        """Interval of :meth:`ate`.

        Parameters
        ----------
        X : array-like of shape (m, d_x), default=None
        T0, T1 : as in :meth:`effect`
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : float or ndarray
        """
        return self.ate_inference(X, T0=T0, T1=T1).conf_int(alpha)
