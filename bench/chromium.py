"""Debian's Chromium through Playwright: one fresh, throttled context per run.

Tracker hosts are answered locally (there is no internet) and every
attempted request is recorded.
"""

from __future__ import annotations

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


@contextmanager
def visit(
    browser: Any, throttle: float = 4, cookies: list[dict[str, Any]] | None = None
) -> Iterator[Visit]:
    """A fresh context and page, CPU throttled x``throttle``, probe installed."""
    context = browser.new_context(locale="id-ID")
    try:
        for host in TRACKER_HOSTS:
            context.route(f"**://*.{host}/**", _stub_tracker)
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.add_init_script(path=str(WATCH))
        page.add_init_script(path=str(GONE))
        found = Visit(page, cdp)
        page.on("request", lambda request: found.requests.append(request))
        yield found
    finally:
        context.close()
