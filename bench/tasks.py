"""Whose long tasks: Chromium traces of first visits, each main-thread task of ours named.

Several commits, each served as ``bench.paired`` serves it, visited round-robin
in one Chromium at CPU x4, each first visit traced (``devtools.timeline`` with
stacks, ``fonts``, ``v8.execute``, ``toplevel``) until the banner is visible
and 600 ms more. A task of the renderer's main thread is ours when it lays
out the banner (a ``Layout`` of 20 or more objects once the gate ran), else
when it runs the gate (``loader.js``) or the UI (``ui.<hash>.js``); timers and
frame callbacks of those are their "later tasks". ``bench.browser`` counts
every long task of the page, the harness's and the page's own first layout
included; this names ours.

Run: ``.venv/bin/python -m bench.tasks ROUNDS REV [REV ...]``
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import browser, chromium, paired, peers
from bench.figures import Spread
from bench.table import markdown

CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.stack",
    "fonts",
    "v8.execute",
    "toplevel",
]
TASK = "ThreadControllerImpl::RunTask"
FONTS = "FontCache::GetFontPlatformData"
#: A banner's first layout touches this many objects or more (the bar has 38).
BANNER_OBJECTS = 20
SCRIPT_EVENTS = ("EvaluateScript", "FunctionCall", "TimerFire", "v8.compile")

Event = dict[str, Any]


def url_of(event: Event) -> str:
    """The script's URL an event names (empty for a script without one)."""
    data = event.get("args", {}).get("data", {})
    return str(data.get("url") or data.get("scriptName") or "")


def is_banner_layout(event: Event) -> bool:
    objects = event.get("args", {}).get("beginData", {}).get("dirtyObjects", 0)
    return event["name"] == "Layout" and objects >= BANNER_OBJECTS


def _kind(inner: list[Event]) -> str | None:
    """Whose task this is: the banner's layout, the gate, the UI (or a later task of them)."""
    if any(is_banner_layout(e) for e in inner):
        return "layout"
    for event in inner:
        url = url_of(event)
        if "/s/" in url and event["name"] in SCRIPT_EVENTS:
            kind = "gate" if "loader.js" in url else "ui"
            return kind + (" later" if event["name"] in ("FunctionCall", "TimerFire") else "")
    return None


def outermost(events: list[Event]) -> Iterable[Event]:
    """The events not inside another of ``events`` (nested calls counted once)."""
    for e in events:
        end = e["ts"] + e["dur"]
        if not any(o is not e and o["ts"] <= e["ts"] and end <= o["ts"] + o["dur"] for o in events):
            yield e


def our_tasks(trace: bytes) -> dict[str, list[float]]:
    """Milliseconds of each of our tasks by kind, and the banner layout's share."""
    events: list[Event] = json.loads(trace)["traceEvents"]
    gates = [e for e in events if e.get("name") == "EvaluateScript" and "/loader.js" in url_of(e)]
    if not gates:
        return {}
    thread, start = (gates[0]["pid"], gates[0]["tid"]), gates[0]["ts"]
    mine = [e for e in events if (e.get("pid"), e.get("tid")) == thread and "dur" in e]
    found: dict[str, list[float]] = {}
    for task in (e for e in mine if e["name"] == TASK and e["ts"] + e["dur"] >= start):
        end = task["ts"] + task["dur"]
        inner = [e for e in mine if task["ts"] <= e["ts"] <= end and e is not task]
        kind = _kind(inner)
        if kind is None:
            continue
        found.setdefault(kind, []).append(task["dur"] / 1000)
        if kind == "layout":
            layouts = [e for e in inner if e["name"] == "Layout"]
            fonts = list(outermost([e for e in inner if e["name"] == FONTS]))
            found.setdefault("of it layout", []).append(sum(e["dur"] for e in layouts) / 1000)
            found.setdefault("of it fonts", []).append(sum(e["dur"] for e in fonts) / 1000)
    return found


def traced(launched: Any, url: str, ready: str = browser.VISIBLE) -> bytes:
    """A Chromium trace of a first visit of ``url``, until ``ready`` holds and 600 ms more."""
    with chromium.visit(launched, browser.THROTTLE) as visit:
        launched.start_tracing(page=visit.page, categories=CATEGORIES)
        visit.page.goto(url, wait_until="load", timeout=browser.TIMEOUT_MS)
        visit.page.wait_for_function(ready, polling=100, timeout=browser.TIMEOUT_MS)
        visit.page.wait_for_timeout(600)
        trace: bytes = launched.stop_tracing()
        return trace


def trace_visit(launched: Any, url: str) -> dict[str, list[float]]:
    return our_tasks(traced(launched, url))


ROWS = {
    "gate": "the gate's first task",
    "gate later": "the gate's later tasks, longest",
    "ui": "`ui.js`'s task (without the banner's layout)",
    "layout": "the task that lays the banner out",
    "of it layout": "of it, `Layout`",
    "of it fonts": f"of the layout, `{FONTS}`",
    "ui later": "the UI's later tasks, longest",
    "ours": "our longest task",
}


def _longest(visit: dict[str, list[float]]) -> float:
    """The longest of our tasks in one visit (the layout's parts are inside one)."""
    return max((max(v) for k, v in visit.items() if not k.startswith("of it")), default=0.0)


def _figure(visits: list[dict[str, list[float]]], row: str) -> str:
    if row == "ours":
        values = [_longest(f) for f in visits]
    elif row == "gate":
        values = [f[row][0] for f in visits if row in f]
    else:
        values = [max(f[row]) for f in visits if row in f]
    return Spread.of(values).show(0) if values else "—"


def table(found: dict[str, list[dict[str, list[float]]]]) -> str:
    rows = [[label, *(_figure(found[rev], row) for rev in found)] for row, label in ROWS.items()]
    over = [
        f"{sum(_longest(f) > 50 for f in visits)} of {len(visits)}" for visits in found.values()
    ]
    rows.append(["visits with a task of ours over 50 ms", *over])
    return markdown(["task (ms, median (min-max))", *found], rows)


def main(argv: list[str]) -> None:
    rounds = int(argv[0])
    revs = [paired.short(rev) for rev in argv[1:]]
    peers.install()
    started = time.strftime("%H:%M", time.gmtime())
    with ExitStack() as stack:
        pages = {}
        for rev in revs:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="banner-tasks-")))
            pages[rev] = stack.enter_context(paired.served(rev, folder))["shop"] + "/banner.html"
        found, loads = paired.round_robin(pages, rounds, lambda b, _, url: trace_visit(b, url))
    print(f"{rounds} traced first visits each, {started}-{time.strftime('%H:%M', time.gmtime())}")
    print(f"UTC, CPU x{browser.THROTTLE}, load average {min(loads):.1f}-{max(loads):.1f}:\n")
    print(table(found))


if __name__ == "__main__":
    main(sys.argv[1:])
