"""report.json, report.html and cookies.toml from known observations, hostile ones included."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from banner.cli import main
from banner.core.config import parse_config
from banner.scan.classify import Classifier
from banner.scan.cookie_db import load
from banner.scan.html_report import render_html
from banner.scan.observations import (
    AFTER,
    BEFORE,
    PageVisit,
    PassResult,
    SeenCookie,
    SeenRequest,
    SeenStorage,
    without_query_values,
)
from banner.scan.proposal import proposal
from banner.scan.report import ScanInput, build_report
from banner.scan.scanner import summary, write_outputs
from tests.factories import document

HOME = "https://www.tokodemo.co.id/"
PROMO = "https://www.tokodemo.co.id/promo"
HOSTILE = '"><script>alert(1)</script>'
NOW = 1_800_000_000.0


def cookie(name: str, page: str = HOME, expires: float | None = NOW + 90 * 86400) -> SeenCookie:
    return SeenCookie(name, "www.tokodemo.co.id", "/", expires, False, False, "Lax", page)


def request(url: str, page: str = HOME) -> SeenRequest:
    return SeenRequest(url.split("/")[2], without_query_values(url), "script", page, page)


def passes() -> list[PassResult]:
    first = PassResult(BEFORE, [PageVisit(HOME, 200), PageVisit(PROMO, 200)])
    first.cookies += [cookie("fixture_pref"), cookie("_fbp", PROMO), cookie(HOSTILE)]
    first.storage += [SeenStorage("local", HOSTILE, HOME), SeenStorage("local", "cart", HOME)]
    first.requests += [
        request("https://consent.example/s/tokodemo/loader.js"),
        request("https://connect.facebook.net/en_US/fbevents.js?v=2", PROMO),
    ]
    second = PassResult(AFTER, [PageVisit(HOME, 200), PageVisit(PROMO, 200)], accepted=True)
    second.cookies += [
        cookie("banner_consent"),
        cookie("_ga"),
        cookie("_ga_ABC123"),
        cookie("_fbp"),
    ]
    second.cookies += [cookie("_gcl_ls"), cookie("_ttp", expires=None)]
    second.requests += [request("https://www.googletagmanager.com/gtag/js?id=G-ABC123XYZ9")]
    return [first, second]


@pytest.fixture
def config_doc() -> dict[str, Any]:
    doc = document("sqlite://", policy_version=3)
    site = doc["sites"]["tokodemo"]
    # only the cookies the pages of these tests set are declared
    site["cookies"] = [c for c in site["cookies"] if c["category"] != "preference"]
    return doc


@pytest.fixture
def report(config_doc: dict[str, Any]) -> dict[str, Any]:
    site = parse_config(config_doc, "t.toml", {}).sites["tokodemo"]
    scan = ScanInput(HOME, site, datetime(2026, 12, 1, tzinfo=UTC), 12.5, {"pages": 20})
    return build_report(scan, passes(), Classifier(load(), site))


def by_name(records: list[dict[str, Any]], key: str = "name") -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in records}


def test_the_report_has_the_spec_fields_and_merges_both_passes(report: dict[str, Any]) -> None:
    assert report["url"] == HOME and report["site"] == "tokodemo"
    assert report["pages"] == [
        {"url": HOME, "status": 200, "error": None},
        {"url": PROMO, "status": 200, "error": None},
    ]
    cookies = by_name(report["cookies"])
    fbp = cookies["_fbp"]
    assert (fbp["platform"], fbp["category"], fbp["before_consent"], fbp["declared"]) == (
        "Meta Pixel",
        "analytics",
        True,
        False,
    )
    assert fbp["page"] == PROMO
    ga = cookies["_ga"]
    assert (ga["category"], ga["before_consent"], ga["declared"]) == ("analytics", False, True)
    assert cookies["banner_consent"]["declared"] is True
    assert cookies["fixture_pref"]["category"] == "unknown"
    requests = by_name(report["requests"], "url")
    pixel = requests["https://connect.facebook.net/en_US/fbevents.js?v="]
    assert (pixel["host"], pixel["platform"], pixel["category"], pixel["before_consent"]) == (
        "connect.facebook.net",
        "Meta Pixel",
        "analytics",
        True,
    )
    gtag = requests["https://www.googletagmanager.com/gtag/js?id="]
    assert gtag["before_consent"] is False


def test_violations_name_the_cookie_the_request_and_the_page(report: dict[str, Any]) -> None:
    assert [(v["kind"], v["name"], v["page"]) for v in report["violations"]] == [
        ("cookie", "_fbp", PROMO),
        ("request", "https://connect.facebook.net/en_US/fbevents.js?v=", PROMO),
    ]
    assert [c["name"] for c in report["stale"]] == []
    assert sorted(c["name"] for c in report["undeclared"]) == sorted(
        ["fixture_pref", "_fbp", HOSTILE, "_ga_ABC123", "_gcl_ls", "_ttp"]
    )
    assert summary(report, Path("out"))["exit_status"] == 1


def test_a_declared_cookie_never_seen_is_stale(config_doc: dict[str, Any]) -> None:
    config_doc["sites"]["tokodemo"]["cookies"].append(
        {
            "name": "gone_*",
            "provider": "X",
            "category": "analytics",
            "duration": {"id": "1 hari", "en": "1 day"},
            "purpose": {"id": "x", "en": "x"},
        }
    )
    site = parse_config(config_doc, "t.toml", {}).sites["tokodemo"]
    scan = ScanInput(HOME, site, datetime(2026, 12, 1, tzinfo=UTC), 1.0, {})
    built = build_report(scan, passes(), Classifier(load(), site))
    assert built["stale"] == [{"name": "gone_*", "category": "analytics"}]


def test_the_proposal_reads_as_toml_and_check_config_accepts_it_pasted(
    report: dict[str, Any], config_doc: dict[str, Any], tmp_path: Path
) -> None:
    site = parse_config(config_doc, "t.toml", {}).sites["tokodemo"]
    text = proposal(report, site, now=NOW)
    entries = tomllib.loads(text)["sites"]["tokodemo"]["cookies"]
    assert [e["name"] for e in entries] == ["_fbp", "_ga", "_ga_*", "_gcl_*", "_ttp"]
    found = by_name(entries)
    assert found["_ga"]["purpose"] == {
        "id": "Membedakan pengunjung",
        "en": "Distinguishes visitors",
    }
    assert found["_gcl_*"]["provider"] == "Google"
    assert found["_gcl_*"]["purpose"]["id"].startswith("Menyimpan iklan Google")
    assert found["_ttp"]["duration"] == {"id": "389 hari", "en": "389 days"}
    assert "# REVIEW: write the purpose in Indonesian" in text
    assert '# name = "fixture_pref"' in text and "category unknown" in text
    assert "banner_consent" not in text and "<script>" not in text.replace(HOSTILE, "")
    config = tmp_path / "banner.toml"
    base = Path(tmp_path / "base.toml")
    base.write_text(_toml_without_cookies(), encoding="utf-8")
    config.write_text(base.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output


def _toml_without_cookies() -> str:
    return """
