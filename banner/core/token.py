"""The consent token: an itsdangerous-signed, readable record of a choice.

Pure core (standard library and itsdangerous only). The payload is compact
JSON, base64url-encoded and never compressed, so the browser loader can read
the granted categories without the secret; only servers check the signature.

Payload keys: ``i`` consent id, ``s`` site, ``g`` granted categories,
``v`` policy version, ``t`` issue time (Unix seconds).
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, BadSignature, SignatureExpired, Signer, TimestampSigner
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes
from itsdangerous.url_safe import URLSafeTimedSerializer

from banner.core.consent import CATEGORY_ID, CONSENT_ID

Clock = Callable[[], float]

#: Tokens stamped up to this many seconds in the future still verify, so a
#: few seconds of clock skew between instances never re-prompts a visitor.
CLOCK_SKEW_SECONDS = 30
#: Browsers drop cookies over 4096 bytes (name, value and attributes).
MAX_TOKEN_BYTES = 3800


class Reason(enum.StrEnum):
    """Why a token is not consent (the ``reason`` of ``POST /api/v1/verify``)."""

    EXPIRED = "expired"
    BAD_SIGNATURE = "bad_signature"
    OTHER_SITE = "other_site"
    STALE_POLICY = "stale_policy"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class ConsentToken:
    """A verified token's content."""

    consent_id: str
    site: str
    granted: tuple[str, ...]
    policy_version: int
    issued_at: int
    expires_at: int

    def allows(self, category: str) -> bool:
        """True when ``category`` is granted (``essential`` always is)."""
        return category == "essential" or category in self.granted


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of verifying a token: a token, or the reason there is none."""

    token: ConsentToken | None
    reason: Reason | None = None

    def __bool__(self) -> bool:
        return self.token is not None


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be frozen and shifted.

    Verification runs with the clock moved forward by the skew allowance, so
    a token from a slightly fast instance is not "from the future".
    """

    def __init__(self, *args: Any, clock: Clock = time.time, shift: int = 0, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._clock = clock
        self._shift = shift
        self._derived: dict[bytes | None, bytes] = {}

    def get_timestamp(self) -> int:
        return int(self._clock()) + self._shift

    def sign(self, value: str | bytes) -> bytes:
        return self.sign_at(value, self.get_timestamp())

    def sign_at(self, value: str | bytes, stamp: int) -> bytes:
        """Sign ``value`` as made at ``stamp`` (Unix seconds), itsdangerous's format.

        The caller passes the very reading its payload carries: read twice, the
        clock may pass a second between the readings, and the token is void.
        """
        sep = want_bytes(self.sep)
        value = want_bytes(value) + sep + base64_encode(int_to_bytes(stamp))
        return value + sep + self.get_signature(value)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The derived key, computed once per key (it depends only on key and salt)."""
        index = None if secret_key is None else want_bytes(secret_key)
        key = self._derived.get(index)
        if key is None:
            key = self._derived[index] = super().derive_key(secret_key)
        return key


class _ReadableSerializer(URLSafeTimedSerializer):
    """URL-safe timed serializer that never zlib-compresses the payload.

    Its signer is built once and reused (itsdangerous makes one per call),
    so a check pays for the HMAC, not for setting it up.
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._signers: dict[str | bytes | None, Signer] = {}

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        chosen = self.salt if salt is None else salt
        signer = self._signers.get(chosen)
        if signer is None:
            signer = self._signers[chosen] = super().make_signer(chosen)
        return signer

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(want_bytes(self.serializer.dumps(obj)))

    def sign_at(self, obj: Any, stamp: int) -> str:
        """``dumps`` with the time given, not read again from the clock."""
        signer = self.make_signer()
        assert isinstance(signer, _ClockSigner)
        return signer.sign_at(self.dump_payload(obj), stamp).decode("ascii")


def salt_for(site: str) -> str:
    """The itsdangerous salt binding a token to one site."""
    return f"banner.core.consent.v1:{site}"


class TokenCodec:
    """Signs and verifies consent tokens for one site.

    :param site: the site id the tokens belong to.
    :param secret_keys: keys, oldest first; the last one signs, all verify,
        so rotating never logs visitors out of their consent.
    :param policy_version: the site's current policy version; older tokens
        are no consent.
    :param max_age: lifetime of a token in seconds (the site's consent days).
    """

    def __init__(
        self,
        site: str,
        secret_keys: Sequence[str | bytes],
        policy_version: int,
        max_age: int,
        clock: Clock = time.time,
    ) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed")
        self.site = site
        self.policy_version = policy_version
        self.max_age = max_age
        self._clock = clock
        self._signer = self._serializer(secret_keys, 0)
        self._checker = self._serializer(secret_keys, CLOCK_SKEW_SECONDS)

    def _serializer(self, keys: Sequence[str | bytes], shift: int) -> _ReadableSerializer:
        return _ReadableSerializer(
            [want_bytes(k) for k in keys],
            salt=salt_for(self.site),
            signer=_ClockSigner,
            signer_kwargs={"digest_method": hashlib.sha256, "clock": self._clock, "shift": shift},
        )

    def sign(
        self, consent_id: str, granted: Sequence[str], policy_version: int | None = None
    ) -> tuple[str, ConsentToken]:
        """Sign a choice; return the token string and what it says.

        :param policy_version: the version the choice was made under (default: the
            current one); a refusal made on an older notice keeps its own.
        """
        now = int(self._clock())
        version = self.policy_version if policy_version is None else policy_version
        payload = {"i": consent_id, "s": self.site, "g": list(granted), "v": version}
        token = self._signer.sign_at({**payload, "t": now}, now)
        return token, self._content(payload, now)

    def _content(self, payload: dict[str, Any], issued: int) -> ConsentToken:
        return ConsentToken(
            consent_id=payload["i"],
            site=payload["s"],
            granted=tuple(payload["g"]),
            policy_version=payload["v"],
            issued_at=issued,
            expires_at=issued + self.max_age,
        )

    def verify(self, token: object) -> Verdict:
        """Verify ``token``; never raises.

        :returns: a truthy :class:`Verdict` carrying the token, or a falsy one
            carrying the :class:`Reason` it is no consent.
        """
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
            return Verdict(None, Reason.MALFORMED)
        verdict = self._unsign(token)
        # Another site's token never verifies here (its salt differs), so its
        # claim is read only on failure, off the hot path of valid tokens.
        if verdict.token is None and self._claimed_site(token) not in (None, self.site):
            return Verdict(None, Reason.OTHER_SITE)
        return verdict

    def holder(self, token: object) -> ConsentToken | None:
        """What a genuine, unexpired token of this site says, whatever its policy version.

        Proof that a browser holds a consent id, so it may continue that id
        after a policy bump; never consent by itself (use :meth:`verify`).
        """
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
            return None
        try:
            payload, stamp = self._checker.loads(
                token, max_age=self.max_age + CLOCK_SKEW_SECONDS, return_timestamp=True
            )
        except (BadData, ValueError, TypeError, UnicodeError, RecursionError):
            return None
        issued = int(stamp.timestamp())
        if not _well_formed(payload) or payload["s"] != self.site or payload["t"] != issued:
            return None
        return self._content(payload, issued)

    def _unsign(self, token: str) -> Verdict:
        try:
            payload, stamp = self._checker.loads(
                token, max_age=self.max_age + CLOCK_SKEW_SECONDS, return_timestamp=True
            )
        except SignatureExpired:
            return Verdict(None, Reason.EXPIRED)
        except BadSignature:
            return Verdict(None, Reason.BAD_SIGNATURE)
        except (BadData, ValueError, TypeError, UnicodeError, RecursionError):
            return Verdict(None, Reason.MALFORMED)
        return self._judge(payload, int(stamp.timestamp()))

    def _claimed_site(self, token: str) -> str | None:
        """The site a token says it is for, read without the secret.

        Reads the payload where itsdangerous would find it, without checking
        the signature (``loads_unsafe`` checks it first, doubling the cost of
        every verification) and without inflating ``.``-prefixed payloads.
        """
        parts = token.rsplit(".", 2)
        if len(parts) < 2 or parts[0].startswith("."):
            return None
        try:
            payload = self._checker.load_payload(want_bytes(parts[0]))
        except Exception:  # any decoding error: the claim is unreadable
            return None
        site = payload.get("s") if isinstance(payload, dict) else None
        return site if isinstance(site, str) else None

    def _judge(self, payload: Any, stamp: int) -> Verdict:
        if not _well_formed(payload) or payload["s"] != self.site or payload["t"] != stamp:
            return Verdict(None, Reason.MALFORMED)
        if payload["v"] < self.policy_version:
            return Verdict(None, Reason.STALE_POLICY)
        return Verdict(self._content(payload, stamp))


def _well_formed(payload: Any) -> bool:
    """Check a signed payload's shape (a good signature does not vouch for it)."""
    if not isinstance(payload, dict) or set(payload) != {"i", "s", "g", "v", "t"}:
        return False
    granted, version, stamp = payload["g"], payload["v"], payload["t"]
    return (
        isinstance(payload["i"], str)
        and CONSENT_ID.fullmatch(payload["i"]) is not None
        and isinstance(payload["s"], str)
        and isinstance(granted, list)
        and all(isinstance(g, str) and CATEGORY_ID.fullmatch(g) for g in granted)
        and _is_int(version)
        and _is_int(stamp)
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
