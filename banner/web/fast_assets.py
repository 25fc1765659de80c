"""The loader's files answered before Flask's dispatch: the hot path of every page view.

``GET``/``HEAD /s/<site>/loader.js`` (and ``ui.js``, ``ui.css``) run on every
page view of every site. Their answers are a lookup (:class:`banner.web.loader.Asset`
holds the bytes and headers of each encoding), so Flask's request context,
URL map and response object were most of their cost. :class:`FastAssets`
wraps the app's WSGI callable and answers these requests itself with the same
assets (the same cache, built by the same pure functions of
:mod:`banner.web.loader`) and exactly the same status, headers and body as
the Flask routes; anything else (another method, an unknown site, another
path) goes on to Flask unchanged, so errors keep their pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.http import remove_entity_headers
from werkzeug.wsgi import get_current_url

from banner.core.config import SiteConfig
from banner.web.loader import (
    CACHE_LIMIT,
    CSS,
    JAVASCRIPT,
    LOADER_MAX_AGE,
    UI_MAX_AGE,
    Asset,
    Variant,
    cached_asset,
    css_bytes,
    etag_matches,
    loader_bytes,
    ui_bytes,
)
from banner.web.state import BannerState

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


@dataclass(frozen=True, slots=True)
class _Route:
    """How the Flask route builds one file: its cache key's kind, builder and headers."""

    kind: str
    build: Callable[[SiteConfig, str], bytes]
    mimetype: str
    max_age: int
    per_site: bool = True


#: The same keys, builders and lifetimes as the routes of :mod:`banner.web.loader`.
ROUTES = {
    "loader.js": _Route("gate", loader_bytes, JAVASCRIPT, LOADER_MAX_AGE),
    "ui.js": _Route("ui", ui_bytes, JAVASCRIPT, UI_MAX_AGE),
    "ui.css": _Route("css", lambda _site, _base: css_bytes(), CSS, UI_MAX_AGE, per_site=False),
}


@dataclass(frozen=True, slots=True)
class _Ready:
    """A variant's answers as WSGI wants them: 200 headers (with length) and 304 headers."""

    ok: list[tuple[str, str]]
    not_modified: list[tuple[str, str]]

    @classmethod
    def of(cls, variant: Variant) -> _Ready:
        headers = list(variant.headers)
        ok = [*headers, ("Content-Length", str(len(variant.body)))]
        not_modified = list(headers)
        remove_entity_headers(not_modified)
        return cls(ok, not_modified)


class FastAssets:
    """WSGI middleware answering the loader's files without Flask.

    :param app: the Flask app's WSGI callable, called for everything else.
    :param banner: the app's banner state (config, and the asset cache in ``extras``).
    """

    def __init__(self, app: WSGIApplication, banner: BannerState) -> None:
        self.app = app
        self.banner = banner
        #: Keyed by the variant's id; the variant is kept so its id stays its own.
        self.ready: dict[int, tuple[Variant, _Ready]] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        found = self._asset(environ)
        if found is None:
            return self.app(environ, start_response)
        return self._answer(found, environ, start_response)

    def _asset(self, environ: WSGIEnvironment) -> Asset | None:
        method = environ.get("REQUEST_METHOD")
        if method != "GET" and method != "HEAD":
            return None
        parts = environ.get("PATH_INFO", "").split("/")
        if len(parts) != 4 or parts[0] or parts[1] != "s" or parts[3] not in ROUTES:
            return None
        site = self.banner.config.sites.get(parts[2])
        if site is None:
            return None
        return self._cached(ROUTES[parts[3]], site, get_current_url(environ, root_only=True))

    def _cached(self, route: _Route, site: SiteConfig, base: str) -> Asset:
        key = (route.kind, site.id, base) if route.per_site else (route.kind,)
        return cached_asset(
            self.banner, key, lambda: route.build(site, base), route.mimetype, route.max_age
        )

    def _answer(
        self, asset: Asset, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        gzipped = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
        variant = asset.gzipped if gzipped else asset.plain
        ready = self._ready(variant)
        if etag_matches(environ.get("HTTP_IF_NONE_MATCH"), variant.etag):
            start_response("304 NOT MODIFIED", ready.not_modified)
            return []
        start_response("200 OK", ready.ok)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [variant.body]

    def _ready(self, variant: Variant) -> _Ready:
        found = self.ready.get(id(variant))
        if found is not None:
            return found[1]
        if len(self.ready) >= 2 * CACHE_LIMIT:
            self.ready.clear()
        ready = _Ready.of(variant)
        self.ready[id(variant)] = (variant, ready)
        return ready


def install(app: Any, banner: BannerState) -> None:
    """Put :class:`FastAssets` in front of ``app``'s WSGI callable."""
    app.wsgi_app = FastAssets(app.wsgi_app, banner)
