"""Subject tokens made from the documented format (docs/subjects.md), not by banner's signer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from tests.factories import KEY_NEW, KEY_OLD


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def site_key(site: str, secret: str = KEY_NEW, purpose: str = "subject") -> str:
    """HMAC-SHA256(secret, "banner/v1/" + purpose + "/" + site), hex."""
    message = f"banner/v1/{purpose}/{site}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def make_token(
    user: str,
    site: str = "tokodemo",
    issued_at: float | None = None,
    key: str | None = None,
) -> str:
    """A subject token as the docs describe it, signed with ``key`` (hex)."""
    stamp = int(time.time() if issued_at is None else issued_at)
    body = f"v1.{site}.{stamp}.{b64url(user.encode('utf-8'))}"
    secret = bytes.fromhex(key or site_key(site))
    return body + "." + b64url(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())


def api_key(site: str = "tokodemo", secret: str = KEY_OLD) -> str:
    """The site's bearer for ``POST /api/v1/subject`` (any configured secret's)."""
    return site_key(site, secret, "subject-api")
