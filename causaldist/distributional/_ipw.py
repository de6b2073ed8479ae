"""Inverse-propensity-weighted barycenter of the outcome distributions a policy induces."""

import numpy as np

from ..model_selection._crossfit import _row_blocks
from ..model_selection._mixin import _fill_cross_fit_doc
from ._base import _BarycenterEvaluator

__all__ = ["DistributionalIPWEvaluator"]


@_fill_cross_fit_doc
class DistributionalIPWEvaluator(_BarycenterEvaluator):
    """Inverse-propensity-weighted barycenter of the outcome distributions a policy induces.

    Each unit's outcome is a quantile function ``Q_i`` on a grid: ``y`` is each unit's outcome as raw draws (a ragged list of 1-D arrays,
    :class:`Draws`, or a long table whose columns the grid names,
    ``QuantileGrid(m, long=(unit, value))``), read as empirical quantiles on
    the grid with the grid's few-draw correction (:func:`few_draw_correction`),
    or as an ``(n, m)`` matrix of quantile functions (rows non-decreasing).
    The barycenter of the policy ``pi`` has quantile function
    (Huang, Leung, Wu & Zhang, COLT 2026)

    ``q_pi(p) = (1/N) sum_i 1{A_i = pi(X_i)} / e(A_i | X_i) Q_i(p)``,

    or, with ``normalize=True``, that sum divided by the sum of the weights
    (self-normalised, Hajek 1971). Propensities are cross-fitted by the shared
    stage (or given at fit for a randomised design). Standard errors come from
    the (linearised) influence function, treating ``e`` as known.

    Parameters
    ----------
    propensity_model : classifier, default=None
        ``e_a(x)``; ``None`` means ``StandardScaler`` + ``LogisticRegression``.
        Ignored when known propensities are passed to fit (``propensity=``).
    normalize : bool, default=False
        Self-normalise the weights.
    grid : QuantileGrid or array-like of levels, default=None
        The levels (and, for raw draws, how they are read: the few-draw
        ``correction``, the columns of a ``long`` table); ``None`` means the
        midpoint grid of ``y``'s columns, or 100 levels for raw draws.
    {cross_fit}

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples, n_arms, m)
        ``1{A_i = a} / e_a(X_i) Q_i``: the barycenter of a policy is their mean
        at the chosen arms (over the mean weight with ``normalize=True``).
    propensity_ : ndarray of shape (n_samples, n_arms)
        Out-of-fold (or known) propensities.
    grid_ : QuantileGrid
        The grid of the columns of ``y``.
    draw_counts_ : ndarray of shape (n_samples,) or None
        Number of draws of each unit (None for a quantile matrix).
    correction_ : object or None
        The fitted few-draw correction (its ``shape_params_``), or None.
    overlap_ : DataFrame
        Per-arm overlap report, see :func:`causaldist.evaluation.overlap_diagnostics`.
    nuisances_ : Nuisances
    folds_ : list of (train, test) or None
    categories_ : ndarray of shape (n_arms,)
    n_samples_ : int
    n_features_in_ : int

    See Also
    --------
    DistributionalDREvaluator : the doubly robust barycenter.
    causaldist.evaluation.IPWEvaluator : the scalar case (m = 1).

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.distributional import DistributionalIPWEvaluator
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2)); t = rng.integers(0, 2, 400)
    >>> Q = X[:, :1] + t[:, None] + np.sort(rng.normal(size=(400, 20)), axis=1)
    >>> ev = DistributionalIPWEvaluator().fit(X, Q, treatment=t, propensity=0.5)
    >>> res = ev.evaluate(np.ones(400, dtype=int))
    >>> res.quantiles.shape
    (20,)
    """

    _parameter_constraints: dict = {
        "normalize": ["boolean"],
    }
    _default_models = {"propensity_model": "propensity"}

    def __init__(
        self, *, propensity_model=None, normalize=False, grid=None, cv=5, n_jobs=None,
        memory=None, min_propensity=1e-3, random_state=None, verbose=0, control=None,
    ):
        self.propensity_model = propensity_model
        self.normalize = normalize
        self.grid = grid
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    @property
    def _method(self):
        return "SNIPW" if self.normalize else "IPW"

    def _unit_terms(self, nuisances, y, t):
        """``N_i(a) = 1{A_i = a} / e_a(X_i) Q_i`` and ``D_i(a)`` 1, or the weight when normalised."""
        n, m = y.shape
        rows = np.arange(n)
        inv_e = 1.0 / nuisances.propensity[rows, t]
        N = np.zeros((nuisances.n_arms, n, m))
        for block in _row_blocks(n, y[:1].nbytes):  # temporaries of one block
            N[t[block], rows[block]] = inv_e[block, None] * y[block]
        if self.normalize:
            D = np.zeros((nuisances.n_arms, n))
            D[t, rows] = inv_e
        else:
            D = np.ones((nuisances.n_arms, n))
        return N, D
