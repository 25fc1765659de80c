"""One key per purpose and per site, derived from the configured ``secret_keys``.

The operator configures a few secrets (``[banner] secret_keys``); nothing is
signed with them directly. Each use gets a key of its own::

    derived = HMAC-SHA256(key=secret, msg="banner/v1/" + purpose + "/" + scope)

written as 64 lower-case hex digits, where ``purpose`` is one of
:data:`PURPOSES` and ``scope`` is the site id for consent tokens and empty for
the service's own sessions. So a site's backend, given only its site's token
keys (``banner keys show --site S``), can verify that site's tokens and mint
nothing else: no token of another site, no dashboard or page session
(issue 26). HMAC-SHA256 is a PRF, so one derived key tells nothing about the
secret or about any other derived key.

Rotation works as before: every configured secret derives a verifying key,
in the same order, and the one derived from the last secret signs.

Pure core: standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

#: The label every derivation starts with; a new scheme would be ``banner/v2/``.
LABEL = "banner/v1/"
#: Consent tokens of one site (scope: the site id).
TOKEN = "token"
#: The dashboard's login sessions.
ADMIN_SESSION = "admin-session"
#: The hosted pages' Flask session.
PAGE_SESSION = "page-session"
#: The hosted pages' CSRF tokens (Flask-WTF).
PAGE_CSRF = "page-csrf"
#: Subject tokens of one site (issue 25; scope: the site id): its backend signs them.
SUBJECT = "subject"
#: The bearer key of one site's ``POST /api/v1/subject`` (scope: the site id).
SUBJECT_API = "subject-api"
#: The key of the hash banner keeps of a site's user ids (scope: the site id).
SUBJECT_ID = "subject-id"
PURPOSES = (TOKEN, ADMIN_SESSION, PAGE_SESSION, PAGE_CSRF, SUBJECT, SUBJECT_API, SUBJECT_ID)


def derive_key(secret: str | bytes, purpose: str, scope: str = "") -> str:
    """The key for ``purpose`` (and ``scope``) derived from one configured secret.

    :raises ValueError: for a purpose not in :data:`PURPOSES`, or a scope with ``/``.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    if "/" in scope:
        raise ValueError("a key scope may not contain '/'")
    key = secret if isinstance(secret, bytes) else secret.encode("utf-8")
    message = f"{LABEL}{purpose}/{scope}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def derived_keys(secrets: Sequence[str | bytes], purpose: str, scope: str = "") -> tuple[str, ...]:
    """One derived key per configured secret, oldest first (the last one signs)."""
    return tuple(derive_key(secret, purpose, scope) for secret in secrets)


def site_token_keys(secrets: Sequence[str | bytes], site: str) -> tuple[str, ...]:
    """The keys of ``site``'s consent tokens: what its backend needs, and all it gets."""
    return derived_keys(secrets, TOKEN, site)
