"""Every decision names the notice its visitor was shown; the service records only archived ones.

Issue 20 item 1 and 2: ``notice_hash`` from the browser, 400 naming the field
when missing or unknown, 409 ``notice_changed`` (nothing written) for a notice
of an older policy version, an older wording of the current version recorded
as sent, and every notice archived before it is served.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banner.core import config_watch
from banner.core.config import load_config
from banner.log.schema import notices
from banner.web.app import create_app
from banner.web.state import BannerState
from tests.factories import KEY_NEW, SHOP_ORIGIN, paths

HEADERS = {"Origin": SHOP_ORIGIN}


def write(
    path: Path, database_url: str, version: int = 3, body: str = "Kata-kata pertama."
) -> None:
    path.write_text(
        f"""
[banner]
secret_keys = ["{KEY_NEW}"]
database_url = "{database_url}"
rate_limit = "1000/second"

[sites.tokodemo]
name = "Toko Demo"
origins = ["{SHOP_ORIGIN}"]
policy_version = {version}
privacy_policy_url = "https://www.tokodemo.co.id/privasi"

[sites.tokodemo.trackers.ga4]
measurement_id = "G-ABC123XYZ9"
category = "analytics"

[sites.tokodemo.changes]
"{version}" = {{ id = "Perubahan versi {version}.", en = "Changes of version {version}." }}

[sites.tokodemo.texts.id]
banner_body = "{body}"

