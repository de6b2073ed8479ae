"""An opt-in import hook serving ``import econml...`` from ``causaldist.compat.econml``.

Never installed on import: call :func:`install_import_hook` (undo with
:func:`uninstall_import_hook`) or use :func:`econml_import_hook` as a context
manager. While it is installed, ``econml`` and ``econml.<sub>`` resolve to
``causaldist.compat.econml`` and ``causaldist.compat.econml.<sub>``; a
submodule the compat package lacks raises ``ModuleNotFoundError``. Modules of a
real econml imported before are set aside and restored on uninstall.
"""

import contextlib
import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["econml_import_hook", "install_import_hook", "uninstall_import_hook"]

_TARGET = "causaldist.compat.econml"


class _Loader(importlib.abc.Loader):
    def __init__(self, module):
        self._module = module

    def create_module(self, spec):
        return self._module

    def exec_module(self, module):
        pass


class _EconmlFinder(importlib.abc.MetaPathFinder):
    """Maps ``econml[.x]`` to ``causaldist.compat.econml[.x]``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "econml" and not fullname.startswith("econml."):
            return None
        name = _TARGET + fullname[len("econml"):]
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: causaldist.compat.econml has no {name!r} "
                "(the econml import hook is installed)", name=fullname) from None
        return importlib.util.spec_from_loader(fullname, _Loader(module),
                                               is_package=hasattr(module, "__path__"))


_STATE = {"finder": None, "saved": {}}


def install_import_hook():
    """Serve ``import econml...`` from ``causaldist.compat.econml`` until uninstalled.

    Returns
    -------
    installed : bool
        False if the hook was already installed.

    Examples
    --------
    >>> from causaldist.compat.econml import install_import_hook, uninstall_import_hook
    >>> install_import_hook()
    True
    >>> from econml.dml import LinearDML
    >>> LinearDML.__module__
    'causaldist.compat.econml._dml'
    >>> uninstall_import_hook()
    True
    """
    if _STATE["finder"] is not None:
        return False
    _STATE["saved"] = {name: sys.modules.pop(name) for name in list(sys.modules)
                       if name == "econml" or name.startswith("econml.")}
    _STATE["finder"] = _EconmlFinder()
    sys.meta_path.insert(0, _STATE["finder"])
    return True


def uninstall_import_hook():
    """Remove the hook and restore the econml modules imported before it.

    Returns
    -------
    removed : bool
        False if the hook was not installed.
    """
    finder = _STATE["finder"]
    if finder is None:
        return False
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n == "econml" or n.startswith("econml.")]:
        del sys.modules[name]
    sys.modules.update(_STATE["saved"])
    _STATE["finder"], _STATE["saved"] = None, {}
    return True


@contextlib.contextmanager
def econml_import_hook():
    """Context manager: ``import econml...`` serves the compat package inside the block.

    Examples
    --------
    >>> from causaldist.compat.econml import econml_import_hook
    >>> with econml_import_hook():
    ...     import econml.dr
    ...     econml.dr.DRLearner.__module__
    'causaldist.compat.econml._dr'
    """
    installed = install_import_hook()
    try:
        yield
    finally:
        if installed:
            uninstall_import_hook()
