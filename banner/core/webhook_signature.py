"""The ``Banner-Signature`` header of a webhook delivery, made and checked.

``Banner-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
The time is signed with the body, so a captured delivery cannot be sent again
later than the receiver's tolerance; within it, receivers drop an ``event_id``
they have seen. A header may carry several ``v1`` (while a secret is rotated);
one that matches is enough. Standard library only: a receiver imports
:func:`verify_webhook` without Flask or a database.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Banner-Signature"
#: The longest header read: a few signatures, never a document.
MAX_HEADER = 1000


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def _body(body: str | bytes) -> bytes:
    return body.encode() if isinstance(body, str) else body


def signature(body: bytes, secret: str | bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(_key(secret), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str | bytes, timestamp: int | None = None) -> str:
    """The ``Banner-Signature`` value for ``body`` sent now (or at ``timestamp``)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},v1={signature(body, secret, stamp)}"


def _parsed(header: str) -> tuple[int, list[str]] | None:
    """The time and the ``v1`` signatures of a header; ``None`` when malformed."""
    stamp: int | None = None
    found: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        plain = value.isascii() and value.isdigit() and len(value) <= 12
        if name == "t" and stamp is None and plain:
            stamp = int(value)
        elif name == "v1" and len(value) == 64 and value.isascii():
            found.append(value.lower())
        elif name == "t":
            return None  # two times, or one that is not a plain number
    return None if stamp is None or not found else (stamp, found)


def verify_webhook(
    body: str | bytes,
    header: str | None,
    secret: str | bytes,
    tolerance: int = 300,
    *,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` at a time within ``tolerance``.

    :param body: the request body exactly as received (bytes; text is UTF-8 encoded).
    :param header: the ``Banner-Signature`` header (``None`` when absent).
    :param secret: the webhook's secret as configured.
    :param tolerance: seconds the signing time may differ from ``now`` either way.
    :param now: the receiver's clock (Unix seconds), for tests.
    """
    if not isinstance(header, str) or len(header) > MAX_HEADER or not secret:
        return False
    parsed = _parsed(header)
    if parsed is None:
        return False
    stamp, candidates = parsed
    clock = time.time() if now is None else now
    if abs(clock - stamp) > tolerance:
        return False
    expected = signature(_body(body), secret, stamp)
    # every candidate is compared, in constant time, whichever matches
    matches = [hmac.compare_digest(expected, c) for c in candidates]
    return any(matches)
