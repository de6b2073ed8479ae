"""Moved to :mod:`causaldist.inference`; kept so that old imports keep working."""

from ..inference._effect import (  # noqa: F401
    EffectInference,
    PopulationSummary,
    _entry_labels,
    _mixture_ppf,
)
from ..inference._estimate import (  # noqa: F401
    Estimate,
    PolicyValue,
    _check_alpha,
    _linearised_ratio,
)

__all__ = []
