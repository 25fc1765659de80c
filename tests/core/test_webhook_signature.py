"""``banner.verify_webhook``: the receivers' check, attacked with forged and replayed headers.

Headers are made here from the standard (hmac, hashlib), never with banner's signer.
"""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import banner

SECRET = "a-webhook-secret-0123456789"
BODY = b'{"consent_id":"abc","event_id":"e1","granted":["analytics"]}'
NOW = 1_800_000_000


def header(body: bytes = BODY, secret: str = SECRET, t: int = NOW) -> str:
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(body: bytes | str, value: str | None, secret: str = SECRET, **kw: object) -> bool:
    return bool(banner.verify_webhook(body, value, secret, now=NOW, **kw))


def test_a_true_signature_verifies() -> None:
    assert verify(BODY, header())
    assert verify(BODY.decode(), header())  # text bodies are UTF-8
    assert verify(BODY, header(t=NOW - 300)) and verify(BODY, header(t=NOW + 300))


def test_the_signer_matches_the_standard() -> None:
    from banner.core.webhook_signature import sign

    assert sign(BODY, SECRET, NOW) == header()


@pytest.mark.parametrize(
    "forged",
    [
        header(secret="another-secret-0123456789"),  # someone else's secret
        header(body=BODY + b" "),  # the body changed after signing
        header(body=BODY.replace(b"analytics", b"marketing")),
        header(t=NOW - 301),  # replayed later than the tolerance
        header(t=NOW + 301),  # from the future
        header().replace(f"t={NOW}", f"t={NOW + 1}"),  # a fresh time on an old signature
        f"t={NOW}",
        f"v1={'0' * 64}",
        f"t={NOW},v1={'0' * 64}",
        f"t={NOW},t={NOW},{header().split(',')[1]}",  # two times
        f"t=-{NOW},v1={'0' * 64}",
        f"t={NOW}.5,v1={'0' * 64}",
        f"t=१२३,v1={'0' * 64}",  # digits that are not ASCII
        f"t={NOW},v1={'é' * 64}",
        "",
        "garbage",
        header() + "," * 2000,  # too long to read
    ],
)
def test_forged_or_replayed_signatures_fail(forged: str) -> None:
    assert not verify(BODY, forged)


def test_no_header_or_no_secret_fails() -> None:
    assert not verify(BODY, None)
    assert not verify(BODY, header(secret=""), secret="")


def test_one_matching_signature_among_several_is_enough() -> None:
    old = header(secret="the-old-secret-0123456789").split(",")[1]
    assert verify(BODY, f"{header()},{old}")
    assert verify(BODY, f"t={NOW},{old},{header().split(',')[1]}")


def test_a_tighter_tolerance() -> None:
    assert not verify(BODY, header(t=NOW - 10), tolerance=5)


@given(st.binary(max_size=200), st.text(max_size=120))
def test_any_header_never_raises(body: bytes, value: str) -> None:
    assert verify(body, value) in (True, False)


def test_importing_it_pulls_in_no_flask() -> None:
    code = "import sys, banner; banner.verify_webhook; assert 'flask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
