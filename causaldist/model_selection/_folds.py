"""The cross-fitting folds: built once per fit, stratified on treatment by default."""

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
)

__all__ = ["make_folds"]


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
