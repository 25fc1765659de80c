"""``banner scan`` end to end: the fixture website, Chromium, the files and the exit status.

The command runs as a process, as CI runs it. Tracker hosts are routed to the
fixture's fake and every other host is blocked (``--route``), so nothing but
the fixture's own servers is ever contacted; the tests check that too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from banner.core.config import load_config
from banner.log.scans import latest_scan
from banner.log.store import ConsentLog
from tests.scan.site import Fixture, free_port, running_fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ODD_COOKIE = "odd<b>"
ODD_KEY = "<script>alert(1)</script>"
ODD_PAGE = (  # "<\\/script>" keeps the key's end tag from closing the script element
    "<script>document.cookie = 'odd<b>=1; path=/';"
    " localStorage.setItem('<script>alert(1)<\\/script>', '1');</script>"
)


def banner_scan(
    *args: str, env: dict[str, str] | None = None, sandbox: bool = False
) -> subprocess.CompletedProcess[str]:
    """``banner scan ARGS`` as a process; the tests run as root, where Chromium has no
    sandbox, so they opt out explicitly unless ``sandbox`` asks to keep it."""
    environment = {k: v for k, v in os.environ.items() if k != "BANNER_CONFIG"}
    opt_out = [] if sandbox else ["--unsafe-no-sandbox"]
    return subprocess.run(
        [sys.executable, "-m", "banner", "scan", *args, *opt_out],
        capture_output=True,
        text=True,
        timeout=600,
        env={**environment, **(env or {})},
        check=False,
    )


@dataclass
class Scanned:
    result: subprocess.CompletedProcess[str]
    fixture: Fixture
    out: Path

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.out / "report.json").read_text(encoding="utf-8"))
        return data

    def page(self, path: str) -> str:
        return self.fixture.url.rstrip("/") + path

    def record(self, kind: str, key: str, value: str) -> dict[str, Any]:
        [found] = [r for r in self.report[kind] if r[key] == value]
        return found


def scan_fixture(
    folder: Path,
    *options: str,
    leaky: bool = False,
    guardian: bool = False,
    start: str = "",
    **extra: str,
) -> Scanned:
    with running_fixture(folder, leaky=leaky, guardian=guardian, **extra) as fixture:
        out = folder / "out"
        args = [fixture.url + start, "--config", str(fixture.config), "--site", "fixture"]
        result = banner_scan(*args, "--output", str(out), *options, *fixture.routes())
        return Scanned(result, fixture, out)


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    return scan_fixture(tmp_path_factory.mktemp("leaky"), "--pages", "6", "--json", leaky=True)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    folder = tmp_path_factory.mktemp("clean")
    return scan_fixture(folder, "--pages", "5", "--save", **{"/odd": ODD_PAGE})


def test_a_leak_exits_1_and_names_the_cookie_the_page_and_the_request(leaky: Scanned) -> None:
    assert leaky.result.returncode == 1, leaky.result.stderr
    assert leaky.result.stderr == ""  # not a terminal: no progress bar
    summary = json.loads(leaky.result.stdout)
    promo = leaky.page("/promo")
    assert summary["violations"] == [
        {
            "kind": "cookie",
            "name": "_fbp",
            "host": "localhost",
            "page": promo,
            "platform": "Meta Pixel",
            "category": "analytics",
        },
        {
            "kind": "request",
            "name": "https://connect.facebook.net/en_US/fbevents.js",
            "host": "connect.facebook.net",
            "page": promo,
            "platform": "Meta Pixel",
            "category": "analytics",
        },
        {
            "kind": "request",
            "name": "https://www.facebook.com/tr/?id=&ev=&fbp=",
            "host": "www.facebook.com",
            "page": promo,
            "platform": "Meta Pixel",
            "category": "analytics",
        },
    ]
    assert summary["violations"] == leaky.report["violations"]
    assert (summary["exit_status"], summary["pages"]) == (1, 6)
    pixel = leaky.record("requests", "url", "https://connect.facebook.net/en_US/fbevents.js")
    assert pixel["outcome"] == "loaded"
    failed = {f["platform"] for f in leaky.report["failed_scripts"]}
    assert failed == {"Google Analytics 4"}  # gtag.js, blocked by --route *=block
    fbp = leaky.record("cookies", "name", "_fbp")
    assert (fbp["before_consent"], fbp["declared"], fbp["page"]) == (True, False, promo)


def test_the_crawl_is_breadth_first_capped_same_origin_and_never_logs_out(leaky: Scanned) -> None:
    paths = ["/", "/about", "/deep/1", "/promo", "/deep/2", "/deep/3"]
    assert [p["url"] for p in leaky.report["pages"]] == [leaky.page(p) for p in paths]
    assert all(p["status"] == 200 and p["error"] is None for p in leaky.report["pages"])
    opened = {path for method, path in leaky.fixture.site.hits if method == "GET"}
    assert "/deep/4" not in opened and "/logout" not in opened
    assert not any(p.startswith("/files/") for p in opened)
    assert all(method == "GET" for method, _path in leaky.fixture.site.hits)  # no form sent


def test_nothing_but_the_fixtures_hosts_was_contacted(leaky: Scanned) -> None:
    hosts = {r["host"] for r in leaky.report["requests"]}
    assert hosts == {
        "127.0.0.1",
        "connect.facebook.net",
        "www.facebook.com",
        "www.google-analytics.com",
        "www.googletagmanager.com",  # attempted after consent, blocked by --route *=block
    }
    fake = {path.split("?")[0] for path in leaky.fixture.trackers.paths()}
    assert fake == {"/en_US/fbevents.js", "/tr/", "/g/collect"}
    service = {
        re.sub(r"ui\.[0-9a-f]{16}\.", "ui.", path.split("?")[0])  # content-addressed UI files
        for path in leaky.fixture.service.paths()
    }
    assert service <= {
        "/s/fixture/loader.js",
        "/s/fixture/ui.js",
        "/s/fixture/ui.css",
        "/s/fixture/ui.send.js",  # the gate's chunks, fetched on demand (issue 24)
        "/s/fixture/ui.tags.js",
        "/s/fixture/ui.extra.js",  # the UI's status after the decision (its chunk)
        "/s/fixture/ui.extra.css",
        "/api/v1/consent",
    }


def test_a_clean_site_exits_0_and_the_report_says_what_was_seen(clean: Scanned) -> None:
    assert clean.result.returncode == 0, clean.result.stderr
    report = clean.report
    assert (report["url"], report["site"], report["violations"]) == (
        clean.fixture.url,
        "fixture",
        [],
    )
    assert report["banner_accepted"] is True and report["complete"] is True
    assert [p["url"] for p in report["pages"]] == [
        clean.page(p) for p in ("/", "/about", "/deep/1", "/odd", "/deep/2")
    ]
    pref = clean.record("cookies", "name", "fixture_pref")
    assert {
        k: pref[k] for k in ("domain", "platform", "category", "before_consent", "declared")
    } == {
        "domain": "localhost",
        "platform": None,
        "category": "unknown",
        "before_consent": True,
        "declared": False,
    }
    assert pref["page"] == clean.page("/about")
    ga = clean.record("cookies", "name", "_ga")
    assert (ga["platform"], ga["category"], ga["before_consent"], ga["declared"]) == (
        "Google Analytics 4",
        "analytics",
        False,
        True,
    )
    consent = clean.record("cookies", "name", "banner_consent")
    assert (consent["category"], consent["before_consent"], consent["declared"]) == (
        "essential",
        False,
        True,
    )
    cart = clean.record("storage", "key", "fixture_cart")
    assert (cart["area"], cart["category"], cart["before_consent"]) == ("local", "unknown", True)


def test_a_guardian_site_is_scanned_after_consent_too(tmp_path: Path) -> None:
    """On a children = "guardian" site, "accept all" grants only with the age box ticked."""
    scanned = scan_fixture(tmp_path, "--pages", "2", guardian=True)
    assert scanned.result.returncode == 0, scanned.result.stderr
    after = [r for r in scanned.report["requests"] if not r["before_consent"]]
    assert any(r["platform"] for r in after), scanned.report["requests"]


def test_requests_before_and_after_consent(clean: Scanned) -> None:
    loader = next(r for r in clean.report["requests"] if r["url"].endswith("/loader.js"))
    assert (loader["platform"], loader["category"], loader["before_consent"]) == (
        "banner",
        "essential",
        True,
    )
    collect = clean.record("requests", "host", "www.google-analytics.com")
    assert collect["url"] == "https://www.google-analytics.com/g/collect?v=&tid=&cid="
    assert (collect["category"], collect["before_consent"]) == ("analytics", False)
    assert not any(r["host"] == "external.example" for r in clean.report["requests"])


def test_undeclared_and_stale_compare_with_the_declaration(clean: Scanned) -> None:
    undeclared = {c["name"] for c in clean.report["undeclared"]}
    assert undeclared == {"fixture_pref", "_fbp", ODD_COOKIE}
    assert clean.report["stale"] == [{"name": "old_campaign", "category": "analytics"}]
    assert "undeclared: fixture_pref, _fbp" in clean.result.stdout.replace(f", {ODD_COOKIE}", "")


def test_the_proposal_is_toml_that_check_config_accepts_pasted(clean: Scanned) -> None:
    text = (clean.out / "cookies.toml").read_text(encoding="utf-8")
    entries = tomllib.loads(text)["sites"]["fixture"]["cookies"]
    assert [e["name"] for e in entries] == ["_fbp", "_ga"]
    assert entries[1]["purpose"] == {"id": "Membedakan pengunjung", "en": "Distinguishes visitors"}
    assert (
        entries[0]["provider"] == "Meta Platforms, Inc." and entries[0]["category"] == "analytics"
    )
    assert '# name = "fixture_pref"' in text
    assert all(line.startswith("#") for line in text.splitlines() if ODD_COOKIE in line)
    base = clean.fixture.config.read_text(encoding="utf-8").split("[[sites.fixture.cookies]]")[0]
    pasted = clean.out / "pasted.toml"
    pasted.write_text(base + "\n" + text, encoding="utf-8")
    check = subprocess.run(
        [sys.executable, "-m", "banner", "check-config", "--config", str(pasted)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_the_html_report_escapes_what_the_site_wrote(clean: Scanned) -> None:
    html = (clean.out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Laporan pemindaian cookie" in html and "Cookie scan report" in html


def test_save_stores_the_report_for_the_dashboard(clean: Scanned) -> None:
    config = load_config(clean.fixture.config)
    log = ConsentLog(config.database_url)
    try:
        stored = latest_scan(log, "fixture")
    finally:
        log.dispose()
    assert stored is not None
    proposed = (clean.out / "cookies.toml").read_text(encoding="utf-8")
    assert stored.report == {**clean.report, "proposed_toml": proposed}
    assert stored.violations == 0
    assert stored.url == clean.fixture.url


def test_an_unreachable_site_exits_3(tmp_path: Path) -> None:
    result = banner_scan(f"http://127.0.0.1:{free_port()}/", "--output", str(tmp_path / "o"))
    assert result.returncode == 3
    assert result.stderr.startswith("Error: site unreachable: http://127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["ftp://toko.example/"], "http(s) URL"),
        (["javascript:alert(1)"], "http(s) URL"),
        (["http://localhost:9/", "--pages", "0"], "--pages"),
        (["http://localhost:9/", "--pages", "many"], "--pages"),
        (["http://localhost:9/", "--timeout", "-5"], "--timeout"),
        (["http://localhost:9/", "--site", "nosuch", "--config", "CONFIG"], "--site"),
        (["http://localhost:9/", "--site", "x", "--config", "/nonexistent.toml"], "nonexistent"),
        (["http://localhost:9/", "--save"], "--save"),
        (["http://localhost:9/", "--save", "--config", "CONFIG"], "--save"),
        (["http://localhost:9/", "--route", "evil"], "HOST=URL"),
        (["http://localhost:9/", "--route", "x.example=file:///etc/passwd"], "http(s) origin"),
        (["http://localhost:9/", "--output", "FILE"], "--output"),
        (["http://localhost:9/", "--bogus"], "--bogus"),
    ],
)
def test_bad_arguments_exit_2_on_one_line(args: list[str], names: str, tmp_path: Path) -> None:
    config = tmp_path / "banner.toml"
    config.write_text(_minimal_config(), encoding="utf-8")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    args = [{"CONFIG": str(config), "FILE": str(tmp_path / "file")}.get(a, a) for a in args]
    result = (
        banner_scan(*args, "--output", str(tmp_path / "out"))
        if "--output" not in args
        else banner_scan(*args)
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error:") and names in error


def test_a_missing_browser_or_playwright_exits_2_and_says_how_to_fix_it(tmp_path: Path) -> None:
    missing = banner_scan("http://localhost:9/", env={"BANNER_CHROMIUM": "/nonexistent/chromium"})
    assert missing.returncode == 2
    assert (
        missing.stderr.strip()
        == "Error: BANNER_CHROMIUM='/nonexistent/chromium' is not an executable file"
    )
    shadow = tmp_path / "shadow" / "playwright"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        "raise ImportError('no playwright here')\n", encoding="utf-8"
    )
    root = str(Path(__file__).resolve().parents[2])
    no_playwright = banner_scan(
        "http://localhost:9/", env={"PYTHONPATH": f"{shadow.parent}{os.pathsep}{root}"}
    )
    assert no_playwright.returncode == 2
    assert no_playwright.stderr.strip() == (
        "Error: the scanner needs Playwright: pip install 'banner-consent[scan]'"
    )


def _minimal_config() -> str:
    return """
