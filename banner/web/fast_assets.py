"""The loader's files answered before Flask's dispatch: the hot path of every page view.

``GET``/``HEAD /s/<site>/loader.js`` (and the UI files) run on every
page view of every site. Their answers are a lookup (:class:`banner.web.asset_cache.Asset`
holds the bytes and headers of each encoding), so Flask's request context,
URL map and response object were most of their cost. :class:`FastAssets`
wraps the app's WSGI callable and answers these requests itself with the same
assets (the same cache, :func:`banner.web.asset_cache.site_assets`) and
exactly the same status, headers and body as
the Flask routes; anything else (another method, an unknown site, another
path) goes on to Flask unchanged, so errors keep their pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.http import remove_entity_headers
from werkzeug.wsgi import get_current_url

from banner.log.store import StoreUnavailable
from banner.web.asset_cache import CACHE_LIMIT, Asset, Variant, etag_matches, site_assets
from banner.web.state import BannerState

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


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


#: The file names answered here start so (``loader.js``, ``ui.js``, ``ui.<hash>.css``, ...).
_FILES = ("loader.js", "ui.")


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
        if len(parts) != 4 or parts[0] or parts[1] != "s" or not parts[3].startswith(_FILES):
            return None
        site = self.banner.config.sites.get(parts[2])
        if site is None:
            return None
        try:
            found = site_assets(self.banner, site, get_current_url(environ, root_only=True))
        except StoreUnavailable:
            return None  # Flask answers 503 with Retry-After
        return found.assets.get(parts[3])  # an outdated UI name: Flask redirects

    def _answer(
        self, asset: Asset, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        variant = asset.pick(environ.get("HTTP_ACCEPT_ENCODING", ""))
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
