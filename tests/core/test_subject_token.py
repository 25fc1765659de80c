"""Subject tokens (issue 25) against their documented format, written here with hmac/hashlib.

The checks below rebuild what ``docs/subjects.md`` says a token is; banner's
signer is called only as the thing under test, never to make the expected
answer. Properties: a token of one site or user never vouches for another,
an expired token does nothing, a forged token does nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from banner import subject_token
from banner.core.subject import TOKEN_SECONDS, subject_hash, subject_keys, verify_subject
from tests.subject_tokens import b64url, make_token, site_key

SECRETS = ("old-secret-for-subject-tests-0123456789", "new-secret-for-subject-tests-9876543210")
sites = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,39}", fullmatch=True)
users = st.text(min_size=1, max_size=64).filter(
    lambda u: (
        len(u.encode("utf-8", "surrogatepass")) <= 256
        and not any(0xD800 <= ord(c) <= 0xDFFF for c in u)
    )
)
NOW = 1_800_000_000


def key_of(site: str, secret: str = SECRETS[-1]) -> str:
    return site_key(site, secret)


def read(token: str, site: str, secret: str = SECRETS[-1]) -> tuple[str, str, int] | None:
    """The documented check: (site, user, issued_at) when the MAC is good, else None."""
    body, _, mac = token.rpartition(".")
    version, token_site, issued, user = body.split(".")
    expected = hmac.new(bytes.fromhex(key_of(site, secret)), body.encode(), hashlib.sha256)
    if not hmac.compare_digest(b64url(expected.digest()), mac) or version != "v1":
        return None
    padded = user + "=" * (-len(user) % 4)
    return token_site, base64.urlsafe_b64decode(padded).decode("utf-8"), int(issued)


def keys(site: str) -> tuple[str, ...]:
    return subject_keys(SECRETS, site)


@settings(max_examples=150, deadline=None)
@given(sites, users)
def test_banners_tokens_are_the_documented_format(site: str, user: str) -> None:
    token = subject_token(site, user, keys=keys(site), clock=lambda: NOW)
    assert read(token, site) == (site, user, NOW)
    assert token == make_token(user, site, NOW, key_of(site))


@settings(max_examples=150, deadline=None)
@given(sites, sites, users, users)
def test_a_token_never_vouches_for_another_site_or_user(
    site: str, other_site: str, user: str, other_user: str
) -> None:
    token = make_token(user, site, NOW, key_of(site))
    found = verify_subject(token, site, keys(site), clock=lambda: NOW + 1)
    assert found.subject is not None and found.subject.user_id == user
    if other_site != site:
        assert not verify_subject(token, other_site, keys(other_site), clock=lambda: NOW)
        # even a token naming the other site, but made with this site's key
        moved = make_token(user, other_site, NOW, key_of(site))
        assert not verify_subject(moved, other_site, keys(other_site), clock=lambda: NOW)
        assert subject_hash(SECRETS, site, user) != subject_hash(SECRETS, other_site, user)
    if other_user != user:
        assert subject_hash(SECRETS, site, user) != subject_hash(SECRETS, site, other_user)


@settings(max_examples=150, deadline=None)
@given(sites, users, st.integers(min_value=-10_000, max_value=10_000))
def test_a_token_works_only_within_its_ten_minutes(site: str, user: str, age: int) -> None:
    token = make_token(user, site, NOW - age, key_of(site))
    found = bool(verify_subject(token, site, keys(site), clock=lambda: NOW))
    assert found == (-30 <= age < TOKEN_SECONDS)


@settings(max_examples=200, deadline=None)
@given(sites, users, st.integers(min_value=0, max_value=400), st.characters(codec="ascii"))
def test_a_forged_token_does_nothing(site: str, user: str, where: int, char: str) -> None:
    good = make_token(user, site, NOW, key_of(site))
    forged = good[: where % len(good)] + char + good[where % len(good) + 1 :]
    if forged != good:
        assert not verify_subject(forged, site, keys(site), clock=lambda: NOW)
    # the right shape, signed with a key that is not the site's
    stranger = make_token(user, site, NOW, hashlib.sha256(b"guess").hexdigest())
    assert not verify_subject(stranger, site, keys(site), clock=lambda: NOW)
    # another user's id in a genuine token's body
    body = good.rsplit(".", 2)[0]
    swapped = f"{body}.{b64url((user + 'x').encode())}.{good.rsplit('.', 1)[1]}"
    assert not verify_subject(swapped, site, keys(site), clock=lambda: NOW)


def test_a_token_signed_with_an_older_secret_still_verifies() -> None:
    token = make_token("u", "tokodemo", time.time(), key_of("tokodemo", SECRETS[0]))
    assert verify_subject(token, "tokodemo", keys("tokodemo"))


@given(st.one_of(st.none(), st.integers(), st.binary(), st.text(max_size=50)))
def test_garbage_is_never_a_subject_and_never_raises(token: object) -> None:
    assert not verify_subject(token, "tokodemo", keys("tokodemo"))
