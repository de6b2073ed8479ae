"""The folds econml 0.17 draws: shuffled splitters seeded from one RandomState."""

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
)

__all__ = []


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
