"""econml's ``RScorer`` on the residuals of the native :class:`causaldist.dml.LinearDML`."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._dml import LinearDML

__all__ = ["RScorer"]


def _r_loss(y_res, t_res, effects, sample_weight):
    """econml's R-loss: ``mean_y average_i (Y~_iy - theta_i(y) . T~_i)^2``."""
    pred = np.einsum("ijk,ik->ij", effects, t_res)
    return float(np.mean(np.average((y_res - pred) ** 2, weights=sample_weight, axis=0)))


class RScorer(BaseEstimator):
    """econml's ``RScorer``: ``1 - R-loss(cate) / R-loss(constant effect)``.

    ``fit`` fits the :class:`LinearDML` adapter (so the native
    :class:`causaldist.dml.LinearDML`) with ``X=None`` and ``W = [X, W]``, as
    econml does; its cross-fitted residuals ``(Y~, T~)`` and constant effect
    give the baseline loss, and :meth:`score` rates any model with econml's
    ``const_marginal_effect(X)`` (econml's classes or these adapters).

    Parameters
    ----------
    model_y : regressor
    model_t : regressor or classifier
    discrete_treatment : bool, default=False
    discrete_outcome : bool, default=False
        Only False is supported.
    categories : "auto" or list, default="auto"
    cv : int, splitter or iterable, default=2
    mc_iters : int, default=None
    mc_agg : {"mean", "median"}, default="mean"
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    lineardml_ : LinearDML
        The fitted adapter (``lineardml_.native_`` holds the residuals).
    base_score_ : float
        R-loss of the constant effect.
    dx_ : int
        Number of ``X`` columns.
    """

    def __init__(self, *, model_y, model_t, discrete_treatment=False, discrete_outcome=False,
                 categories="auto", cv=2, mc_iters=None, mc_agg="mean", random_state=None):
        self.model_y = model_y
        self.model_t = model_t
        self.discrete_treatment = discrete_treatment
        self.discrete_outcome = discrete_outcome
        self.categories = categories
        self.cv = cv
        self.mc_iters = mc_iters
        self.mc_agg = mc_agg
        self.random_state = random_state

    def fit(self, y, T, X=None, W=None, sample_weight=None, groups=None):
        """Cross-fit the residuals and the baseline loss.

        Parameters
        ----------
        y : array-like of shape (n,) or (n, d_y)
        T : array-like of shape (n,) or (n, d_t)
        X : array-like of shape (n, d_x)
        W : array-like of shape (n, d_w), default=None
        sample_weight : array-like of shape (n,), default=None
        groups : array-like of shape (n,), default=None

        Returns
        -------
        self : object
        """
        if X is None:
            raise ValueError("X cannot be None for the RScorer!")
        X = np.asarray(X, dtype=np.float64)
        X = X.reshape(-1, 1) if X.ndim == 1 else X
        XW = X if W is None else np.hstack([X, np.asarray(W, dtype=np.float64).reshape(len(X), -1)])
        self.lineardml_ = LinearDML(
            model_y=self.model_y, model_t=self.model_t, discrete_treatment=self.discrete_treatment,
            discrete_outcome=self.discrete_outcome, categories=self.categories, cv=self.cv,
            mc_iters=self.mc_iters, mc_agg=self.mc_agg, random_state=self.random_state,
        ).fit(y, T, X=None, W=XW, sample_weight=sample_weight, groups=groups)
        self._X = X
        self._sample_weight = sample_weight
        y_res, t_res = self.lineardml_.native_.residuals_
        theta = np.asarray(self.lineardml_.const_marginal_effect()).reshape(
            1, y_res.shape[1], t_res.shape[1])
        self.base_score_ = _r_loss(y_res, t_res, np.broadcast_to(
            theta, (y_res.shape[0],) + theta.shape[1:]), sample_weight)
        self.dx_ = X.shape[1]
        return self

    def score(self, cate_model):
        """``1 - R-loss(cate_model) / base_score_`` on the fitted residuals; higher is better.

        Parameters
        ----------
        cate_model : estimator
            Fitted, with ``const_marginal_effect(X)``.

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "lineardml_")
        y_res, t_res = self.lineardml_.native_.residuals_
        effects = np.asarray(cate_model.const_marginal_effect(self._X)).reshape(
            (-1, y_res.shape[1], t_res.shape[1]))
        return 1 - _r_loss(y_res, t_res, effects, self._sample_weight) / self.base_score_

    def best_model(self, cate_models, return_scores=False):
        """The model with the highest :meth:`score`.

        Parameters
        ----------
        cate_models : list of estimator
        return_scores : bool, default=False

        Returns
        -------
        best : estimator
        best_score : float
        scores : list of float
            Only with ``return_scores=True``.
        """
        scores = [self.score(m) for m in cate_models]
        best = int(np.nanargmax(scores))
        if return_scores:
            return cate_models[best], scores[best], scores
        return cate_models[best], scores[best]
