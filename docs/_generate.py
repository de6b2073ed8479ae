"""Pages that conf.py writes at build time, so that they cannot drift from the code.

- ``api/``: one page per subpackage, listing its ``__all__`` (a renamed or new
  public class appears without editing any rst file);
- ``benchmarks/``: ``benchmarks/results/*.md`` converted to rst;
- intersphinx inventories for scikit-learn, NumPy and pandas written from the
  installed packages (the build machines have no network).
"""

import importlib
import inspect
import pkgutil
import re
import shutil
import warnings
import zlib
from pathlib import Path

import causaldist


def _write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _title(text, char="="):
    return f"{text}\n{char * len(text)}\n"


def public_subpackages():
    """``(name, module)`` for every public subpackage or module with an ``__all__``.

    Modules count too (``causaldist.pipeline``, ``causaldist.base``), so that
    the causal ``Pipeline`` and the base classes have their pages.
    """
    out = []
    for info in sorted(pkgutil.iter_modules(causaldist.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"causaldist.{info.name}")
        if getattr(module, "__all__", None):
            out.append((info.name, module))
    return out


def write_api_pages(api_dir):
    """Write ``api/index.rst`` and one autosummary page per subpackage."""
    api_dir = Path(api_dir)
    pages = []
    subpackages = public_subpackages()
    exported = {sub: set(mod.__all__) for sub, mod in subpackages}
    for name, module in subpackages:
        names = sorted(module.__all__)
        # A name re-exported from the public subpackage that defines it (the
        # result types in causaldist.evaluation come from causaldist.inference)
        # is documented there once; this page links to it.
        elsewhere = {}
        for n in names:
            home = getattr(getattr(module, n), "__module__", "").split(".")
            if len(home) > 1 and home[1] != name and n in exported.get(home[1], ()):
                elsewhere[n] = home[1]
        names = [n for n in names if n not in elsewhere]
        classes = [n for n in names if inspect.isclass(getattr(module, n))]
        functions = [n for n in names if n not in classes]
        lines = [_title(f"causaldist.{name}"), f".. automodule:: causaldist.{name}",
                 "   :no-members:", "", f".. currentmodule:: causaldist.{name}", ""]
        if elsewhere:
            lines += ["Also importable from here: " + ", ".join(
                f":obj:`{n} <causaldist.{home}.{n}>`" for n, home in sorted(elsewhere.items())
            ) + ".", ""]
        for heading, members, template in [("Classes", classes, "class.rst"),
                                           ("Functions", functions, "function.rst")]:
            if not members:
                continue
            lines += [_title(heading, "-"), ".. autosummary::", "   :toctree: generated/",
                      "   :nosignatures:", f"   :template: {template}", ""]
            lines += [f"   {member}" for member in members] + [""]
        _write_if_changed(api_dir / f"{name}.rst", "\n".join(lines))
        pages.append(name)
    for stale in api_dir.glob("*.rst"):
        if stale.stem not in pages and stale.stem != "index":
            stale.unlink()
    index = [_title("API reference"),
             "Generated from each subpackage's ``__all__``; every public name is "
             "importable from its subpackage, e.g. "
             "``from causaldist.metalearners import DRLearner``.", "",
             ".. toctree::", "   :maxdepth: 2", ""]
    index += [f"   {name}" for name in pages] + [""]
    _write_if_changed(api_dir / "index.rst", "\n".join(index))
    return pages


_INLINE_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _escape(text):
    # a lone "*" (a product, "5 * 2") would open emphasis in rst; "**bold**" is kept
    return re.sub(r"(?<!\*)\*(?!\*)", r"\\*", text)


def _inline(text):
    text = _INLINE_CODE.sub(lambda m: f"``{m.group(1)}``", text)
    text = _LINK.sub(lambda m: f"`{m.group(1)} <{m.group(2)}>`__", text)
    parts = text.split("``")
    # even parts are prose, odd parts are inline literals
    return "``".join(p if i % 2 else _escape(p) for i, p in enumerate(parts))


def _table(rows):
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    header, body = cells[0], [r for r in cells[2:]]
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *body]:
        row = row + [""] * (len(header) - len(row))
        out.append("   * - " + (_inline(row[0]) or "\\"))
        out += ["     - " + (_inline(c) or "\\") for c in row[1:len(header)]]
    return out + [""]


