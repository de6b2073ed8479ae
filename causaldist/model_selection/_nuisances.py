"""The out-of-fold nuisances of the stage, their predictions and the propensity clipping."""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import is_classifier

__all__ = ["Nuisances"]


@dataclass
class Nuisances:
    """Out-of-fold nuisance predictions from the shared cross-fitting stage.

    Every array is indexed like the training rows; row ``i`` was predicted by
    models that never saw row ``i``.

    Attributes
    ----------
    propensity : ndarray of shape (n_samples, n_arms) or None
        ``e_a(x) = P(A = a | X = x)`` for every arm, clipped to
        ``[min_propensity, 1 - min_propensity]`` and renormalised.
    outcome : ndarray of shape (n_samples, n_arms) or (n_samples, n_arms, n_outputs) or None
        ``mu_a(x) = E[Y | A = a, X = x]`` for every arm (a vector per arm when
        ``y`` has several columns, e.g. a quantile function per unit).
    marginal : ndarray of shape (n_samples,) or (n_samples, n_outputs) or None
        ``m(x) = E[Y | X = x]``.
    treatment : ndarray of shape (n_samples,) or (n_samples, d_t) or None
        ``E[T | X = x]`` of a continuous treatment (DML's treatment model).
    folds : list of (train, test) index arrays
        The folds the predictions were made on.
    models : dict
        The fitted models per fold: ``"propensity"`` and ``"marginal"`` map to a
        list with one model per fold, ``"outcome"`` to a list with, per fold,
        either one pooled model or a list of one model per arm.
    scores : dict
        Held-out score of every fitted model on its test fold, recorded only
        when :func:`cross_fit` is called with ``score=True``: each name of
        ``models`` maps to a list with one entry per fold, the model's own
        ``score`` (R^2 of a regressor, accuracy of a classifier) on the test
        rows (econml's ``nuisance_scores_*``); per-arm outcome models give a
        list per fold, one score per arm on that arm's test rows.
    n_clipped : int
        Number of units whose propensity was clipped.
    n_arms : int
        Number of treatment arms.
    pooled_outcome : bool
        Whether the outcome models are pooled over arms.
    min_propensity : float
        The clipping bound of the propensities.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.model_selection import cross_fit, make_folds
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); t = rng.integers(0, 2, 200)
    >>> y = X[:, 0] + t + rng.normal(size=200)
    >>> nuis = cross_fit(X, y, t, folds=make_folds(3, t),
    ...                  propensity_model=LogisticRegression(),
    ...                  outcome_model=LinearRegression())
    >>> nuis.propensity.shape, nuis.outcome.shape
    ((200, 2), (200, 2))
    >>> gamma = nuis.dr_scores(y, t)
    >>> round(float(np.mean(gamma[:, 1] - gamma[:, 0])), 2)  # true ATE 1
    0.79
    """

    propensity: np.ndarray | None = None
    outcome: np.ndarray | None = None
    marginal: np.ndarray | None = None
    treatment: np.ndarray | None = None
    folds: list = field(default_factory=list)
    models: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    n_clipped: int = 0
    n_arms: int = 0
    pooled_outcome: bool = False
    min_propensity: float = 0.0
    # "renormalise" (the default), "clip" or "floor"; see _clip_propensity.
    clipping: str = "renormalise"

    def predict(self, X, which=None):
        """The fitted nuisances at new rows, averaged over the folds' models.

        Every fold's model predicts every row of ``X`` and the predictions are
        averaged (as econml's ``score`` does with its fold models), so rows
        that were not in the training data are predicted by all of them.
        Propensities are clipped as in the fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        which : iterable of str, default=None
            The nuisances to predict (``"propensity"``, ``"outcome"``,
            ``"marginal"``, ``"treatment"``); ``None`` means every fitted one.

        Returns
        -------
        nuisances : Nuisances
            The requested nuisances at ``X`` (those that were fitted), no folds.
        """
        out = Nuisances(
            n_arms=self.n_arms, pooled_outcome=self.pooled_outcome,
            min_propensity=self.min_propensity, models=self.models,
            clipping=self.clipping,
        )
        n = X.shape[0]
        wanted = set(self.models if which is None else which) & set(self.models)
        if "propensity" in wanted:
            out.propensity = np.mean(
                [_predict_proba(m, X, self.n_arms) for m in self.models["propensity"]],
                axis=0,
            )
            out.propensity, out.n_clipped = _clip_propensity(
                out.propensity, self.min_propensity, self.clipping
            )
        if "outcome" in wanted:
            out.outcome = np.mean(
                [
                    np.stack(_predict_arms(m, X, n, self.n_arms, self.pooled_outcome), axis=1)
                    for m in self.models["outcome"]
                ],
                axis=0,
            )
        if "marginal" in wanted:
            out.marginal = np.mean(
                [_predict_outcome(m, X) for m in self.models["marginal"]], axis=0
            )
        if "treatment" in wanted:
            out.treatment = np.mean([m.predict(X) for m in self.models["treatment"]], axis=0)
        return out

    def dr_scores(self, y, treatment):
        """Per-unit doubly robust (AIPW) scores of every arm.

        ``Gamma_i(a) = mu_a(X_i) + 1{A_i = a} / e_a(X_i) * (Y_i - mu_a(X_i))``
        (Robins, Rotnitzky & Zhao 1994; Dudik, Langford & Li 2011). The mean of
        ``Gamma_i(pi(X_i))`` is the DR value of a policy ``pi``, and
        ``Gamma_i(a) - Gamma_i(0)`` is the DR-learner's pseudo-outcome
        (Kennedy 2023). With a vector outcome (``y`` of shape ``(n, m)``) the
        scores are vectors too.

        Parameters
        ----------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Observed outcomes, the rows the nuisances were fitted on.
        treatment : ndarray of shape (n_samples,)
            Integer treatment codes ``0..n_arms-1``.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_arms) or (n_samples, n_arms, n_outputs)
        """
        if self.propensity is None or self.outcome is None:
            raise ValueError(
                "DR scores need both the propensity and the outcome nuisances; "
                "cross_fit was called without one of them."
            )
        y = np.asarray(y, dtype=np.float64)
        treatment = np.asarray(treatment)
        n, n_arms = self.outcome.shape[:2]
        if y.shape[0] != n or treatment.shape != (n,):
            raise ValueError(
                f"y and treatment must have one entry per unit of the nuisances "
                f"({n}); got y of shape {y.shape} and treatment of shape "
                f"{treatment.shape}."
            )
        if y.shape[1:] != self.outcome.shape[2:]:
            raise ValueError(
                f"y has shape {y.shape} but the outcome nuisances predict outputs "
                f"of shape {self.outcome.shape[2:]}."
            )
        if treatment.dtype.kind not in "iub" or np.any(treatment < 0) or np.any(
            treatment >= n_arms
        ):
            raise ValueError(
                f"treatment must hold integer codes in 0..{n_arms - 1}; got values "
                f"{np.unique(treatment)[:10].tolist()}."
            )
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinite values.")
        rows = np.arange(y.shape[0])
        scores = self.outcome.copy()
        resid = y - scores[rows, treatment]
        weight = 1.0 / self.propensity[rows, treatment]
        scores[rows, treatment] += resid * weight.reshape((-1,) + (1,) * (y.ndim - 1))
        return scores


