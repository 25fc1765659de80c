"""The dashboard's own session cookie: who is logged in, and since when they were idle.

Apart from the hosted pages' session (``SameSite=Lax``, carrying CSRF tokens),
the login lives in a cookie of its own: signed with the service's keys
(rotation-aware), ``HttpOnly``, ``SameSite=Strict``, ``Secure`` on https,
scoped to the dashboard's path, and refused after :data:`IDLE_SECONDS`
without a request. Each request reads the account again, so a deleted
account's session stops at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

COOKIE = "banner_admin"
IDLE_SECONDS = 30 * 60
SALT = "banner.admin.session"
MAX_COOKIE_CHARS = 1024


@dataclass(frozen=True, slots=True)
class Login:
    """A session's content: the account (id, name, password stamp) and its last request."""

    user_id: int
    name: str
    stamp: str
    seen: float


def _serializer(keys: list[str]) -> URLSafeSerializer:
    return URLSafeSerializer(keys, salt=SALT)


def read_login(
    request: Request, keys: list[str], clock: Callable[[], float] = time.time
) -> Login | None:
    """The login in the request's cookie, or ``None`` (absent, forged, idle too long)."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > MAX_COOKIE_CHARS:
        return None
    try:
        data = _serializer(keys).loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, name, stamp, seen = (data.get(k) for k in ("u", "n", "s", "t"))
    if not (isinstance(user_id, int) and isinstance(name, str) and isinstance(stamp, str)):
        return None
    if not isinstance(seen, int | float) or not 0 <= clock() - seen <= IDLE_SECONDS:
        return None
    return Login(user_id, name, stamp, float(seen))


def write_login(response: Response, login: Login, keys: list[str], path: str, secure: bool) -> None:
    """Set (or refresh) the session cookie; it lasts as long as the browser session."""
    value = _serializer(keys).dumps(
        {"u": login.user_id, "n": login.name, "s": login.stamp, "t": int(login.seen)}
    )
    response.set_cookie(COOKIE, value, path=path, httponly=True, samesite="Strict", secure=secure)


def clear_login(response: Response, path: str, secure: bool) -> None:
    response.delete_cookie(COOKIE, path=path, httponly=True, samesite="Strict", secure=secure)
