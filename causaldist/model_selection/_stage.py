"""One call into the cross-fitting stage with an owner's options (folds, clipping, scores).

:func:`_shared_stage` is what the estimators' :class:`_CrossFitMixin` and the
scorers call: it draws the folds of a cross-fitting repetition from the
owner's ``cv`` and ``random_state`` and fits the requested nuisances with the
owner's ``min_propensity``, ``n_jobs``, ``memory`` and ``verbose``.
"""

import numpy as np

from .._progress import Progress
from ._crossfit import Nuisances, _clip_propensity, cross_fit, make_folds

__all__ = []


def _repeat_seed(random_state, repeat):
    """Fold seed of cross-fitting repetition ``repeat`` (0 keeps ``random_state``)."""
    if repeat == 0:
        return random_state
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    base = 0 if random_state is None else int(random_state)
    return int(np.random.SeedSequence([base, repeat]).generate_state(1)[0] >> 1)


def _shared_stage(
    owner, X, y, t, n_arms, sample_weight, *, groups=None, known_propensity=None,
    propensity_model=None, outcome_model=None, marginal_model=None, pooled_outcome=False,
    treatment_model=None, repeat=0, folds=None,
):
    """Folds and nuisances of the shared stage with ``owner``'s cross-fitting options.

    ``folds`` given replaces the folds ``owner.cv`` would draw.
    """
    models = dict(
        propensity_model=None if known_propensity is not None else propensity_model,
        outcome_model=outcome_model,
        marginal_model=marginal_model,
    )
    if treatment_model is not None:
        models["treatment_model"] = treatment_model
    if all(m is None for m in models.values()):
        nuis = Nuisances(n_arms=n_arms)
        folds = None
    else:
        folds = folds if folds is not None else make_folds(
            owner.cv, t, groups=groups,
            random_state=_repeat_seed(owner.random_state, repeat),
            stratify=treatment_model is None,
        )
        # The owner's rule for propensities below ``min_propensity`` (a class
        # hook of _CrossFitMixin; scorers take the default).
        clipping = getattr(owner, "_propensity_clipping", "renormalise")
        progress = Progress(getattr(owner, "verbose", 0), type(owner).__name__)
        if repeat:
            progress(1, f"cross-fitting repetition {repeat + 1}")
        nuis = cross_fit(
            X, y, t, n_arms=n_arms, folds=folds, pooled_outcome=pooled_outcome,
            sample_weight=sample_weight,
            min_propensity=owner.min_propensity if clipping == "renormalise" else 0.0,
            n_jobs=getattr(owner, "n_jobs", None), memory=owner.memory, warn=False,
            score=getattr(owner, "_record_nuisance_scores", False),
            verbose=progress, **models,
        )
        if clipping != "renormalise":
            nuis.min_propensity, nuis.clipping = owner.min_propensity, clipping
            if nuis.propensity is not None:
                nuis.propensity, nuis.n_clipped = _clip_propensity(
                    nuis.propensity, owner.min_propensity, clipping
                )
    if known_propensity is not None:
        nuis.propensity, nuis.n_clipped = known_propensity, 0
    return folds, nuis
