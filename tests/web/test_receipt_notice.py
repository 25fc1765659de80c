"""The receipt shows the archived words a visitor saw, even after the site reworded them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from banner.core import config_watch
from banner.core.config import load_config
from banner.core.consent import Source
from banner.log.schema import notices
from banner.log.service import DecisionRequest, Recorded, TokenRequired
from banner.web.app import create_app
from banner.web.state import BannerState
from tests.factories import KEY_NEW

OLD_BODY = "Kami memakai cookie analitik. Kata-kata versi lama."
NEW_BODY = "Kami memakai cookie analitik. Kata-kata versi baru yang berbeda."


def write(path: Path, database_url: str, body: str, version: int = 3) -> None:
    path.write_text(
        f"""
[banner]
secret_keys = ["{KEY_NEW}"]
database_url = "{database_url}"

[sites.tokodemo]
name = "Toko Demo"
origins = ["https://www.tokodemo.co.id"]
policy_version = {version}
privacy_policy_url = "https://www.tokodemo.co.id/privasi"

[sites.tokodemo.texts.id]
banner_body = "{body}"
""",
        encoding="utf-8",
    )
    # a later write within the same clock tick still counts as a change
    stamp = path.stat().st_mtime_ns + 10_000_000 * version + len(body)
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def config_path(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "banner.toml"
    write(path, database_url, OLD_BODY)
    return path


@pytest.fixture
def live_app(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setattr(config_watch, "RELOAD_INTERVAL", 0.0)
    app = create_app(load_config(config_path, env={}))
    yield app
    app.extensions["banner"].log.dispose()


def decide(
    app: Flask, language: str = "id", consent_id: str | None = None, token: str | None = None
) -> str:
    return record(app, language, consent_id, token).decision.consent_id


def record(
    app: Flask, language: str = "id", consent_id: str | None = None, token: str | None = None
) -> Recorded:
    state: BannerState = app.extensions["banner"]
    request = DecisionRequest(
        "tokodemo",
        ("analytics",),
        language,
        consent_id=consent_id,
        source=Source.BANNER,
        token=token,
    )
    return state.service.record(request)


def test_the_receipt_keeps_the_old_words_after_the_config_changed(
    live_app: Flask, config_path: Path, database_url: str
) -> None:
    consent_id = decide(live_app)
    write(config_path, database_url, NEW_BODY)
    client = live_app.test_client()
    assert live_app.extensions["banner"].config.sites["tokodemo"].texts["id"]["banner_body"] == (
        NEW_BODY
    )
    page = client.get(f"/s/tokodemo/receipt/{consent_id}?lang=id").get_data(as_text=True)
    assert OLD_BODY in page and NEW_BODY not in page
    body = client.get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()
    assert body["notice"]["archived"] is True
    [notice] = body["notices"]
    assert notice["hash"] == body["notice"]["hash"]
    assert notice["document"]["t"]["banner_body"] == OLD_BODY


def test_a_restart_with_new_words_keeps_the_old_receipt(
    config_path: Path, database_url: str
) -> None:
    first = create_app(load_config(config_path, env={}))
    consent_id = decide(first)
    first.extensions["banner"].log.dispose()
    write(config_path, database_url, NEW_BODY, version=4)
    second = create_app(load_config(config_path, env={}))
    later = decide(second)
    client = second.test_client()
    old = client.get(f"/s/tokodemo/receipt/{consent_id}?lang=id").get_data(as_text=True)
    new = client.get(f"/s/tokodemo/receipt/{later}?lang=id").get_data(as_text=True)
    assert OLD_BODY in old and NEW_BODY not in old
    assert NEW_BODY in new and OLD_BODY not in new
    second.extensions["banner"].log.dispose()


def test_every_notice_of_a_history_is_in_the_json(
    live_app: Flask, config_path: Path, database_url: str
) -> None:
    first = record(live_app)
    consent_id = first.decision.consent_id
    write(config_path, database_url, NEW_BODY, version=4)
    with pytest.raises(TokenRequired):  # knowing the id is not enough to continue it
        decide(live_app, consent_id=consent_id)
    decide(live_app, consent_id=consent_id, token=first.token)  # its old token does
    body = live_app.test_client().get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()
    hashes = [event["notice_hash"] for event in body["events"]]
    assert len(set(hashes)) == 2
    assert [n["hash"] for n in body["notices"]] == hashes
    bodies = [n["document"]["t"]["banner_body"] for n in body["notices"]]
    assert bodies == [OLD_BODY, NEW_BODY]
    for notice in body["notices"]:  # the archived document hashes to the logged hash
        canonical = json.dumps(notice["document"], sort_keys=True, separators=(",", ":"))
        assert hashlib.sha256(canonical.encode()).hexdigest() == notice["hash"]


def test_a_decision_logged_before_the_archive_shows_only_its_hash(live_app: Flask) -> None:
    consent_id = decide(live_app)
    with live_app.extensions["banner"].log.engine.begin() as conn:
        conn.execute(notices.delete())
    client = live_app.test_client()
    body = client.get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()
    assert body["notice"]["archived"] is False and body["notices"] == []
    page = client.get(f"/s/tokodemo/receipt/{consent_id}?lang=en")
    assert page.status_code == 200
    assert "recorded before notices were archived" in page.get_data(as_text=True)


def test_the_receipt_page_shows_the_words_in_the_notice_language(live_app: Flask) -> None:
    consent_id = decide(live_app, language="en")
    page = live_app.test_client().get(f"/s/tokodemo/receipt/{consent_id}?lang=id")
    text = page.get_data(as_text=True)
    assert '<blockquote class="notice-shown" lang="en">' in text
    assert "Your privacy choices" in text and "Your choice is kept for 180 days" in text


def test_hostile_archived_words_are_shown_as_text(live_app: Flask) -> None:
    consent_id = decide(live_app)
    hostile = {"language": "id", "t": {"banner_body": "<script>alert(1)</script>", "x": 5}}
    with live_app.extensions["banner"].log.engine.begin() as conn:
        conn.execute(notices.update().values(document=json.dumps(hostile)))
    page = live_app.test_client().get(f"/s/tokodemo/receipt/{consent_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text


@pytest.mark.parametrize("document", ["[]", '{"texts": "not a table"}', '{"texts": {"a": [1]}}'])
def test_an_archived_document_of_another_shape_never_breaks_the_page(
    live_app: Flask, document: str
) -> None:
    consent_id = decide(live_app)
    with live_app.extensions["banner"].log.engine.begin() as conn:
        conn.execute(sa.update(notices).values(document=document))
    client = live_app.test_client()
    assert client.get(f"/s/tokodemo/receipt/{consent_id}").status_code == 200
    assert client.get(f"/s/tokodemo/receipt/{consent_id}.json").status_code == 200
