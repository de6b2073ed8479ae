"""The layers of causaldist (docs/architecture.rst), checked on the import graph.

Every module under ``causaldist/`` is parsed with ``ast``; every import counts,
the top-level ones and those deferred inside functions (a deferred import
hides a cycle, it does not remove it). Modules are grouped into units (a
subpackage, or a top-level module such as ``base``), and the test asserts:

- no cycle between units;
- every arrow goes down the table ``LAYER`` (or is one of the few arrows
  inside a layer listed in ``SAME_LAYER``), except the documented
  ``EXCEPTIONS``;
- the sibling families never import each other;
- no module outside ``causaldist/compat/`` names econml in an import or an
  identifier (docstrings and messages may mention it as a peer).

``python tests/test_layering.py`` prints the graph.
"""

import ast
import pathlib
from collections import defaultdict

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "causaldist"

# unit -> layer; an arrow must go to a lower layer.
GROUND, STAGE, FAMILY, COMPOSER, PLOTTING, COMPAT = range(6)
LAYER = {
    # the ground floor: the contract, the defaults, inference, progress
    "causaldist": GROUND,  # the package __init__ (lazy subpackage access only)
    "base": GROUND,
    "_defaults": GROUND,
    "_input": GROUND,  # the contract's input checks
    "_identification": GROUND,  # identification checks shared by the final stages
    "inference": GROUND,
    "_progress": GROUND,
    "pipeline": GROUND,
    "datasets": GROUND,
    # the shared cross-fitting stage and the scorers
    "model_selection": STAGE,
    # sibling families: never import each other
    "metalearners": FAMILY,
    "dml": FAMILY,
    "iv": FAMILY,
    "panel": FAMILY,
    "evaluation": FAMILY,
    "uplift": FAMILY,
    "metrics": FAMILY,
    # what composes the families
    "policy": COMPOSER,
    "forest": COMPOSER,
    "validation": COMPOSER,
    "interpret": COMPOSER,
    "distributional": COMPOSER,
    # the estimator check suite (sklearn.utils.estimator_checks' place): it
    # builds scorers, so it sits above the stage with the composers
    "utils": COMPOSER,
    "plotting": PLOTTING,
    "compat": COMPAT,
}

# Arrows between two units of one layer; together they must stay acyclic.
SAME_LAYER = {
    ("base", "_defaults"): "the contract reads the default-model table",
    ("base", "_input"): "the contract validates its inputs with the input checks",
    ("_identification", "base"): "identification warnings go through the contract's _warn",
    ("inference", "_progress"): "the bootstrap reports its refits",
    ("pipeline", "base"): "the causal Pipeline forwards the causal verbs",
    ("forest", "policy"): "policy forests bag policy trees",
    ("distributional", "policy"): "distributional policy trees reuse the tree search",
    ("interpret", "policy"): "the policy interpreter fits an exact policy tree",
}

# Upward arrows allowed as deferred imports only, with the reason.
EXCEPTIONS = {
    ("distributional", "plotting"): (
        "an estimator's plot() helper imports its figure from plotting inside the "
        "method, so matplotlib stays optional (DESIGN.md: plotting is imported lazily "
        "by estimators' plot helpers)"
    ),
    ("interpret", "plotting"): "the interpreters' plot() helpers, deferred as above",
    ("policy", "plotting"): "the policy tree's and MultiArmQini's plot() helpers, deferred as above",
}


def _unit(module):
    parts = module.split(".")
    if parts[0] != "causaldist":
        return None
    return "causaldist" if len(parts) == 1 else parts[1]


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts)
        is_pkg = name.endswith(".__init__")
        name = name[: -len(".__init__")] if is_pkg else name
        yield name, is_pkg, path