[banner]
secret_keys = ["key-0123456789abcdef0123456789abcdef"]

[sites.fixture]
name = "Toko Fixture"
origins = ["http://localhost:9"]
privacy_policy_url = "https://www.fixture.co.id/privasi"
"""


def test_the_demo_shop_has_no_violation_and_gets_its_own_declaration_back(
    tmp_path: Path,
) -> None:
    from tests.scan.demo import running_demo

    with running_demo(tmp_path) as demo:
        out = tmp_path / "out"
        args = ["--config", str(demo.config), "--site", "tokodemo", "--output", str(out)]
        result = banner_scan(demo.url, *args, "--json", *demo.routes)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["violations"], summary["undeclared"], summary["stale"]) == ([], [], [])
    proposed = tomllib.loads((out / "cookies.toml").read_text(encoding="utf-8"))
    declared = demo.document["sites"]["tokodemo"]["cookies"]
    assert proposed["sites"]["tokodemo"]["cookies"] == sorted(declared, key=lambda c: c["name"])


def test_the_total_time_limit_ends_the_scan_early_and_says_so(tmp_path: Path) -> None:
    scanned = scan_fixture(tmp_path, "--pages", "40", "--timeout", "8", "--json")
    if scanned.result.returncode == 3:  # a very loaded machine: not even one page in time
        assert "no page opened within --timeout" in scanned.result.stderr
        return
    assert scanned.result.returncode == 0, scanned.result.stderr
    assert scanned.report["complete"] is False
    assert 1 <= len(scanned.report["pages"]) < 40
    assert json.loads(scanned.result.stdout)["complete"] is False


def test_a_page_that_keeps_the_browser_busy_cannot_hang_the_scan(tmp_path: Path) -> None:
    busy = "<script>addEventListener('load', () => setTimeout(() => { for (;;) {} }, 50));</script>"
    options = ("--pages", "5", "--timeout", "10", "--page-timeout", "2")
    scanned = scan_fixture(tmp_path, *options, start="busy", **{"/busy": busy})
    assert scanned.result.returncode == 3
    assert scanned.result.stderr.startswith("Error: site unreachable: ")
    assert "did not end within --timeout plus 14 s" in scanned.result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal is for root, as in a container")
def test_as_root_the_scan_refuses_to_run_without_the_sandbox_unless_told(tmp_path: Path) -> None:
    refused = banner_scan("http://localhost:9/", "--output", str(tmp_path / "o"), sandbox=True)
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("Error: Chromium cannot sandbox the scanned site's scripts here")
    assert "running as root" in line and "--unsafe-no-sandbox" in line and "keys" in line
    assert not (tmp_path / "o").exists()


GTM_PAGE = '<script src="https://www.googletagmanager.com/gtm.js?id=GTM-FIX1234"></script>'
GTM_CONFIG = """
[sites.fixture.trackers.gtm]
container_id = "GTM-FIX1234"
category = "analytics"

