"""The visitor's trip to the hosted preference page and back to the site.

What comes with the visitor (their current consent: the service's own cookie
or the token the loader passed, and the loader's random ``state``) and what
goes back: the consent cookie where the service's cookie reaches the page
returned to, else the new token and the state in the fragment, which the
loader takes only when the state is the one it kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import make_response, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from banner.check.checker import cookie_values, merge_consents, too_many
from banner.core.config import SiteConfig
from banner.core.token import ConsentToken
from banner.web.api import set_consent_cookie
from banner.web.page_security import cookie_reaches, safe_return, with_token
from banner.web.state import service
from banner.web.state import state as app_state

logger = logging.getLogger("banner")

#: The loader's state: a random hex string; anything else is dropped.
STATE = re.compile(r"[0-9A-Za-z_-]{8,64}")
#: How long a state handed back is remembered as used (a tab keeps its state for the visit).
STATE_MEMORY_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class Current:
    """The visitor's current consent as a verified token, and where it came from."""

    token: str
    content: ConsentToken


def current_consent(site: SiteConfig, passed: str | None) -> Current | None:
    """The visitor's consent: the cookie when the service shares it, else the passed token.

    Several cookie values (one tossed in for a parent domain) are combined as
    the server-side check does: only what every valid one grants, under the
    newest one's consent id; more values than the check reads is no consent.
    """
    values = cookie_values(request.headers.get("Cookie"), site.cookie_name)
    if too_many(values):
        return None
    candidates = [*values, passed]
    valid = [(c, service().verify(site.id, c).token) for c in candidates if c]
    found = [(raw, content) for raw, content in valid if content is not None]
    if not found:
        return None
    merged = merge_consents(content for _raw, content in found)
    newest = next(
        raw for raw, content in found if merged and content.consent_id == merged.consent_id
    )
    return Current(newest, merged) if merged else None


def passed_token(site: SiteConfig, value: str | None) -> str | None:
    """The ``?token=`` of the preference page's address, when this browser brought it.

    The loader opens the page from one of the site's pages with the browser's
    own token; anyone can also send a visitor a link carrying *their* token,
    to show their choice pre-ticked and have the visitor's saving continue
    their consent id (issue 26, item 8). Only a navigation whose ``Referer``
    is one of the site's origins (browsers send the origin cross-site by
    default), or one of this service's own pages of the site (a form sent
    back after an error), brings a token taken here; otherwise it is ignored
    and only the service's own cookie counts.
    """
    if not value:
        return None
    return value if _from_the_site(site, request.headers.get("Referer")) else None


def _from_the_site(site: SiteConfig, referrer: str | None) -> bool:
    try:
        parts = urlsplit(referrer or "")
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    origin = f"{parts.scheme}://{parts.netloc.lower()}"
    own = request.host_url.rstrip("/").lower()
    return site.allows_origin(origin) or (
        origin == own and parts.path.startswith(f"{request.script_root}/s/{site.id}/")
    )


def loader_state(value: str | None) -> str:
    """The loader's state as passed, or ``""`` when it is not one."""
    return value if value and STATE.fullmatch(value) else ""


def hand_back_once(loader: str) -> str:
    """``loader`` the first time the service hands it back, ``""`` every time after.

    A state is single-use on both sides: the loader drops it once it has
    taken a token with it, and the service hands it back with one token
    only (a form sent twice, a replayed post), so no second token can ever
    ride on it. Used states are counted in the rate limits' storage (shared
    by every instance when it is Redis), under their SHA-256 only; when
    that storage fails, no state goes back and the loader takes nothing.
    """
    if not loader:
        return ""
    key = "banner/state/" + hashlib.sha256(loader.encode()).hexdigest()
    try:
        uses = app_state().extras["limiter"].storage.incr(key, STATE_MEMORY_SECONDS)
    except Exception:  # any storage error: hand nothing back (fail closed)
        logger.warning("return state not handed back: its storage failed", exc_info=True)
        return ""
    return loader if uses == 1 else ""


def return_to_site(site: SiteConfig, asked: str | None, token: str, state: str) -> WerkzeugResponse:
    """Redirect to the page the visitor came from (or the site's default page).

    Decided for that page, not for the site's origins at large: when the
    service's cookie reaches it (same host, or both under ``cookie_domain``)
    the service sets the consent cookie itself; otherwise the new token and
    the loader's state ride in the fragment.
    """
    target = safe_return(asked, site.origins)
    if not cookie_reaches(request.host, target, site.cookie_domain):
        return redirect(with_token(target, token, hand_back_once(loader_state(state))), 303)
    response = make_response(redirect(target, 303))
    set_consent_cookie(response, site, token)
    return response