def _imports(tree, module, is_pkg):
    """``(target module, deferred)`` of every import in ``tree``."""
    package = module if is_pkg else module.rpartition(".")[0]
    out = []

    def visit(node, deferred):
        for child in ast.iter_child_nodes(node):
            inner = deferred or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, ast.Import):
                out.extend((a.name, deferred) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    prefix = ".".join(base)
                    if child.module:
                        out.append((f"{prefix}.{child.module}", deferred))
                    else:
                        out.extend((f"{prefix}.{a.name}", deferred) for a in child.names)
                elif child.module == "causaldist":
                    out.extend((f"causaldist.{a.name}", deferred) for a in child.names)
                else:
                    out.append((child.module, deferred))
            elif (
                isinstance(child, ast.Call)
                and getattr(child.func, "attr", getattr(child.func, "id", "")) == "import_module"
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
            ):
                out.append((child.args[0].value, deferred))
            visit(child, inner)

    visit(tree, False)
    return out


def import_graph():
    """``{(from unit, to unit): [(module, target, deferred), ...]}`` over causaldist."""
    graph = defaultdict(list)
    for module, is_pkg, path in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        src = _unit(module)
        for target, deferred in _imports(tree, module, is_pkg):
            dst = _unit(target)
            if dst is not None and dst != src:
                graph[(src, dst)].append((module, target, deferred))
    return graph


def _cycles(edges):
    """Strongly connected components with more than one unit (Tarjan)."""
    succ = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    index, low, stack, on, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(set(succ) | {b for _, b in edges}):
        if v not in index:
            strong(v)
    return out


def format_graph(graph):
    arrows = defaultdict(set)
    for a, b in graph:
        arrows[a].add(b)
    units = sorted(arrows, key=lambda u: (LAYER.get(u, 99), u))
    return "\n".join(f"{u:16s} -> {', '.join(sorted(arrows[u]))}" for u in units)


GRAPH = import_graph()


def test_every_unit_has_a_layer():
    units = {_unit(m) for m, _, _ in _modules()}
    missing = sorted(units - set(LAYER))
    assert not missing, (
        f"{missing} have no layer: add them to LAYER in tests/test_layering.py and to "
        "docs/architecture.rst"
    )


def test_no_cycle_between_units():
    cycles = _cycles(GRAPH)
    detail = {
        f"{a} -> {b}": sorted({m for m, _, _ in GRAPH[(a, b)]})
        for comp in cycles for a in comp for b in comp if (a, b) in GRAPH
    }
    assert not cycles, f"import cycles {cycles}: {detail}"


def test_arrows_go_down_the_layers():
    bad = []
    for (a, b), sites in sorted(GRAPH.items()):
        if (a, b) in EXCEPTIONS:
            eager = [m for m, _, deferred in sites if not deferred]
            if eager:
                bad.append(f"{a} -> {b} must stay deferred (in {eager})")
            continue
        la, lb = LAYER.get(a), LAYER.get(b)
        if la is None or lb is None:
            continue  # reported by test_every_unit_has_a_layer
        if lb < la or (a, b) in SAME_LAYER:
            continue
        where = sorted({f"{m} ({t})" for m, t, _ in sites})
        bad.append(f"{a} (layer {la}) -> {b} (layer {lb}): {where}")
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_sibling_families_never_import_each_other():
    families = {u for u, layer in LAYER.items() if layer == FAMILY}
    sideways = sorted((a, b) for a, b in GRAPH if a in families and b in families)
    assert not sideways, f"families import each other: {sideways}"


def test_stage_never_calls_a_consumer():
    upward = sorted(b for a, b in GRAPH if a == "model_selection" and LAYER.get(b, 99) > STAGE)
    assert not upward, f"model_selection imports its consumers {upward}"


def _econml_names(tree):
    """Identifiers and imported names that mention econml (not strings)."""
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.arg):
            names = [node.arg]
        elif isinstance(node, ast.keyword) and node.arg:
            names = [node.arg]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (
            node.value.isidentifier()
        ):
            names = [node.value]  # getattr(obj, "_name") spells an identifier too
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names] + [a.asname or "" for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [a.name for a in node.names] + [
                a.asname or "" for a in node.names]
        found += [(getattr(node, "lineno", 0), n) for n in names if "econml" in n.lower()]
    return found


def test_no_econml_outside_compat():
    hits = []
    for module, _, path in _modules():
        if _unit(module) == "compat":
            continue
        for line, name in _econml_names(ast.parse(path.read_text())):
            hits.append(f"{path.relative_to(ROOT.parent)}:{line}: {name}")
    assert not hits, "econml named outside causaldist/compat/:\n" + "\n".join(hits)


@pytest.mark.parametrize("pair", sorted(EXCEPTIONS))
def test_exceptions_are_still_needed(pair):
    # A stale exception would silently allow the arrow again later.
    assert pair in GRAPH, f"{pair} no longer occurs: drop it from EXCEPTIONS"


if __name__ == "__main__":  # pragma: no cover
    print(format_graph(GRAPH))
