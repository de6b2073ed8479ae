"""The one cross-fitting stage that every causaldist learner draws its nuisances from.

Folds are built once per fit by :func:`make_folds`; :func:`cross_fit` fits every
requested nuisance model once per fold (in parallel over folds with joblib) and
returns all out-of-fold predictions as one :class:`Nuisances` object. With
``memory`` set, the whole stage is cached on disk keyed by the nuisance models'
parameters, the data and the folds, so that tuning a final stage never refits a
nuisance.
"""

import hashlib
import inspect
import marshal
import time
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, hash as joblib_hash
from sklearn.base import clone, is_classifier
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
)
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_memory
from threadpoolctl import threadpool_limits

from .._progress import progress_of, seconds
from ..base import _fit_model, _warn

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
    # "renormalise" (the default) or "clip" (econml's: each entry clipped to
    # [c, 1 - c], rows not renormalised); see _clip_propensity.
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


def _check_codes(treatment, name="treatment", n_arms=None):
    """Integer treatment codes ``0..K-1`` as a 1-D intp array, or a clear error."""
    t = np.asarray(treatment)
    if t.ndim != 1:
        raise ValueError(f"{name} must be 1-D integer codes; got shape {t.shape}.")
    if t.size == 0:
        raise ValueError(f"{name} is empty.")
    if t.dtype.kind == "f" and np.all(np.isfinite(t)) and np.all(t == np.round(t)):
        t = t.astype(np.intp)
    if t.dtype.kind not in "iub" or np.any(t < 0):
        raise ValueError(
            f"{name} must hold integer codes 0..n_arms-1 (encode labels first, e.g. "
            f"with np.unique(labels, return_inverse=True)); got dtype {t.dtype} "
            f"and values {np.unique(t)[:10].tolist()}."
        )
    t = t.astype(np.intp)
    if n_arms is not None and t.max() >= n_arms:
        raise ValueError(f"{name} has code {t.max()} but n_arms={n_arms}.")
    return t


def _econml_splitter(cv, random_state, *, stratify=True, groups=None):
    """The splitter econml 0.17 makes of ``cv`` (private; see :func:`_econml_folds`).

    An int ``cv`` (or an unshuffled ``KFold``/``StratifiedKFold`` that
    sklearn's ``check_cv`` builds from it) becomes shuffled with
    ``random_state``, grouped when ``groups`` is given; a splitter or an
    iterable of folds is returned as sklearn's ``check_cv`` wraps it.
    """
    splitter = check_cv(cv, [0], classifier=stratify)
    if splitter is not cv and isinstance(splitter, (KFold, StratifiedKFold)):
        if groups is not None:
            group_cls = GroupKFold if isinstance(splitter, KFold) else StratifiedGroupKFold
            splitter = group_cls(n_splits=splitter.n_splits)
        splitter.shuffle = True
        splitter.random_state = random_state
    return splitter


def _econml_folds(cv, strata, n_samples, random_state, *, stratify=True, groups=None):
    """The folds econml 0.17's ``_OrthoLearner`` draws for ``cv`` (private).

    An int ``cv`` is a ``StratifiedKFold`` on ``strata`` (the raw treatment
    labels; ``KFold`` when ``stratify`` is False, the grouped splitters with
    ``groups``) with ``shuffle=True`` and ``random_state`` the one
    ``RandomState`` econml seeds from its ``random_state`` (pass the same
    instance to draw the folds of later ``mc_iters`` repetitions). A splitter
    or an iterable of ``(train, test)`` pairs is used as given.

    Parameters
    ----------
    cv : int, splitter or iterable
    strata : array-like of shape (n_samples,)
    n_samples : int
    random_state : RandomState
    stratify : bool, default=True
    groups : array-like of shape (n_samples,), default=None

    Returns
    -------
    folds : list of (train, test) tuples of int arrays
    """
    splitter = _econml_splitter(cv, random_state, stratify=stratify, groups=groups)
    strata = np.asarray(strata)
    if strata.ndim == 2 and strata.shape[1] == 1:
        strata = strata[:, 0]
    return [
        (np.asarray(tr, dtype=np.intp), np.asarray(te, dtype=np.intp))
        for tr, te in splitter.split(np.ones((n_samples, 1)), strata, groups)
    ]


