"""Before/after check of a change to the policy-tree kernels: the same trees, welfare and
per-root-feature search values, bit for bit.

Fits PolicyTree (depth 1 to 4, min_node_size 1 to 5, split_step, n_jobs 1 and 2) on
random datasets (K = 2, 3, 4; tied integer features and rewards, continuous and
mixed; n = 60 to 40,000, the largest for the K = 3 trees with leaves of 8 ranks) and
keeps every tree, welfare and the raw output of the depth-2 and depth-3 searches::

    PYTHONPATH=<before> python benchmarks/check_policy_tree_numbers.py save /tmp/ref.pkl
    PYTHONPATH=<after> python benchmarks/check_policy_tree_numbers.py compare /tmp/ref.pkl
"""
import pickle
import sys

import numpy as np

import causaldist
from causaldist.policy import PolicyTree

try:
    from causaldist.policy._tree_search import best_depth2_root, best_depth3_root
except ImportError:
    from causaldist.policy._tree_kernels import best_depth2_root, best_depth3_root


def datasets():
    cases = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        for K in (2, 3, 4):
            for kind in ("ties", "continuous", "mixed"):
                n = [60, 300, 1500][seed % 3]
                p = 2 + seed % 3
                if kind == "ties":
                    X = rng.integers(0, 5 + 10 * seed, size=(n, p)).astype(float)
                    R = rng.integers(-3, 4, size=(n, K)).astype(float)
                elif kind == "continuous":
                    X = rng.normal(size=(n, p))
                    R = rng.normal(size=(n, K)) + (X[:, :1] > 0)
                else:
                    X = np.column_stack([rng.normal(size=n), rng.integers(0, 3, size=(n, p - 1))])
                    R = np.round(rng.normal(size=(n, K)), 1)
                cases.append((f"s{seed}-K{K}-{kind}", X, R))
    # large enough for the bucketed (8 ranks a leaf) K = 3 trees
    rng = np.random.default_rng(99)
    X = rng.normal(size=(40_000, 3))
    R = rng.normal(size=(40_000, 3)) + np.c_[np.zeros(40_000), X[:, 0], X[:, 1] * X[:, 2]]
    cases.append(("big-K3", X, R))
    X = rng.integers(0, 30_000, size=(40_000, 3)).astype(float)
    R = rng.integers(-2, 3, size=(40_000, 3)).astype(float)
    cases.append(("big-K3-ties", X, R))
    return cases


def configs(name, n):
    if name.startswith("big"):
        return [dict(max_depth=2), dict(max_depth=2, min_node_size=5), dict(max_depth=2, n_jobs=2)]
    out = [dict(max_depth=1), dict(max_depth=1, min_node_size=3), dict(max_depth=2),
           dict(max_depth=2, min_node_size=4), dict(max_depth=2, split_step=3),
           dict(max_depth=2, n_jobs=2), dict(max_depth=4, search_depth=2)]
    if n <= 300:
        out += [dict(max_depth=3), dict(max_depth=3, min_node_size=3), dict(max_depth=3, n_jobs=2)]
    return out


def run():
    res = {}
    for name, X, R in datasets():
        for cfg in configs(name, X.shape[0]):
            t = PolicyTree(**cfg).fit(X, R)
            res[(name, tuple(sorted(cfg.items())))] = (
                {k: np.asarray(v).copy() for k, v in t.tree_.items()}, t.welfare_)
        # the raw per-root-feature values of the searches
        ranks = np.ascontiguousarray(np.vstack(
            [np.searchsorted(np.unique(x), x) for x in X.T]), dtype=np.int64)
        G = ranks.max(axis=1) + 1
        sel = np.arange(X.shape[0], dtype=np.int64)
        for m in (1, 3):
            res[(name, "d2", m)] = best_depth2_root(R, ranks, sel, G, m, 1)
            if X.shape[0] <= 300:
                v2, s2 = best_depth2_root(R, ranks, sel, G, m, 1)
                res[(name, "d3", m)] = best_depth3_root(R, ranks, sel, G, m, 1, -np.inf,
                                                        seeds=s2)
    return res


def same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    if a.dtype == object:
        a, b = np.vstack(a), np.vstack(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.tobytes() == b.tobytes():
        return True
    if np.array_equal(a, b, equal_nan=True):
        SIGNED_ZERO.append(1)  # equal values, a zero's sign differs
        return True
    return False


SIGNED_ZERO = []


if __name__ == "__main__":
    print(causaldist.__file__)
    if sys.argv[1] == "recheck":
        res = pickle.load(open(sys.argv[3], "rb"))
        sys.argv[1] = "compare"
    else:
        res = run()
    if sys.argv[1] == "compare":
        pickle.dump(res, open(sys.argv[2] + ".new", "wb"))
    if sys.argv[1] == "save":
        pickle.dump(res, open(sys.argv[2], "wb"))
        print(len(res), "results saved")
    else:
        ref = pickle.load(open(sys.argv[2], "rb"))
        bad = [k for k in ref if k not in res or not same(ref[k], res[k])]
        print(f"{len(ref) - len(bad)} of {len(ref)} results identical (bit for bit, "
              f"{len(SIGNED_ZERO)} arrays only up to the sign of a zero)")
        for k in bad[:20]:
            print("DIFFERENT:", k)
        sys.exit(1 if bad else 0)
