"""Placeholders for econml classes without an adapter yet.

Importing one works (so that a script's import lines need no change); using it
raises ``NotImplementedError`` naming the native equivalent, if any.
"""

__all__ = []


def missing_getattr(module, names):
    """A module ``__getattr__`` serving ``names`` (econml name -> note) as placeholders."""
    def __getattr__(name):
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        note = names[name]

        def __init__(self, *args, **kwargs):
            raise NotImplementedError(
                f"{module.replace('causaldist.compat.', '')}.{name} has no "
                f"adapter in causaldist yet. {note}".rstrip()
            )

        return type(name, (), {"__init__": __init__, "__module__": module,
                               "__doc__": f"Placeholder for econml's {name}: {note}"})

    return __getattr__