def make_folds(cv, treatment, *, groups=None, random_state=None, stratify=True):
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
    treatment : array-like of shape (n_samples,)
        Integer treatment codes ``0..n_arms-1``.
    groups : array-like of shape (n_samples,), default=None
        Group labels: no group is split across a train and a test fold.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the int ``cv`` folds.
    stratify : bool, default=True
        False for a continuous treatment (any numbers, shape ``(n,)`` or
        ``(n, d_t)``): an int ``cv`` then gives ``KFold`` (``GroupKFold``
        with groups) and no arm is checked.

    Returns
    -------
    folds : list of (train, test) tuples of int arrays
        Every unit is in exactly one test fold and every training part contains
        every arm.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.model_selection import make_folds
    >>> t = np.array([0, 1] * 6)
    >>> folds = make_folds(3, t)
    >>> [test.tolist() for _, test in folds]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    """
    if not stratify:
        return _unstratified_folds(cv, np.asarray(treatment), groups, random_state)
    treatment = _check_codes(treatment)
    n = treatment.shape[0]
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(
                f"groups must have one label per unit ({n}); got shape {groups.shape}."
            )
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
        if groups is not None and np.unique(groups).size < cv:
            raise ValueError(
                f"groups: {np.unique(groups).size} groups cannot fill cv={cv} "
                "grouped folds; use fewer folds."
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
        in_train = np.bincount(treatment[train], minlength=counts.size)
        if in_train.min() < 2:
            # An arm's outcome model would be fitted on one row (or fail
            # inside it, e.g. a spline basis needs two).
            arm = int(np.argmin(in_train))
            raise ValueError(
                f"treatment: arm with code {arm} has {counts[arm]} units, so a training "
                "fold holds only one of them; every training fold needs at least 2 units "
                "of every arm. Use fewer folds or drop the arm."
            )
    if not np.all(covered == 1):
        raise ValueError(
            "cv: cross-fitting needs every unit in exactly one test fold; "
            f"{int(np.sum(covered != 1))} units are not."
        )
    return folds


def _unstratified_folds(cv, treatment, groups, random_state):
    """``KFold`` / ``GroupKFold`` folds (a continuous treatment has no arms)."""
    n = treatment.shape[0]
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(
                f"groups must have one label per unit ({n}); got shape {groups.shape}."
            )
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds for cross-fitting; got {cv}.")
        if groups is not None:
            if np.unique(groups).size < cv:
                raise ValueError(
                    f"groups: {np.unique(groups).size} groups cannot fill cv={cv} "
                    "grouped folds; use fewer folds."
                )
            shuffle = random_state is not None
            splitter = GroupKFold(
                n_splits=cv, shuffle=shuffle, random_state=random_state if shuffle else None
            )
        else:
            shuffle = random_state is not None
            splitter = KFold(
                n_splits=cv, shuffle=shuffle, random_state=random_state if shuffle else None
            )
    else:
        splitter = check_cv(cv)
    folds = [
        (np.asarray(train, dtype=np.intp), np.asarray(test, dtype=np.intp))
        for train, test in splitter.split(np.empty((n, 0)), None, groups)
    ]
    if len(folds) < 2:
        raise ValueError(f"cv must give at least two folds; got {len(folds)}.")
    covered = np.zeros(n, dtype=np.int64)
    for _, test in folds:
        covered[test] += 1
    if not np.all(covered == 1):
        raise ValueError(
            "cv: cross-fitting needs every unit in exactly one test fold; "
            f"{int(np.sum(covered != 1))} units are not."
        )
    return folds


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


def _score_fold(models, test, X, y, t, n_arms, pooled_outcome, sample_weight):
    """Each fitted model's own ``score`` on the test rows (econml's ``nuisance_scores_``)."""

    def score(model, rows, target, idx):
        if sample_weight is None:
            return float(model.score(rows, target))
        return float(model.score(rows, target, sample_weight=sample_weight[idx]))

    X_test = _safe_indexing(X, test)
    out = {}
    for name, model in models.items():
        if name == "outcome" and pooled_outcome:
            out[name] = score(model, _pooled_design(X[test], t[test], n_arms), y[test], test)
        elif name == "outcome":
            out[name] = [
                score(model[a], _safe_indexing(X, test[t[test] == a]), y[test[t[test] == a]],
                      test[t[test] == a])
                for a in range(n_arms)
            ]
        else:
            out[name] = score(model, X_test, y[test] if name == "marginal" else t[test], test)
    return out


def _fit_fold(
    train, test, X, y, t, n_arms, propensity_model, outcome_model, marginal_model,
    pooled_outcome, sample_weight, inner_threads, treatment_model=None, score=False,
):
    sw = (lambda idx: None) if sample_weight is None else (lambda idx: sample_weight[idx])
    rows = lambda idx: _safe_indexing(X, idx)  # noqa: E731 (arrays and DataFrames)
    preds, models, times = {}, {}, {}
    # Workers beside each other must not each start a thread per core.
    with threadpool_limits(inner_threads):
        start = time.perf_counter()
        if propensity_model is not None:
            model = _fit_model(propensity_model, rows(train), t[train], sw(train))
            preds["propensity"] = _predict_proba(model, rows(test), n_arms)
            models["propensity"] = model
            times["propensity"], start = time.perf_counter() - start, time.perf_counter()
        if outcome_model is not None:
            if pooled_outcome:
                model = _fit_model(
                    outcome_model, _pooled_design(X[train], t[train], n_arms), y[train],
                    sw(train),
                )
            else:
                model = []
                for a in range(n_arms):
                    idx = train[t[train] == a]
                    model.append(_fit_model(outcome_model, rows(idx), y[idx], sw(idx)))
            models["outcome"] = model
            # A scalar outcome is predicted here, so that the folds predict in
            # parallel (at n = 10^6 the parent's predictions were a third of
            # the stage); a vector one (a quantile function per unit) in the
            # parent after every fit, a block at a time, straight into the
            # output, whose memory it would otherwise double.
            if y.ndim == 1:
                preds["outcome"] = np.stack(_predict_arms(
                    model, rows(test), len(test), n_arms, pooled_outcome), axis=1)
            times["outcome"], start = time.perf_counter() - start, time.perf_counter()
        if marginal_model is not None:
            model = _fit_model(marginal_model, rows(train), y[train], sw(train))
            preds["marginal"], models["marginal"] = _predict_outcome(model, rows(test)), model
            times["marginal"], start = time.perf_counter() - start, time.perf_counter()
        if treatment_model is not None:
            model = _fit_model(treatment_model, rows(train), t[train], sw(train))
            pred = np.asarray(model.predict(rows(test)), dtype=np.float64)
            preds["treatment"], models["treatment"] = pred.reshape((-1,) + t.shape[1:]), model
            times["treatment"] = time.perf_counter() - start
        scores = _score_fold(
            models, test, X, y, t, n_arms, pooled_outcome, sample_weight
        ) if score else {}
    # The fit times travel back with the results: the caller reports them, so
    # that worker processes print nothing.
    return test, preds, models, scores, times


# Bytes of predictions made at once: a model's predict holds a few arrays the
# size of its output, so a whole test fold of vector outcomes (a quantile
# function per unit) would hold several n_test x m copies beside the output.
_CHUNK_BYTES = 1 << 25


def _row_blocks(n, row_bytes):
    """Slices of ``range(n)`` of at most ``_CHUNK_BYTES`` (rows of ``row_bytes``)."""
    step = max(1, _CHUNK_BYTES // max(1, row_bytes))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _arm_major(n, tail):
    """An empty ``(n, K, ...)`` array laid out arm-major (a view of ``(K, n, ...)``)."""
    return np.moveaxis(np.empty((tail[0], n) + tuple(tail[1:]), dtype=np.float64), 0, 1)


def _predict_outcome_into(out, model, X_test, test, n, row_bytes):
    """Write the outcome predictions of every arm at the test rows into ``out.outcome``.

    Predicted here, arm by arm, straight into one array laid out arm-major
    (``(K, n, ...)`` seen as ``(n, K, ...)``): with a vector outcome (a
    quantile function per unit, m levels) the out-of-fold predictions then
    exist once, and an arm-major consumer (the distributional DR terms) adds
    its residual terms in place without another n x K x m copy. Rows are
    predicted in blocks of ``_row_blocks(len(test), row_bytes)``, so that
    the model's own temporaries stay small too.
    """
    for a in range(out.n_arms):
        for block in _row_blocks(len(test), row_bytes):
            rows = test[block]
            pred = _predict_arms(model, _safe_indexing(X_test, block), len(rows),
                                 out.n_arms, out.pooled_outcome, arms=(a,))[0]
            if out.outcome is None:
                out.outcome = _arm_major(n, (out.n_arms,) + np.shape(pred)[1:])
            out.outcome[rows, a] = pred
            del pred


def _call_key(args, treatment_model, score):
    """Hash of what a cross-fitting's result depends on (``n_jobs`` left out)."""
    return joblib_hash((args[:11], args[12:], treatment_model, score))


