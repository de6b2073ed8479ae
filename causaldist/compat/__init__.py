"""Compatibility layers that take other libraries' interfaces.

:mod:`causaldist.compat.econml` holds estimators with econml 0.17's
constructor parameters, ``fit(Y, T, *, X, W)`` and verbs, every number of
which comes from the native causaldist estimators (documented on the
"From econml" porting page).
"""

import importlib

# Nothing at this level: the adapters live in causaldist.compat.econml.
__all__ = []


def __getattr__(name):
    if name == "econml":
        return importlib.import_module(f"{__name__}.econml")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
