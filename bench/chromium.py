"""Debian's Chromium through Playwright: one fresh, throttled context per run.

Tracker hosts are answered locally (there is no internet) and every
attempted request is recorded. Playwright's routes switch Chromium's HTTP cache
off; a visit that needs the cache (``cached``) has the tracker hosts answered
through DevTools' Fetch domain instead, which leaves it on.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TRACKER_HOSTS = ("googletagmanager.com", "google-analytics.com", "facebook.net", "facebook.com")
#: What a tracker host answers a script request with (``cached`` visits: never stored).
STUB_SCRIPT = b"/* stub tracker */"
STUB_HEADERS = [
    {"name": "Content-Type", "value": "application/javascript"},
    {"name": "Cache-Control", "value": "no-store"},
]
WATCH = Path(__file__).resolve().parent / "pages" / "watch.js"
#: Click to gone and long tasks (``pages/gone.js``).
GONE = Path(__file__).resolve().parent / "pages" / "gone.js"


@dataclass
class Visit:
    """One page in a fresh context, with its DevTools session and request log."""

    page: Any
    cdp: Any
    requests: list[Any] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        found = self.cdp.send("Performance.getMetrics")["metrics"]
        return {m["name"]: float(m["value"]) for m in found}

    def heap_after_gc(self) -> float:
        """Bytes of JS heap in use after a full garbage collection."""
        self.cdp.send("HeapProfiler.collectGarbage")
        return float(self.cdp.send("Runtime.getHeapUsage")["usedSize"])


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _stub_tracker(route: Any) -> None:
    body = "/* stub tracker */" if route.request.resource_type == "script" else ""
    route.fulfill(status=200, content_type="application/javascript", body=body)


def answer_trackers(cdp: Any) -> None:
    """Tracker hosts answered on the page of DevTools session ``cdp`` (Fetch domain):
    unlike Playwright's routes, the HTTP cache stays on."""

    def paused(event: dict[str, Any]) -> None:
        script = event.get("resourceType") == "Script"
        answer = {"requestId": event["requestId"], "responseCode": 200}
        answer["responseHeaders"] = STUB_HEADERS
        answer["body"] = base64.b64encode(STUB_SCRIPT if script else b"").decode()
        cdp.send("Fetch.fulfillRequest", answer)

    cdp.on("Fetch.requestPaused", paused)
    patterns = [{"urlPattern": f"*://*.{host}/*"} for host in TRACKER_HOSTS]
    cdp.send("Fetch.enable", {"patterns": patterns})


@contextmanager
def visit(
    browser: Any,
    throttle: float = 4,
    cookies: list[dict[str, Any]] | None = None,
    cached: bool = False,
) -> Iterator[Visit]:
    """A fresh context and page, CPU throttled x``throttle``, probe installed.

    :param cached: keep Chromium's HTTP cache on (tracker hosts answered through
        DevTools, :func:`answer_trackers`), for a page visited twice in the context.
    """
    context = browser.new_context(locale="id-ID")
    try:
        for host in () if cached else TRACKER_HOSTS:
            context.route(f"**://*.{host}/**", _stub_tracker)
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        if cached:
            answer_trackers(cdp)
        cdp.send("Performance.enable")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.add_init_script(path=str(WATCH))
        page.add_init_script(path=str(GONE))
        found = Visit(page, cdp)
        page.on("request", lambda request: found.requests.append(request))
        yield found
    finally:
        context.close()