def _cross_fit_stamped(
    X, y, treatment, n_arms, folds, propensity_model, outcome_model, marginal_model,
    pooled_outcome, sample_weight, min_propensity, n_jobs, code_key=None,
    treatment_model=None, score=False, progress=None,
):
    """``_cross_fit`` as cached by ``memory``: the result with its call key and checksum.

    The cache's file name is a hash of the arguments, but nothing in the file
    says which call made it: an entry copied over another (a backup restored,
    a sync tool) or a flipped bit would be returned as it is. Storing the
    call's key and a checksum of the result lets the reader verify both.
    """
    args = (X, y, treatment, n_arms, folds, propensity_model, outcome_model,
            marginal_model, pooled_outcome, sample_weight, min_propensity, n_jobs, code_key)
    out = _cross_fit(*args, treatment_model=treatment_model, score=score, progress=progress)
    return _call_key(args, treatment_model, score), _checksum(out), out


def _checksum(nuisances):
    """Hash of the out-of-fold arrays and counts of ``nuisances``.

    The fitted models are left out: their pickles are not byte-stable across a
    save and load (shared references are memoised differently), so they would
    never match. The arrays are what the final stages are fitted on; an entry
    of another call, models included, is caught by the call key.
    """
    return joblib_hash({k: v for k, v in vars(nuisances).items() if k != "models"})


