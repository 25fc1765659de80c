"""The host pages of the browser benchmarks, served on their own origin.

Every page is the same shop page (``pages/shell.html``) with one head
snippet (``pages/NAME.head.html``): nothing, GA4 alone, our loader, or a
peer with its config. Peer files come from ``bench/.cache``. Run as its own
process so serving never competes with the Playwright driver for the GIL.

Run: ``.venv/bin/python -m bench.shop PORT SERVICE_URL``
"""

from __future__ import annotations

import mimetypes
import re
import sys
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import run_simple

from bench.deployment import SITE
from bench.peers import MODULES

PAGES = Path(__file__).resolve().parent / "pages"
Start = Callable[[str, list[tuple[str, str]]], Any]


def page(name: str, service_url: str) -> bytes | None:
    """The shop page with the head snippet ``name``, or None when unknown."""
    head = PAGES / f"{name}.head.html"
    if not head.is_file():
        return None
    snippet = head.read_text(encoding="utf-8")
    snippet = snippet.replace("SERVICE_URL", service_url).replace("SITE_ID", SITE)
    if "UI_HASH" in snippet:  # the UI files the gate names today (banner-eager)
        snippet = snippet.replace("UI_HASH", _ui_hash(service_url))
    shell = (PAGES / "shell.html").read_text(encoding="utf-8")
    return shell.replace("<!-- HEAD -->", snippet).encode()


def _ui_hash(service_url: str) -> str:
    """The hash naming the site's UI files, read from its gate as the service serves it."""
    with urllib.request.urlopen(f"{service_url}/s/{SITE}/loader.js", timeout=10) as answer:
        found = re.search(r'"ui":"([0-9a-f]{16})"', answer.read().decode())
    return found.group(1) if found else ""


def _file(root: Path, relative: str) -> bytes | None:
    path = (root / relative).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        return None
    return path.read_bytes()


def _content_type(path: str) -> str:
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return (
        f"{kind}; charset=utf-8" if kind.startswith(("text/", "application/javascript")) else kind
    )


class ShopApp:
    """WSGI app answering pages, page configs and peer files."""

    def __init__(self, service_url: str) -> None:
        self.service_url = service_url

    def body(self, path: str) -> tuple[bytes | None, str]:
        if path.startswith("/peers/"):
            return _file(MODULES, path.removeprefix("/peers/")), _content_type(path)
        if path.startswith("/pages/") and path.endswith(".js"):
            return _file(PAGES, path.removeprefix("/pages/")), _content_type(path)
        if path.endswith(".html"):
            return page(path.strip("/").removesuffix(".html"), self.service_url), "text/html"
        return b"<!doctype html><title>Privacy</title><p>Privacy policy.", "text/html"

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        body, kind = self.body(environ.get("PATH_INFO", "/"))
        if body is None:
            start("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start("200 OK", [("Content-Type", kind), ("Cache-Control", "no-store")])
        return [body]


def main() -> None:
    port, service_url = int(sys.argv[1]), sys.argv[2]
    run_simple("127.0.0.1", port, ShopApp(service_url), threaded=True)


if __name__ == "__main__":
    main()