def markdown_to_rst(markdown):
    """The subset of Markdown the benchmark scripts write: headings, paragraphs,
    pipe tables, inline code, links and images."""
    out, table = [], []
    levels = {1: "=", 2: "-", 3: "~"}
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            out += _table(table)
            table = []
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        image = re.match(r"^!\[([^\]]*)\]\(([^)]+)\)\s*$", line)
        if heading:
            text = heading.group(2).strip()
            out += ["", text, levels[len(heading.group(1))] * len(text), ""]
        elif image:
            out += ["", f".. image:: {image.group(2)}", f"   :alt: {image.group(1)}", ""]
        elif line.startswith("- "):
            out.append("- " + _inline(line[2:]))
        else:
            out.append(_inline(line))
    return "\n".join(out).strip() + "\n"


def write_benchmark_pages(results_dir, out_dir):
    """Convert ``benchmarks/results/*.md`` (and copy their images) into ``out_dir``."""
    results_dir, out_dir = Path(results_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for md in sorted(results_dir.glob("*.md")):
        rst = markdown_to_rst(md.read_text())
        for image in re.findall(r"``([\w.-]+\.png)``", rst):
            if (results_dir / image).exists():
                rst += f"\n.. image:: {image}\n   :alt: {image}\n   :width: 520px\n"
        _write_if_changed(out_dir / f"{md.stem}.rst", rst)
        pages.append(md.stem)
    for png in results_dir.glob("*.png"):
        target = out_dir / png.name
        if not target.exists() or target.read_bytes() != png.read_bytes():
            shutil.copyfile(png, target)
    index = [_title("Benchmarks"),
             "The tables below are the files of ``benchmarks/results/``, written by the "
             "scripts in ``benchmarks/`` on a 2-core machine (each page says the command "
             "that produced it). They are copied here at build time, not re-run.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {page}" for page in pages] + [""]
    _write_if_changed(out_dir / "index.rst", "\n".join(index))
    return pages


def _inventory_entries(package, url_of):
    """``(name, role, uri)`` for the public classes and functions of ``package``."""
    root = importlib.import_module(package)
    modules = [root]
    for name in getattr(root, "__all__", []) if package == "sklearn" else []:
        try:
            modules.append(importlib.import_module(f"sklearn.{name}"))
        except ImportError:
            continue
    if package == "sklearn":
        modules.append(importlib.import_module("sklearn.utils"))
    seen = set()
    for module in modules:
        public = getattr(module, "__all__", None) or [
            n for n in dir(module) if not n.startswith("_")]
        for attr in public:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    obj = getattr(module, attr, None)
            except Exception:  # e.g. sklearn's experimental names refuse access
                continue
            if not (inspect.isclass(obj) or callable(obj)):
                continue
            full = f"{module.__name__}.{attr}"
            if full in seen:
                continue
            seen.add(full)
            role = "class" if inspect.isclass(obj) else "function"
            yield full, role, url_of(full)


_INVENTORY_SITES = {
    "sklearn": ("https://scikit-learn.org/stable/",
                lambda full: f"modules/generated/{full}.html#$"),
    "numpy": ("https://numpy.org/doc/stable/",
              lambda full: f"reference/generated/{full}.html#$"),
    "pandas": ("https://pandas.pydata.org/docs/",
               lambda full: f"reference/api/{full}.html#$"),
}


# Labels of the projects' user guides that inherited docstrings refer to with
# :ref: (e.g. scikit-learn's Pipeline methods, shown on causaldist.pipeline.Pipeline).
_INVENTORY_LABELS = {
    "sklearn": [
        ("metadata_routing", "metadata_routing.html#metadata-routing", "Metadata Routing"),
        ("r2_score", "modules/model_evaluation.html#r2-score", "R2 score"),
        ("accuracy_score", "modules/model_evaluation.html#accuracy-score", "Accuracy score"),
        ("pipeline", "modules/compose.html#pipeline", "Pipeline"),
        ("randomness", "common_pitfalls.html#randomness", "Controlling randomness"),
    ],
}


def write_inventories(out_dir):
    """Write ``objects.inv`` files (Sphinx inventory format 2) for intersphinx."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for package, (url, url_of) in _INVENTORY_SITES.items():
        lines = [f"{full} py:{role} 1 {uri} -"
                 for full, role, uri in _inventory_entries(package, url_of)]
        lines += [f"{name} std:label -1 {uri} {title}"
                  for name, uri, title in _INVENTORY_LABELS.get(package, [])]
        header = (f"# Sphinx inventory version 2\n# Project: {package}\n"
                  "# Version: installed\n"
                  "# The remainder of this file is compressed using zlib.\n")
        body = zlib.compress(("\n".join(sorted(lines)) + "\n").encode())
        path = out_dir / f"{package}.inv"
        path.write_bytes(header.encode() + body)
        mapping[package] = (url, path)
    return mapping
