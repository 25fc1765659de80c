"""The dashboard's session: a random id in a cookie, the session itself in the database.

Apart from the hosted pages' session (``SameSite=Lax``, carrying CSRF tokens),
the login lives in a cookie of its own: ``HttpOnly``, ``SameSite=Strict``,
``Secure`` on https, scoped to the dashboard's path. Its content is a random
id (256 bits) signed with the dashboard's own derived key
(:data:`banner.core.keys.ADMIN_SESSION`, rotation-aware): nothing in it can be
read, and the server keeps only the id's SHA-256 (:mod:`banner.admin.sessions`).
So logging out ends the session for every copy of the cookie, a session lasts
at most :data:`LIFETIME_SECONDS` (12 hours) whatever happens, and ends after
:data:`IDLE_SECONDS` without a request (issue 26).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import Request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

COOKIE = "banner_admin"
IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 12 * 60 * 60
SALT = "banner.admin.session.v2"
MAX_COOKIE_CHARS = 256
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")


def new_session_id() -> str:
    """A fresh random session id (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def session_hash(session_id: str) -> str:
    """What the database keeps of a session id."""
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def _serializer(keys: list[str]) -> URLSafeSerializer:
    return URLSafeSerializer(keys, salt=SALT)


def read_session_id(request: Request, keys: list[str]) -> str | None:
    """The session id in the request's cookie, or ``None`` (absent, forged, malformed)."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > MAX_COOKIE_CHARS:
        return None
    try:
        found = _serializer(keys).loads(raw)
    except BadSignature:
        return None
    return found if isinstance(found, str) and _SESSION_ID.fullmatch(found) else None


def write_session_id(
    response: Response, session_id: str, keys: list[str], path: str, secure: bool
) -> None:
    """Set the session cookie; it lasts as long as the browser session (the server decides more)."""
    value = _serializer(keys).dumps(session_id)
    response.set_cookie(COOKIE, value, path=path, httponly=True, samesite="Strict", secure=secure)


def clear_login(response: Response, path: str, secure: bool) -> None:
    response.delete_cookie(COOKIE, path=path, httponly=True, samesite="Strict", secure=secure)
