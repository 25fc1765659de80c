"""A fixture website with known behaviour, for the scanner's tests and its benchmark.

Three servers on the loopback address: the banner service (``127.0.0.1``), the
site (``localhost``, another host for the browser) embedding its loader, and a
fake of the tracker hosts the scanner routes there with ``--route``. Every
server logs the requests it answers.

The site: ``/`` links to everything; ``/analytics.js`` is gated (analytics)
and sets ``_ga`` and calls Google Analytics; ``/about`` sets the unknown
first-party cookie ``fixture_pref`` from the server and the storage key
``fixture_cart``, and holds a form nobody may submit; ``/deep/N`` is a chain of
40 pages; ``/logout`` and ``/files/price-list.pdf`` must never be opened; an
external link must never be followed. With ``leaky`` the home page also links
``/promo``, which loads the Meta Pixel without asking.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.processes import free_port

DEEP_PAGES = 40
#: Tracker hosts the fixture's pages (and the fake scripts) call.
TRACKER_HOSTS = ("connect.facebook.net", "www.facebook.com", "www.google-analytics.com")
FAKE_PIXEL = """document.cookie = "_fbp=fb.1.1700000000000.123456789; max-age=7776000; path=/";
new Image().src = "https://www.facebook.com/tr/?id=123456789012345&ev=PageView&fbp=x";
"""
ANALYTICS = """document.cookie = "_ga=GA1.1.123456789.1700000000; max-age=63072000; path=/";
new Image().src = "https://www.google-analytics.com/g/collect?v=2&tid=G-FIXTURE123&cid=1";
"""
STORE = 'localStorage.setItem("fixture_cart", "[]");\n'


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The servers' own logs are kept in :attr:`Served.hits` instead."""


class Served:
    """A WSGI app on a background thread, with a log of what it answered."""

    def __init__(self, respond: Callable[[Request], Response], port: int) -> None:
        self.hits: list[tuple[str, str]] = []
        self._respond = respond
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", port, self._app, threaded=True, request_handler=_Quiet
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _app(self, environ: dict[str, Any], start: Callable[..., Any]) -> Any:
        request = Request(environ)
        self.hits.append((request.method, request.full_path.rstrip("?")))
        return self._respond(request)(environ, start)

    def paths(self) -> list[str]:
        return [path for _method, path in self.hits]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _page(title: str, loader: str, body: str, head: str = "") -> Response:
    html = (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}'
        f'</title><script src="{escape(loader)}" async></script>{head}</head>'
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return Response(html, mimetype="text/html")


