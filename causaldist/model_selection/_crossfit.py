"""The one cross-fitting stage that every causaldist learner draws its nuisances from.

Folds are built once per fit by :func:`make_folds`; :func:`cross_fit` fits every
requested nuisance model once per fold (in parallel over folds with joblib) and
returns all out-of-fold predictions as one :class:`Nuisances` object. With
``memory`` set, the whole stage is cached on disk keyed by the nuisance models'
parameters, the data and the folds, so that tuning a final stage never refits a
nuisance.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.model_selection import check_cv
from sklearn.utils.validation import check_memory

__all__ = ["Nuisances", "make_folds", "cross_fit"]


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
    folds : list of (train, test) index arrays
        The folds the predictions were made on.
    models : dict
        The fitted models per fold: ``"propensity"`` and ``"marginal"`` map to a
        list with one model per fold, ``"outcome"`` to a list with, per fold,
        either one pooled model or a list of one model per arm.
    n_clipped : int
        Number of units whose propensity was clipped.
    """

    propensity: np.ndarray | None = None
    outcome: np.ndarray | None = None
    marginal: np.ndarray | None = None
    folds: list = field(default_factory=list)
    models: dict = field(default_factory=dict)
    n_clipped: int = 0

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
        rows = np.arange(y.shape[0])
        scores = self.outcome.copy()
        resid = y - scores[rows, treatment]
        weight = 1.0 / self.propensity[rows, treatment]
        scores[rows, treatment] += resid * weight.reshape((-1,) + (1,) * (y.ndim - 1))
        return scores


def make_folds(cv, treatment, *, groups=None, random_state=None):
    """Build the cross-fitting folds once, stratified on treatment by default.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable
        An int gives ``StratifiedKFold`` on the treatment (``StratifiedGroupKFold``
        when ``groups`` is given), shuffled with ``random_state`` when that is
        not None and unshuffled otherwise, so that the folds (and any cache keyed
        on them) are deterministic by default. A splitter is called as
        ``cv.split(X, treatment, groups)``; an iterable of ``(train, test)``
        pairs is used as is.
    treatment : ndarray of shape (n_samples,)
        Integer treatment codes ``0..n_arms-1``.
    groups : array-like of shape (n_samples,), default=None
        Group labels: no group is split across a train and a test fold.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the int ``cv`` folds.

    Returns
    -------
    folds : list of (train, test) tuples of int arrays
        Every unit is in exactly one test fold and every training part contains
        every arm.
    """
    treatment = np.asarray(treatment)
    n = treatment.shape[0]
    counts = np.bincount(treatment)
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds for cross-fitting; got {cv}.")
        if counts.min() < cv:
            arm = int(np.argmin(counts))
            raise ValueError(
                f"treatment: arm with code {arm} has only {counts[arm]} units, fewer "
                f"than the cv={cv} cross-fitting folds; use fewer folds or drop the arm."
            )
        shuffle = random_state is not None
        kw = dict(n_splits=cv, shuffle=shuffle, random_state=random_state if shuffle else None)
        splitter = StratifiedGroupKFold(**kw) if groups is not None else StratifiedKFold(**kw)
    else:
        splitter = check_cv(cv, treatment, classifier=True)
    dummy_X = np.empty((n, 0))
    folds = [
        (np.asarray(train, dtype=np.intp), np.asarray(test, dtype=np.intp))
        for train, test in splitter.split(dummy_X, treatment, groups)
    ]
    if len(folds) < 2:
        raise ValueError(f"cv must give at least two folds; got {len(folds)}.")
    covered = np.zeros(n, dtype=np.int64)
    for train, test in folds:
        covered[test] += 1
        missing = np.setdiff1d(np.arange(counts.size), treatment[train])
        if missing.size:
            raise ValueError(
                f"cv: a training fold has no unit of arm code(s) {missing.tolist()}; "
                "every training fold must contain every arm."
            )
    if not np.all(covered == 1):
        raise ValueError(
            "cv: cross-fitting needs every unit in exactly one test fold; "
            f"{int(np.sum(covered != 1))} units are not."
        )
    return folds


