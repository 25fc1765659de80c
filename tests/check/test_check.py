"""The framework-free consent check: token states, cookie headers and the cache."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from banner.check import (
    ConsentChecker,
    VerificationCache,
    check_consent,
    cookie_values,
    merge_consents,
)
from banner.core.config import BannerConfig
from banner.core.token import ConsentToken, Reason, TokenCodec
from tests.factories import KEY_NEW, KEY_OLD, make_config

NOW = 1_790_000_000
DAY = 86400
SITE = "tokodemo"
POLICY = 3
CONSENT_DAYS = 180
VISITOR = "visitor-0123456789abcdef"


class FrozenClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def checker(clock: FrozenClock) -> ConsentChecker:
    return ConsentChecker(
        SITE, [KEY_OLD, KEY_NEW], policy_version=POLICY, consent_days=CONSENT_DAYS, clock=clock
    )


def sign(
    granted: Sequence[str] = ("analytics",),
    *,
    site: str = SITE,
    keys: Sequence[str] = (KEY_OLD, KEY_NEW),
    policy: int = POLICY,
    at: float = NOW,
    consent_id: str = VISITOR,
) -> str:
    codec = TokenCodec(site, list(keys), policy, CONSENT_DAYS * DAY, clock=lambda: at)
    return codec.sign(consent_id, granted)[0]


def tampered(token: str) -> str:
    """The same signature over a payload that grants more."""
    payload, rest = token.split(".", 1)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["g"] = ["analytics", "functional", "preference"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{forged}.{rest}"


# name -> (token maker given "now", keys the checker holds, expected reason or None)
BOTH = [KEY_OLD, KEY_NEW]
TokenState = tuple[Callable[[float], str], Sequence[str], Reason | None]
STATES: dict[str, TokenState] = {
    "valid": (lambda now: sign(at=now), BOTH, None),
    "tampered": (lambda now: tampered(sign(at=now)), BOTH, Reason.BAD_SIGNATURE),
    "expired": (
        lambda now: sign(at=now - CONSENT_DAYS * DAY - 1),
        BOTH,
        Reason.EXPIRED,
    ),
    "from the future": (lambda now: sign(at=now + 3600), BOTH, Reason.EXPIRED),
    "other site": (
        lambda now: sign(site="tokoteman", at=now),
        BOTH,
        Reason.OTHER_SITE,
    ),
    "stale policy": (
        lambda now: sign(policy=POLICY - 1, at=now),
        BOTH,
        Reason.STALE_POLICY,
    ),
    "newer policy": (lambda now: sign(policy=POLICY + 1, at=now), BOTH, None),
    "unknown key": (
        lambda now: sign(keys=["an-attacker-key-0123456789abcdef0123"], at=now),
        BOTH,
        Reason.BAD_SIGNATURE,
    ),
    "rotated: signed by old, checked by [old, new]": (
        lambda now: sign(keys=[KEY_OLD], at=now),
        BOTH,
        None,
    ),
    "rotated: signed by [old, new], checked by [new]": (
        lambda now: sign(keys=BOTH, at=now),
        [KEY_NEW],
        None,
    ),
    "rotated: signed by old, checked by [new]": (
        lambda now: sign(keys=[KEY_OLD], at=now),
        [KEY_NEW],
        Reason.BAD_SIGNATURE,
    ),
    "garbage": (lambda now: "not-a-token", BOTH, Reason.BAD_SIGNATURE),
    "empty": (lambda now: "", BOTH, Reason.MALFORMED),
    "too long": (lambda now: "a" * 5000, BOTH, Reason.MALFORMED),
}


@pytest.mark.parametrize("state", STATES)
def test_token_states(state: str, clock: FrozenClock) -> None:
    make, keys, reason = STATES[state]
    checker = ConsentChecker(SITE, keys, policy_version=POLICY, clock=clock)
    token = make(clock.now)
    assert checker.verdict(token).reason == reason
    consent = checker.check(token)
    assert (consent is None) == (reason is not None)
    if consent is not None:
        assert (consent.granted, consent.consent_id) == (("analytics",), VISITOR)
        assert consent.allows("analytics") and not consent.allows("functional")


def as_api_answer(consent: ConsentToken | None, reason: Reason | None) -> dict[str, Any]:
    """What ``POST /api/v1/verify`` should say, built from the Python answer."""
    if consent is None:
        return {"valid": False, "reason": str(reason)}
    expires = datetime.fromtimestamp(consent.expires_at, UTC).isoformat()
    return {
        "valid": True,
        "granted": list(consent.granted),
        "consent_id": consent.consent_id,
        "policy_version": consent.policy_version,
        "expires_at": expires.replace("+00:00", "Z"),
    }


@pytest.mark.parametrize("state", [s for s, (_, keys, _) in STATES.items() if len(keys) == 2])
def test_check_answers_like_the_verify_endpoint(
    state: str, client: FlaskClient, config: BannerConfig
) -> None:
    make, _keys, _reason = STATES[state]
    token = make(datetime.now(UTC).timestamp())
    checker = ConsentChecker.for_site(config.sites[SITE], config.secret_keys)
    response = client.post("/api/v1/verify", json={"site": SITE, "token": token})
    assert response.status_code == 200
    assert response.get_json() == as_api_answer(checker.check(token), checker.verdict(token).reason)


@pytest.mark.parametrize(
    ("header", "values"),
    [
        (None, []),
        ("", []),
        ("banner_consent=abc", ["abc"]),
        ("a=1; banner_consent=abc; b=2", ["abc"]),
        ('banner_consent="abc"', ["abc"]),
        ("banner_consent=one;banner_consent=two", ["one", "two"]),
        ("xbanner_consent=abc; banner_consentx=def", []),
        ("banner_consent; =; ;;=banner_consent", []),
        ("banner_consent=a=b", ["a=b"]),
        ("; ".join(f"banner_consent={n}" for n in range(20)), [str(n) for n in range(9)]),
    ],
)
def test_cookie_values(header: str | None, values: list[str]) -> None:
    assert cookie_values(header, "banner_consent") == values


def header(*tokens: str) -> str:
    return "; ".join(["theme=dark", *(f"banner_consent={t}" for t in tokens), "_ga=GA1.1.1"])


GENUINE = sign(["analytics"], at=NOW - DAY)
FORGED = tampered(GENUINE)
# A real token the attacker got for themselves, granting everything, tossed
# into the victim's cookies from a sibling subdomain.
ATTACKERS_OWN = sign(["analytics", "functional", "preference"], at=NOW, consent_id="a" * 22)
GRANTS_NOTHING = sign([], at=NOW - 2 * DAY)


@pytest.mark.parametrize(
    ("tokens", "granted"),
    [
        ([GENUINE], ("analytics",)),
        ([FORGED], None),
        ([FORGED, GENUINE], ("analytics",)),
        ([GENUINE, FORGED], ("analytics",)),
        ([sign(site="tokoteman", at=NOW), GENUINE], ("analytics",)),
        ([GENUINE, sign(at=NOW - 400 * DAY)], ("analytics",)),
        ([ATTACKERS_OWN, GRANTS_NOTHING], ()),
        ([GRANTS_NOTHING, ATTACKERS_OWN], ()),
        ([ATTACKERS_OWN, GENUINE], ("analytics",)),
        ([GENUINE, ATTACKERS_OWN], ("analytics",)),
        (["garbage"] * 9 + [GENUINE], None),
        # Issue 12, item 9: a tossed accept-all and junk must not push the
        # visitor's own refusal past the values read.
        ([ATTACKERS_OWN, *["junk"] * 7, GRANTS_NOTHING], None),
        ([ATTACKERS_OWN, *["junk"] * 6, GRANTS_NOTHING], ()),
    ],
)
def test_several_consent_cookies_never_grant_more_than_every_valid_one(
    tokens: list[str], granted: tuple[str, ...] | None, checker: ConsentChecker
) -> None:
    consent = checker.check_cookie_header(header(*tokens))
    assert (consent.granted if consent else None) == granted


def test_several_valid_cookies_report_the_newest() -> None:
    older = ConsentChecker(SITE, [KEY_NEW], clock=lambda: NOW).check(sign(at=NOW - 5))
    newer = ConsentChecker(SITE, [KEY_NEW], clock=lambda: NOW).check(
        sign([], at=NOW, consent_id="n" * 22)
    )
    assert older is not None and newer is not None
    merged = merge_consents([older, None, newer])
    assert merged is not None
    assert (merged.consent_id, merged.granted) == ("n" * 22, ())
    assert merged.expires_at == older.expires_at


@given(st.text(max_size=300))
def test_any_cookie_header_is_no_consent(text: str) -> None:
    checker = ConsentChecker(SITE, [KEY_NEW], policy_version=POLICY, clock=lambda: NOW)
    assert checker.check_cookie_header(text) is None
    assert checker.check_cookie_header(f"banner_consent={text}") is None


# --- the verification cache ----------------------------------------------------

# Offsets from the issue time, around every edge the cold check has.
OFFSETS = [-31, -30, 0, 1, CONSENT_DAYS * DAY - 1, CONSENT_DAYS * DAY, CONSENT_DAYS * DAY + 1]


@pytest.mark.parametrize("offset", OFFSETS)
def test_cache_answers_like_a_cold_check_at_every_edge(
    offset: int, checker: ConsentChecker, clock: FrozenClock
) -> None:
    token = sign(at=NOW)
    assert checker.check(token) is not None
    clock.now = NOW + offset
    cold = ConsentChecker(SITE, [KEY_NEW], policy_version=POLICY, clock=clock)
    assert checker.check(token) == cold.check(token)


def test_cache_forgets_an_expired_token(checker: ConsentChecker, clock: FrozenClock) -> None:
    token = sign(at=NOW)
    assert checker.check(token) is not None
    assert len(checker.cache) == 1
    clock.now = NOW + CONSENT_DAYS * DAY + 1
    assert checker.check(token) is None
    assert len(checker.cache) == 0


def test_cache_serves_a_repeated_token_without_verifying(checker: ConsentChecker) -> None:
    token = sign(at=NOW)
    first = checker.check(token)
    assert first is not None
    checker._codec.verify = None
    assert checker.check(token) is first


def test_cache_never_outlives_a_policy_change(checker: ConsentChecker) -> None:
    token = sign(at=NOW)
    assert checker.check(token) is not None
    checker.policy_version = POLICY + 1
    assert checker.check(token) is None
    assert checker.verdict(token).reason == Reason.STALE_POLICY
    checker.policy_version = POLICY
    assert checker.check(token) is not None


def test_cache_drops_an_entry_asked_for_under_another_policy(clock: FrozenClock) -> None:
    cache = VerificationCache(clock=clock)
    consent = ConsentToken(VISITOR, SITE, ("analytics",), POLICY, NOW, NOW + DAY)
    cache.put("token", POLICY, consent)
    assert cache.get("token", POLICY) is consent
    assert cache.get("token", POLICY + 1) is None
    assert len(cache) == 0


def test_cache_is_bounded(clock: FrozenClock) -> None:
    checker = ConsentChecker(SITE, [KEY_NEW], policy_version=POLICY, clock=clock, cache_size=2)
    tokens = [sign(at=NOW - n) for n in range(3)]
    assert all(checker.check(t) for t in tokens)
    assert len(checker.cache) == 2
    assert checker.cache.get(tokens[0], POLICY) is None
    assert checker.cache.get(tokens[2], POLICY) is not None


def test_cache_keeps_only_valid_tokens(checker: ConsentChecker) -> None:
    for token in ("garbage", FORGED, sign(at=NOW - 400 * DAY)):
        assert checker.check(token) is None
    assert len(checker.cache) == 0


def test_cache_needs_room() -> None:
    with pytest.raises(ValueError, match="at least one"):
        VerificationCache(0)


# --- the one-call form -----------------------------------------------------------


def test_check_consent_from_a_token() -> None:
    token = sign(at=time.time())
    consent = check_consent(SITE, [KEY_NEW], token=token, policy_version=POLICY)
    assert consent is not None and consent.granted == ("analytics",)
    assert check_consent(SITE, [KEY_NEW], token=token, policy_version=POLICY + 1) is None


def test_check_consent_from_a_cookie_header_with_a_site_config() -> None:
    site = make_config("sqlite://", cookie_name="toko_consent").sites[SITE]
    token = sign(at=time.time())
    consent = check_consent(site, [KEY_OLD, KEY_NEW], cookie_header=f"a=b; toko_consent={token}")
    assert consent is not None and consent.consent_id == VISITOR
    assert check_consent(site, [KEY_NEW], cookie_header=header(token)) is None


def test_check_consent_without_anything_is_no_consent() -> None:
    assert check_consent(SITE, [KEY_NEW]) is None


def test_check_consent_takes_one_source() -> None:
    with pytest.raises(TypeError, match="not both"):
        check_consent(SITE, [KEY_NEW], token="t", cookie_header="c")
