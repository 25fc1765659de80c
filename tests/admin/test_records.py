"""Lookup, export and scan on the dashboard, and who may see which site."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from banner.admin.accounts import create_user
from banner.cli.commands import main
from banner.core.config import BannerConfig
from banner.log.scans import save_scan
from banner.log.store import ConsentLog
from tests.admin.conftest import PASSWORD, decision, log_in
from tests.admin.test_figures import SEEDED, c, seed
from tests.factories import document

HOSTILE_UA = '=HYPERLINK("https://evil.example")'


def test_lookup_shows_a_consent_s_history_and_its_receipt(
    operator: FlaskClient, log: ConsentLog
) -> None:
    seed(log)
    page = operator.get(f"/admin/s/tokodemo/lookup?consent_id={c(3)}&lang=en")
    assert page.status_code == 200
    assert page.text.count("<tr>") == 3  # the head and two decisions
    assert page.text.index("Custom choice") < page.text.index("Changed")
    assert f'href="/s/tokodemo/receipt/{c(3)}?lang=en"' in page.text


@pytest.mark.parametrize(
    ("consent_id", "status"),
    [
        (c(9), 404),  # recorded, but for another site
        ("nothing-recorded-under-this-id", 404),
        ("short", 400),
        ("../../etc/passwd", 400),
        ("<script>alert(1)</script>", 400),
        ("a" * 5000, 400),
        ("", 400),
    ],
)
def test_lookup_of_a_foreign_unknown_or_malformed_id(
    operator: FlaskClient, log: ConsentLog, consent_id: str, status: int
) -> None:
    seed(log)
    page = operator.get("/admin/s/tokodemo/lookup", query_string={"consent_id": consent_id})
    assert page.status_code == status
    assert "<script>alert" not in page.text
    assert "receipt/" not in page.text


def _cli_export(config_path: Path, fmt: str, since: str, until: str) -> bytes:
    result = CliRunner().invoke(
        main,
        [
            "log", "export", "--config", str(config_path), "--site", "tokodemo",
            "--since", since, "--until", until, "--format", fmt,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.fixture
def config_path(tmp_path: Path, config: BannerConfig) -> Path:
    import tomllib  # noqa: F401 - the document is written by hand below

    doc = document(config.database_url)
    site = doc["sites"]["tokodemo"]
    lines = [
        "[banner]",
        f"secret_keys = {doc['banner']['secret_keys']!r}".replace("'", '"'),
        f'database_url = "{config.database_url}"',
        "[sites.tokodemo]",
        f'name = "{site["name"]}"',
        f'origins = ["{site["origins"][0]}"]',
        f'privacy_policy_url = "{site["privacy_policy_url"]}"',
    ]
    path = tmp_path / "banner.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_is_byte_identical_to_the_cli_for_the_same_range(
    operator: FlaskClient, log: ConsentLog, config_path: Path, fmt: str
) -> None:
    seed(log)
    log.append(
        decision(c(8), datetime(2026, 11, 2, 8, tzinfo=UTC), "reject", (), user_agent=HOSTILE_UA),
        fresh=True,
    )
    download = operator.get(
        f"/admin/s/tokodemo/export?first=2026-11-02&last=2026-11-03&format={fmt}"
    )
    assert download.status_code == 200
    assert download.is_streamed
    assert "attachment" in download.headers["Content-Disposition"]
    assert "banner-tokodemo-2026-11-02-2026-11-03" in download.headers["Content-Disposition"]
    body = download.data  # read before the CLI runs: a stream holds no lock between batches
    # The same local days in Jakarta (UTC+7), given to the CLI as instants.
    expected = _cli_export(config_path, fmt, "2026-11-02T00:00+07:00", "2026-11-04T00:00+07:00")
    assert body == expected
    rows = [r for r in SEEDED if r.site == "tokodemo"]
    assert expected.count(b"\n") == len(rows) - 2 + 1 + (1 if fmt == "csv" else 0)
    assert b"'=HYPERLINK" in expected if fmt == "csv" else b"=HYPERLINK" in expected


def test_export_with_notices_matches_the_cli_and_needs_json_lines(
    operator: FlaskClient, log: ConsentLog, config_path: Path
) -> None:
    seed(log)
    query = "first=2026-11-02&last=2026-11-03&format=jsonl&notices=1"
    body = operator.get(f"/admin/s/tokodemo/export?{query}").data
    result = CliRunner().invoke(
        main,
        [
            "log", "export", "--config", str(config_path), "--site", "tokodemo",
            "--since", "2026-11-02T00:00+07:00", "--until", "2026-11-04T00:00+07:00",
            "--format", "jsonl", "--with-notices",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert body == result.stdout_bytes
    assert b'"record": "decision"' in body
    refused = operator.get("/admin/s/tokodemo/export?first=2026-11-02&format=csv&notices=1")
    assert refused.status_code == 400 and "JSON Lines" in refused.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("first=2026-11-03&last=2026-11-01&format=csv", "must not be after"),
        ("first=2026-11-01&last=2026-11-03&format=xlsx", "CSV or JSON Lines"),
        ("first=2026-11-01&last=2026-11-03&format=" + "c" * 3000, "CSV or JSON Lines"),
        ("first=junk&format=csv", "like 2026-11-01"),
        ("first=2020-01-01&last=2026-11-03&format=csv", "366"),
    ],
)
def test_a_bad_export_form_is_a_translated_400(
    operator: FlaskClient, query: str, message: str
) -> None:
    page = operator.get(f"/admin/s/tokodemo/export?{query}&lang=en")
    assert page.status_code == 400
    assert message in page.text
    assert page.headers["Content-Type"].startswith("text/html")


def test_the_scan_page_puts_violations_first_with_the_proposed_toml(
    operator: FlaskClient, log: ConsentLog
) -> None:
    empty = operator.get("/admin/s/tokodemo/scan").text
    assert (
        "banner scan https://www.tokodemo.co.id/ --config test.toml --site tokodemo --save" in empty
    )
    report = {
        "url": "https://www.tokodemo.co.id/",
        "violations": [
            {
                "kind": "cookie",
                "name": "_ga",
                "host": "www.tokodemo.co.id",
                "page": "https://www.tokodemo.co.id/promo",
                "platform": "Google Analytics 4",
                "category": "analytics",
            }
        ],
        "undeclared": [{"name": "_fbp", "category": "unknown", "before_consent": False}, 7],
        "not_observable": [{"name": "_gcl_au", "category": "analytics"}],
        "stale": [{"name": "old_cookie", "category": "functional"}],
        "proposed_toml": '[[sites.tokodemo.cookies]]\nname = "<b>_fbp</b>"\n',
    }
    save_scan(log, "tokodemo", datetime(2026, 11, 2, 3, tzinfo=UTC), report)
    page = operator.get("/admin/s/tokodemo/scan?lang=id").text
    assert page.index("_ga") < page.index("_fbp") < page.index("_gcl_au") < page.index("old_cookie")
    assert "&lt;b&gt;_fbp&lt;/b&gt;" in page and "<b>_fbp" not in page
    assert "https://www.tokodemo.co.id/promo" in page and "Tidak diketahui" in page
    assert ">analytics<" not in page and ">unknown<" not in page and ">functional<" not in page
    assert "Analitik" in page and "Fungsional" in page


def test_the_overview_lists_every_site_with_its_facts(
    operator: FlaskClient, log: ConsentLog
) -> None:
    seed(log)
    page = operator.get("/admin/?lang=en").text
    assert (
        "Toko Demo" in page and "Google Analytics 4, Meta Pixel, Partner referral tracking" in page
    )
    assert "Essential, Functional, Analytics, Preferences" in page
    assert 'datetime="2026-11-03T17:00:00+00:00"' in page  # its newest decision
    assert "The signing key in use was first seen today, " in page and " WIB." in page
    assert "new-key" not in page and "old-key" not in page


@pytest.fixture
def two_sites(tmp_path: Path) -> BannerConfig:
    from banner.core.config import parse_config

    doc = document(f"sqlite:///{tmp_path / 'two.db'}")
    other = dict(doc["sites"]["tokodemo"], name="Toko Lain")
    doc["sites"]["tokolain"] = other
    return parse_config(doc, "two.toml", {})


@pytest.mark.parametrize(
    "path",
    [
        "/admin/s/tokolain/",
        "/admin/s/tokolain/lookup?consent_id=abcdefabcdefabcdef",
        "/admin/s/tokolain/export?first=2026-11-01&last=2026-11-02",
        "/admin/s/tokolain/scan",
        "/admin/s/nosuchsite/",
        "/admin/s/..%2Ftokolain/",
    ],
)
def test_an_account_for_one_site_cannot_open_another(two_sites: BannerConfig, path: str) -> None:
    from banner.app import create_app

    app: Flask = create_app(two_sites)
    try:
        create_user(app.extensions["banner"].log, "shopkeeper", PASSWORD, ("tokodemo",))
        client = app.test_client()
        assert log_in(client, name="shopkeeper") == 303
        assert client.get("/admin/s/tokodemo/").status_code == 200
        refused = client.get(path)
        assert refused.status_code == 404
        assert "Toko Lain" not in refused.text
        assert "Toko Lain" not in client.get("/admin/").text
    finally:
        app.extensions["banner"].log.dispose()
