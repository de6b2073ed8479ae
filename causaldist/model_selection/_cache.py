"""Cache keys of the stage: a digest of the code the nuisance models run.

joblib's ``Memory`` keys a cached call on its arguments; a model's class or a
function inside it is hashed by module and name only, which misses code
redefined in a notebook. :func:`_code_key` adds a digest of that code.
"""

import hashlib
import inspect
import marshal

from joblib import hash as joblib_hash

__all__ = []


# Modules whose code is stable within an installed version: their classes are
# hashed faithfully by reference (module + name + parameters).
_STABLE_MODULES = ("sklearn.", "numpy.", "scipy.", "causaldist.", "joblib.", "pandas.")


def _iter_values(obj, seen):
    """Every object reachable through estimator parameters and containers."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    children = []
    if hasattr(obj, "get_params") and not inspect.isclass(obj):
        try:
            children = list(obj.get_params(deep=False).values())
        except Exception:  # a broken get_params: hashed as is below
            children = []
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    elif isinstance(obj, dict):
        children = list(obj.values())
    for child in children:
        yield from _iter_values(child, seen)


def _function_digest(func):
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    parts = [marshal.dumps(code)]
    if func.__defaults__:
        parts.append(joblib_hash(func.__defaults__).encode())
    if func.__closure__:
        parts.append(joblib_hash([c.cell_contents for c in func.__closure__]).encode())
    return hashlib.sha1(b"".join(parts)).hexdigest()


def _code_key(models):
    """A digest of the code that the models run beyond installed libraries.

    joblib hashes a function or a class by its module and name, so a
    ``FunctionTransformer(func)`` whose ``func`` was redefined with a new body
    (or an estimator class redefined in a notebook) would hit a stale cache
    entry. This digest covers their bytecode, defaults and closures. Returns
    None when some such code cannot be hashed (the caller then skips the cache).
    """
    digests = []
    seen = set()
    for model in models:
        for value in _iter_values(model, seen):
            if inspect.isfunction(value) or inspect.ismethod(value):
                func = getattr(value, "__func__", value)
                if not (func.__module__ or "").startswith(_STABLE_MODULES):
                    digest = _function_digest(func)
                    if digest is None:
                        return None
                    digests.append(digest)
            elif callable(value) and not inspect.isclass(value) and not hasattr(
                value, "get_params"
            ) and not (type(value).__module__ or "").startswith(_STABLE_MODULES + ("builtins",)):
                # A callable object whose behaviour lives in a user class.
                digests.append(_class_digest(type(value)))
            cls = value if inspect.isclass(value) else type(value)
            if hasattr(value, "get_params") and not cls.__module__.startswith(_STABLE_MODULES):
                digests.append(_class_digest(cls))
    return hashlib.sha1("".join(d for d in digests if d).encode()).hexdigest()


def _class_digest(cls):
    parts = []
    for klass in cls.__mro__:
        if (klass.__module__ or "").startswith(_STABLE_MODULES + ("builtins", "abc")):
            continue
        for name, attr in sorted(vars(klass).items()):
            func = getattr(attr, "__func__", attr)
            if inspect.isfunction(func):
                parts.append(name + (_function_digest(func) or ""))
    return hashlib.sha1("".join(parts).encode()).hexdigest()


def _call_key(args, treatment_model, score):
    """Hash of what a cross-fitting's result depends on (``n_jobs`` left out)."""
    return joblib_hash((args[:11], args[12:], treatment_model, score))


def _checksum(nuisances):
    """Hash of the out-of-fold arrays and counts of ``nuisances``.

    The fitted models are left out: their pickles are not byte-stable across a
    save and load (shared references are memoised differently), so they would
    never match. The arrays are what the final stages are fitted on; an entry
    of another call, models included, is caught by the call key.
    """
    return joblib_hash({k: v for k, v in vars(nuisances).items() if k != "models"})
