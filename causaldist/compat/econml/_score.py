"""econml's ``RScorer`` on the residuals of the native :class:`causaldist.dml.LinearDML`."""

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ...base import _atomic_fit
from ._dml import LinearDML

__all__ = ["EnsembleCateEstimator", "RScorer"]


def _r_loss(y_res, t_res, effects, sample_weight):
    """econml's R-loss: ``mean_y average_i (Y~_iy - theta_i(y) . T~_i)^2``."""
    pred = np.einsum("ijk,ik->ij", effects, t_res)
    return float(np.mean(np.average((y_res - pred) ** 2, weights=sample_weight, axis=0)))


class EnsembleCateEstimator:
    """econml's ``EnsembleCateEstimator``: a weighted average of fitted CATE models.

    Returned by :meth:`RScorer.ensemble`. The models are kept by reference
    (econml's rule: refitting one changes the ensemble).

    Parameters
    ----------
    cate_models : list of estimator
        Fitted models with econml's ``effect`` / ``marginal_effect`` /
        ``const_marginal_effect`` (econml's classes or these adapters).
    weights : array-like of shape (len(cate_models),)
        Non-negative weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.compat.econml import EnsembleCateEstimator, LinearDML
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 1)); T = rng.normal(size=300)
    >>> Y = (1 + X[:, 0]) * T + rng.normal(size=300)
    >>> m = LinearDML(model_y=LinearRegression(), model_t=LinearRegression()).fit(Y, T, X=X)
    >>> ens = EnsembleCateEstimator(cate_models=[m, m], weights=[0.3, 0.7])
    >>> bool(np.allclose(ens.effect(X[:3]), m.effect(X[:3])))
    True
    """

    def __init__(self, *, cate_models, weights):
        if not isinstance(cate_models, list) or not all(
            hasattr(m, "effect") for m in cate_models
        ):
            raise ValueError("cate_models must be a list of fitted CATE models with effect().")
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (len(cate_models),) or not np.all(np.isfinite(weights)) or np.any(
            weights < 0
        ):
            raise ValueError(
                f"weights must be {len(cate_models)} finite non-negative numbers; "
                f"got {weights!r}."
            )
        self.cate_models = cate_models
        self.weights = weights

    def effect(self, X=None, *, T0=0, T1=1):
        """Weighted average of the models' ``effect``.

        Parameters
        ----------
        X : array-like, default=None
        T0, T1 : as the models' ``effect``

        Returns
        -------
        effect : ndarray
        """
        return np.average([m.effect(X=X, T0=T0, T1=T1) for m in self.cate_models],
                          weights=self.weights, axis=0)

    def marginal_effect(self, T, X=None):
        """Weighted average of the models' ``marginal_effect``.

        Parameters
        ----------
        T : array-like
        X : array-like, default=None

        Returns
        -------
        effect : ndarray
        """
        return np.average([m.marginal_effect(T, X=X) for m in self.cate_models],
                          weights=self.weights, axis=0)

    def const_marginal_effect(self, X=None):
        """Weighted average of the models' ``const_marginal_effect``.

        Parameters
        ----------
        X : array-like, default=None

        Returns
        -------
        effect : ndarray
        """
        if not all(hasattr(m, "const_marginal_effect") for m in self.cate_models):
            raise ValueError("a model in cate_models has no const_marginal_effect.")
        return np.average([m.const_marginal_effect(X=X) for m in self.cate_models],
                          weights=self.weights, axis=0)


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

    @_atomic_fit
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

    def ensemble(self, cate_models, eta=1000.0, return_scores=False):
        """A softmax-weighted ensemble of the models by their :meth:`score` (econml's).

        Weights ``softmax(eta * score)`` over the models with a finite score;
        the others are left out.

        Parameters
        ----------
        cate_models : list of estimator
        eta : float, default=1000.0
            Softmax temperature: large values approach :meth:`best_model`.
        return_scores : bool, default=False

        Returns
        -------
        ensemble : EnsembleCateEstimator
        ensemble_score : float
            :meth:`score` of the ensemble.
        scores : ndarray of shape (len(cate_models),)
            Only with ``return_scores=True``.
        """
        scores = np.array([self.score(m) for m in cate_models])
        good = np.isfinite(scores)
        if not good.any():
            raise ValueError("no model in cate_models has a finite score.")
        ens = EnsembleCateEstimator(
            cate_models=[m for m, g in zip(cate_models, good) if g],
            weights=softmax(eta * scores[good]),
        )
        ens_score = self.score(ens)
        if return_scores:
            return ens, ens_score, scores
        return ens, ens_score