def _predict_outcome(model, X):
    """Regression prediction, or P(y = 1 | x) for a classifier of a binary outcome."""
    if is_classifier(model):
        proba = model.predict_proba(X)
        return proba[:, -1]
    return model.predict(X)


def _fit(model, X, y, sample_weight):
    model = clone(model)
    if sample_weight is None:
        return model.fit(X, y)
    return model.fit(X, y, sample_weight=sample_weight)


def _pooled_design(X, arm, n_arms):
    """``[X, one-hot(arm)]`` with the control column dropped (econml's layout)."""
    dummies = np.zeros((X.shape[0], n_arms - 1))
    arm = np.broadcast_to(arm, X.shape[0])
    rows = np.flatnonzero(arm > 0)
    dummies[rows, arm[rows] - 1] = 1.0
    return np.hstack([X, dummies])


def _fit_fold(
    train, test, X, y, t, n_arms, propensity_model, outcome_model, marginal_model,
    pooled_outcome, sample_weight,
):
    sw = (lambda idx: None) if sample_weight is None else (lambda idx: sample_weight[idx])
    preds, models = {}, {}
    if propensity_model is not None:
        model = _fit(propensity_model, X[train], t[train], sw(train))
        proba = np.zeros((test.size, n_arms))
        proba[:, np.asarray(model.classes_, dtype=np.intp)] = model.predict_proba(X[test])
        preds["propensity"], models["propensity"] = proba, model
    if outcome_model is not None:
        if pooled_outcome:
            model = _fit(outcome_model, _pooled_design(X[train], t[train], n_arms), y[train], sw(train))
            mu = [_predict_outcome(model, _pooled_design(X[test], a, n_arms)) for a in range(n_arms)]
        else:
            model, mu = [], []
            for a in range(n_arms):
                idx = train[t[train] == a]
                model.append(_fit(outcome_model, X[idx], y[idx], sw(idx)))
                mu.append(_predict_outcome(model[-1], X[test]))
        preds["outcome"], models["outcome"] = np.stack(mu, axis=1), model
    if marginal_model is not None:
        model = _fit(marginal_model, X[train], y[train], sw(train))
        preds["marginal"], models["marginal"] = _predict_outcome(model, X[test]), model
    return test, preds, models


def _cross_fit(
    X, y, treatment, n_arms, folds, propensity_model, outcome_model, marginal_model,
    pooled_outcome, sample_weight, min_propensity, n_jobs,
):
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_fold)(
            train, test, X, y, treatment, n_arms, propensity_model, outcome_model,
            marginal_model, pooled_outcome, sample_weight,
        )
        for train, test in folds
    )
    n = X.shape[0]
    out = Nuisances(folds=list(folds))
    for name in ("propensity", "outcome", "marginal"):
        first = results[0][1].get(name)
        if first is None:
            continue
        arr = np.empty((n,) + first.shape[1:], dtype=np.float64)
        for test, preds, _ in results:
            arr[test] = preds[name]
        setattr(out, name, arr)
        out.models[name] = [models[name] for _, _, models in results]
    if out.propensity is not None:
        out.propensity, out.n_clipped = _clip_propensity(out.propensity, min_propensity)
    return out


def _clip_propensity(proba, min_propensity):
    """Clip every arm's propensity to ``[c, 1 - c]`` and renormalise the rows."""
    if min_propensity <= 0:
        return proba, 0
    low = proba < min_propensity
    n_clipped = int(np.sum(low.any(axis=1)))
    if n_clipped:
        proba = np.maximum(proba, min_propensity)
        proba /= proba.sum(axis=1, keepdims=True)
    return proba, n_clipped


