"""The rules of ``POST /api/v1/consent``: one copy, for both paths that answer it.

The consent POST is answered either by Flask (:func:`banner.web.api.consent`)
or beside it (:mod:`banner.web.fast_consent`, as ``fast_assets`` answers the
loader). Both read the request into a :class:`Caller` and hand it, with the
body, to :func:`decide`: validation of every field, the site and its origin,
the notice, the consent id's ownership and the recording are here and only
here. Nothing in this module reads Flask's request globals.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.http import dump_cookie

from banner.core.config import SITE_ID, BannerConfig, SiteConfig
from banner.core.consent import CONSENT_ID, LANGUAGES, RETRY_KEY, Source, refuses_all
from banner.core.token import MAX_TOKEN_BYTES
from banner.core.visitor import client_address
from banner.log.notice_book import NoticeChanged, UnknownNotice
from banner.log.service import ConsentService, DecisionRequest, Recorded, TokenRequired
from banner.log.store import StoreUnavailable
from banner.web import request_body as body
from banner.web.errors import (
    BadField,
    NoticeChangedError,
    OriginRefused,
    StalePolicy,
    StoreDown,
    TokenRequiredError,
    UnknownSite,
)
from banner.web.state import BannerState
from banner.web.subject_field import subject_field

logger = logging.getLogger("banner")

CONSENT_FIELDS = (
    "site",
    "granted",
    "language",
    "policy_version",
    "consent_id",
    "gpc",
    "page_path",
    "age_confirmed",
    "token",
    "notice_hash",
    "retry_key",
    "source",
    "subject",
)
#: Where in the page a decision was made: the banner, or a blocked embed's placeholder.
PAGE_SOURCES = (Source.BANNER, Source.PLACEHOLDER)
#: The hex SHA-256 of a notice document.
NOTICE_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Caller:
    """What of the HTTP request, beside its body, the consent POST reads."""

    #: The ``Origin`` header: the page that posts.
    origin: str | None
    user_agent: str | None
    #: The peer's address, and ``X-Forwarded-For`` (read through ``proxy_count``).
    remote_addr: str | None
    forwarded_for: str | None
    #: ``Sec-GPC: 1`` was sent.
    gpc: bool
    #: The request came over HTTPS (the server-set cookie is ``Secure`` then).
    secure: bool
    #: The service's root URL as this request sees it (for the UI files' names),
    #: worked out only when a refusal names them.
    root: Callable[[], str]


@dataclass(frozen=True, slots=True)
class Answer:
    """A recorded decision's 201: its JSON body and, on a site with a cookie domain, its cookie."""

    body: dict[str, Any]
    set_cookie: str | None


def cors_headers(
    config: BannerConfig, origin: str | None, preflight: bool
) -> list[tuple[str, str]]:
    """CORS for a configured origin only, never ``*`` (``Vary: Origin`` is the caller's)."""
    if not origin or not any(s.allows_origin(origin) for s in config.sites.values()):
        return []
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", "true"),
    ]
    if preflight:
        headers += [
            ("Access-Control-Allow-Methods", "POST, OPTIONS"),
            ("Access-Control-Allow-Headers", "Content-Type"),
            ("Access-Control-Max-Age", "600"),
        ]
    return headers


def site_named(consent: ConsentService, document: dict[str, Any]) -> SiteConfig:
    """The configured site the body's ``site`` names."""
    site_id = body.clean_str(body.require(document, "site"), "site", 40)
    site = consent.site(site_id) if SITE_ID.fullmatch(site_id) else None
    if site is None:
        raise UnknownSite(f"no site {site_id!r} is configured", "site")
    return site


def check_origin(site: SiteConfig, origin: str | None) -> str:
    """The page's origin, if ``site`` lets it record decisions."""
    if not site.allows_origin(origin):
        raise OriginRefused(f"origin {origin!r} may not record consent for {site.id!r}", "Origin")
    return str(origin)