def _predict_outcome(model, X):
    """Regression prediction, or ``E[Y | x] = sum_c c P(c | x)`` for a classifier.

    For a binary 0/1 outcome that is ``P(Y = 1 | x)``; it stays right when a
    training fold saw one class only (``classes_`` then has a single entry).
    """
    if is_classifier(model):
        proba = model.predict_proba(X)
        classes = np.asarray(model.classes_, dtype=np.float64)
        return proba @ classes
    return model.predict(X)


def _predict_proba(model, X, n_arms):
    """``(n, n_arms)`` class probabilities, zero for arms the model never saw."""
    proba = np.zeros((X.shape[0], n_arms))
    proba[:, np.asarray(model.classes_, dtype=np.intp)] = model.predict_proba(X)
    return proba


def _pooled_design(X, arm, n_arms):
    """``[X, one-hot(arm)]`` with the control column dropped (econml's layout)."""
    dummies = np.zeros((X.shape[0], n_arms - 1))
    arm = np.broadcast_to(arm, X.shape[0])
    rows = np.flatnonzero(arm > 0)
    dummies[rows, arm[rows] - 1] = 1.0
    return np.hstack([X, dummies])


def _predict_arms(model, X, n, n_arms, pooled, arms=None):
    """Outcome predictions of the ``arms`` (default every arm) at ``X``: a list of arrays."""
    arms = range(n_arms) if arms is None else arms
    if pooled:
        return [_predict_outcome(model, _pooled_design(X, a, n_arms)) for a in arms]
    return [_predict_outcome(model[a], X) for a in arms]


def _clip_propensity(proba, min_propensity, clipping="renormalise"):
    """Raise every arm's propensity to at least ``c`` and keep rows summing to 1.

    Entries below ``c`` are set to ``c`` and the other entries of the row are
    scaled to share the remaining ``1 - k c``; repeated until no entry falls
    below ``c`` (at most ``n_arms`` rounds). With two arms this is clipping to
    ``[c, 1 - c]``. ``clipping="clip"`` clips every entry to ``[c, 1 - c]``
    without renormalising the rows (the two agree with two arms);
    ``clipping="floor"`` only raises entries below ``c`` to ``c``. The
    latter two are hooks for compatibility layers
    (``_CrossFitMixin._propensity_clipping``).
    """
    if min_propensity <= 0:
        return proba, 0
    low = proba < min_propensity
    n_clipped = int(np.sum(low.any(axis=1)))
    if clipping == "floor":
        return np.maximum(proba, min_propensity), n_clipped
    if clipping == "clip":
        high = proba > 1 - min_propensity
        n_clipped = int(np.sum((low | high).any(axis=1)))
        return np.clip(proba, min_propensity, 1 - min_propensity), n_clipped
    if not n_clipped:
        return proba, 0
    proba = proba.copy()
    fixed = np.zeros_like(low)
    for _ in range(proba.shape[1]):
        fixed |= proba < min_propensity
        free_mass = np.where(fixed, 0.0, proba).sum(axis=1, keepdims=True)
        target = 1.0 - min_propensity * fixed.sum(axis=1, keepdims=True)
        scale = np.divide(target, free_mass, out=np.ones_like(free_mass), where=free_mass > 0)
        proba = np.where(fixed, min_propensity, proba * scale)
        if not np.any(proba < min_propensity * (1 - 1e-12)):
            break
    return proba, n_clipped
