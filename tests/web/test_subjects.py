"""Subjects on the API (issue 25): linking, sync, the back end's question, forgetting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from banner import TrackerGate, subject_consent
from banner.cli.commands import main
from banner.log.subjects import subject_of
from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN
from tests.processes import write_config
from tests.subject_tokens import api_key, make_token
from tests.web.test_api import GOOD, post


def sync(client: FlaskClient, body: dict[str, Any], **headers: str) -> Any:
    headers = {"Origin": SHOP_ORIGIN, "Content-Type": "application/json", **headers}
    return client.post("/api/v1/subject/sync", data=json.dumps(body), headers=headers)


def ask(client: FlaskClient, user: Any, key: str | None = None, site: str = "tokodemo") -> Any:
    bearer = api_key() if key is None else key
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    body = json.dumps({"site": site, "user": user})
    return client.post("/api/v1/subject", data=body, headers=headers)


def decide(client: FlaskClient, user: str | None, granted: list[str], **extra: Any) -> Any:
    body = {**GOOD, "granted": granted, **extra}
    if user is not None:
        body["subject"] = make_token(user)
    answer = post(client, body)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def linked(state: BannerState, consent_id: str) -> str | None:
    with state.log.engine.connect() as conn:
        return subject_of(conn, "tokodemo", consent_id)


def test_a_decision_with_a_subject_token_links_its_consent_id(
    client: FlaskClient, banner_state: BannerState
) -> None:
    made = decide(client, "user-1", [])
    hashed = linked(banner_state, made["consent_id"])
    assert hashed is not None and len(hashed) == 64 and "user-1" not in hashed
    assert linked(banner_state, decide(client, None, [])["consent_id"]) is None


def test_the_back_end_gets_the_newest_choice_of_any_linked_id(client: FlaskClient) -> None:
    assert ask(client, "user-1").get_json() == {"site": "tokodemo", "choice": None}
    decide(client, "user-1", ["analytics"])
    decide(client, "user-1", [])
    choice = ask(client, "user-1").get_json()["choice"]
    assert choice["granted"] == [] and choice["policy_version"] == 3
    assert "analytics" in choice["denied"]
    assert ask(client, "user-2").get_json()["choice"] is None


def test_a_new_browser_takes_the_subjects_choice(
    client: FlaskClient, banner_state: BannerState
) -> None:
    first = decide(client, "user-1", ["functional"])
    answer = sync(client, {"site": "tokodemo", "subject": make_token("user-1")})
    assert answer.status_code == 200
    got = answer.get_json()
    assert got["state"] == "sync" and got["granted"] == ["functional"]
    assert got["consent_id"] != first["consent_id"]
    row = banner_state.log.latest(got["consent_id"])
    assert row is not None and row.action == "sync" and row.granted == ("functional",)
    assert linked(banner_state, got["consent_id"]) == linked(banner_state, first["consent_id"])
    content = banner_state.service.verify("tokodemo", got["token"]).token
    assert content is not None and content.granted == ("functional",)


def test_a_browser_holding_the_current_choice_is_left_alone(client: FlaskClient) -> None:
    first = decide(client, "user-1", ["functional"])
    body = {
        "site": "tokodemo",
        "subject": make_token("user-1"),
        "consent_id": first["consent_id"],
        "token": first["token"],
    }
    assert sync(client, body).get_json()["state"] == "same"


def test_an_older_choice_is_replaced_on_the_same_consent_id(
    client: FlaskClient, banner_state: BannerState
) -> None:
    old = decide(client, None, ["analytics", "functional"])
    decide(client, "user-1", [])
    body = {
        "site": "tokodemo",
        "subject": make_token("user-1"),
        "consent_id": old["consent_id"],
        "token": old["token"],
    }
    got = sync(client, body).get_json()
    assert got["state"] == "sync" and got["consent_id"] == old["consent_id"]
    assert got["granted"] == []
    assert [r.action for r in banner_state.log.history(old["consent_id"])] == ["custom", "sync"]


def test_a_newer_choice_made_before_signing_in_becomes_the_persons(
    client: FlaskClient, banner_state: BannerState
) -> None:
    """Never a tracker the person's newest choice refuses: the newer one is linked."""
    decide(client, "user-1", [])
    laptop = decide(client, None, ["analytics"])
    body = {
        "site": "tokodemo",
        "subject": make_token("user-1"),
        "consent_id": laptop["consent_id"],
        "token": laptop["token"],
    }
    assert sync(client, body).get_json()["state"] == "same"
    assert linked(banner_state, laptop["consent_id"]) is not None
    assert ask(client, "user-1").get_json()["choice"]["granted"] == ["analytics"]