[sites.other]
name = "Other"
origins = ["https://other.example"]
policy_version = 1
privacy_policy_url = "https://other.example/privacy"
""",
        encoding="utf-8",
    )
    stamp = path.stat().st_mtime_ns + 10_000_000 * version + len(body)
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def path(tmp_path: Path, database_url: str) -> Path:
    found = tmp_path / "banner.toml"
    write(found, database_url)
    return found


@pytest.fixture
def live(path: Path, monkeypatch: pytest.MonkeyPatch, post_path: str) -> Iterator[Flask]:
    monkeypatch.setattr(config_watch, "RELOAD_INTERVAL", 0.0)
    app = create_app(load_config(path, env={}), **paths(post_path))
    yield app
    app.extensions["banner"].log.dispose()


def notice(client: FlaskClient, lang: str = "id", site: str = "tokodemo") -> dict[str, Any]:
    answer = client.get(f"/s/{site}/notice?lang={lang}")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.get_json()
    return found


def decision(shown: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "site": "tokodemo",
        "granted": ["analytics"],
        "language": shown["document"]["language"],
        "policy_version": shown["policy_version"],
        "notice_hash": shown["notice_hash"],
        **changes,
    }


def rows(app: Flask) -> int:
    state: BannerState = app.extensions["banner"]
    return state.log.count("tokodemo")


def archived(app: Flask) -> dict[str, Any]:
    state: BannerState = app.extensions["banner"]
    with state.log.engine.connect() as conn:
        return {row.hash: json.loads(row.document) for row in conn.execute(sa.select(notices))}


# --- GET /s/SITE/notice ---------------------------------------------------------


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_notice_route_hands_out_an_archived_document_and_its_hash(
    live: Flask, lang: str
) -> None:
    client = live.test_client()
    shown = notice(client, lang)
    canonical = json.dumps(shown["document"], sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == shown["notice_hash"]
    assert shown["policy_version"] == 3 and shown["document"]["language"] == lang
    assert archived(live)[shown["notice_hash"]] == shown["document"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [("?lang=xx", 400, "lang"), ("?lang=", 400, "lang"), ("?lang=id&lang=en", 200, None)],
)
def test_the_notice_route_names_a_bad_language(
    live: Flask, query: str, status: int, field: str | None
) -> None:
    answer = live.test_client().get(f"/s/tokodemo/notice{query}")
    assert answer.status_code == status
    assert answer.get_json().get("field") == field


def test_the_notice_of_an_unknown_site_is_404(live: Flask) -> None:
    answer = live.test_client().get("/s/nope/notice?lang=id")
    assert answer.status_code == 404 and answer.get_json()["error"] == "unknown_site"


# --- archived before served -------------------------------------------------------


def test_every_notice_is_archived_at_start(live: Flask) -> None:
    state: BannerState = live.extensions["banner"]
    expected = {
        notice.hash
        for by_language in state.service.book.notices(state.config).values()
        for notice in by_language.values()
    }
    assert len(expected) == 4  # two sites, two languages
    assert expected <= set(archived(live))


def test_a_reload_archives_the_new_notices_before_the_loader_names_them(
    live: Flask, path: Path, database_url: str
) -> None:
    client = live.test_client()
    before = set(archived(live))
    write(path, database_url, body="Kata-kata kedua.")
    gate = client.get("/s/tokodemo/loader.js").get_data(as_text=True)
    named = gate[gate.index('"ui":"') + 6 :].split('"')[0]
    ui = client.get(f"/s/tokodemo/ui.{named}.js").get_data(as_text=True)
    new = set(archived(live)) - before
    assert len(new) == 1  # the Indonesian wording changed; the English one did not
    [fresh] = new
    assert fresh in ui and "Kata-kata kedua." in ui


def test_the_ui_draws_exactly_the_archived_documents(live: Flask) -> None:
    """Each chunk's data per language is a part of the archived document; together
    with the placeholders' texts they are all of it but its name (format, site,
    language) and the transfers' data (worded into the first layer's sentences)."""
    from banner.web.gate_file import UI_SENTINEL, static_text
    from banner.web.site_files import EXTRA_SENTINEL, MORE_SENTINEL, PARAGRAPHS, WORDS_SENTINEL

    def filled(name: str, file: str, sentinel: str) -> Any:
        served = client.get(f"/s/tokodemo/{name}").get_data(as_text=True)
        head, _, tail = static_text(file).partition(sentinel)
        return json.loads(served.removeprefix(head).removesuffix(tail))

    client = live.test_client()
    gate = client.get("/s/tokodemo/loader.js").get_data(as_text=True)
    named = gate[gate.index('"ui":"') + 6 :].split('"')[0]
    home = filled(f"ui.{named}.js", "ui.js", UI_SENTINEL)
    first = {
        lang: filled(f"ui.{named}.{lang}.js", "words.js", WORDS_SENTINEL)[lang]
        for lang in ("id", "en")
    }
    assert home["id"] == first["id"]  # the site's default language comes with the first layer
    second = filled(f"ui.{named}.more.js", "more.js", MORE_SENTINEL)
    extra = filled(f"ui.{named}.extra.js", "extra.js", EXTRA_SENTINEL)
    store = archived(live)
    for lang in ("id", "en"):
        sent = first[lang]["s"]  # what a decision sends of the notice drawn
        document = store[sent["notice_hash"]]
        assert set(sent) == {"notice_hash", "policy_version"}
        drawn = {k: v for k, v in first[lang].items() if k not in ("s", "p")}
        drawn["policy_version"] = sent["policy_version"]
        # the first layer's paragraphs: the site's own text, then every sentence, in order
        body = {"banner_body": first[lang]["p"][0]} if "banner_body" in document["t"] else {}
        sentences = first[lang]["p"][len(body) :]
        assert set(document["n"]) == set(PARAGRAPHS)
        assert sentences == [document["n"][k] for k in PARAGRAPHS if document["n"][k]]
        texts = first[lang]["t"] | body | second[lang]["t"] | extra[lang]
        drawn |= {"c": second[lang]["c"], "t": texts, "n": document["n"]}
        assert {k: document[k] for k in drawn} == drawn
        assert set(document) - set(drawn) == {"format", "site", "language", "transfers", "e"}
        assert sent["notice_hash"] == notice(client, lang)["notice_hash"]


# --- the decision's notice_hash --------------------------------------------------


def test_a_current_notice_is_recorded_as_sent(live: Flask) -> None:
    client = live.test_client()
    shown = notice(client, "en")
    made = client.post("/api/v1/consent", json=decision(shown), headers=HEADERS)
    assert made.status_code == 201
    receipt = client.get(f"/s/tokodemo/receipt/{made.get_json()['consent_id']}.json").get_json()
    assert receipt["notice"]["hash"] == shown["notice_hash"]
    assert receipt["language"] == "en"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notice_hash": None}, "notice_hash"),
        ({"notice_hash": 5}, "notice_hash"),
        ({"notice_hash": "A" * 64}, "notice_hash"),
        ({"notice_hash": "a" * 63}, "notice_hash"),
        ({"notice_hash": "a" * 64}, "notice_hash"),  # well formed, never archived
        ({"notice_hash": "a" * 64 + "\n"}, "notice_hash"),
    ],
)
def test_a_bad_or_unknown_hash_is_a_400_naming_the_field(
    live: Flask, changes: dict[str, Any], field: str
) -> None:
    client = live.test_client()
    answer = client.post(
        "/api/v1/consent", json=decision(notice(client), **changes), headers=HEADERS
    )
    assert answer.status_code == 400 and answer.get_json()["field"] == field
    assert rows(live) == 0


def test_a_missing_hash_is_a_400_naming_the_field(live: Flask) -> None:
    client = live.test_client()
    body = decision(notice(client))
    del body["notice_hash"]
    answer = client.post("/api/v1/consent", json=body, headers=HEADERS)
    assert answer.status_code == 400 and answer.get_json()["field"] == "notice_hash"
    assert rows(live) == 0


def test_another_sites_notice_is_unknown_here(live: Flask) -> None:
    client = live.test_client()
    theirs = notice(client, site="other")
    body = decision(theirs, policy_version=3, language="id")
    answer = client.post("/api/v1/consent", json=body, headers=HEADERS)
    assert answer.status_code == 400 and answer.get_json()["field"] == "notice_hash"
    assert rows(live) == 0


def test_an_older_wording_of_the_same_version_is_recorded_faithfully(
    live: Flask, path: Path, database_url: str
) -> None:
    client = live.test_client()
    old = notice(client)
    write(path, database_url, body="Kata-kata kedua.")
    assert notice(client)["notice_hash"] != old["notice_hash"]
    made = client.post("/api/v1/consent", json=decision(old), headers=HEADERS)
    assert made.status_code == 201
    consent_id = made.get_json()["consent_id"]
    page = client.get(f"/s/tokodemo/receipt/{consent_id}?lang=id").get_data(as_text=True)
    assert "Kata-kata pertama." in page and "Kata-kata kedua." not in page


def test_a_notice_of_an_older_policy_version_is_409_and_writes_nothing(
    live: Flask, path: Path, database_url: str
) -> None:
    client = live.test_client()
    old = notice(client)
    write(path, database_url, version=4)
    for body in (decision(old), decision(old, policy_version=4)):
        answer = client.post("/api/v1/consent", json=body, headers=HEADERS)
        assert answer.status_code == 409
        said = answer.get_json()
        assert said["error"] in ("notice_changed", "stale_policy_version")
        assert said["policy_version"] == 4
        for kind in ("js", "css"):  # the current UI the browser redraws with
            assert client.get(f"/s/tokodemo/ui.{said['ui']}.{kind}").status_code == 200
    assert rows(live) == 0
    current = notice(client)
    assert "Perubahan versi 4." in json.dumps(current["document"], ensure_ascii=False)
    assert (
        client.post("/api/v1/consent", json=decision(current), headers=HEADERS).status_code == 201
    )


def test_a_withdrawal_on_an_older_notice_is_recorded_under_that_notice(
    live: Flask, path: Path, database_url: str
) -> None:
    """Never a withdrawal dropped: a refusal needs no notice, so a policy bump between
    the visitor's click and its arrival (or a pending resend) still records it."""
    client = live.test_client()
    old = notice(client)
    made = client.post("/api/v1/consent", json=decision(old), headers=HEADERS).get_json()
    write(path, database_url, version=4)
    withdrawal = decision(old, consent_id=made["consent_id"], token=made["token"], granted=[])
    answer = client.post("/api/v1/consent", json=withdrawal, headers=HEADERS)
    assert answer.status_code == 201, answer.get_json()
    state: BannerState = live.extensions["banner"]
    stored = state.log.latest(made["consent_id"], "tokodemo")
    assert stored is not None
    assert (stored.action, stored.granted, stored.policy_version, stored.text_hash) == (
        "withdraw",
        (),
        3,  # the version and the words the visitor saw, not the current ones
        old["notice_hash"],
    )
    # The token says so too: void for version 4, so the banner asks again.
    verified = client.post(
        "/api/v1/verify",
        json={"site": "tokodemo", "token": answer.get_json()["token"]},
        headers=HEADERS,
    ).get_json()
    assert verified["valid"] is False
    # A first refusal on the old notice is kept the same way; a grant still is not.
    refusal = client.post("/api/v1/consent", json=decision(old, granted=[]), headers=HEADERS)
    assert refusal.status_code == 201
    assert client.post("/api/v1/consent", json=decision(old), headers=HEADERS).status_code == 409
    assert rows(live) == 3


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=80), st.integers(), st.none(), st.lists(st.text(max_size=3))))
def test_any_notice_hash_is_recorded_or_refused_never_a_5xx(live: Flask, value: Any) -> None:
    client = live.test_client()
    answer = client.post(
        "/api/v1/consent", json=decision(notice(client), notice_hash=value), headers=HEADERS
    )
    assert answer.status_code == 400 and answer.get_json()["field"] == "notice_hash"


