"""What every policy-tree kernel agrees on: the tie rule and the order of the arm pairs.

Two candidate values closer than ``1e-12 (1 + |best|)`` tie (sums of the same
rewards in a different order differ by rounding); a tie keeps the candidate
met first, so the tree is the lowest root feature, then the lowest threshold,
then the lowest actions among the ties, whatever the order of the search or
the number of threads.
"""

import numpy as np
from numba import njit

__all__ = [
    "NEG",
    "arm_pairs",
    "beats",
    "tie_tol",
    "ties",
]

NEG = -np.inf


@njit(inline="always", cache=True, nogil=True)
def tie_tol(best):  # pragma: no cover - compiled
    """Tolerance of a tie with ``best``: ``1e-12 (1 + |best|)``."""
    return 1e-12 * (1.0 + abs(best))


@njit(inline="always", cache=True, nogil=True)
def beats(v, best):  # pragma: no cover - compiled
    """Whether ``v`` beats ``best`` by more than a tie."""
    return v > best + tie_tol(best)


@njit(inline="always", cache=True, nogil=True)
def ties(v, best):  # pragma: no cover - compiled
    """Whether ``v`` reaches ``best`` up to a tie (``best`` the maximum)."""
    return v >= best - tie_tol(best)


def arm_pairs(K):
    """``arms`` = (1, ..., K - 1) and the ordered pairs ``a != b`` as two tuples.

    The kernels store, per segment-tree node, the sums ``D_a`` of ``Gamma_a -
    Gamma_0`` for ``a`` in ``arms`` and then one maximum prefix sum per pair, in
    the order (0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1), ... Tuples, so
    that ``len`` is a compile-time constant in the kernels.

    Parameters
    ----------
    K : int
        Number of arms.

    Returns
    -------
    arms, pa, pb : tuple of int
        ``pa[o]``, ``pb[o]`` are the two arms of the ``o``-th pair.

    Examples
    --------
    >>> arm_pairs(3)
    ((1, 2), (0, 1, 0, 2, 1, 2), (1, 0, 2, 0, 2, 1))
    """
    pairs = [ab for a in range(K) for b in range(a + 1, K) for ab in ((a, b), (b, a))]
    return (tuple(range(1, K)), tuple(a for a, _ in pairs), tuple(b for _, b in pairs))
