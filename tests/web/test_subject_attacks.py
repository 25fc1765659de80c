"""Attacking subjects (issue 25): other people's ids and tokens, replays, hostile ids, headers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banner.log.subject_service import SubjectService
from banner.web.app import create_app
from banner.web.state import BannerState
from tests.factories import make_config
from tests.subject_tokens import api_key, make_token, site_key
from tests.web.test_subjects import ask, decide, linked, sync

HOSTILE_USERS = [
    "a.b.c",
    "../../etc/passwd",
    "user\u0000nul",
    "<script>alert(1)</script>",
    "\u202eevil",
    "💥" * 64,
    "x" * 256,
    "' OR 1=1 --",
]


def test_someone_elses_consent_id_is_never_written_without_its_token(
    client: FlaskClient, banner_state: BannerState
) -> None:
    victim = decide(client, None, ["analytics"])
    decide(client, "attacker", [])
    body = {
        "site": "tokodemo",
        "subject": make_token("attacker"),
        "consent_id": victim["consent_id"],
    }
    got = sync(client, body).get_json()
    assert got["state"] == "sync" and got["consent_id"] != victim["consent_id"]
    assert [r.action for r in banner_state.log.history(victim["consent_id"])] == ["custom"]
    assert linked(banner_state, victim["consent_id"]) is None


def test_a_consent_id_of_another_subject_is_not_taken_over(
    client: FlaskClient, banner_state: BannerState
) -> None:
    """A shared computer: the second person's choice lands on a consent id of its own."""
    first = decide(client, "user-a", ["analytics"])
    decide(client, "user-b", [])
    body = {
        "site": "tokodemo",
        "subject": make_token("user-b"),
        "consent_id": first["consent_id"],
        "token": first["token"],
    }
    got = sync(client, body).get_json()
    assert got["state"] == "sync" and got["consent_id"] != first["consent_id"]
    assert ask(client, "user-a").get_json()["choice"]["granted"] == ["analytics"]


def test_a_second_person_without_a_choice_is_asked_not_given_the_firsts(
    client: FlaskClient, banner_state: BannerState
) -> None:
    first = decide(client, "user-a", ["analytics"])
    body = {
        "site": "tokodemo",
        "subject": make_token("user-new"),
        "consent_id": first["consent_id"],
        "token": first["token"],
    }
    before = banner_state.log.count("tokodemo")
    assert sync(client, body).get_json()["state"] == "ask"
    assert banner_state.log.count("tokodemo") == before
    # the first person's own browser is left alone, and an anonymous id too
    own = {**body, "subject": make_token("user-a")}
    assert sync(client, own).get_json()["state"] == "same"
    # a browser's own anonymous choice, proven by its token, becomes the new person's
    anonymous = decide(client, None, ["analytics"])
    body.update(consent_id=anonymous["consent_id"], token=anonymous["token"])
    assert sync(client, body).get_json()["state"] == "same"
    assert ask(client, "user-new").get_json()["choice"]["granted"] == ["analytics"]
    # but an id named without its token is nobody's proof
    stranger = decide(client, None, ["functional"])
    lone = {
        "site": "tokodemo",
        "subject": make_token("user-x"),
        "consent_id": stranger["consent_id"],
    }
    assert sync(client, lone).get_json()["state"] == "none"
    assert linked(banner_state, stranger["consent_id"]) is None


def test_a_token_of_another_site_or_key_links_nothing(
    client: FlaskClient, banner_state: BannerState
) -> None:
    other_site = make_token("user-1", site="othersite", key=site_key("othersite"))
    wrong_key = make_token("user-1", key=site_key("othersite"))
    token_key = make_token("user-1", key=site_key("tokodemo", purpose="token"))
    for token in (other_site, wrong_key, token_key):
        made = decide(client, None, ["analytics"], subject=token)
        assert linked(banner_state, made["consent_id"]) is None
        answer = sync(client, {"site": "tokodemo", "subject": token})
        assert answer.status_code == 400 and answer.get_json()["field"] == "subject"
    assert ask(client, "user-1").get_json()["choice"] is None