def decide(banner: BannerState, document: dict[str, Any], caller: Caller) -> Answer:
    """Check and record one decision (a body read by :func:`read`); answer once it is committed.

    :raises banner.web.errors.ApiError: a field, the origin, the notice or the
        consent id's ownership is refused, or the log is down; nothing was recorded.
    """
    site = site_named(banner.service, document)
    origin = check_origin(site, caller.origin)
    recorded = record(banner, decision_request(banner, document, site, origin, caller), caller)
    decision = recorded.decision
    logger.info(
        "consent recorded site=%s consent_id=%s action=%s granted=%s",
        site.id,
        decision.consent_id,
        decision.action,
        ",".join(decision.granted) or "-",
    )
    answer = {
        "consent_id": decision.consent_id,
        "token": recorded.token,
        "granted": list(recorded.content.granted),
        "policy_version": recorded.content.policy_version,
        "expires_at": iso(recorded.content.expires_at),
    }
    cookie = consent_cookie(site, recorded.token, caller.secure) if site.cookie_domain else None
    return Answer(answer, cookie)


def read(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The POST's body as a JSON object.

    :raises banner.web.errors.ApiError: not JSON, not an object, or of another type.
    """
    return body.parse_json_object(raw, content_type)


def consent_cookie(site: SiteConfig, token: str, secure: bool) -> str:
    """The consent cookie as the server sets it (not capped like script cookies)."""
    return dump_cookie(
        site.cookie_name,
        token,
        max_age=site.max_age,
        domain=site.cookie_domain,
        path="/",
        secure=secure,
        samesite="Lax",
    )


def iso(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")


def _granted(document: dict[str, Any], site: SiteConfig) -> tuple[str, ...]:
    granted = body.string_list(body.require(document, "granted"), "granted", 32)
    for category in granted:
        if category not in site.category_ids:
            raise BadField(f"granted names an unknown category {category!r}", "granted")
    return tuple(granted)


def _policy_version(
    banner: BannerState,
    document: dict[str, Any],
    site: SiteConfig,
    granted: tuple[str, ...],
    caller: Caller,
) -> None:
    """An older version is refused, except for a refusal (a withdrawal is never dropped)."""
    version = body.whole_number(body.require(document, "policy_version"), "policy_version")
    if version < site.policy_version and not refuses_all(granted):
        raise StalePolicy(
            f"policy version {version} was replaced by {site.policy_version}; show the new notice",
            "policy_version",
            policy_version=site.policy_version,
            ui=current_ui(banner, site, caller.root()),
        )
    if version > site.policy_version:
        raise BadField(f"policy_version {version} does not exist yet", "policy_version")


def _age_confirmed(document: dict[str, Any], site: SiteConfig, granted: tuple[str, ...]) -> bool:
    """The age / guardian box: required to grant anything on a ``guardian`` site."""
    confirmed = body.boolean(document.get("age_confirmed", False), "age_confirmed")
    if site.needs_age_confirmation(granted) and not confirmed:
        raise BadField(
            "this site asks visitors to confirm they are 18 or older or that a parent or "
            "guardian agrees: granting a category needs age_confirmed true",
            "age_confirmed",
        )
    return confirmed


def _source(document: dict[str, Any]) -> Source:
    """Where the visitor chose; only the places a page's script offers (never the hosted page)."""
    name = body.clean_str(document.get("source", Source.BANNER), "source", 16)
    if name not in PAGE_SOURCES:
        raise BadField(f"source must be one of {', '.join(PAGE_SOURCES)}", "source")
    return Source(name)


def _retry_key(document: dict[str, Any]) -> str | None:
    """The client's key for this decision, if it sent one (16-128 URL-safe characters)."""
    key = document.get("retry_key")
    if key is None:
        return None
    if not isinstance(key, str) or not RETRY_KEY.fullmatch(key):
        raise BadField("retry_key must be 16 to 128 characters of A-Z a-z 0-9 _ -", "retry_key")
    return key


def consent_id_field(document: dict[str, Any]) -> str | None:
    """The body's ``consent_id``, if it sent one (16-64 URL-safe characters)."""
    consent_id = document.get("consent_id")
    if consent_id is None:
        return None
    consent_id = body.clean_str(consent_id, "consent_id", 64)
    if not CONSENT_ID.fullmatch(consent_id):
        raise BadField("consent_id must be 16 to 64 URL-safe characters", "consent_id")
    return consent_id


def _notice_hash(document: dict[str, Any]) -> str:
    value = body.clean_str(body.require(document, "notice_hash"), "notice_hash", 64)
    if not NOTICE_HASH.fullmatch(value):
        raise BadField("notice_hash must be 64 lowercase hex digits (SHA-256)", "notice_hash")
    return value


def decision_request(
    banner: BannerState, document: dict[str, Any], site: SiteConfig, origin: str, caller: Caller
) -> DecisionRequest:
    """Validate a consent body into a :class:`DecisionRequest`."""
    body.reject_unknown(document, CONSENT_FIELDS)
    granted = _granted(document, site)
    language = body.clean_str(body.require(document, "language"), "language", 8)
    if language not in LANGUAGES:
        raise BadField('language must be "id" or "en"', "language")
    _policy_version(banner, document, site, granted, caller)
    consent_id = consent_id_field(document)
    gpc = body.boolean(document.get("gpc", False), "gpc") or caller.gpc
    token = document.get("token")
    if token is not None:
        token = body.clean_str(token, "token", MAX_TOKEN_BYTES)
    return DecisionRequest(
        site=site.id,
        granted=granted,
        language=language,
        consent_id=consent_id,
        gpc=gpc,
        source=_source(document),
        page_origin=origin,
        page_path=body.clean_str(document.get("page_path", ""), "page_path", 512),
        ip=client_address(caller.remote_addr, caller.forwarded_for, banner.config.proxy_count),
        user_agent=caller.user_agent,
        age_confirmed=_age_confirmed(document, site, granted),
        token=token,
        notice_hash=_notice_hash(document),
        retry_key=_retry_key(document),
        subject=subject_field(document, site, banner.service),
    )


def record(banner: BannerState, decision: DecisionRequest, caller: Caller) -> Recorded:
    """Record through the service, turning its refusals into the API's errors."""
    try:
        return banner.service.record(decision)
    except TokenRequired:
        raise TokenRequiredError(
            "this consent id already has a choice; send its current token, or retry with "
            "the retry_key of the request that made it",
            "token",
        ) from None
    except StoreUnavailable as exc:
        raise store_down(exc) from None
    except UnknownNotice:
        raise BadField(
            "notice_hash names no notice of this site; fetch the current one "
            "from GET /s/SITE/notice?lang=",
            "notice_hash",
        ) from None
    except NoticeChanged as exc:
        site = banner.service.site(decision.site)
        ui = current_ui(banner, site, caller.root()) if site else ""
        raise NoticeChangedError(
            f"the notice shown (policy version {exc.shown_version}) was replaced by version "
            f"{exc.current}; show the current notice and ask again",
            "notice_hash",
            policy_version=exc.current,
            ui=ui,
        ) from None


def current_ui(banner: BannerState, site: SiteConfig, url_root: str) -> str:
    """The hash naming the current UI files (``s/SITE/ui.<hash>.js`` and ``.css``)."""
    from banner.web.asset_cache import site_assets

    return site_assets(banner, site, url_root).ui


def store_down(exc: StoreUnavailable) -> StoreDown:
    """The API's 503 for a store that is locked, full or down, with ``Retry-After``."""
    return StoreDown(
        f"storage unavailable ({exc.reason}); nothing was recorded, retry later",
        **{"Retry-After": str(exc.retry_after)},
    )