[banner]
secret_keys = ["key-0123456789abcdef0123456789abcdef"]

[sites.tokodemo]
name = "Toko Demo"
origins = ["https://www.tokodemo.co.id"]
privacy_policy_url = "https://www.tokodemo.co.id/kebijakan-privasi"
"""


@pytest.mark.parametrize(
    "name",
    [
        'x"\n[banner]\nsecret_keys = ["a"]',
        "x\x7f\x00y",
        "a" * 300,
        "]]\n[[sites.evil.cookies]]",
        "ok.name-1",
    ],
)
def test_hostile_names_and_texts_cannot_break_out_of_the_toml(name: str) -> None:
    first = PassResult(BEFORE, [PageVisit(HOME, 200)])
    first.cookies.append(cookie(name, page=HOME + '"\n[x]'))
    scan = ScanInput(HOME + "\n[x]", None, datetime(2026, 12, 1, tzinfo=UTC), 1.0, {})
    built = build_report(scan, [first, PassResult(AFTER)], Classifier(load(), None))
    document = tomllib.loads(proposal(built, None, now=NOW))
    assert set(document) <= {"sites"}
    assert set(document.get("sites", {})) <= {"your_site"}


def test_the_html_report_is_escaped_bilingual_and_puts_violations_first(
    report: dict[str, Any], config_doc: dict[str, Any]
) -> None:
    site = parse_config(config_doc, "t.toml", {}).sites["tokodemo"]
    html = render_html(report, site)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert re.search(
        r"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-",
        unescape(html),
    )
    assert 'id="id" lang="id"' in html and 'id="en" lang="en"' in html
    english = html[html.index('id="en" lang="en"') :]
    order = [english.index(h) for h in ("Violations", "Not declared", "Everything found")]
    assert order == sorted(order)
    assert "Pelanggaran" in html  # the Indonesian section
    assert "2026-12-01 07:00 WIB" in html  # the site's time zone, Asia/Jakarta


def test_outputs_are_written_and_the_folder_created(report: dict[str, Any], tmp_path: Path) -> None:
    written = write_outputs(report, None, tmp_path / "a" / "b")
    assert [p.name for p in written] == ["report.json", "report.html", "cookies.toml"]
    assert all(p.stat().st_size > 0 for p in written)
