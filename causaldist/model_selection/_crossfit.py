"""The one cross-fitting stage that every causaldist learner draws its nuisances from.

Folds are built once per fit by :func:`make_folds` (``_folds``);
:func:`cross_fit` fits every requested nuisance model once per fold (in
parallel over folds with joblib) and returns all out-of-fold predictions as
one :class:`Nuisances` object (``_nuisances``). With ``memory`` set, the whole
stage is cached on disk keyed by the nuisance models' parameters, the code
they run (``_cache``), the data and the folds, so that tuning a final stage
never refits a nuisance.
"""

import time
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, hash as joblib_hash
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_memory
from threadpoolctl import threadpool_limits

from .._progress import progress_of, seconds
from ..base import _fit_model, _warn
from ._cache import _call_key, _checksum, _code_key
from ._roles import check_model_roles
# Re-exported: the stage's helpers were imported from this module before
# it was split into folds, nuisances and cache keys.
from ._folds import _check_codes, _unstratified_folds, make_folds  # noqa: F401
from ._nuisances import (  # noqa: F401
    Nuisances,
    _clip_propensity,
    _pooled_design,
    _predict_arms,
    _predict_outcome,
    _predict_proba,
)

__all__ = ["Nuisances", "make_folds", "cross_fit"]


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
    check_model_roles(
        y, propensity_model=propensity_model, outcome_model=outcome_model,
        marginal_model=marginal_model, treatment_model=treatment_model,
    )
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
            "overlap is poor and inverse-propensity weights are unreliable there; "
            "see the fitted estimator's overlap report (overlap_)."
        )
    return out
