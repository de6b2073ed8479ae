"""Run econml's own test files with econml's public classes replaced by the adapters.

Usage (econml's tests are fetched, never copied into this repository)::

    git --git-dir=<econml git dir> archive v0.17.0 econml/tests | tar -x -C /tmp/econml-tests
    python benchmarks/econml_suite.py /tmp/econml-tests/econml/tests --timeout 300

Each test file runs in its own pytest process (killed after ``--timeout``
seconds) with this module loaded as a plugin (``-p econml_suite``). Before the
test modules are collected the plugin replaces, in econml's own modules
(``econml.dml``, ``econml.dr``, ...), every class the compat package provides
by its adapter, wrapping ``__init__`` to record which tests construct one.
The runner prints, per file, the tests that construct an adapter, how many of
them passed and failed, and the most frequent first lines of the failures.
"""

import argparse
import collections
import functools
import importlib
import json
import os
import subprocess
import sys
import time

# econml module -> classes the compat package may provide at that path.
ECONML_PATHS = {
    "dml": ["DML", "LinearDML", "SparseLinearDML", "NonParamDML", "KernelDML",
            "CausalForestDML"],
    "dr": ["DRLearner", "LinearDRLearner", "SparseLinearDRLearner", "ForestDRLearner"],
    "metalearners": ["SLearner", "TLearner", "XLearner", "DomainAdaptationLearner"],
    "policy": ["PolicyTree", "DRPolicyTree", "PolicyForest", "DRPolicyForest"],
    "score": ["RScorer", "EnsembleCateEstimator"],
    "validate": ["DRTester"],
    "validate.drtester": ["DRTester"],
    # econml.inference.BootstrapInference is not replaced: econml's own estimators the
    # suite still uses need econml's, and the adapters read econml's by name.
    "grf": ["CausalForest", "CausalIVForest", "RegressionForest"],
    "cate_interpreter": ["SingleTreeCateInterpreter", "SingleTreePolicyInterpreter"],
    "sklearn_extensions.linear_model": ["StatsModelsLinearRegression", "WeightedLasso",
                                        "WeightedLassoCV", "DebiasedLasso"],
}

_RESULTS = os.environ.get("ECONML_SUITE_RESULTS")
_CONSTRUCTED = set()
_CURRENT = [None]


def _adapter(module, name):
    """The adapter for ``econml.<module>.<name>``: the module tree first, else the flat namespace."""
    try:
        sub = importlib.import_module(f"causaldist.compat.econml.{module}")
        if name in getattr(sub, "__all__", ()):
            return getattr(sub, name)
    except ImportError:
        pass
    flat = importlib.import_module("causaldist.compat.econml")
    return getattr(flat, name, None)


def _record(cls):
    init = cls.__dict__.get("__init__")
    if init is None or getattr(init, "_econml_suite", False):
        return

    @functools.wraps(init)
    def wrapped(self, *args, **kwargs):
        if _CURRENT[0] is not None:
            _CONSTRUCTED.add(_CURRENT[0])
        return init(self, *args, **kwargs)

    wrapped._econml_suite = True
    cls.__init__ = wrapped


def _patch(tests_dir):
    import econml

    # econml.tests (utilities, dgp) is not installed: serve it from the checkout.
    econml.__path__.append(os.path.dirname(os.path.abspath(tests_dir)))
    patched = []
    for module, names in ECONML_PATHS.items():
        try:
            target = importlib.import_module(f"econml.{module}")
        except ImportError:
            continue
        for name in names:
            cls = _adapter(module.split(".")[0], name)
            if cls is None or not hasattr(target, name):
                continue
            for klass in cls.__mro__:
                if klass.__module__.startswith("causaldist.compat"):
                    _record(klass)
            setattr(target, name, cls)
            patched.append(f"econml.{module}.{name}")
    return patched


# ---------------------------------------------------------------- pytest plugin
def pytest_configure(config):
    tests_dir = os.environ.get("ECONML_SUITE_TESTS")
    if tests_dir:
        _patch(tests_dir)


def pytest_runtest_logstart(nodeid, location):
    _CURRENT[0] = nodeid


def pytest_runtest_logreport(report):
    if _RESULTS is None:
        return
    if report.when == "call" or report.outcome != "passed":
        if report.when == "teardown" and report.outcome != "failed":
            return
        message = ""
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message.splitlines()[0][:160] if crash else str(report.longrepr)[-160:]
        with open(_RESULTS, "a") as fh:
            fh.write(json.dumps({
                "nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
                "adapter": report.nodeid in _CONSTRUCTED, "message": message,
            }) + "\n")


# ---------------------------------------------------------------- runner
def run_file(tests_dir, filename, timeout):
    results = f"/tmp/econml_suite_{os.getpid()}_{filename}.jsonl"
    if os.path.exists(results):
        os.remove(results)
    env = dict(os.environ, ECONML_SUITE_RESULTS=results, ECONML_SUITE_TESTS=tests_dir,
               OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [
                   os.path.dirname(os.path.abspath(__file__)),
                   os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "econml_suite", "-p", "no:cacheprovider",
           "-p", "no:randomly", "--rootdir", os.path.dirname(os.path.dirname(tests_dir)),
           "-W", "ignore", os.path.join(tests_dir, filename)]
    start = time.time()
    try:
        subprocess.run(cmd, env=env, timeout=timeout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd="/tmp")
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    rows = []
    if os.path.exists(results):
        with open(results) as fh:
            rows = [json.loads(line) for line in fh]
        os.remove(results)
    return rows, timed_out, time.time() - start


def summarise(rows):
    outcome = {}
    adapter = set()
    message = {}
    for r in rows:
        if r["adapter"]:
            adapter.add(r["nodeid"])
        if r["outcome"] == "failed":
            outcome[r["nodeid"]] = "failed"
            message.setdefault(r["nodeid"], r["message"])
        else:
            outcome.setdefault(r["nodeid"], r["outcome"])
    passed = sum(outcome.get(n) == "passed" for n in adapter)
    failed = sum(outcome.get(n) == "failed" for n in adapter)
    return len(adapter), passed, failed, [message[n] for n in adapter if n in message]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests_dir")
    parser.add_argument("files", nargs="*")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--json", help="write the per-file counts here")
    args = parser.parse_args(argv)
    tests_dir = os.path.abspath(args.tests_dir)
    files = args.files or sorted(f for f in os.listdir(tests_dir)
                                 if f.startswith("test_") and f.endswith(".py"))
    total = [0, 0, 0]
    reasons = collections.Counter()
    table = {}
    print(f"{'file':38s} {'adapter':>7s} {'passed':>6s} {'failed':>6s}  seconds")
    for filename in files:
        rows, timed_out, seconds = run_file(tests_dir, filename, args.timeout)
        n, passed, failed, messages = summarise(rows)
        reasons.update(messages)
        table[filename] = {"adapter": n, "passed": passed, "failed": failed,
                           "timed_out": timed_out, "seconds": round(seconds)}
        total = [total[0] + n, total[1] + passed, total[2] + failed]
        print(f"{filename:38s} {n:7d} {passed:6d} {failed:6d}  {seconds:5.0f}"
              + ("  (timed out)" if timed_out else ""), flush=True)
    print(f"{'total':38s} {total[0]:7d} {total[1]:6d} {total[2]:6d}")
    print("\nmost frequent failures:")
    for message, count in reasons.most_common(25):
        print(f"{count:4d}  {message}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"files": table, "reasons": reasons.most_common()}, fh, indent=1)


if __name__ == "__main__":
    main()
