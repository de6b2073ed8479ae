"""Compatibility layers that take other libraries' interfaces.

:mod:`causaldist.compat.econml` holds estimators with econml 0.17's
constructor parameters, ``fit(Y, T, *, X, W)`` and verbs, every number of
which comes from the native causaldist estimators.
"""

__all__ = ["econml"]


def __getattr__(name):
    if name == "econml":
        import importlib

        return importlib.import_module(f"{__name__}.econml")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