@dataclass
class FixtureSite:
    """The site's pages, for one loader URL; ``leaky`` adds the ungated Pixel page."""

    loader: str
    leaky: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def respond(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/deep/"):
            return self._deep(path.removeprefix("/deep/"))
        handler = {
            "/": self._home,
            "/about": self._about,
            "/promo": self._promo,
            "/analytics.js": lambda: Response(ANALYTICS, mimetype="text/javascript"),
            "/store.js": lambda: Response(STORE, mimetype="text/javascript"),
        }.get(path)
        if path in self.extra:
            return _page("Extra", self.loader, "", self.extra[path])
        if handler is None or (path == "/promo" and not self.leaky):
            return Response("tidak ada", status=404, mimetype="text/plain")
        return handler()

    def _home(self) -> Response:
        links = [
            '<a href="/about">Tentang</a>',
            '<a href="/deep/1#top">Arsip</a>',
            '<a href="/logout">Keluar</a>',
            '<a href="/files/price-list.pdf">Daftar harga</a>',
            '<a href="http://external.example/">Mitra</a>',
            '<a href="javascript:void(0)">Menu</a>',
            '<a href="mailto:halo@example.co.id">Surel</a>',
        ]
        if self.leaky:
            links.append('<a href="/promo">Promo</a>')
        gated = '<script type="text/plain" data-category="analytics" src="/analytics.js"></script>'
        links += [f'<a href="{escape(p)}">extra</a>' for p in self.extra]
        return _page("Beranda", self.loader, " ".join(links) + gated)

    def _about(self) -> Response:
        form = (
            '<form method="post" action="/subscribe">'
            '<input name="email"><button>Kirim</button></form>'
        )
        response = _page(
            "Tentang",
            self.loader,
            '<a href="/">Beranda</a>' + form,
            '<script src="/store.js"></script>',
        )
        response.set_cookie("fixture_pref", "compact", max_age=30 * 86400, path="/")
        return response

    def _promo(self) -> Response:
        pixel = '<script src="https://connect.facebook.net/en_US/fbevents.js"></script>'
        return _page("Promo", self.loader, '<a href="/">Beranda</a>', pixel)

    def _deep(self, number: str) -> Response:
        if not number.isdigit() or not 1 <= int(number) <= DEEP_PAGES:
            return Response("tidak ada", status=404, mimetype="text/plain")
        n = int(number)
        more = f'<a href="/deep/{n + 1}">Berikutnya</a>' if n < DEEP_PAGES else ""
        return _page(f"Arsip {n}", self.loader, more)


def fake_trackers(request: Request) -> Response:
    """Stands in for the tracker hosts: the Pixel's script sets ``_fbp`` like the real one."""
    if request.path.endswith("fbevents.js"):
        return Response(FAKE_PIXEL, mimetype="text/javascript")
    if request.path.endswith("gtm.js"):  # a tag manager that is down
        return Response("unavailable", status=503, mimetype="text/plain")
    return Response(b"", mimetype="image/gif")


def site_config(site_origin: str, database: Path, guardian: bool = False) -> str:
    """The fixture site's ``banner.toml``: GA4 and Pixel for analytics, two cookies declared."""
    children = 'children = "guardian"' if guardian else ""
    return f"""
[banner]
secret_keys = ["fixture-key-0123456789abcdef0123456789abcdef"]
database_url = "sqlite:///{database}"
rate_limit = "1000/minute"

[sites.fixture]
name = "Toko Fixture"
origins = ["{site_origin}"]
privacy_policy_url = "https://www.fixture.co.id/privasi"
{children}

[sites.fixture.trackers.ga4]
measurement_id = "G-FIXTURE123"
category = "analytics"

[sites.fixture.trackers.meta_pixel]
pixel_id = "123456789012345"
category = "analytics"

[[sites.fixture.cookies]]
name = "_ga"
provider = "Google"
category = "analytics"
duration = {{ id = "2 tahun", en = "2 years" }}
purpose = {{ id = "Membedakan pengunjung", en = "Distinguishes visitors" }}

[[sites.fixture.cookies]]
name = "old_campaign"
provider = "Toko Fixture"
category = "analytics"
duration = {{ id = "1 bulan", en = "1 month" }}
purpose = {{ id = "Kampanye lama", en = "An old campaign" }}
"""


@dataclass
class Fixture:
    """The running fixture: its URLs, its config file and each server's log."""

    url: str
    config: Path
    site: Served
    service: Served
    trackers: Served

    def routes(self) -> list[str]:
        """``--route`` options: trackers to the fake, the service direct, the rest blocked."""
        fake = f"http://127.0.0.1:{self.trackers.server.port}"
        return [
            *(f"--route={host}={fake}" for host in TRACKER_HOSTS),
            "--route=127.0.0.1=direct",
            "--route=*=block",
        ]


@contextmanager
def running_fixture(
    folder: Path, leaky: bool = False, guardian: bool = False, **extra: str
) -> Iterator[Fixture]:
    """Start the service, the site and the fake trackers; stop them afterwards."""
    from banner.core.config import load_config
    from banner.web.app import create_app

    site_port, service_port = free_port(), free_port()
    origin = f"http://localhost:{site_port}"
    config_file = folder / "banner.toml"
    config_file.write_text(site_config(origin, folder / "fixture.db", guardian), encoding="utf-8")
    app = create_app(load_config(config_file))
    service = Served(lambda r: Response.force_type(app, r.environ), service_port)
    loader = f"http://127.0.0.1:{service_port}/s/fixture/loader.js"
    site = Served(FixtureSite(loader, leaky, dict(extra)).respond, site_port)
    trackers = Served(fake_trackers, free_port())
    try:
        yield Fixture(f"{origin}/", config_file, site, service, trackers)
    finally:
        for server in (site, service, trackers):
            server.stop()
        app.extensions["banner"].log.dispose()