def _checked_entry(fn, entry, args, treatment_model, score, progress):
    """The cached result if it belongs to this call and is intact; else recomputed."""
    key = _call_key(args, treatment_model, score)
    ok = isinstance(entry, tuple) and len(entry) == 3
    if ok and entry[0] == key and _checksum(entry[2]) == entry[1]:
        return entry[2]
    _warn(
        "memory: the cached cross-fitting "
        + ("belongs to another call" if ok and entry[0] != key else "is corrupted")
        + f" ({fn.store_backend.location}); it is recomputed and overwritten."
    )
    return fn.call(*args, treatment_model=treatment_model, score=score,
                   progress=progress)[0][2]


def _cross_fit(
    X, y, treatment, n_arms, folds, propensity_model, outcome_model, marginal_model,
    pooled_outcome, sample_weight, min_propensity, n_jobs, code_key=None,
    treatment_model=None, score=False, progress=None,
):
    # code_key only enters the cache key (see _code_key). One inner thread per
    # fit whether the folds run in parallel or not: OpenMP threads that spin
    # beside other work made a DR-learner fit 16x slower on a busy 2-core
    # machine; parallelism comes from n_jobs.
    inner = 1
    progress = progress_of(progress, "cross_fit")
    # Folds come back one at a time and their predictions go straight into the
    # output arrays, so the out-of-fold predictions exist once, not twice.
    results = Parallel(
        n_jobs=n_jobs, return_as="generator", verbose=progress.joblib_verbose
    )(
        delayed(_fit_fold)(
            train, test, X, y, treatment, n_arms, propensity_model, outcome_model,
            marginal_model, pooled_outcome, sample_weight, inner, treatment_model, score,
        )
        for train, test in folds
    )
    n = X.shape[0]
    out = Nuisances(
        folds=list(folds), n_arms=n_arms, pooled_outcome=pooled_outcome,
        min_propensity=min_propensity,
    )
    predicted = set()
    for fold, (test, preds, models, scores, times) in enumerate(results, 1):
        if progress.on(2):
            _report_fold(progress, fold, folds, times, outcome_model, pooled_outcome, n_arms)
        for name, pred in preds.items():
            if name == "outcome" and out.outcome is None:
                out.outcome = _arm_major(n, pred.shape[1:])
            elif getattr(out, name) is None:
                setattr(out, name, np.empty((n,) + pred.shape[1:], dtype=np.float64))
            getattr(out, name)[test] = pred
        if "outcome" in preds:
            predicted.add(fold)
        for name, model in models.items():
            out.models.setdefault(name, []).append(model)
        for name, value in scores.items():
            out.scores.setdefault(name, []).append(value)
        del preds
    # After every fold is fitted: the models' fits do not run beside the
    # n x K x m predictions.
    for fold, ((_, test), model) in enumerate(zip(out.folds, out.models.get("outcome", ())), 1):
        if fold not in predicted:
            _predict_outcome_into(
                out, model, _safe_indexing(X, test), test, n, y[:1].nbytes
            )
    covered = np.zeros(n, dtype=bool)
    for _, test in folds:
        covered[test] = True
    if not covered.all():
        # A held-out design (folds that leave rows out): those rows have no
        # prediction, and NaN says so instead of uninitialised memory.
        for name in ("propensity", "outcome", "marginal", "treatment"):
            if getattr(out, name) is not None:
                getattr(out, name)[~covered] = np.nan
    if out.propensity is not None:
        out.propensity, out.n_clipped = _clip_propensity(out.propensity, min_propensity)
    return out


