"""Execute the Python code blocks of the user guide and the index page.

Each page's ``.. code-block:: python`` blocks run in order in one namespace, so a
page's example must be complete. Exits non-zero if any block raises or uses a
deprecated causaldist name (FutureWarning). The porting
pages are excluded: their code mixes in other libraries and undefined data.

Usage: ``python docs/run_snippets.py [page.rst ...]``
"""

import os
import re
import sys
import textwrap
import time
import traceback
import warnings
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
DOCS = Path(__file__).resolve().parent
PAGES = [DOCS / "index.rst", *sorted((DOCS / "user_guide").glob("*.rst"))]
_BLOCK = re.compile(r"^\.\. code-block:: python\s*\n((?:[ \t]*\n|[ \t]+.*\n)+)", re.M)


def code_blocks(text):
    return [textwrap.dedent(m.group(1)) for m in _BLOCK.finditer(text)]


def run_page(path):
    namespace = {"__name__": "__snippet__"}
    with warnings.catch_warnings():
        # the guide shows the current API: a causaldist deprecation is a failure
        warnings.filterwarnings("error", message=r".* is deprecated and will be removed",
                                category=FutureWarning)
        for i, code in enumerate(code_blocks(path.read_text())):
            exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
    import sklearn

    sklearn.set_config(enable_metadata_routing=False)  # pages may turn it on


def main(pages):
    failed = 0
    for path in pages:
        start = time.perf_counter()
        try:
            run_page(path)
        except Exception:
            failed += 1
            print(f"FAILED {path.relative_to(DOCS)}")
            traceback.print_exc()
        else:
            print(f"ok     {path.relative_to(DOCS)} ({time.perf_counter() - start:.1f} s)")
    print(f"snippet pages: {len(pages) - failed} ok, {failed} failing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main([Path(p).resolve() for p in sys.argv[1:]] or PAGES))
