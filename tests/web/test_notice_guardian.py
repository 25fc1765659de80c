"""Children (UU PDP Pasal 25): on a ``children = "guardian"`` site a grant needs
the age / guardian box, in the API and on the no-JS preference page; the
answer is logged, exported and shown on the receipt. Plus the notice on the
hosted pages: rights, the controller's contact, recipients, local times."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from banner.core.config import BannerConfig
from banner.log.export import write_csv, write_jsonl
from banner.log.schema import SCHEMA_VERSION
from banner.log.store import ConsentLog
from banner.web.state import BannerState
from tests.factories import make_config, paths
from tests.web.test_api import GOOD, post
from tests.web.test_pages import open_page, returned_token, submit, text

GUARDIAN = {
    "children": "guardian",
    "controller": {
        "name": "PT Toko Demo Indonesia",
        "contact": "privasi@tokodemo.co.id",
        "address": "Jl. Sudirman 1, Jakarta",
    },
}


@pytest.fixture
def config(database_url: str) -> BannerConfig:
    return make_config(database_url, **GUARDIAN)


def exported(banner_state: BannerState) -> tuple[str, list[dict[str, Any]]]:
    csv_out, jsonl_out = io.StringIO(), io.StringIO()
    write_csv(banner_state.log.export("tokodemo"), csv_out, lambda: None)
    write_jsonl(banner_state.log.export("tokodemo"), jsonl_out, lambda: None)
    return csv_out.getvalue(), [json.loads(line) for line in jsonl_out.getvalue().splitlines()]


@pytest.mark.parametrize(
    "body",
    [
        {**GOOD},
        {**GOOD, "age_confirmed": False},
        {**GOOD, "granted": ["functional", "analytics"], "age_confirmed": False},
    ],
)
def test_api_refuses_a_grant_without_the_box(
    client: FlaskClient, banner_state: BannerState, body: dict[str, Any]
) -> None:
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json()["field"] == "age_confirmed"
    assert banner_state.log.count("tokodemo") == 0


@pytest.mark.parametrize("value", ["true", 1, None, [], {"x": 1}])
def test_api_age_confirmed_must_be_a_boolean(client: FlaskClient, value: Any) -> None:
    response = post(client, {**GOOD, "age_confirmed": value})
    assert response.status_code == 400 and response.get_json()["field"] == "age_confirmed"


def test_api_records_the_box_and_a_rejection_needs_none(
    client: FlaskClient, banner_state: BannerState
) -> None:
    assert post(client, {**GOOD, "age_confirmed": True}).status_code == 201
    assert post(client, {**GOOD, "granted": []}).status_code == 201
    csv_text, records = exported(banner_state)
    assert [r["age_confirmed"] for r in records] == [True, False]
    header, first, second = csv_text.splitlines()
    assert header.endswith(',"age_confirmed"') and first.endswith(',"true"')
    assert second.endswith(',"false"')


def test_form_refuses_a_grant_without_the_box_and_saves_with_it(
    client: FlaskClient, banner_state: BannerState
) -> None:
    page, fields = open_page(client, "?lang=id")
    assert "Saya berusia 18 tahun ke atas, atau orang tua/wali saya menyetujui pilihan ini" in text(
        page
    )
    refused = submit(client, fields, "save", "analytics")
    assert refused.status_code == 400 and banner_state.log.count("tokodemo") == 0
    assert "centang kotak" not in text(refused)  # the form page is in English (?lang=en)
    assert "tick the box confirming you are 18 or older" in text(refused)
    saved = client.post(
        "/s/tokodemo/preferences?lang=en",
        data={**fields, "save": "x", "grant_analytics": "y", "age_confirmed": "y"},
    )
    assert saved.status_code == 303
    _target, token = returned_token(saved)
    assert token
    assert submit(client, fields, "withdraw").status_code == 303  # rejecting: no box
    assert [r["age_confirmed"] for r in exported(banner_state)[1]] == [True, False]


def test_receipt_shows_the_box_the_controller_and_rights(
    client: FlaskClient, banner_state: BannerState
) -> None:
    consent_id = post(client, {**GOOD, "age_confirmed": True}).get_json()["consent_id"]
    page = text(client.get(f"/s/tokodemo/receipt/{consent_id}?lang=id"))
    for words in (
        "Berusia 18 tahun ke atas, atau disetujui orang tua/wali</dt> <dd>Ya",
        "PT Toko Demo Indonesia",
        'href="mailto:privasi@tokodemo.co.id"',
        "Jl. Sudirman 1, Jakarta",
        "Hak Anda sebagai Subjek Data Pribadi",
        "mengajukan keberatan atas pemrosesannya",
        "Status</dt> <dd>Persetujuan diberikan",
        "Kode verifikasi teks pemberitahuan",
        "dalam bentuk tersamar (sebagian alamat IP dihapus)",
        " WIB</time>",
    ):
        assert words in page, words
    receipt = client.get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()
    assert receipt["age_confirmed"] is True and receipt["events"][0]["age_confirmed"] is True
    assert receipt["controller"]["contact"] == "privasi@tokodemo.co.id"


def test_preference_page_names_recipients_rights_and_contact(client: FlaskClient) -> None:
    page = text(open_page(client, "?lang=en")[0])
    for words in (
        "PT Toko Demo Indonesia uses cookies that the site needs",
        "recipients outside Indonesia: Google LLC (United States)",
        "on the basis of the consent asked for here",
        "Google Analytics 4: Google LLC, United States",
        "Your rights as a personal data subject",
        "object to its processing",
        'href="mailto:privasi@tokodemo.co.id"',
    ):
        assert words in page, words


def test_times_follow_the_sites_zone(database_url: str, post_path: str) -> None:
    from banner.web.app import create_app

    app = create_app(make_config(database_url, timezone="Asia/Jayapura"), **paths(post_path))
    client = app.test_client()
    consent_id = post(client, {**GOOD}).get_json()["consent_id"]
    page = text(client.get(f"/s/tokodemo/receipt/{consent_id}?lang=id"))
    assert " WIT</time>" in page and "UTC" not in page
    app.extensions["banner"].log.dispose()


def test_a_version_1_database_is_migrated_with_age_confirmed_false(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE consent_log (row_id INTEGER PRIMARY KEY, consent_id VARCHAR(64) "
                "NOT NULL, site VARCHAR(40) NOT NULL, recorded_at DATETIME NOT NULL, action "
                "VARCHAR(16) NOT NULL, granted TEXT NOT NULL, denied TEXT NOT NULL, "
                "policy_version INTEGER NOT NULL, language VARCHAR(8) NOT NULL, text_hash "
                "VARCHAR(64) NOT NULL, source VARCHAR(16) NOT NULL, page_origin VARCHAR(255) "
                "NOT NULL, page_path VARCHAR(512) NOT NULL, gpc BOOLEAN NOT NULL, ip_masked "
                "VARCHAR(64) NOT NULL, user_agent VARCHAR(255) NOT NULL)"
            )
        )
        conn.execute(sa.text("CREATE TABLE banner_schema (version INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO banner_schema VALUES (1)"))
        conn.execute(
            sa.text(
                "INSERT INTO consent_log VALUES (1, 'old-consent-id-0001', 'tokodemo', "
                "'2026-01-01 00:00:00', 'accept', '[\"analytics\"]', '[]', 3, 'id', 'h', "
                "'banner', '', '/', 0, '', '')"
            )
        )
    engine.dispose()
    log = ConsentLog(database_url)
    log.create_schema()
    assert log.schema_version() == SCHEMA_VERSION
    [row] = log.history("old-consent-id-0001")
    assert row.age_confirmed is False
    log.dispose()


def test_postgres_migration_adds_the_column(postgres_url: str) -> None:
    log = ConsentLog(postgres_url)
    with log.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE banner_schema (version INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO banner_schema VALUES (1)"))
        conn.execute(
            sa.text(
                "CREATE TABLE consent_log (row_id SERIAL PRIMARY KEY, consent_id VARCHAR(64) "
                "NOT NULL, site VARCHAR(40) NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, action "
                "VARCHAR(16) NOT NULL, granted TEXT NOT NULL, denied TEXT NOT NULL, "
                "policy_version INTEGER NOT NULL, language VARCHAR(8) NOT NULL, text_hash "
                "VARCHAR(64) NOT NULL, source VARCHAR(16) NOT NULL, page_origin VARCHAR(255) "
                "NOT NULL, page_path VARCHAR(512) NOT NULL, gpc BOOLEAN NOT NULL, ip_masked "
                "VARCHAR(64) NOT NULL, user_agent VARCHAR(255) NOT NULL)"
            )
        )
    log.create_schema()
    assert log.schema_version() == SCHEMA_VERSION
    columns = {c["name"] for c in sa.inspect(log.engine).get_columns("consent_log")}
    assert "age_confirmed" in columns
    log.dispose()