def test_an_expired_token_links_nothing_and_the_decision_still_counts(
    client: FlaskClient, banner_state: BannerState
) -> None:
    old = make_token("user-1", issued_at=time.time() - 601)
    made = decide(client, None, [], subject=old)
    assert banner_state.log.latest(made["consent_id"]) is not None
    assert linked(banner_state, made["consent_id"]) is None
    assert sync(client, {"site": "tokodemo", "subject": old}).status_code == 400


def test_a_token_replayed_after_forget_does_nothing(
    client: FlaskClient, banner_state: BannerState
) -> None:
    token = make_token("user-1", issued_at=time.time() - 1)
    decide(client, None, ["analytics"], subject=token)
    SubjectService(banner_state.service).forget("tokodemo", "user-1")
    made = decide(client, None, ["analytics"], subject=token)
    assert linked(banner_state, made["consent_id"]) is None
    answer = sync(client, {"site": "tokodemo", "subject": token})
    assert answer.status_code == 400 and "forgotten" in answer.get_json()["message"]
    assert ask(client, "user-1").get_json()["choice"] is None


@pytest.mark.parametrize("user", HOSTILE_USERS)
def test_hostile_user_ids_are_only_ever_hashed(
    client: FlaskClient, banner_state: BannerState, user: str
) -> None:
    made = decide(client, user, ["functional"])
    hashed = linked(banner_state, made["consent_id"])
    assert hashed is not None and len(hashed) == 64
    assert ask(client, user).get_json()["choice"]["granted"] == ["functional"]
    with banner_state.log.engine.connect() as conn:
        dump = json.dumps([list(r) for r in conn.exec_driver_sql("SELECT * FROM subject_links")])
    assert user not in dump


def test_the_back_end_route_needs_the_sites_own_api_key(client: FlaskClient) -> None:
    decide(client, "user-1", ["analytics"])
    wrong = [
        site_key("tokodemo"),  # the signing key is not the bearer
        api_key("othersite"),
        "",
        "x" * 5000,
        "ü" * 64,
    ]
    for key in wrong:
        answer = ask(client, "user-1", key=key)
        assert answer.status_code == 401, key
        assert answer.get_json()["field"] == "Authorization"
    no_header = client.post(
        "/api/v1/subject",
        data=json.dumps({"site": "tokodemo", "user": "user-1"}),
        headers={"Content-Type": "application/json"},
    )
    assert no_header.status_code == 401 and no_header.headers["WWW-Authenticate"]
    assert "Access-Control-Allow-Origin" not in ask(client, "user-1").headers


def test_forwarded_headers_and_other_origins_change_nothing(
    client: FlaskClient, banner_state: BannerState
) -> None:
    decide(client, "user-1", [])
    body = {"site": "tokodemo", "subject": make_token("user-1")}
    before = banner_state.log.count("tokodemo")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://evil.example", "X-Forwarded-Host": "www.tokodemo.co.id"},
    ):
        answer = sync(client, body, **headers)
        assert answer.status_code == 403
    assert banner_state.log.count("tokodemo") == before
    spoofed = sync(client, body, **{"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=1.2.3.4"})
    assert spoofed.status_code == 200
    row = banner_state.log.latest(spoofed.get_json()["consent_id"])
    assert row is not None and "203.0.113" not in row.ip_masked


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(make_config(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'f.db'}"))
    app.config["TESTING"] = True
    yield app
    app.extensions["banner"].log.dispose()


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30), _nested, max_leaves=6
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["site", "subject", "consent_id", "token", "page_path", "user", "x"]),
        json_values,
    )
)
def test_no_body_is_ever_a_500(fuzz_app: Flask, document: dict[str, Any]) -> None:
    client = fuzz_app.test_client()
    for route, headers in (
        ("/api/v1/subject/sync", {"Origin": "https://www.tokodemo.co.id"}),
        ("/api/v1/subject", {"Authorization": f"Bearer {api_key()}"}),
    ):
        answer = client.post(
            route,
            data=json.dumps(document),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert answer.status_code < 500, answer.get_data(as_text=True)
        if answer.status_code >= 400:
            assert answer.get_json()["error"]
