"""The token codec: truth tables of token states, and garbage that never raises."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banner.core.token import CLOCK_SKEW_SECONDS, Reason, TokenCodec
from tests.factories import KEY_NEW, KEY_OLD

NOW = 1_800_000_000.0
DAY = 86400
CONSENT_ID = "c0nsent-id-0123456789"


def codec(
    site: str = "tokodemo",
    keys: tuple[str, ...] = (KEY_OLD, KEY_NEW),
    version: int = 3,
    max_age: int = 180 * DAY,
    now: float = NOW,
) -> TokenCodec:
    return TokenCodec(site, keys, version, max_age, clock=lambda: now)


def signed(**kw: object) -> str:
    token, _ = codec(**kw).sign(CONSENT_ID, ["analytics"])  # type: ignore[arg-type]
    return token


def tampered(token: str) -> str:
    body, stamp, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["g"] = ["analytics", "functional"]
    raw = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{raw}.{stamp}.{sig}"


# (how the token was made, the verifying codec, expected reason or None when valid)
CASES: list[tuple[str, Callable[[], str], TokenCodec, Reason | None]] = [
    ("valid", signed, codec(), None),
    ("same policy, later time", signed, codec(now=NOW + 179 * DAY), None),
    ("expired", signed, codec(now=NOW + 180 * DAY + 1), Reason.EXPIRED),
    ("skew allowed", lambda: signed(now=NOW + CLOCK_SKEW_SECONDS), codec(), None),
    ("from the future", lambda: signed(now=NOW + CLOCK_SKEW_SECONDS + 5), codec(), Reason.EXPIRED),
    ("tampered payload", lambda: tampered(signed()), codec(), Reason.BAD_SIGNATURE),
    ("other site", signed, codec(site="othersite"), Reason.OTHER_SITE),
    ("stale policy", signed, codec(version=4), Reason.STALE_POLICY),
    ("newer policy than site", lambda: signed(version=5), codec(version=4), None),
    ("unknown key", signed, codec(keys=("x" * 40,)), Reason.BAD_SIGNATURE),
    ("old key still verifies", lambda: signed(keys=(KEY_OLD,)), codec(), None),
    (
        "rotated: old removed",
        lambda: signed(keys=(KEY_OLD,)),
        codec(keys=(KEY_NEW,)),
        Reason.BAD_SIGNATURE,
    ),
    ("rotated: new signs", signed, codec(keys=(KEY_NEW,)), None),
    ("rotated: order swapped", signed, codec(keys=(KEY_NEW, KEY_OLD)), None),
    ("empty", lambda: "", codec(), Reason.MALFORMED),
    ("not a token", lambda: "hello", codec(), Reason.BAD_SIGNATURE),
    ("huge", lambda: "a" * 10_000, codec(), Reason.MALFORMED),
]


@pytest.mark.parametrize(("name", "make", "verifier", "reason"), CASES, ids=[c[0] for c in CASES])
def test_token_states(
    name: str, make: Callable[[], str], verifier: TokenCodec, reason: Reason | None
) -> None:
    verdict = verifier.verify(make())
    assert verdict.reason == reason
    assert bool(verdict) is (reason is None)
    if reason is None:
        assert verdict.token is not None
        assert verdict.token.granted == ("analytics",)
        assert verdict.token.consent_id == CONSENT_ID


@pytest.mark.parametrize("site", ["tokodemo", "b", "toko-demo_2"])
@pytest.mark.parametrize("version", [1, 3, 99])
@pytest.mark.parametrize("keys", [(KEY_NEW,), (KEY_OLD, KEY_NEW)])
def test_round_trip_per_site_version_and_keys(
    site: str, version: int, keys: tuple[str, ...]
) -> None:
    mine = codec(site=site, version=version, keys=keys)
    token, content = mine.sign(CONSENT_ID, ["functional", "analytics"])
    assert mine.verify(token).token == content
    assert (
        codec(site=site + "x", version=version, keys=keys).verify(token).reason == Reason.OTHER_SITE
    )
    assert (
        codec(site=site, version=version + 1, keys=keys).verify(token).reason == Reason.STALE_POLICY
    )


def test_payload_is_readable_without_the_secret_and_small() -> None:
    token, _ = codec().sign(CONSENT_ID, ["functional", "analytics", "preference"])
    body = token.split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert payload["g"] == ["functional", "analytics", "preference"]
    assert payload["s"] == "tokodemo" and payload["v"] == 3 and payload["t"] == int(NOW)
    assert len(f"banner_consent={token}; Max-Age=15552000; Path=/; SameSite=Lax; Secure") < 4096


def test_signed_payload_of_wrong_shape_is_malformed() -> None:
    mine = codec()
    serializer = mine._signer  # a correctly signed but ill-shaped payload
    for payload in ({"i": 1}, [], {"i": CONSENT_ID, "s": "tokodemo", "g": "x", "v": 3, "t": 1}):
        assert mine.verify(serializer.dumps(payload)).reason == Reason.MALFORMED


def test_codec_needs_a_key() -> None:
    with pytest.raises(ValueError, match="secret key"):
        TokenCodec("tokodemo", [], 1, 10)


@given(
    st.lists(st.sampled_from(["functional", "analytics", "preference", "marketing"]), unique=True)
)
def test_hypothesis_round_trip(granted: list[str]) -> None:
    mine = codec()
    token, content = mine.sign(CONSENT_ID, granted)
    verdict = mine.verify(token)
    assert verdict.token == content
    assert verdict.token is not None and list(verdict.token.granted) == granted


@given(st.one_of(st.text(max_size=400), st.binary(max_size=200), st.integers(), st.none()))
def test_hypothesis_garbage_never_raises(garbage: object) -> None:
    verdict = codec().verify(garbage)
    assert not verdict and verdict.reason is not None


@given(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", max_size=300
    )
)
def test_hypothesis_token_like_garbage_never_raises(garbage: str) -> None:
    assert not codec().verify(garbage)


def test_holder_reads_a_genuine_token_of_an_older_policy_but_verify_refuses_it() -> None:
    old = TokenCodec("tokodemo", ["k" * 32], policy_version=1, max_age=3600)
    new = TokenCodec("tokodemo", ["k" * 32], policy_version=2, max_age=3600)
    token, _ = old.sign("a" * 32, ["analytics"])
    assert not new.verify(token)
    held = new.holder(token)
    assert held is not None and held.consent_id == "a" * 32 and held.policy_version == 1


@pytest.mark.parametrize("token", [None, "", "x" * 5000, "abc.def.ghi", 7])
def test_holder_of_junk_is_none(token: object) -> None:
    assert TokenCodec("tokodemo", ["k" * 32], 1, 3600).holder(token) is None


def test_holder_of_another_sites_or_key_token_is_none() -> None:
    mine = TokenCodec("tokodemo", ["k" * 32], 1, 3600)
    other_site, _ = TokenCodec("other", ["k" * 32], 1, 3600).sign("a" * 32, [])
    other_key, _ = TokenCodec("tokodemo", ["j" * 32], 1, 3600).sign("a" * 32, [])
    assert mine.holder(other_site) is None and mine.holder(other_key) is None


def test_a_token_signed_as_the_second_turns_is_valid_and_held() -> None:
    """The payload's time and the signature's time are one reading of the clock.

    A clock that ticks past a whole second between two readings once made the
    payload say one second and the signature the next: the token was then
    malformed, so the visitor was asked again and ``holder`` proved nothing.
    """
    readings = iter([NOW + 0.9999, NOW + 1.0001, NOW + 1.5, NOW + 1.6, NOW + 1.7])
    ticking = TokenCodec("tokodemo", (KEY_NEW,), 3, 180 * DAY, clock=lambda: next(readings))
    token, content = ticking.sign(CONSENT_ID, ["analytics"])
    later = codec(now=NOW + 2)
    verdict = later.verify(token)
    assert verdict.reason is None and verdict.token == content
    held = later.holder(token)
    assert held is not None and held.issued_at == content.issued_at
    body, stamp, _ = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    seconds = int.from_bytes(base64.urlsafe_b64decode(stamp + "=" * (-len(stamp) % 4)), "big")
    assert payload["t"] == seconds == content.issued_at
