"""Browser fixtures: the service and a host shop page on two origins, and Chromium.

The service listens on ``127.0.0.1`` and the shop on ``localhost`` (another
site as far as the browser's cookies go). Tracker hosts are intercepted: there
is no internet, and the tests assert on the requests that were attempted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from banner.core.config import BannerConfig, parse_config
from banner.core.tracker_kinds import KINDS
from banner.web.app import create_app
from tests.factories import document
from tests.processes import free_port

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Every host a tracker kind talks to, and the custom script host of the tests.
CUSTOM_HOST = "cdn.heatmap.example"
TRACKER_HOSTS = (*sorted({h for k in KINDS.values() for h in k.hosts}), "heatmap.example")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class LiveServer:
    """A WSGI app served from a background thread."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Shop:
    """The host page's origin: serves whatever HTML a test puts in ``pages``."""

    origin: str
    pages: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def wsgi(self, environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path not in self.pages:
            start("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        headers = {"Content-Type": "text/html; charset=utf-8", **self.headers.get(path, {})}
        start("200 OK", list(headers.items()))
        return [self.pages[path].encode()]


@dataclass
class Deployment:
    """A running service plus its shop, configured for each other."""

    service_url: str
    shop: Shop
    app: Flask
    config: BannerConfig

    def loader_tag(self, site: str = "tokodemo", nonce: str | None = None) -> str:
        attr = f' nonce="{nonce}"' if nonce else ""
        return f'<script src="{self.service_url}/s/{site}/loader.js" async{attr}></script>'


@pytest.fixture
def service_port() -> int:
    return free_port()


@pytest.fixture
def shop_port() -> int:
    return free_port()


@pytest.fixture
def site_changes() -> dict[str, Any]:
    """Override in a test module to change the ``tokodemo`` site's config."""
    return {}


@contextmanager
def running(
    tmp_path: Path, shop: Shop, service_host: str, service_port: int, changes: dict[str, Any]
) -> Iterator[Deployment]:
    """Serve ``shop`` (its origin's port) and the service, both on the loopback address.

    ``service_host`` is the name the browser uses for the service; the
    ``tokodemo`` site is configured for ``shop``, then changed by ``changes``.
    """
    site = {"origins": [shop.origin], "privacy_policy_url": f"{shop.origin}/privacy", **changes}
    config = parse_config(document(f"sqlite:///{tmp_path / 'e2e.db'}", **site), "e2e.toml", {})
    app = create_app(config)
    service = LiveServer(app, "127.0.0.1", service_port)
    shop_server = LiveServer(shop.wsgi, "127.0.0.1", urlsplit(shop.origin).port or 80)
    try:
        yield Deployment(f"http://{service_host}:{service_port}", shop, app, config)
    finally:
        service.stop()
        shop_server.stop()
        app.extensions["banner"].log.dispose()


@pytest.fixture
def deployment(
    tmp_path: Path, service_port: int, shop_port: int, site_changes: dict[str, Any]
) -> Iterator[Deployment]:
    shop = Shop(f"http://localhost:{shop_port}")
    with running(tmp_path, shop, "127.0.0.1", service_port, site_changes) as started:
        yield started


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class TrackerLog:
    """Requests the page attempted to tracker hosts (answered locally)."""

    urls: list[str] = field(default_factory=list)

    def to(self, host: str) -> list[str]:
        return [u for u in self.urls if host in u]


@pytest.fixture
def trackers() -> TrackerLog:
    return TrackerLog()


def _tracker_route(log: TrackerLog) -> Callable[[Any], None]:
    def handle(route: Any) -> None:
        log.urls.append(route.request.url)
        body = "" if route.request.resource_type != "script" else "/* stub tracker */"
        route.fulfill(status=200, content_type="application/javascript", body=body)

    return handle


@pytest.fixture
def context(browser: Any, trackers: TrackerLog) -> Iterator[Any]:
    """A fresh browser context with tracker hosts intercepted."""
    ctx = browser.new_context(locale="id-ID")
    for host in TRACKER_HOSTS:
        ctx.route(f"**://*.{host}/**", _tracker_route(trackers))
        ctx.route(f"**://{host}/**", _tracker_route(trackers))
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(params=["light", "dark"])
def scheme_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in an Indonesian browser, once with a light and once with a dark scheme."""
    context = browser.new_context(locale="id-ID", color_scheme=request.param)
    page = context.new_page()
    page.scheme = request.param
    yield page
    context.close()
