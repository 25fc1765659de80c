"""bench.tracker_start's pure parts: its arguments, its page, its recording and its tables.

The timings themselves are the bench's (never a test's); these check that the page is
the ``benchmix`` gate, that the service's GETs are counted as the tables say (bodies
fetched over the network, nothing for the cache or a 304) and that each commit's row
takes its figures from its own visits.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from bench import chromium, deployment, shop, tracker_start
from bench.tracker_start import DIRECT, REFUSED, Fetched, Recorder, Seen, View
from bench.weight import Weight

SERVICE = "http://127.0.0.1:9"


class FakeSession:
    """A DevTools session: what was sent, the handlers, a body per request."""

    def __init__(self, bodies: dict[str, dict[str, Any]] | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any] | None]] = []
        self.handlers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.bodies = bodies or {}

    def on(self, event: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self.handlers[event] = handler

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.sent.append((method, params))
        if method == "Network.getResponseBody":
            assert params is not None
            return self.bodies[params["requestId"]]
        return {}

    def emit(self, event: str, **params: Any) -> None:
        self.handlers[event](params)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["9", "HEAD"], (9, ["HEAD"])),
        (["3", "HEAD~3", "HEAD", "730bbaa"], (3, ["HEAD~3", "HEAD", "730bbaa"])),
    ],
)
def test_the_arguments_are_rounds_then_commits(
    argv: list[str], expected: tuple[int, list[str]]
) -> None:
    assert tracker_start.arguments(argv) == expected


@pytest.mark.parametrize("argv", [[], ["9"], ["HEAD", "9"], ["0", "HEAD"], ["-1", "HEAD"]])
def test_arguments_without_rounds_or_a_commit_stop_with_the_usage(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="ROUNDS REV"):
        tracker_start.arguments(argv)


def test_the_page_is_the_gate_of_the_mix_site() -> None:
    body = shop.page(tracker_start.PAGE, SERVICE)
    assert body is not None
    text = body.decode()
    assert f'src="{SERVICE}/s/{deployment.MIX_SITE}/loader.js"' in text
    assert "SERVICE_URL" not in text and "googletagmanager" not in text
    assert tracker_start.PAGE_FILE.endswith(f"{tracker_start.PAGE}.head.html")


def test_a_label_is_the_path_below_the_sites_folder() -> None:
    site = deployment.MIX_SITE
    assert tracker_start.label(f"{SERVICE}/s/{site}/loader.js", SERVICE) == "loader.js"
    assert tracker_start.label(f"{SERVICE}/s/{site}/ui.0a.ga4.js", SERVICE + "/") == "ui.0a.ga4.js"
    assert tracker_start.label(f"{SERVICE}/api/v1/verify", SERVICE) == "/api/v1/verify"


def _request(session: FakeSession, rid: str, url: str, method: str = "GET") -> None:
    session.emit("Network.requestWillBeSent", requestId=rid, request={"url": url, "method": method})


def test_the_recorder_counts_bodies_from_the_network_only() -> None:
    gate, chunk = b"(function(){/* gate */})()" * 20, "/* chunk */"
    bodies = {
        "1": {"body": base64.b64encode(gate).decode(), "base64Encoded": True},
        "2": {"body": chunk, "base64Encoded": False},
    }
    session = FakeSession(bodies)
    recorder = Recorder(session, SERVICE)
    assert ("Network.enable", None) in session.sent
    site = f"{SERVICE}/s/{deployment.MIX_SITE}"
    _request(session, "1", f"{site}/loader.js")
    _request(session, "2", f"{site}/ui.0a.meta_pixel.js")
    _request(session, "3", f"{site}/ui.0a.js")
    _request(session, "4", f"{site}/loader.js")
    _request(session, "5", f"{SERVICE}/api/v1/consent", "POST")
    _request(session, "6", "http://localhost:8/banner-mix.html")
    for rid, status, wire in (("1", 200, 900), ("2", 200, 300), ("3", 200, 0), ("4", 304, 150)):
        session.emit("Network.responseReceived", requestId=rid, response={"status": status})
        session.emit("Network.loadingFinished", requestId=rid, encodedDataLength=wire)
    session.emit("Network.requestServedFromCache", requestId="3")
    found = recorder.take()
    assert [(f.label, f.source, f.wire) for f in found] == [
        ("loader.js", "network", 900),
        ("ui.0a.meta_pixel.js", "network", 300),
        ("ui.0a.js", "cache", 0),
        ("loader.js", "304", 150),
    ]
    assert found[0].brotli == Weight.of("gate", [("gate", gate)]).brotli
    assert found[1].brotli == Weight.of("chunk", [("chunk", chunk.encode())]).brotli
    assert found[2].brotli == found[3].brotli == 0
    assert recorder.take() == ()  # each view its own


def test_a_response_from_the_disk_cache_is_the_cache() -> None:
    session = FakeSession()
    recorder = Recorder(session, SERVICE)
    _request(session, "1", f"{SERVICE}/s/x/loader.js")
    response = {"status": 200, "fromDiskCache": True}
    session.emit("Network.responseReceived", requestId="1", response=response)
    session.emit("Network.loadingFinished", requestId="1", encodedDataLength=0)
    assert recorder.take() == (Fetched("/s/x/loader.js", "cache", 0, 0),)
    assert not any(method == "Network.getResponseBody" for method, _ in session.sent)


def test_tracker_hosts_are_answered_through_devtools_and_never_stored() -> None:
    session = FakeSession()
    chromium.answer_trackers(session)
    method, params = session.sent[-1]
    assert method == "Fetch.enable" and params is not None
    patterns = [p["urlPattern"] for p in params["patterns"]]
    assert "*://*.googletagmanager.com/*" in patterns and "*://*.facebook.net/*" in patterns
    session.emit("Fetch.requestPaused", requestId="7", resourceType="Script")
    method, answer = session.sent[-1]
    assert method == "Fetch.fulfillRequest" and answer is not None
    assert answer["requestId"] == "7" and answer["responseCode"] == 200
    assert base64.b64decode(answer["body"]) == chromium.STUB_SCRIPT
    assert {"name": "Cache-Control", "value": "no-store"} in answer["responseHeaders"]


def _fetched(*brotli: int) -> tuple[Fetched, ...]:
    return tuple(Fetched(f"f{n}", "network", b, b + 100) for n, b in enumerate(brotli))


def _found() -> dict[str, list[Seen]]:
    direct = [Seen(View(100.0, None), View(40.0, None)), Seen(View(120.0, None), View(60.0, None))]
    chunked = [
        Seen(View(300.0, 400.0, _fetched(2500, 300)), View(100.0, 110.0, ())),
        Seen(View(320.0, 420.0, _fetched(2500, 300)), View(110.0, 130.0, ())),
    ]
    inside = [
        Seen(View(250.0, 260.0, _fetched(2700)), View(90.0, None, ())),
        Seen(View(270.0, 280.0, _fetched(2700)), View(100.0, None, ())),
    ]
    refused = [Seen(View(None, None, _fetched(2500))), Seen(View(None, None, _fetched(2500)))]
    return {
        DIRECT: direct,
        "aaaaaaa": chunked,
        f"aaaaaaa {REFUSED}": refused,
        "bbbbbbb": inside,
        f"bbbbbbb {REFUSED}": refused,
    }


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()[2:]]


def test_the_table_gives_each_commit_its_own_figures_against_the_direct_page() -> None:
    text = tracker_start.table(_found(), ["aaaaaaa", "bbbbbbb"])
    header = text.splitlines()[0]
    assert "gtag.js asked at ms, cold" in header and "fbevents.js asked at ms, warm" in header
    direct, chunked, inside = _rows(text)
    assert direct[0] == DIRECT
    assert direct[1:5] == ["110 (100-120)", "1.00x", "50 (40-60)", "1.00x"]
    assert direct[5:] == ["—"] * 7
    assert chunked[0] == "aaaaaaa"
    assert chunked[1:5] == ["310 (300-320)", "2.82x", "105 (100-110)", "2.10x"]
    assert chunked[5:9] == ["410 (400-420)", "3.73x", "120 (110-130)", "2.40x"]
    assert chunked[9:] == ["2,800 (2,800-2,800)", "0 (0-0)", "2,500 (2,500-2,500)"]
    # a tracker never asked for on a warm view: a dash, not a zero
    assert inside[7:9] == ["—", "—"]
    assert inside[9] == "2,700 (2,700-2,700)"


def test_a_tracker_asked_for_in_some_views_only_says_how_many_never() -> None:
    found = _found()
    found["aaaaaaa"][1] = Seen(View(320.0, None, _fetched(2800)), View(110.0, 130.0))
    chunked = _rows(tracker_start.table(found, ["aaaaaaa", "bbbbbbb"]))[1]
    assert chunked[5] == "400 (400-400), 1 never"


def test_the_files_table_names_what_each_visitor_fetched_and_its_bytes() -> None:
    rows = _rows(tracker_start.files_table(_found(), ["aaaaaaa", "bbbbbbb"]))
    assert [r[:2] for r in rows[:3]] == [
        ["aaaaaaa", "granted, cold"],
        ["aaaaaaa", "granted, warm"],
        ["aaaaaaa", "refused, cold"],
    ]
    assert rows[0][2:] == [
        "f0 (network), f1 (network)",
        "2,800 (2,800-2,800)",
        "3,000 (3,000-3,000)",
        "100 (100-100)",
    ]
    assert rows[1][2:] == ["nothing", "0 (0-0)", "0 (0-0)", "15 (10-20)"]
    assert rows[2][5] == "—"  # refused: neither asked for
    assert rows[4][5] == "—"  # fbevents.js never asked for on a warm view
    assert rows[5][2] == "f0 (network)"


def test_a_view_sums_its_files() -> None:
    seen = View(1.0, 2.0, _fetched(10, 20))
    assert (seen.brotli, seen.wire) == (30, 230)
    assert (View(None, None).brotli, View(None, None).wire) == (0, 0)
