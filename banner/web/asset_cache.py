"""The loader's files as served: bytes and headers built once per config generation.

``loader.js`` runs on every page view of every site, so serving it is a
lookup: each file's plain and gzip variants, their ETags and every header
are built when the config (re)loads. Cache lifetimes:

- ``loader.js``: ``public, max-age=<loader_max_age>`` (``no-cache``, that is
  revalidate with ``ETag`` on every view, when it is 0): the bound on how
  long a policy bump or a text change takes to reach a returning visitor;
- ``ui.<hash>.js`` / ``ui.<hash>.css``, ``subject.<hash>.js`` and the on-demand chunks
  ``ui.<hash>.<chunk>.js`` (``ui.<hash>.more.css``, ``.extra.css``): named by their bytes, so
  ``public, max-age=31536000, immutable``;
- ``ui.js`` / ``ui.css`` (the same bytes under fixed names, for gates cached
  before the names were hashed): ``no-cache``.

Nothing from the request reaches these bodies but the base URL, and that
only when ``[banner] public_url`` is unset, which the config allows only with
no proxy in front (``proxy_count = 0``): forwarded host, prefix or scheme
headers never reach a cacheable body.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from banner.core.config import BannerConfig, SiteConfig
from banner.core.consent import LANGUAGES
from banner.web.site_files import HASHED_NAME, SUBJECT_NAME, site_files
from banner.web.state import BannerState

JAVASCRIPT = "text/javascript"
CSS = "text/css"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
#: Sites x base URLs kept; without ``public_url`` the base comes from the
#: Host header, so the cache is bounded rather than trusting it.
CACHE_LIMIT = 256


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of a served file: its bytes and every header it goes out with."""

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Asset:
    """One served file, plain and gzip-compressed, with their validators."""

    plain: Variant
    gzipped: Variant

    @classmethod
    def of(cls, body: bytes, mimetype: str, cache_control: str) -> Asset:
        digest = hashlib.sha256(body).hexdigest()[:32]

        def variant(data: bytes, etag: str, encoding: tuple[tuple[str, str], ...]) -> Variant:
            headers = (
                ("Content-Type", f"{mimetype}; charset=utf-8"),
                *encoding,
                ("ETag", etag),
                ("Cache-Control", cache_control),
                ("Vary", "Accept-Encoding"),
                ("X-Content-Type-Options", "nosniff"),
                ("Cross-Origin-Resource-Policy", "cross-origin"),
            )
            return Variant(data, etag, headers)

        return cls(
            variant(body, f'"{digest}"', ()),
            variant(
                gzip.compress(body, 9, mtime=0), f'"{digest}-gz"', (("Content-Encoding", "gzip"),)
            ),
        )

    def pick(self, accept_encoding: str) -> Variant:
        return self.gzipped if "gzip" in accept_encoding else self.plain


@dataclass(frozen=True, slots=True)
class SiteAssets:
    """One site's served files by name, and the names of its current UI files."""

    assets: Mapping[str, Asset]
    #: the hash naming the current UI files
    ui: str

    def current_name(self, name: str) -> str | None:
        """The current UI file of the kind ``name`` names, for an outdated hashed name."""
        if SUBJECT_NAME.fullmatch(name):
            return f"subject.{self.ui}.js"
        found = HASHED_NAME.fullmatch(name)
        return None if found is None else f"ui.{self.ui}.{found.group(2)}"


def cache_control(name: str, loader_max_age: int) -> str:
    """The ``Cache-Control`` of a served file (see the module's docstring)."""
    if HASHED_NAME.fullmatch(name) or SUBJECT_NAME.fullmatch(name):
        return IMMUTABLE
    if name == "loader.js" and loader_max_age:
        return f"public, max-age={loader_max_age}"
    return REVALIDATE


def base_url(config: BannerConfig, request_root: str) -> str:
    """Where the files say the service is: the configured ``public_url`` first."""
    return config.public_url or request_root


def site_assets(banner: BannerState, site: SiteConfig, request_root: str) -> SiteAssets:
    """The served files of ``site``, built once per config (dropped when the file changes).

    Building them archives the site's notices first (a notice is never
    served before it is archived).

    :raises banner.log.store.StoreUnavailable: when the notices could not be archived.
    """
    extras = banner.extras
    config = banner.config
    if extras.get("loader_config") is not config:  # the config file changed: build afresh
        extras["loader_config"], extras["loader_assets"] = config, {}
    cached: dict[tuple[str, str], SiteAssets] = extras["loader_assets"]
    base = base_url(config, request_root)
    key = (site.id, base)
    if key not in cached:
        built = _build(banner, config, site, base)
        if len(cached) >= CACHE_LIMIT:
            cached.clear()
        cached[key] = built
    return cached[key]


def _build(banner: BannerState, config: BannerConfig, site: SiteConfig, base: str) -> SiteAssets:
    notices = {lang: banner.service.book.published(config, site.id, lang) for lang in LANGUAGES}
    files = site_files(site, base, notices)
    assets = {
        name: Asset.of(
            body,
            CSS if name.endswith(".css") else JAVASCRIPT,
            cache_control(name, config.loader_max_age),
        )
        for name, body in files.files.items()
    }
    return SiteAssets(assets, files.ui)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` against ``etag`` by the weak comparison RFC 9110 asks for."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))