# --- the hosted page without JavaScript -------------------------------------------


def _hidden(page: str, name: str) -> str:
    marker = f'name="{name}" type="hidden" value="'
    return page[page.index(marker) + len(marker) :].split('"')[0]


def test_the_preference_form_carries_the_hash_of_the_notice_it_drew(live: Flask) -> None:
    client = live.test_client()
    page = client.get("/s/tokodemo/preferences?lang=en").get_data(as_text=True)
    shown = _hidden(page, "notice_hash")
    assert shown == notice(client, "en")["notice_hash"]
    fields = {"csrf_token": _hidden(page, "csrf_token"), "notice_hash": shown, "save": "x"}
    saved = client.post(
        "/s/tokodemo/preferences?lang=en", data=fields, headers={"Origin": "http://localhost"}
    )
    assert saved.status_code in (302, 303)
    assert rows(live) == 1


def test_a_preference_form_of_an_older_policy_saves_nothing_and_draws_the_new_notice(
    live: Flask, path: Path, database_url: str
) -> None:
    client = live.test_client()
    page = client.get("/s/tokodemo/preferences?lang=id").get_data(as_text=True)
    fields = {
        "csrf_token": _hidden(page, "csrf_token"),
        "notice_hash": _hidden(page, "notice_hash"),
        "grant_analytics": "y",
        "save": "x",
    }
    write(path, database_url, version=4)
    answer = client.post(
        "/s/tokodemo/preferences?lang=id", data=fields, headers={"Origin": "http://localhost"}
    )
    assert answer.status_code == 409 and rows(live) == 0
    again = answer.get_data(as_text=True)
    assert _hidden(again, "notice_hash") == notice(client, "id")["notice_hash"]
    switch = re.search(r'<input[^>]*name="grant_analytics"[^>]*>', again)
    assert switch is not None and "checked" in switch.group(0)  # the visitor's switch is kept


