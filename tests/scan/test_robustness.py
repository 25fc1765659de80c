"""What a hostile or broken page can send the scanner: names, values, storage keys and
link counts it chose. Whatever they are, the scan records them escaped, writes its
three files and prints lines that cannot drive a terminal (issue 26, item 14)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banner.cli.scan import _human
from banner.core.config import parse_config
from banner.scan import crawl
from banner.scan.chromium import NO_SANDBOX, OPT_OUT, SandboxUnavailable, launch_flags
from banner.scan.classify import Classifier
from banner.scan.cookie_db import load
from banner.scan.crawl import Frontier
from banner.scan.observations import AFTER, BEFORE, PageVisit, PassResult, printable
from banner.scan.report import ScanInput, build_report
from banner.scan.scanner import write_outputs
from banner.scan.session import Pass
from tests.factories import document

HOME = "https://www.toko.co.id/"
SITE = parse_config(document("sqlite://"), "t.toml", {}).sites["tokodemo"]
#: Every code point, lone surrogates, controls and bidi overrides included.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
HOSTILE_CHAR = st.sampled_from(
    ["\x1b", "\x00", "\r", "\x9b", "\ud800", "\udfff", "\u202e", "\u2066"]
)
NAMES = st.text(st.one_of(ANY_CHAR, HOSTILE_CHAR), max_size=40)


def unsafe(text: str) -> list[str]:
    """Characters no terminal line or UTF-8 file should get from a page."""
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c != "\n"]


class FakeContext:
    def __init__(self, cookies: list[dict[str, Any]]) -> None:
        self._cookies = cookies

    def cookies(self) -> list[dict[str, Any]]:
        return self._cookies


class FakePage:
    def __init__(self, local: list[Any], session: list[Any]) -> None:
        self._areas = [local, session]

    def evaluate(self, _script: str) -> list[list[Any]]:
        return self._areas


def observed(number: int, names: list[str], values: list[str], keys: list[str]) -> PassResult:
    state = Pass(PassResult(number, [PageVisit(HOME, 200)]), HOME.rstrip("/"), 1e18, HOME)
    cookies = [
        {"name": n, "value": v, "domain": n[:5], "path": "/" + n[:3], "expires": -1}
        for n, v in zip(names, values, strict=False)
    ]
    state.record_cookies(FakeContext(cookies))  # type: ignore[arg-type]
    state.record_storage(FakePage(keys, [*keys[:2], 7, None]))  # type: ignore[arg-type]
    state.result.scripts[printable("https://evil.example/" + "".join(names)[:20])] = "HTTP 500"
    return state.result


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(NAMES, max_size=8),
    values=st.lists(NAMES, max_size=8),
    keys=st.lists(NAMES, max_size=8),
)
def test_any_names_values_and_keys_make_a_report_and_a_clean_terminal(
    names: list[str],
    values: list[str],
    keys: list[str],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    passes = [observed(BEFORE, names, values, keys), observed(AFTER, names, values, keys)]
    scan = ScanInput(HOME, SITE, datetime(2026, 12, 1, tzinfo=UTC), 1.0, {"pages": 1})
    report = build_report(scan, passes, Classifier(load(), SITE))
    written = write_outputs(report, SITE, tmp_path_factory.mktemp("out"))
    for path in written:
        assert not unsafe(path.read_text(encoding="utf-8").replace("\t", ""))
    _human(report, written)
    out = capsys.readouterr().out
    assert not unsafe(out)
    local, session = ({printable(k, 256) for k in area} for area in (keys, keys[:2]))
    assert len(report["storage"]) == len(local) + len(session)
    assert {c["name"] for c in report["cookies"]} == {printable(n) for n in names[: len(values)]}


@pytest.mark.parametrize(
    ("raw", "recorded"),
    [
        ("_ga", "_ga"),
        ("x\x1b[2J", "x\\x1b[2J"),
        ("\ud800key", "\\ud800key"),
        ("nama\u202etxt.exe", "nama\\u202etxt.exe"),
        ("é中文", "é中文"),
    ],
)
def test_what_the_scan_records_of_a_name(raw: str, recorded: str) -> None:
    assert printable(raw) == recorded
    printable(raw).encode("utf-8")  # never a lone surrogate


class Counted(str):
    """A URL that counts how often it is compared for equality."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        Counted.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


@given(count=st.integers(min_value=0, max_value=3000), repeats=st.integers(1, 3))
@settings(max_examples=15, deadline=None)
def test_collecting_links_compares_each_link_a_bounded_number_of_times(
    count: int, repeats: int
) -> None:
    original = crawl.normalise
    crawl.normalise = lambda url: Counted(original(url) or "")  # type: ignore[assignment]
    Counted.compared = 0
    try:
        frontier = Frontier(HOME, 10)
        links = [f"{HOME}produk/{n}" for n in range(count)] * repeats
        frontier.add(links)
        compared = Counted.compared
    finally:
        crawl.normalise = original
    assert len(frontier.found) == count + 1
    assert frontier.found[1:] == [f"{HOME}produk/{n}" for n in range(count)]
    # a list would compare each new link with every one found before it
    assert compared <= 2 * len(links) + 2


@pytest.mark.parametrize("link", [f"{HOME}a\x1b[0m", f"{HOME}\ud800", f"{HOME}x\u202e"])
def test_a_link_with_characters_no_url_has_is_not_followed(link: str) -> None:
    frontier = Frontier(HOME, 10)
    frontier.add([link])
    assert frontier.found == [HOME]


def test_the_sandbox_stays_on_unless_the_operator_opts_out() -> None:
    assert NO_SANDBOX not in launch_flags(True, euid=1000)
    assert launch_flags(False, euid=0)[0] == NO_SANDBOX
    with pytest.raises(SandboxUnavailable) as refused:
        launch_flags(True, euid=0)
    message = str(refused.value)
    assert "\n" not in message and OPT_OUT in message and "root" in message


def test_the_scanners_outputs_are_written_where_asked(tmp_path: Path) -> None:
    """A control in an output folder's parent is the operator's own: not escaped."""
    passes = [observed(BEFORE, ["a"], ["b"], ["c"])]
    scan = ScanInput(HOME, None, datetime(2026, 12, 1, tzinfo=UTC), 1.0, {"pages": 1})
    report = build_report(scan, passes, Classifier(load(), None))
    assert [p.name for p in write_outputs(report, None, tmp_path / "o")] == [
        "report.json",
        "report.html",
        "cookies.toml",
    ]
