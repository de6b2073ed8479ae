"""Progress messages of long work (``verbose=``), printed as scikit-learn prints them.

Every estimator with long work (cross-fitting, policy searches, bootstraps,
forests) takes ``verbose`` (int, default 0) and reports through one
:class:`Progress`: lines ``[Name] message`` on standard output, flushed, from
the calling process only. Work running in joblib workers measures its own
times and returns them; the caller prints them as results arrive, so worker
processes stay quiet and the lines come in order. Levels: 0 silent; 1 one line
per stage (and forest milestones); 2 one line per step (fold, search, chunk,
tree); 3 and more also pass ``verbose - 2`` to ``joblib.Parallel`` (its own
messages, on standard error). Reporting never changes what is computed.
"""

import threading
import time

__all__ = []


class Progress:
    """Prints ``[name] message`` when ``verbose >= level``.

    Parameters
    ----------
    verbose : int or bool
    name : str
        The prefix of every line, the estimator's or the function's name.
    """

    def __init__(self, verbose=0, name=""):
        self.verbose = int(verbose or 0)
        self.name = name
        self.start = time.perf_counter()

    def __call__(self, level, message):
        if self.verbose >= level:
            print(f"[{self.name}] {message}", flush=True)

    def on(self, level=1):
        """Whether messages of ``level`` are printed."""
        return self.verbose >= level

    def elapsed(self):
        """Seconds since this reporter was made, formatted."""
        return seconds(time.perf_counter() - self.start)

    @property
    def joblib_verbose(self):
        """The ``verbose`` to give ``joblib.Parallel``: its messages from level 3."""
        return max(0, self.verbose - 2)

    def counter(self, total, what, level=1):
        """A thread-safe count of ``total`` items that reports milestones."""
        return Counter(self, total, what, level)


class Counter:
    """Counts finished items (from any thread) and reports progress.

    At level 2 every item is reported, at level 1 about every tenth of
    ``total``. A copy sent to another process (a joblib worker) is silent:
    only the caller prints.
    """

    def __init__(self, progress, total, what, level=1):
        self.progress = progress
        self.total = int(total)
        self.what = what
        self.level = level
        self.done = 0
        self._lock = threading.Lock()
        self._step = 1 if progress.on(level + 1) else max(1, self.total // 10)
        self._next = self._step
        self._silent = False

    def update(self, k=1):
        """Count ``k`` more finished items."""
        if self._silent or not self.progress.on(self.level):
            return
        with self._lock:
            self.done += k
            if self.done >= self._next or self.done >= self.total:
                self._next = (self.done // self._step + 1) * self._step
                self.progress(
                    self.level,
                    f"{self.what} {self.done}/{self.total} done, "
                    f"elapsed {self.progress.elapsed()}",
                )

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_lock"] = None
        state["_silent"] = True
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()


def progress_of(verbose, name):
    """``verbose`` itself when it is a :class:`Progress` (a caller's reporter,
    its name kept), else a new one named ``name``."""
    return verbose if isinstance(verbose, Progress) else Progress(verbose, name)


def seconds(s):
    """``s`` seconds as a short string (``0.12s``, ``3.4s``, ``2min 05s``)."""
    if s < 1:
        return f"{s:.2f}s"
    if s < 60:
        return f"{s:.1f}s"
    return f"{int(s // 60)}min {int(s % 60):02d}s"