# --- the receipt shows the archived words --------------------------------------------


def test_the_receipt_shows_first_layer_second_layer_and_the_change_shown(
    live: Flask, path: Path, database_url: str
) -> None:
    client = live.test_client()
    first = client.post("/api/v1/consent", json=decision(notice(client, "en")), headers=HEADERS)
    consent_id, token = first.get_json()["consent_id"], first.get_json()["token"]
    page = client.get(f"/s/tokodemo/receipt/{consent_id}?lang=id").get_data(as_text=True)
    assert "Your choice is kept for 180 days." in page  # the words, in the language shown
    assert "Changes of version 3." not in page  # a first choice: no change notice drawn
    write(path, database_url, version=4)
    again = decision(notice(client, "en"), consent_id=consent_id, token=token, granted=[])
    assert client.post("/api/v1/consent", json=again, headers=HEADERS).status_code == 201
    page = client.get(f"/s/tokodemo/receipt/{consent_id}?lang=id").get_data(as_text=True)
    assert "Changes of version 4." in page  # shown above the buttons to this visitor
    for never in ("18 or older", "could not be saved yet", "Global Privacy Control signal"):
        assert never not in page
    words = client.get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()["notice"]["words"]
    assert words["language"] == "en" and words["changes"] == ["Changes of version 4."]
    assert words["first_layer"][0] == "Your privacy choices"
    assert any(s.startswith("Toko Demo uses cookies") for s in words["first_layer"])
    labels = [c["label"] for c in words["second_layer"]]
    assert labels == ["Essential", "Analytics"]  # the categories this site asks
