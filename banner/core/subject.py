"""Subject tokens: a site's backend vouches for a signed-in user (issue 25).

A *subject* is a person the site knows by its own user id. The site's backend
puts a short-lived token on the page (``data-subject`` on the loader's tag);
a decision made with it links the browser's consent id to that subject, so
the person's other devices and the site's other origins take the same
choice. The format is plain so any language can make it (``docs/subjects.md``)::

    body  = "v1." + site + "." + issued_at + "." + b64url(user_id as UTF-8)
    token = body + "." + b64url(HMAC-SHA256(key, body))

``issued_at`` is Unix seconds in decimal, ``b64url`` is base64url without
``=`` padding, and ``key`` is the 32 bytes whose 64 hex digits are the site's
subject key (``banner keys show --site S --for subject``): HMAC-SHA256(secret,
"banner/v1/subject/" + site), see :mod:`banner.core.keys`. A token is good
for :data:`TOKEN_SECONDS` after ``issued_at``.

banner never keeps the user id: only :func:`subject_hash`, a keyed hash per
site, with a key derived from the *first* configured secret (so rotating the
signing secret keeps every link; removing the first secret forgets them all).

Pure core: standard library only.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from banner.core.config_model import SITE_ID
from banner.core.keys import SUBJECT, SUBJECT_ID, derive_key, derived_keys

#: How long a subject token is good for, from its issue time.
TOKEN_SECONDS = 600
#: Issue times up to this far in the future still verify (clock skew between servers).
SKEW_SECONDS = 30
#: A user id is 1 to this many bytes of UTF-8.
MAX_USER_BYTES = 256
#: The longest token that can be valid (a longer one is refused unread).
MAX_TOKEN_CHARS = 3 + 40 + 1 + 12 + 1 + (MAX_USER_BYTES * 4 + 2) // 3 + 1 + 43 + 8
VERSION = "v1"
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_DIGITS = re.compile(r"[0-9]{1,12}")
_HEX_KEY = re.compile(r"[0-9a-f]{64}")

Clock = Callable[[], float]


class SubjectRefusal(enum.StrEnum):
    """Why a subject token is not good."""

    MALFORMED = "malformed"
    OTHER_SITE = "other_site"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Subject:
    """A verified subject token: whose it is (the user id) and when it was made."""

    site: str
    user_id: str
    issued_at: int


def check_user_id(user_id: object) -> str:
    """``user_id`` when it can name a subject: a string of 1 to 256 UTF-8 bytes.

    :raises ValueError: otherwise (it says why, never echoing the id).
    """
    if not isinstance(user_id, str):
        raise ValueError("a user id must be a string")
    try:
        size = len(user_id.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError("a user id must be valid Unicode text (no lone surrogates)") from None
    if not 0 < size <= MAX_USER_BYTES:
        raise ValueError(f"a user id must be 1 to {MAX_USER_BYTES} bytes of UTF-8")
    return user_id


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key_bytes(key: str) -> bytes:
    if not _HEX_KEY.fullmatch(key):
        raise ValueError("a subject key is 64 lower-case hex digits")
    return bytes.fromhex(key)


def _mac(key: str, body: str) -> str:
    return _b64(hmac.new(_key_bytes(key), body.encode("ascii"), hashlib.sha256).digest())


def sign_subject(site: str, user_id: str, key: str, issued_at: int) -> str:
    """The subject token for ``user_id`` on ``site``, signed with ``key`` (hex).

    :raises ValueError: for a bad site id, user id or key.
    """
    if not SITE_ID.fullmatch(site):
        raise ValueError(f"not a site id: {site!r}")
    check_user_id(user_id)
    body = f"{VERSION}.{site}.{int(issued_at)}.{_b64(user_id.encode('utf-8'))}"
    return f"{body}.{_mac(key, body)}"


def subject_keys(secrets: Sequence[str | bytes], site: str) -> tuple[str, ...]:
    """The keys of ``site``'s subject tokens, oldest first (the last one signs)."""
    return derived_keys(secrets, SUBJECT, site)


def subject_hash(secrets: Sequence[str | bytes], site: str, user_id: str) -> str:
    """What banner keeps of a user id: HMAC-SHA256 keyed per site, 64 hex digits.

    The key derives from the first configured secret, so adding a secret
    (rotation) keeps every subject's links.
    """
    key = bytes.fromhex(derive_key(secrets[0], SUBJECT_ID, site))
    return hmac.new(key, check_user_id(user_id).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class SubjectCheck:
    """The outcome of :func:`verify_subject`: a subject, or why there is none."""

    subject: Subject | None
    refusal: SubjectRefusal | None = None

    def __bool__(self) -> bool:
        return self.subject is not None


def verify_subject(
    token: object, site: str, keys: Sequence[str], clock: Clock = time.time
) -> SubjectCheck:
    """Check a subject token for ``site`` against the site's ``keys``; never raises."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        return SubjectCheck(None, SubjectRefusal.MALFORMED)
    pieces = token.split(".")
    if len(pieces) != 5 or pieces[0] != VERSION or not _DIGITS.fullmatch(pieces[2]):
        return SubjectCheck(None, SubjectRefusal.MALFORMED)
    if pieces[1] != site:
        return SubjectCheck(None, SubjectRefusal.OTHER_SITE)
    body, mac = token.rpartition(".")[0], pieces[4]
    try:
        good = any(hmac.compare_digest(_mac(key, body), mac) for key in keys)
        user_id = check_user_id(_unb64(pieces[3]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return SubjectCheck(None, SubjectRefusal.MALFORMED)
    if not good:
        return SubjectCheck(None, SubjectRefusal.BAD_SIGNATURE)
    issued_at, now = int(pieces[2]), int(clock())
    if not issued_at - SKEW_SECONDS <= now < issued_at + TOKEN_SECONDS:
        return SubjectCheck(None, SubjectRefusal.EXPIRED)
    return SubjectCheck(Subject(site, user_id, issued_at))


@dataclass(frozen=True, slots=True)
class SubjectConsent:
    """A subject's current choice: its newest decision on any of its consent ids.

    Accepted wherever a verified consent token is (``TrackerGate``, ``covers``).
    """

    site: str
    granted: tuple[str, ...]
    denied: tuple[str, ...]
    policy_version: int
    #: the action of that newest decision (``withdraw``, ``sync``, ...)
    action: str
    #: Unix seconds of that decision
    decided_at: int

    def allows(self, category: str) -> bool:
        """True when ``category`` is granted (``essential`` always is)."""
        return category == "essential" or category in self.granted
