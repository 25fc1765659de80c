"""Holding a consent id never yields a token (issue 26, item 1).

A stranger knows a consent id (cookie, receipt links, logs) and its current
choice (the public receipt). Only the id's current token, or an exact retry
carrying the ``retry_key`` that wrote the latest row, gets a token; anything
else is ``403 token_required`` and writes nothing. Checked on the API, on the
hosted preference page, and by a property test with two parties against the
group-commit path on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banner.log.group_commit import GroupCommitLog
from banner.web.app import create_app
from banner.web.state import BannerState
from tests.factories import make_config, paths
from tests.web.test_api import GOOD, post
from tests.web.test_pages import open_page, returned_token, submit

KEY_A = "retry-key-aaaaaaaaaaaa"
KEY_B = "retry-key-bbbbbbbbbbbb"


def _refused(answer: Any) -> None:
    assert answer.status_code == 403, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == "token_required"


def _history(state: BannerState, cid: str) -> list[tuple[str, ...]]:
    return [row.granted for row in state.log.history(cid)]


@pytest.fixture
def first(client: FlaskClient) -> dict[str, Any]:
    answer = post(client, {**GOOD, "retry_key": KEY_A})
    assert answer.status_code == 201
    found: dict[str, Any] = answer.get_json()
    return found


def test_the_same_retry_key_gets_the_token_again_and_writes_nothing(
    client: FlaskClient, banner_state: BannerState, first: dict[str, Any]
) -> None:
    retry = post(client, {**GOOD, "consent_id": first["consent_id"], "retry_key": KEY_A})
    assert retry.status_code == 201
    assert retry.get_json()["consent_id"] == first["consent_id"]
    assert banner_state.service.verify("tokodemo", retry.get_json()["token"]).token
    assert _history(banner_state, first["consent_id"]) == [("analytics",)]


@pytest.mark.parametrize(
    "extra",
    [
        {},  # the receipt's choice, no key
        {"retry_key": KEY_B},  # a guessed key
        {"retry_key": KEY_A.upper()},  # keys are compared exactly
    ],
)
def test_a_retry_without_the_key_that_wrote_the_row_is_refused(
    client: FlaskClient, banner_state: BannerState, first: dict[str, Any], extra: dict[str, str]
) -> None:
    _refused(post(client, {**GOOD, "consent_id": first["consent_id"], **extra}))
    assert _history(banner_state, first["consent_id"]) == [("analytics",)]


def test_the_key_of_a_retry_does_not_license_another_choice(
    client: FlaskClient, banner_state: BannerState, first: dict[str, Any]
) -> None:
    change = {**GOOD, "granted": [], "consent_id": first["consent_id"], "retry_key": KEY_A}
    _refused(post(client, change))
    assert _history(banner_state, first["consent_id"]) == [("analytics",)]


def test_an_earlier_rows_key_proves_nothing_after_a_change(
    client: FlaskClient, banner_state: BannerState, first: dict[str, Any]
) -> None:
    cid = first["consent_id"]
    change = {**GOOD, "granted": [], "consent_id": cid, "token": first["token"]}
    assert post(client, {**change, "retry_key": KEY_B}).status_code == 201
    _refused(post(client, {**GOOD, "consent_id": cid, "retry_key": KEY_A}))
    again = post(client, {**GOOD, "granted": [], "consent_id": cid, "retry_key": KEY_B})
    assert again.status_code == 201
    assert _history(banner_state, cid) == [("analytics",), ()]


def test_the_current_token_still_answers_a_retry_without_a_key(
    client: FlaskClient, first: dict[str, Any]
) -> None:
    retry = {**GOOD, "consent_id": first["consent_id"], "token": first["token"]}
    assert post(client, retry).status_code == 201


def test_only_the_keys_sha256_is_stored_and_never_exported(
    client: FlaskClient, banner_state: BannerState, first: dict[str, Any]
) -> None:
    with banner_state.log.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT retry_key_hash FROM consent_log")).scalar_one()
    assert stored == hashlib.sha256(KEY_A.encode("ascii")).hexdigest()
    [row] = banner_state.log.history(first["consent_id"])
    assert "retry_key_hash" not in row.as_record()
    receipt = client.get(f"/s/tokodemo/receipt/{first['consent_id']}.json").get_data(as_text=True)
    assert stored not in receipt and KEY_A not in receipt


@pytest.mark.parametrize(
    "key",
    ["short-key", "x" * 129, "has space in it 123", "ünïcode-keys-here", 1234567890123456, [KEY_A]],
)
def test_a_retry_key_of_the_wrong_shape_is_a_bad_field(
    client: FlaskClient, banner_state: BannerState, key: object
) -> None:
    answer = post(client, {**GOOD, "retry_key": key})
    assert answer.status_code == 400 and answer.get_json()["field"] == "retry_key"
    assert banner_state.log.count("tokodemo") == 0


@pytest.mark.parametrize("key", ["a" * 16, "Z9_-" * 32])
def test_retry_keys_of_16_to_128_url_safe_characters_are_taken(
    client: FlaskClient, key: str
) -> None:
    assert post(client, {**GOOD, "retry_key": key}).status_code == 201


# --- the hosted preference page ---------------------------------------------------


def test_the_page_sends_a_fresh_retry_key_per_form(client: FlaskClient) -> None:
    keys = {open_page(client, "?lang=en")[1]["retry_key"] for _ in range(3)}
    assert len(keys) == 3 and all(16 <= len(k) <= 128 for k in keys)


def test_a_resent_page_form_is_a_retry_and_gets_the_token_again(
    client: FlaskClient, banner_state: BannerState, first: dict[str, Any]
) -> None:
    """The visitor's answer was lost and the browser resends the same form, later."""
    _page, fields = open_page(client, f"?lang=en&token={first['token']}")
    later = banner_state.service.clock() + 120
    banner_state.service.clock = lambda: later  # the row is logged after the form's token
    once = submit(client, fields, "withdraw")
    assert once.status_code == 303
    twice = submit(client, fields, "withdraw")
    assert twice.status_code == 303 and returned_token(twice)[1]
    assert _history(banner_state, first["consent_id"]) == [("analytics",), ()]


