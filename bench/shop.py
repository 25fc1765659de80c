"""The host pages of the browser benchmarks, served on their own origin.

Every page is the same shop page (``pages/shell.html``) with one head
snippet (``pages/NAME.head.html``): nothing, GA4 alone, our loader, or a
peer with its config. Peer files come from ``bench/.cache``. Run as its own
process so serving never competes with the Playwright driver for the GIL.

``banner-drawn`` is the shop's back end drawing banner's first layer
(issue 24): ``banner.web.drawn_layer.first_layer`` of the code this process
runs (``bench.paired`` runs a commit's archive), for the site of the config
named by ``BANNER_CONFIG`` (the service's, ``bench.stack`` passes it), the
request's cookies and the page's language. Its ``head`` fills ``DRAWN_HEAD``
in the page's head snippet and its ``body`` comes first in ``<body>``.

Run: ``.venv/bin/python -m bench.shop PORT SERVICE_URL``
"""

from __future__ import annotations

import mimetypes
import re
import sys
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import run_simple

from bench.deployment import SITE
from bench.peers import MODULES

PAGES = Path(__file__).resolve().parent / "pages"
Start = Callable[[str, list[tuple[str, str]]], Any]
#: The page whose first layer the shop's back end draws (issue 24).
DRAWN_PAGE = "banner-drawn"
#: Filled with the drawn layer's ``head`` (its stylesheet) in a head snippet.
DRAWN_HEAD = "DRAWN_HEAD"
BODY = "<body>\n"


@dataclass(frozen=True, slots=True)
class Drawn:
    """What the back end puts in the page's head and first in its body."""

    head: str
    body: str


def shell_language() -> str:
    """The shop page's language (its ``<html lang>``), as a back end would pass it."""
    found = re.search(r'<html lang="([^"]+)"', (PAGES / "shell.html").read_text(encoding="utf-8"))
    return found.group(1) if found else ""


def page(name: str, service_url: str, drawn: Drawn | None = None) -> bytes | None:
    """The shop page with the head snippet ``name``, or None when unknown.

    :param drawn: the first layer drawn by the back end, for a snippet naming
        ``DRAWN_HEAD`` (none there: the page is None, it cannot be served without).
    """
    head = PAGES / f"{name}.head.html"
    if not head.is_file():
        return None
    snippet = head.read_text(encoding="utf-8")
    snippet = snippet.replace("SERVICE_URL", service_url).replace("SITE_ID", SITE)
    if "UI_HASH" in snippet:  # the UI files the gate names today (banner-eager)
        snippet = snippet.replace("UI_HASH", _ui_hash(service_url))
    shell = (PAGES / "shell.html").read_text(encoding="utf-8")
    if DRAWN_HEAD in snippet:
        if drawn is None:
            return None
        snippet = snippet.replace(DRAWN_HEAD, drawn.head)
        shell = shell.replace(BODY, BODY + drawn.body + "\n", 1)
    return shell.replace("<!-- HEAD -->", snippet).encode()


def drawn_layer(service_url: str, cookies: str | None) -> Drawn:
    """banner's first layer drawn as a site's back end draws it, by the code this
    process runs, for the benchmark site of ``BANNER_CONFIG`` (cached per config)."""
    from banner import load_config
    from banner.web.drawn_layer import first_layer

    global _site
    if _site is None:
        _site = load_config().sites[SITE]
    found = first_layer(_site, service_url, cookies=cookies, lang=shell_language())
    return Drawn(found.head, found.body)


_site: Any = None


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

    def drawn(self, name: str, cookies: str | None) -> Drawn | None:
        """The first layer the back end draws in page ``name`` (only ``banner-drawn``)."""
        return drawn_layer(self.service_url, cookies) if name == DRAWN_PAGE else None

    def body(self, path: str, cookies: str | None = None) -> tuple[bytes | None, str]:
        if path.startswith("/peers/"):
            return _file(MODULES, path.removeprefix("/peers/")), _content_type(path)
        if path.startswith("/pages/") and path.endswith(".js"):
            return _file(PAGES, path.removeprefix("/pages/")), _content_type(path)
        if path.endswith(".html"):
            name = path.strip("/").removesuffix(".html")
            return page(name, self.service_url, self.drawn(name, cookies)), "text/html"
        return b"<!doctype html><title>Privacy</title><p>Privacy policy.", "text/html"

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        body, kind = self.body(environ.get("PATH_INFO", "/"), environ.get("HTTP_COOKIE"))
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