def cross_fit(
    X,
    y,
    treatment,
    *,
    n_arms=None,
    folds,
    propensity_model=None,
    outcome_model=None,
    marginal_model=None,
    pooled_outcome=False,
    W=None,
    sample_weight=None,
    min_propensity=1e-3,
    n_jobs=None,
    memory=None,
):
    """Fit every requested nuisance once per fold and predict it out of fold.

    Each model that is not None is cloned and fitted once on each training part
    of ``folds`` and predicts its test part:

    - ``propensity_model`` (a classifier): ``e_a(x)`` for every arm;
    - ``outcome_model`` (a regressor, or a classifier for a binary outcome):
      ``mu_a(x)``, one model per arm fitted on that arm's units, or with
      ``pooled_outcome=True`` one model on ``[X, W, one-hot(A)]`` (econml's
      structure) predicted at every arm;
    - ``marginal_model``: ``m(x) = E[Y | X]``.

    A multi-output ``y`` of shape ``(n, m)`` is passed through whole: use
    regressors that predict ``m`` outputs.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    treatment : ndarray of shape (n_samples,)
        Integer codes ``0..n_arms-1``.
    n_arms : int, default=None
        Number of arms; ``None`` means ``treatment.max() + 1``.
    folds : list of (train, test)
        From :func:`make_folds`.
    propensity_model, outcome_model, marginal_model : estimator or None
        The nuisances to fit; ``None`` skips one.
    pooled_outcome : bool, default=False
        Fit one outcome model on ``[X, W, one-hot(A)]`` instead of one per arm.
    W : ndarray of shape (n_samples, n_controls), default=None
        Controls that enter the nuisances (appended to ``X``) but not the
        final stage.
    sample_weight : ndarray of shape (n_samples,), default=None
        Passed to every nuisance's ``fit``.
    min_propensity : float, default=1e-3
        Propensities below it are raised to it and rows renormalised, with a
        ``UserWarning`` that says how many units were clipped.
    n_jobs : int, default=None
        Folds fitted in parallel through ``joblib.Parallel``, so that
        ``joblib.parallel_backend("dask")`` moves them onto a cluster.
    memory : None, str or joblib.Memory, default=None
        Cache of the whole stage, keyed by the models' parameters, the data,
        the folds and the options.

    Returns
    -------
    nuisances : Nuisances
    """
    X = np.asarray(X, dtype=np.float64)
    if W is not None:
        W = np.asarray(W, dtype=np.float64)
        if W.ndim == 1:
            W = W.reshape(-1, 1)
        if W.shape[0] != X.shape[0]:
            raise ValueError(f"W has {W.shape[0]} rows but X has {X.shape[0]}.")
        X = np.hstack([X, W])
    treatment = np.asarray(treatment, dtype=np.intp)
    n_arms = int(treatment.max()) + 1 if n_arms is None else int(n_arms)
    folds = [(np.asarray(tr, dtype=np.intp), np.asarray(te, dtype=np.intp)) for tr, te in folds]
    # Unfitted clones make the cache key depend on parameters only.
    models = [None if m is None else clone(m) for m in (propensity_model, outcome_model, marginal_model)]
    if all(m is None for m in models):
        raise ValueError("cross_fit needs at least one nuisance model.")
    memory = check_memory(memory)
    fn = memory.cache(_cross_fit, ignore=["n_jobs"]) if memory.location is not None else _cross_fit
    out = fn(
        X, np.asarray(y, dtype=np.float64), treatment, n_arms, folds, *models,
        bool(pooled_outcome), sample_weight, float(min_propensity), n_jobs,
    )
    if out.n_clipped:
        warnings.warn(
            f"{out.n_clipped} of {X.shape[0]} units had an estimated propensity "
            f"outside [{min_propensity:g}, {1 - min_propensity:g}] and were clipped: "
            "overlap is poor and inverse-propensity weights are unreliable there.",
            UserWarning,
            stacklevel=2,
        )
    return out
