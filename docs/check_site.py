"""Check the built documentation as a browser sees it.

Serves ``docs/_build/html`` on 127.0.0.1 (a free port), then

1. fetches every page over HTTP and every internal link, image, stylesheet and
   script it references; a missing target, a missing image or a link to an anchor
   that is not on its page is an error;
2. takes headless-Chromium screenshots of the index, two user-guide pages and two
   gallery pages (one the plotting tour) into ``docs/_build/screenshots/``.

Exits 1 on any error. Needs Debian's ``chromium`` (``apt-get install chromium``);
``--no-screenshots`` runs the link check alone.

Usage: ``python docs/check_site.py [--html DIR] [--no-screenshots]``
"""

import argparse
import functools
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

DOCS = Path(__file__).resolve().parent
SCREENSHOTS = {
    "index": "index.html",
    "user_guide": "user_guide/distributional.html",
    "gallery": "auto_examples/plot_nsw_benchmark.html",
    "plots": "auto_examples/plot_reading_the_plots.html",
    "contract": "user_guide/contract.html",
}


class _Page(HTMLParser):
    """Collects the ids of a page and the URLs it references."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images, self.assets = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and "stylesheet" in (
                attrs.get("rel") or ""):
            self.assets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(root):
    """Start a static server on 127.0.0.1; returns (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _get(url, cache):
    if url not in cache:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                cache[url] = (response.status, response.read())
        except urllib.error.HTTPError as exc:
            cache[url] = (exc.code, b"")
        except (ValueError, OSError) as exc:  # malformed URL, refused connection
            cache[url] = (type(exc).__name__, b"")
    return cache[url]


def check_links(root, base):
    """Every page, link, image and asset under ``root`` through the server."""
    errors, cache, parsed = [], {}, {}

    def page(url):
        if url not in parsed:
            status, body = _get(url, cache)
            p = _Page()
            if status == 200:
                p.feed(body.decode("utf-8", "replace"))
            parsed[url] = (status, p)
        return parsed[url]

    # _static/ holds the theme's template fragments, not pages
    pages = sorted(p for p in root.rglob("*.html")
                   if p.relative_to(root).parts[0] not in ("_static", "_sources"))
    for path in pages:
        rel = path.relative_to(root).as_posix()
        url = urljoin(base, rel)
        status, p = page(url)
        if status != 200:
            errors.append(f"{rel}: HTTP {status}")
            continue
        for kind, refs in (("link", p.links), ("image", p.images), ("asset", p.assets)):
            for ref in refs:
                target = urljoin(url, ref)
                if urlparse(target).netloc != urlparse(base).netloc:
                    continue  # external (not reachable here) or mailto:
                target, fragment = urldefrag(target)
                if kind == "link" and target.endswith(".html") or target.endswith("/"):
                    t_status, t_page = page(target)
                    if t_status != 200:
                        errors.append(f"{rel}: broken {kind} {ref} (HTTP {t_status})")
                    elif fragment and unquote(fragment) not in t_page.ids:
                        errors.append(f"{rel}: missing anchor {ref}")
                else:
                    t_status, body = _get(target, cache)
                    if t_status != 200 or (kind == "image" and not body):
                        errors.append(f"{rel}: missing {kind} {ref} (HTTP {t_status})")
    return len(pages), errors


def screenshots(base, out_dir, browser):
    out_dir.mkdir(parents=True, exist_ok=True)
    errors = []
    for name, rel in SCREENSHOTS.items():
        out = out_dir / f"{name}.png"
        out.unlink(missing_ok=True)
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--hide-scrollbars",
               "--virtual-time-budget=5000", "--window-size=1280,1600",
               f"--screenshot={out}", urljoin(base, rel)]
        subprocess.run(cmd, capture_output=True, timeout=120)
        if not out.exists() or out.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            errors.append(f"no screenshot of {rel}")
        else:
            print(f"screenshot {out}")
    return errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=DOCS / "_build" / "html")
    parser.add_argument("--out", type=Path, default=DOCS / "_build" / "screenshots")
    parser.add_argument("--no-screenshots", action="store_true")
    args = parser.parse_args(argv)
    root = args.html.resolve()
    missing = [rel for rel in SCREENSHOTS.values() if not (root / rel).exists()]
    if missing:
        print(f"not built: {missing} under {root}; run sphinx-build first")
        return 1
    server, base = serve(root)
    try:
        n_pages, errors = check_links(root, base)
        print(f"checked {n_pages} pages: {len(errors)} broken links or images")
        if not args.no_screenshots:
            browser = shutil.which("chromium") or shutil.which("chromium-browser")
            if browser is None:
                errors.append("chromium not found (apt-get install chromium)")
            else:
                errors += screenshots(base, args.out, browser)
    finally:
        server.shutdown()
    for error in errors:
        print("ERROR", error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