def _report_fold(progress, fold, folds, times, outcome_model, pooled_outcome, n_arms):
    """One line per fold: its sizes and the fit time of every nuisance role."""
    parts = []
    for role, took in times.items():
        per_arm = role == "outcome" and not pooled_outcome and n_arms
        what = f"outcome ({n_arms} arms)" if per_arm else role
        parts.append(f"{what} {seconds(took)}")
    train, test = folds[fold - 1]
    progress(
        2,
        f"fold {fold}/{len(folds)} (train {train.size}, test {test.size}): "
        + ", ".join(parts),
    )


def _clip_propensity(proba, min_propensity, clipping="renormalise"):
    """Raise every arm's propensity to at least ``c`` and keep rows summing to 1.

    Entries below ``c`` are set to ``c`` and the other entries of the row are
    scaled to share the remaining ``1 - k c``; repeated until no entry falls
    below ``c`` (at most ``n_arms`` rounds). With two arms this is clipping to
    ``[c, 1 - c]``. ``clipping="clip"`` is econml's rule instead: every entry
    clipped to ``[c, 1 - c]``, rows not renormalised (the two agree with two
    arms); ``clipping="floor"`` (econml's ``DRTester``) only raises entries
    below ``c`` to ``c``.
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


# Modules whose code is stable within an installed version: their classes are
# hashed faithfully by reference (module + name + parameters).
_STABLE_MODULES = ("sklearn.", "numpy.", "scipy.", "causaldist.", "joblib.", "pandas.")


def _iter_values(obj, seen):
    """Every object reachable through estimator parameters and containers."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    children = []
    if hasattr(obj, "get_params") and not inspect.isclass(obj):
        try:
            children = list(obj.get_params(deep=False).values())
        except Exception:  # a broken get_params: hashed as is below
            children = []
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    elif isinstance(obj, dict):
        children = list(obj.values())
    for child in children:
        yield from _iter_values(child, seen)