[[sites.fixture.cookies]]
name = "_gcl_au"
provider = "Google"
category = "analytics"
duration = { id = "3 bulan", en = "3 months" }
purpose = { id = "Mengukur iklan", en = "Measures ads" }
"""


@pytest.mark.parametrize(
    ("route", "outcome"),
    [("block", "net::ERR_BLOCKED_BY_CLIENT"), ("fake", "HTTP 503")],
    ids=["blocked", "http-503"],
)
def test_a_tag_manager_that_fails_to_load_makes_its_cookies_not_observable(
    tmp_path: Path, route: str, outcome: str
) -> None:
    with running_fixture(tmp_path, **{"/gtm": GTM_PAGE}) as fixture:
        with fixture.config.open("a", encoding="utf-8") as config:
            config.write(GTM_CONFIG)
        fake = f"http://127.0.0.1:{fixture.trackers.server.port}"
        gtm = [f"--route=www.googletagmanager.com={fake}"] if route == "fake" else []
        out = tmp_path / "out"
        args = [fixture.url + "gtm", "--config", str(fixture.config), "--site", "fixture"]
        result = banner_scan(*args, "--pages", "1", "--output", str(out), *gtm, *fixture.routes())
    assert result.returncode == 1, result.stderr  # gtm.js before consent is a violation
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    script = "https://www.googletagmanager.com/gtm.js?id="
    [failed] = [f for f in report["failed_scripts"] if f["url"] == script]
    assert failed["platform"] == "Google Tag Manager"
    assert failed["outcome"].startswith(outcome)  # blocked: "net::ERR_BLOCKED_BY_CLIENT.Inspector"
    hidden = {c["name"]: c for c in report["not_observable"]}
    assert set(hidden) == {"_ga", "_gcl_au", "old_campaign"}
    assert hidden["_gcl_au"]["platform"] == "Google Tag Manager"
    assert report["stale"] == []
    assert "not observable (their tracker's script did not load): " in result.stdout
    assert f"tracker script did not load: {script} (Google Tag Manager): {outcome}" in (
        result.stdout
    )
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Pelacak yang tidak termuat" in html or "did not load" in html


def test_without_a_config_gtm_js_is_google_tag_manager(tmp_path: Path) -> None:
    with running_fixture(tmp_path, **{"/gtm": GTM_PAGE}) as fixture:
        out = tmp_path / "out"
        result = banner_scan(
            fixture.url + "gtm", "--pages", "1", "--output", str(out), *fixture.routes()
        )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    [gtm] = [r for r in report["requests"] if "gtm.js" in r["url"]]
    assert (gtm["platform"], gtm["category"]) == ("Google Tag Manager", "analytics")
    assert gtm["outcome"].startswith("net::ERR_BLOCKED_BY_CLIENT")  # every script's outcome
    assert result.returncode == 1 and report["not_observable"] == []


HOSTILE_PAGE = (
    "<script>localStorage.setItem('lone\\ud800key', '1');"
    " localStorage.setItem('esc\\u001b[2Jkey', '1');"
    " sessionStorage.setItem('bidi\\u202etxt.exe', '1');</script>"
    + "".join(f'<a href="/deep/{n % 40 + 1}?v={n}">x</a>' for n in range(3000))
)


def test_hostile_storage_keys_and_many_links_make_a_report_and_a_clean_terminal(
    tmp_path: Path,
) -> None:
    """A lone surrogate crashed the scan (exit 1, empty report); escapes reached the terminal."""
    scanned = scan_fixture(tmp_path, "--pages", "3", start="hostile", **{"/hostile": HOSTILE_PAGE})
    assert scanned.result.returncode == 0, scanned.result.stderr
    keys = {s["key"] for s in scanned.report["storage"]}
    assert {"lone\\ud800key", "esc\\x1b[2Jkey", "bidi\\u202etxt.exe"} <= keys
    for text in (scanned.result.stdout, scanned.result.stderr):
        assert "\x1b" not in text and "\u202e" not in text
    html = (scanned.out / "report.html").read_text(encoding="utf-8")
    assert "\x1b" not in html and "esc\\x1b[2Jkey" in html
    assert len(scanned.report["pages"]) == 3