def test_signing_in_after_an_anonymous_choice_shares_it(
    client: FlaskClient, banner_state: BannerState
) -> None:
    phone = decide(client, None, ["functional"])
    body = {
        "site": "tokodemo",
        "subject": make_token("user-5"),
        "consent_id": phone["consent_id"],
        "token": phone["token"],
    }
    assert sync(client, body).get_json()["state"] == "same"
    laptop = sync(client, {"site": "tokodemo", "subject": make_token("user-5")}).get_json()
    assert laptop["state"] == "sync" and laptop["granted"] == ["functional"]


def test_a_subject_without_a_choice_changes_nothing(
    client: FlaskClient, banner_state: BannerState
) -> None:
    before = banner_state.log.count("tokodemo")
    assert sync(client, {"site": "tokodemo", "subject": make_token("nobody")}).get_json() == {
        "state": "none",
        "fresh": 60,
    }
    assert banner_state.log.count("tokodemo") == before


def test_a_choice_of_an_older_policy_version_is_not_shared(
    client: FlaskClient, banner_state: BannerState
) -> None:
    decide(client, "user-1", ["analytics"])
    config = banner_state.service.config
    site = config.sites["tokodemo"]
    from dataclasses import replace

    bumped = replace(config, sites={"tokodemo": replace(site, policy_version=4)})
    banner_state.service.live = type(banner_state.service.live)(bumped)
    assert sync(client, {"site": "tokodemo", "subject": make_token("user-1")}).get_json() == {
        "state": "none",
        "fresh": 60,
    }
    assert ask(client, "user-1").get_json()["choice"] is None


def test_forget_subject_unlinks_and_keeps_the_decisions(
    client: FlaskClient, banner_state: BannerState, database_url: str, tmp_path: Path
) -> None:
    made = decide(client, "user-1", ["analytics"])
    config = write_config(tmp_path / "banner.toml", database_url)
    args = ["log", "forget-subject", "--config", str(config), "--site", "tokodemo"]
    result = CliRunner().invoke(main, [*args, "--user", "user-1"])
    assert result.exit_code == 0, result.output
    assert "1 consent id(s) unlinked" in result.output
    assert linked(banner_state, made["consent_id"]) is None
    assert banner_state.log.latest(made["consent_id"]) is not None  # the proof stays
    assert ask(client, "user-1").get_json()["choice"] is None
    assert subject_consent("tokodemo", "user-1", config=str(config)) is None


def test_subject_consent_answers_from_the_log(
    client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    config = str(write_config(tmp_path / "banner.toml", database_url))
    assert subject_consent("tokodemo", "user-9", config=config) is None
    decide(client, "user-9", ["analytics"])
    found = subject_consent("tokodemo", "user-9", config=config)
    assert found is not None and found.allows("analytics") and not found.allows("functional")
    gate = TrackerGate()
    assert gate.run(found, "analytics", lambda: "sent", event="ga4_purchase") == "sent"
    assert gate.run(found, "functional", lambda: "sent", event="ref_postback") is None


def test_a_cli_error_has_no_traceback(database_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "banner.toml", database_url)
    args = ["log", "forget-subject", "--config", str(config), "--site", "tokodemo"]
    result = CliRunner().invoke(main, [*args, "--user", ""])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--user" in result.output
    result = CliRunner().invoke(main, [*args[:-1], "elsewhere", "--user", "u"])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize("user", ["", "x" * 257, 7, None, ["a"]])
def test_a_bad_user_id_is_a_400_naming_user(client: FlaskClient, user: Any) -> None:
    answer = ask(client, user)
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "user"


def test_the_hosted_page_accepts_a_posted_subject(
    client: FlaskClient, banner_state: BannerState
) -> None:
    from tests.web.test_pages import open_page, submit

    page, fields = open_page(client, "?lang=en")
    assert 'name="subject"' in page.get_data(as_text=True)
    posted = submit(client, {**fields, "subject": make_token("user-page")}, "save", "analytics")
    assert posted.status_code in (302, 303), posted.get_data(as_text=True)
    assert ask(client, "user-page").get_json()["choice"]["granted"] == ["analytics"]
    # a subject in the URL is never read (no link decoration)
    page, fields = open_page(client, f"?lang=en&subject={make_token('user-url')}")
    assert make_token("user-url") not in page.get_data(as_text=True)
    submit(client, fields, "save", "analytics")
    assert ask(client, "user-url").get_json()["choice"] is None


def test_the_subject_part_is_immutable_and_named_with_the_ui(client: FlaskClient) -> None:
    gate = client.get("/s/tokodemo/loader.js").get_data(as_text=True)
    named = gate.split('"ui":"')[1][:16]
    part = client.get(f"/s/tokodemo/subject.{named}.js")
    assert part.status_code == 200
    assert part.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"api/v1/subject/sync" in part.get_data()
    old = client.get("/s/tokodemo/subject.0123456789abcdef.js")
    assert old.status_code == 307 and old.headers["Location"] == f"subject.{named}.js"
    assert client.get(f"/s/tokodemo/subject.{named}.css").status_code == 404