def _function_digest(func):
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    parts = [marshal.dumps(code)]
    if func.__defaults__:
        parts.append(joblib_hash(func.__defaults__).encode())
    if func.__closure__:
        parts.append(joblib_hash([c.cell_contents for c in func.__closure__]).encode())
    return hashlib.sha1(b"".join(parts)).hexdigest()


def _code_key(models):
    """A digest of the code that the models run beyond installed libraries.

    joblib hashes a function or a class by its module and name, so a
    ``FunctionTransformer(func)`` whose ``func`` was redefined with a new body
    (or an estimator class redefined in a notebook) would hit a stale cache
    entry. This digest covers their bytecode, defaults and closures. Returns
    None when some such code cannot be hashed (the caller then skips the cache).
    """
    digests = []
    seen = set()
    for model in models:
        for value in _iter_values(model, seen):
            if inspect.isfunction(value) or inspect.ismethod(value):
                func = getattr(value, "__func__", value)
                if not (func.__module__ or "").startswith(_STABLE_MODULES):
                    digest = _function_digest(func)
                    if digest is None:
                        return None
                    digests.append(digest)
            elif callable(value) and not inspect.isclass(value) and not hasattr(
                value, "get_params"
            ) and not (type(value).__module__ or "").startswith(_STABLE_MODULES + ("builtins",)):
                # A callable object whose behaviour lives in a user class.
                digests.append(_class_digest(type(value)))
            cls = value if inspect.isclass(value) else type(value)
            if hasattr(value, "get_params") and not cls.__module__.startswith(_STABLE_MODULES):
                digests.append(_class_digest(cls))
    return hashlib.sha1("".join(d for d in digests if d).encode()).hexdigest()


def _class_digest(cls):
    parts = []
    for klass in cls.__mro__:
        if (klass.__module__ or "").startswith(_STABLE_MODULES + ("builtins", "abc")):
            continue
        for name, attr in sorted(vars(klass).items()):
            func = getattr(attr, "__func__", attr)
            if inspect.isfunction(func):
                parts.append(name + (_function_digest(func) or ""))
    return hashlib.sha1("".join(parts).encode()).hexdigest()


