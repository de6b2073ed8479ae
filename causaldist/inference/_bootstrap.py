"""Bootstrap standard errors of a final stage, the cross-fitted nuisances held fixed."""

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state

from .._progress import Progress

__all__ = []


class _Bootstrap:
    """Bootstrap standard errors of any final stage (nuisances held fixed).

    The final stage is refitted on ``n_bootstraps`` resamples of the units
    (of whole clusters when ``groups`` are routed) of the cross-fitted
    residuals; the standard error of any effect is the standard deviation of
    its replicates. The residuals are Neyman-orthogonal, so the nuisances'
    estimation error does not enter the first-order variance and need not be
    refitted (Chernozhukov et al. 2018). Replicates run through
    ``joblib.Parallel(n_jobs)``.
    """

    def __init__(self, owner, fit, F, y_res, t_res, sample_weight, groups):
        self.point = fit
        rng = check_random_state(owner.random_state)
        n = F.shape[0]
        if groups is None:
            units = np.arange(n)[:, None]
            members = None
        else:
            codes = np.unique(groups, return_inverse=True)[1].ravel()
            members = [np.flatnonzero(codes == g) for g in range(codes.max() + 1)]
            units = np.arange(len(members))[:, None]
        seeds = rng.randint(np.iinfo(np.int32).max, size=owner.n_bootstraps)

        def draw(seed):
            pick = np.random.RandomState(seed).randint(len(units), size=len(units))
            rows = pick if members is None else np.concatenate([members[g] for g in pick])
            sw = None if sample_weight is None else sample_weight[rows]
            return owner._fit_final(F[rows], y_res[rows], t_res[rows], sw, None)

        progress = Progress(getattr(owner, "verbose", 0), type(owner).__name__)
        progress(1, f"bootstrapping the final stage: {owner.n_bootstraps} refits")
        counter = progress.counter(owner.n_bootstraps, "bootstrap refits")
        # Refits come back in order; the caller counts them, workers print nothing.
        self.draws = []
        for refit in Parallel(
            n_jobs=owner.n_jobs, return_as="generator", verbose=progress.joblib_verbose
        )(delayed(draw)(s) for s in seeds):
            self.draws.append(refit)
            counter.update()

    def theta(self, F):
        return self.point.theta(F)

    @property
    def coef(self):
        return self.point.coef

    def combo(self, L):
        """A linear final stage's ``L b`` with bootstrap standard errors."""
        value, _ = self.point.combo(L)
        reps = np.stack([d.combo(L)[0] for d in self.draws])
        return value, reps.std(axis=0, ddof=1)

    def effect(self, F, D):
        value = np.einsum("myt,mt->my", self.point.theta(F), D)
        reps = np.stack([np.einsum("myt,mt->my", d.theta(F), D) for d in self.draws])
        return value, reps.std(axis=0, ddof=1)