def test_a_page_form_with_an_old_token_and_a_new_key_saves_nothing(
    client: FlaskClient, banner_state: BannerState, first: dict[str, Any]
) -> None:
    _page, fields = open_page(client, f"?lang=en&token={first['token']}")
    later = banner_state.service.clock() + 120
    banner_state.service.clock = lambda: later
    assert submit(client, fields, "withdraw").status_code == 303
    fresh = {**fields, "retry_key": secrets.token_urlsafe(24)}
    assert submit(client, fresh, "withdraw").status_code == 403
    assert _history(banner_state, first["consent_id"]) == [("analytics",), ()]


# --- two parties, random sequences, both databases ---------------------------------

CATEGORIES = ("functional", "analytics", "preference")
choices = st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=3)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_app(
    request: pytest.FixtureRequest, database_url: str, post_path: str
) -> Iterator[Flask]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    app = create_app(make_config(url), **paths(post_path))
    assert isinstance(app.extensions["banner"].log, GroupCommitLog)
    yield app
    app.extensions["banner"].log.dispose()


class Browser:
    """The rightful browser: its consent id, its latest token, its last request."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.cid = secrets.token_hex(16)
        self.token: str | None = None
        self.last: dict[str, Any] | None = None

    def decide(self, granted: list[str]) -> list[str]:
        body = {**GOOD, "granted": granted, "consent_id": self.cid}
        body["retry_key"] = secrets.token_urlsafe(24)
        if self.token:
            body["token"] = self.token
        return self.send(body)

    def retry(self) -> list[str] | None:
        return None if self.last is None else self.send(self.last)

    def send(self, body: dict[str, Any]) -> list[str]:
        answer = post(self.client, body)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        self.last, self.token = body, answer.get_json()["token"]
        return list(answer.get_json()["granted"])


def stranger_attempt(
    client: FlaskClient, cid: str, public: list[str], move: str, guess: list[str]
) -> Any:
    """What someone knowing the id, the receipt and their own id's token may send."""
    body: dict[str, Any] = {**GOOD, "consent_id": cid, "granted": public}
    if move == "change":
        body["granted"] = guess
    elif move == "own_token":
        own = post(client, {**GOOD, "granted": guess}).get_json()
        body = {**body, "granted": guess, "token": own["token"]}
    elif move == "guessed_key":
        body["retry_key"] = secrets.token_urlsafe(24)
    return post(client, body)


moves = st.lists(
    st.one_of(
        st.tuples(st.just("first_or_change"), choices),
        st.tuples(st.just("retry"), st.just([])),
        st.tuples(st.just("withdraw"), st.just([])),
        st.tuples(
            st.sampled_from(["stranger_retry", "change", "own_token", "guessed_key"]), choices
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=moves)
def test_a_stranger_never_gets_a_token_and_withdrawal_always_lands(
    shared_app: Flask, steps: list[tuple[str, list[str]]]
) -> None:
    client = shared_app.test_client()
    state: BannerState = shared_app.extensions["banner"]
    browser = Browser(client)
    for move, granted in steps:
        before = _history(state, browser.cid)
        if move == "first_or_change":
            assert set(browser.decide(granted)) == set(granted)
        elif move == "retry":
            browser.retry()
            assert _history(state, browser.cid) == before
        elif move == "withdraw":
            assert browser.decide([]) == []
            assert _history(state, browser.cid)[-1] == ()
        else:
            public = list(before[-1]) if before else granted
            answer = stranger_attempt(client, browser.cid, public, move, granted)
            if before:  # an id with rows: nothing for the stranger
                _refused(answer)
                assert "token" not in answer.get_json()
                assert _history(state, browser.cid) == before
            elif answer.status_code == 201:  # the stranger chose a new id first: it is theirs
                browser.cid = secrets.token_hex(16)