def _check_model(model, name, method):
    if model is not None and not (hasattr(model, "fit") and hasattr(model, method)):
        raise TypeError(
            f"{name} must be an estimator with fit and {method}; got "
            f"{type(model).__name__}."
        )


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
    treatment_model=None,
    pooled_outcome=False,
    W=None,
    sample_weight=None,
    min_propensity=1e-3,
    n_jobs=None,
    memory=None,
    warn=True,
    score=False,
    verbose=0,
):
    """Fit every requested nuisance once per fold and predict it out of fold.

    Each model that is not None is cloned and fitted once on each training part
    of ``folds`` and predicts its test part:

    - ``propensity_model`` (a classifier): ``e_a(x)`` for every arm;
    - ``outcome_model`` (a regressor, or a classifier for a binary outcome):
      ``mu_a(x)``, one model per arm fitted on that arm's units, or with
      ``pooled_outcome=True`` one model on ``[X, W, one-hot(A)]`` (econml's
      structure) predicted at every arm;
    - ``marginal_model``: ``m(x) = E[Y | X]``;
    - ``treatment_model`` (a regressor): ``E[T | X]`` of a continuous
      treatment. ``treatment`` then holds the treatment values, shape
      ``(n,)`` or ``(n, d_t)``, and only ``marginal_model`` may be fitted
      beside it.

    A multi-output ``y`` of shape ``(n, m)`` is passed through whole: use
    regressors that predict ``m`` outputs. Every fit runs with one inner
    (OpenMP/BLAS) thread, so that folds fitted in parallel do not
    oversubscribe the cores and spinning threads do not stall a busy machine;
    use ``n_jobs`` for parallelism.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Covariates; a DataFrame is passed to the models as is (rows selected
        with ``_safe_indexing``) when it is not numeric, so that pipelines
        that encode it work.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    treatment : array-like of shape (n_samples,)
        Integer codes ``0..n_arms-1``.
    n_arms : int, default=None
        Number of arms; ``None`` means ``treatment.max() + 1``.
    folds : list of (train, test)
        From :func:`make_folds`. A single pair is a held-out design: the
        models are fitted on its train rows and predict its test rows only
        (every other row is NaN).
    propensity_model, outcome_model, marginal_model, treatment_model : estimator or None
        The nuisances to fit; ``None`` skips one.
    pooled_outcome : bool, default=False
        Fit one outcome model on ``[X, W, one-hot(A)]`` instead of one per arm.
    W : array-like of shape (n_samples, n_controls), default=None
        Controls that enter the nuisances (appended to ``X``) but not the
        final stage.
    sample_weight : array-like of shape (n_samples,), default=None
        Passed to every nuisance's ``fit``.
    min_propensity : float, default=1e-3
        Propensities below it are raised to it and rows renormalised.
    n_jobs : int, default=None
        Folds fitted in parallel through ``joblib.Parallel``, so that
        ``joblib.parallel_backend("dask")`` moves them onto a cluster.
    memory : None, str or joblib.Memory, default=None
        Cache of the whole stage, keyed by the models' parameters, the code of
        any user-defined function or class inside them, the data, the folds
        and the options. Models whose code cannot be hashed are not cached
        (with a warning).
    warn : bool, default=True
        Warn how many units had their propensity clipped.
    score : bool, default=False
        Record each fitted model's own ``score`` on its test fold in
        ``Nuisances.scores`` (one extra prediction per model and fold).
    verbose : int, default=0
        Progress on standard output: 1 a line for the stage (the roles
        fitted, the folds, the elapsed time, whether ``memory`` had it
        cached), 2 a line per fold with each role's fit time, 3 and more also
        joblib's own messages. Worker processes print nothing.

    Returns
    -------
    nuisances : Nuisances
    """
    continuous = treatment_model is not None
    if continuous:
        if propensity_model is not None or outcome_model is not None:
            raise ValueError(
                "treatment_model (a continuous treatment) cannot be combined with a "
                "propensity_model or an outcome_model per arm."
            )
        treatment = np.asarray(treatment, dtype=np.float64)
        if treatment.ndim not in (1, 2) or not np.all(np.isfinite(treatment)):
            raise ValueError(
                "a continuous treatment must be finite numbers of shape (n,) or (n, d_t)."
            )
    else:
        treatment = _check_codes(treatment, n_arms=n_arms)
    n = treatment.shape[0]
    numeric_X = not hasattr(X, "iloc")
    if numeric_X:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}.")
    if X.shape[0] != n:
        raise ValueError(f"X has {X.shape[0]} rows but treatment has {n} entries.")
    if W is not None:
        W = np.asarray(W, dtype=np.float64)
        if W.ndim == 1:
            W = W.reshape(-1, 1)
        if W.shape[0] != n:
            raise ValueError(f"W has {W.shape[0]} rows but X has {n}.")
        X = np.hstack([np.asarray(X, dtype=np.float64), W])
    y = np.asarray(y, dtype=np.float64)
    if y.shape[0] != n or y.ndim > 2:
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_outputs) with "
            f"n_samples = {n}; got {y.shape}."
        )
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (n,) or np.any(sample_weight < 0) or not np.all(
            np.isfinite(sample_weight)
        ):
            raise ValueError(
                f"sample_weight must be {n} finite non-negative numbers; got shape "
                f"{sample_weight.shape}."
            )
    if continuous:
        n_arms = 0
    elif n_arms is None:
        n_arms = int(treatment.max()) + 1
    else:
        n_arms = int(n_arms)
    if n_arms < 2 and not continuous:
        raise ValueError(f"cross_fit needs at least two arms; got n_arms={n_arms}.")
    if not isinstance(folds, (list, tuple)) or len(folds) < 1:
        raise ValueError("folds must be a non-empty list of (train, test) pairs.")
    checked = []
    for train, test in folds:
        train, test = np.asarray(train, dtype=np.intp), np.asarray(test, dtype=np.intp)
        if train.size and (train.min() < 0 or train.max() >= n) or test.size and (
            test.min() < 0 or test.max() >= n
        ):
            raise ValueError(f"folds hold indices outside 0..{n - 1}.")
        checked.append((train, test))
    folds = checked
    if not isinstance(min_propensity, (float, Integral)) or not 0 <= min_propensity < 0.5:
        raise ValueError(f"min_propensity must be in [0, 0.5); got {min_propensity!r}.")
    _check_model(propensity_model, "propensity_model", "predict_proba")
    _check_model(outcome_model, "outcome_model", "predict")
    _check_model(marginal_model, "marginal_model", "predict")
    _check_model(treatment_model, "treatment_model", "predict")
    if pooled_outcome and not numeric_X:
        raise ValueError("pooled_outcome=True needs a numeric X.")
    # Unfitted clones make the cache key depend on parameters only.
    models = [
        None if m is None else clone(m)
        for m in (propensity_model, outcome_model, marginal_model, treatment_model)
    ]
    if all(m is None for m in models):
        raise ValueError("cross_fit needs at least one nuisance model.")
    memory = check_memory(memory)
    fn, key = _cross_fit, None
    if memory.location is not None:
        key = _code_key([m for m in models if m is not None])
        try:
            joblib_hash(models)  # what the cache keys on must pickle
        except Exception:  # e.g. a function defined inside another function
            key = None
        if key is None:
            _warn(
                "memory: a nuisance model holds code that cannot be hashed "
                "faithfully, so its cross-fitting is not cached."
            )
        else:
            fn = memory.cache(_cross_fit_stamped, ignore=["n_jobs", "progress"])
    progress, start = progress_of(verbose, "cross_fit"), time.perf_counter()
    args = (
        X, y, treatment, n_arms, folds, *models[:3],
        bool(pooled_outcome), sample_weight, float(min_propensity), n_jobs, key,
    )
    roles = [r for r, m in zip(("propensity", "outcome", "marginal", "treatment"), models)
             if m is not None]
    if progress.on(1):
        cached = fn is not _cross_fit and fn.check_call_in_cache(
            *args, treatment_model=models[3], score=bool(score)
        )
        progress(
            1,
            f"cross-fitting {', '.join(roles)} on {len(folds)} folds of {n} units"
            + (" (memory: cached, loading)" if cached else
               " (memory: not cached, fitting)" if fn is not _cross_fit else ""),
        )
    out = fn(*args, treatment_model=models[3], score=bool(score), progress=progress)
    if fn is not _cross_fit:
        out = _checked_entry(fn, out, args, models[3], bool(score), progress)
    progress(1, f"cross-fitting done in {seconds(time.perf_counter() - start)}")
    if warn and out.n_clipped:
        _warn(
            f"{out.n_clipped} of {n} units had an estimated propensity "
            f"outside [{min_propensity:g}, {1 - min_propensity:g}] and were clipped: "
            "overlap is poor and inverse-propensity weights are unreliable there."
        )
    return out
