"""Log hygiene against a real server: spoofed addresses and hostile user agents."""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from banner.cli.commands import main
from banner.web.log_lines import OneLineFormatter, escape
from tests.factories import SHOP_ORIGIN, url_notice_hash
from tests.processes import ServerProcess, write_config

pytestmark = pytest.mark.slow

SPOOFED = "6.6.6.6, 7.7.7.7"
MARKUP_UA = "Mozilla/5.0 <svg onload=alert(1)>"
HOSTILE_UA = "evil\r\nINFO forged line\x1b[31mred\x1b[0m <svg onload=alert(1)>"


def _post(url: str, user_agent: str) -> tuple[int, dict[str, str]]:
    body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}
    body["notice_hash"] = url_notice_hash(url)
    request = urllib.request.Request(
        url + "/api/v1/consent",
        data=json.dumps({**body, "page_path": "/x\u2028y"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": SHOP_ORIGIN,
            "X-Forwarded-For": SPOOFED,
            "User-Agent": user_agent,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_hostile_headers_leave_no_raw_ip_and_one_line_per_event(tmp_path: Path) -> None:
    database = tmp_path / "h.db"
    config = write_config(tmp_path / "banner.toml", f"sqlite:///{database}")
    server = ServerProcess(config, workers=1)
    try:
        escaped_status, _ = _post(server.url, HOSTILE_UA.replace("\r\n", " "))
        status, answer = _post(server.url, MARKUP_UA)
    finally:
        server.stop()
    assert escaped_status == 400  # control characters in a header: refused, nothing stored
    assert status == 201
    log_text = server.log_path.read_text(encoding="utf-8", errors="replace")
    for raw in ("6.6.6.6", "7.7.7.7"):
        assert raw not in log_text
        assert raw not in database.read_bytes().decode("latin-1")
    access = [line for line in log_text.splitlines() if "/api/v1/consent" in line]
    assert access and all("127.0.0.1" not in line for line in access)
    events = [line for line in log_text.splitlines() if "consent recorded" in line]
    assert len(events) == 1 and answer["consent_id"] in events[0]
    assert "\x1b" not in log_text
    [row] = sqlite3.connect(database).execute(
        "SELECT ip_masked, user_agent, page_path FROM consent_log"
    )
    assert row[0] == "127.0.0.0/24"  # proxy_count = 0: X-Forwarded-For is not trusted
    assert row[1] == MARKUP_UA and "\u2028" not in row[2]

    exported = CliRunner().invoke(
        main, ["log", "export", "--site", "tokodemo", "--config", str(config)]
    )
    [record] = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert record["user_agent"] == MARKUP_UA  # kept as text; the pages escape it as markup


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a\r\nb", "a\\r\\nb"), ("\x1b[31m", "\\x1b[31m"), ("<svg>", "<svg>"), ("ok", "ok")],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # the development server's own colours are dropped, not printed as \x1b[31m
        ("werkzeug", 'werkzeug: "GET /s HTTP/1.1" 404 -'),
        # anyone else's escape codes stay escaped (they may come from a visitor)
        ("banner", 'banner: "GET /s HTTP/1.1" \\x1b[33m404\\x1b[0m -'),
    ],
)
def test_dev_server_colours(name: str, expected: str) -> None:
    formatter = OneLineFormatter("%(name)s: %(message)s")
    args = ("GET /s HTTP/1.1", "\x1b[33m404\x1b[0m", "-")
    record = logging.LogRecord(name, logging.INFO, __file__, 1, '"%s" %s %s', args, None)
    assert formatter.format(record) == expected
