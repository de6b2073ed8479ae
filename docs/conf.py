"""Sphinx configuration of the causaldist documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Gallery: the examples named ``plot_*.py`` run during the build (each a few
seconds). The two longer scripts (``quickstart.py``, ``distributional_policy.py``,
minutes each) are shown with their code only; ``CAUSALDIST_DOCS_FULL=1`` makes the
build execute them too, and CI runs them as plain scripts (``.ci/run``).
"""

import os
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import causaldist  # noqa: E402
from _generate import write_api_pages, write_benchmark_pages, write_inventories  # noqa: E402

project = "causaldist"
author = "the causaldist developers"
copyright = "the causaldist developers, BSD-3-Clause"  # noqa: A001
release = causaldist.__version__ if hasattr(causaldist, "__version__") else "0.1.0.dev0"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/output", "**/README.txt"]
root_doc = "index"
default_role = "literal"

# -- API reference: generated from each subpackage's __all__ -------------------
write_api_pages(HERE / "api")
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"

# numpydoc renders Parameters/Returns; autosummary lists the members.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Benchmarks: benchmarks/results/*.md converted to rst at build time --------
write_benchmark_pages(HERE.parent / "benchmarks" / "results", HERE / "benchmarks")

# -- intersphinx without a network ---------------------------------------------
# The build machines reach no documentation site, so the inventories are written
# from the installed packages' public names (same URL layout as their sites).
inventories = write_inventories(HERE / "_build" / "inventories")
intersphinx_mapping = {
    name: (url, str(path)) for name, (url, path) in inventories.items()
}
intersphinx_timeout = 1

# -- Gallery --------------------------------------------------------------------
_full = os.environ.get("CAUSALDIST_DOCS_FULL", "") not in ("", "0")
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$" if _full else r"/plot_",
    "ignore_pattern": r"(__init__|/output/)",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib", "seaborn"),
    "doc_module": ("causaldist",),
    "backreferences_dir": None,
    "show_memory": False,
    "plot_gallery": "True",
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "causaldist"
html_static_path = ["_static"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "glossary": []}
html_show_sourcelink = False


def _literal_shapes(app, what, name, obj, options, lines):
    # "(n_features_in_,)" in a numpydoc type reads as an rst link target; make it
    # a literal before numpydoc (priority 500) parses the docstring.
    for i, line in enumerate(lines):
        lines[i] = re.sub(r"(?<![`\w])(\w+_)(?=[,)\]])", r"``\1``", line)


def _skip_dataframe_members(app, what, name, obj, skip, options):
    # SummaryTable is a DataFrame: document its own members, not pandas' (whose
    # docstrings point at labels of pandas' own docs).
    if name.startswith("_"):
        return None
    inherited = getattr(pd.DataFrame, name, object())
    # classmethods are rebound on each access: compare the functions
    if getattr(inherited, "__func__", inherited) is getattr(obj, "__func__", obj):
        return True
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _literal_shapes, priority=400)
    app.connect("autodoc-skip-member", _skip_dataframe_members)
