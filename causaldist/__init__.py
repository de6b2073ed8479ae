"""causaldist: scikit-learn-compatible causal estimators.

CATE meta-learners, uplift models and metrics, policy learners, off-policy
evaluators, difference-in-differences for panels, and policy learning for
distribution-valued outcomes.

Subpackages are imported on first access (``causaldist.metalearners``,
``causaldist.policy``, ...), so that ``import causaldist`` stays cheap and an
optional dependency of one subpackage never breaks another.
"""

import importlib

__version__ = "0.1.0.dev0"

_SUBPACKAGES = (
    "base",
    "compat",
    "datasets",
    "distributional",
    "dml",
    "evaluation",
    "forest",
    "inference",
    "interpret",
    "iv",
    "metalearners",
    "metrics",
    "model_selection",
    "panel",
    "plotting",
    "policy",
    "pipeline",
    "uplift",
    "utils",
    "validation",
)

__all__ = list(_SUBPACKAGES)


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBPACKAGES))
