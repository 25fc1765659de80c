"""Browser cost: our banner and four peers against a page with no banner.

Debian's Chromium through Playwright, CPU throttled x4 through DevTools, a
fresh context per run, pages visited round-robin so noise spreads evenly.

First visit: time from navigation to banner visible (``pages/watch.js``),
script and task time added over the baseline page of the same round
(``Performance.getMetrics``), JS heap after a forced GC, requests made.
Then click to gone (``pages/gone.js``): the "Accept all" button is clicked
and the time runs to the first frame painted without the banner; and the
long tasks (over 50 ms) of the visit up to then. ``banner-eager`` is our
banner with its UI files preloaded by the page, so they arrive with the gate:
what drawing the first layer from the gate itself would gain at most.
Returning visitor (each banner's own consent cookie preset; ours a real
token from ``POST /api/v1/consent``, vouched for in localStorage as the gate
keeps it): time until the GA4 request is attempted, against a page that
loads GA4 directly; and ours once more with the cookie alone (its first page
view: the send chunk asks ``/api/v1/verify``).

Run: ``.venv/bin/python -m bench.browser [RUNS]``
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bench import chromium, deployment, peers, stack
from bench.figures import Spread, ratio
from bench.table import markdown

RUNS = 15
THROTTLE = 4
#: Metrics are read this long after the banner is visible (or after load).
SETTLE_MS = 1000
TIMEOUT_MS = 20_000
BASELINE = "baseline"
OURS = "banner"
EAGER = "banner-eager"
VCC = "vanilla-cookieconsent"
#: Page name (``pages/NAME.head.html``) and what the tables call it.
PAGES = {
    BASELINE: "no banner (baseline)",
    OURS: "banner (ours)",
    EAGER: "banner, UI arriving with the gate",
    VCC: "vanilla-cookieconsent 3.1.0",
    "orejime": "Orejime 3.2.1",
    "klaro": "Klaro! 0.7.22",
    "osano": "cookieconsent (Osano) 3.1.1",
}
#: Each banner's "Accept all" button on its first layer.
ACCEPT = {
    OURS: "[data-banner-accept]",
    EAGER: "[data-banner-accept]",
    VCC: '#cc-main .cm [data-role="all"]',
    "orejime": ".orejime-Banner .orejime-Button--save",
    "klaro": ".cookie-notice .cm-btn-success",
    "osano": ".cc-allow",
    # bench.visible_floor's bare script: our first layer's DOM, a click that only hides it
    "floor-bare": "[data-banner-accept]",
    "floor-bare-away": "[data-banner-accept]",
    # bench.drawn: the script's own bar (the drawn layer's buttons carry no attribute)
    "banner-drawn": ".bn:not(.bn-drawn) [data-banner-accept]",
}
GONE = "window.__benchGoneMs !== undefined"
#: The banner whose click is timed: the script's own bar where the page names one
#: (bench-takeover: bench.drawn's page, its first layer drawn in its HTML first).
DIALOG = (
    "(document.querySelector('meta[name=\"bench-takeover\"]')"
    " ?? document.querySelector('meta[name=\"bench-banner\"]')).content"
)
#: A page whose first layer is drawn in its HTML, then taken over by the script.
HAS_TAKEOVER = "document.querySelector('meta[name=\"bench-takeover\"]') !== null"
TAKEN_OVER = "window.__benchTakeover !== undefined"
#: The page's layout shifts, from the start ([start ms, value]).
SHIFTS = """() => new Promise((resolve) => {
  const seen = new PerformanceObserver((list) => {
    seen.disconnect();
    resolve(list.getEntries().map((e) => [e.startTime, e.value]));
  });
  seen.observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => { seen.disconnect(); resolve([]); }, 200);
})"""
GA4_DIRECT = "ga4-direct"
UNVOUCHED = "banner (ours), cookie not yet vouched for: verify first"
VISIBLE = "window.__benchVisibleAt !== undefined"
LOADED = "document.readyState === 'complete'"
GA4_SEEN = """() => performance.getEntriesByType('resource')
  .some((e) => e.name.includes('googletagmanager.com'))"""
GA4_AT = """() => performance.getEntriesByType('resource')
  .find((e) => e.name.includes('googletagmanager.com')).startTime"""


@dataclass(frozen=True, slots=True)
class Takeover:
    """A first layer drawn in the page's HTML, replaced by the script's own bar."""

    #: from navigation until the script's bar was visible
    at_ms: float
    #: boxes of the bar (its own, its texts', links', buttons') that moved then
    #: (-1: the drawn bar was never seen)
    moved: int
    #: the same of the page's own boxes (the body's, its children's but the banners')
    page_moved: int
    #: frames seen with neither bar visible, after the drawn one was
    gap_frames: int
    #: the drawn bar still visible in the frame the script's showed
    both_shown: bool
    #: the layout shifts' score from the takeover until the metrics were read
    shift: float
    #: the drawn bar first visible whole, the parser past it, when a part of it was
    #: painted first (a first paint can come mid-parse); None: whole when first visible
    whole_ms: float | None = None
    #: the layout shifts' score while the drawn bar showed (before the takeover)
    drawn_shift: float = 0.0


@dataclass(frozen=True, slots=True)
class FirstVisit:
    """One run of one page for a visitor who has not chosen yet."""

    visible_ms: float | None
    script_ms: float
    task_ms: float
    heap_kb: float
    requests: int
    #: long tasks (over 50 ms) from navigation until the metrics were read
    long_tasks: tuple[float, ...] = ()
    #: the longest run of the banner's own scripts in a long animation frame
    longest_own_script_ms: float = 0.0
    #: from the "Accept all" click to the first frame painted without the banner
    gone_ms: float | None = None
    #: a page with its first layer drawn in its HTML (bench.drawn): the script's takeover
    takeover: Takeover | None = None


def first_visit(browser: Any, url: str, banner: bool) -> FirstVisit:
    with chromium.visit(browser, THROTTLE) as visit:
        visit.page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        # Every page waits the same way, so Playwright's injected script is in
        # every heap and every script-time figure, the baseline's included.
        ready = VISIBLE if banner else LOADED
        visit.page.wait_for_function(ready, polling=100, timeout=TIMEOUT_MS)
        drawn = banner and visit.page.evaluate(HAS_TAKEOVER)
        if drawn:  # the script's bar, then the metrics a settle after it
            visit.page.wait_for_function(TAKEN_OVER, polling=100, timeout=TIMEOUT_MS)
        visit.page.wait_for_timeout(SETTLE_MS)
        metrics = visit.metrics()
        heap = visit.heap_after_gc()
        visible = visit.page.evaluate("window.__benchVisibleAt ?? null")
        long_tasks = tuple(d for _, d in visit.page.evaluate("window.__benchLongTasks"))
        scripts = visit.page.evaluate("window.__benchLongScripts")
        own = [d for src, d in scripts if _own_script(src, url)]
        takeover = _takeover(visit.page, visible) if drawn else None
        return FirstVisit(
            visible,
            metrics["ScriptDuration"] * 1000,
            metrics["TaskDuration"] * 1000,
            heap / 1024,
            len(visit.requests),
            long_tasks,
            max(own, default=0.0),
            click_to_gone(visit.page, url) if banner else None,
            takeover,
        )


def _takeover(page: Any, visible_ms: float) -> Takeover:
    found = page.evaluate("window.__benchTakeover")
    shifts = page.evaluate(SHIFTS)
    return Takeover(
        float(found["at"]),
        int(found["moved"]),
        int(found["pageMoved"]),
        int(found["gapFrames"]),
        bool(found["bothShown"]),
        sum(value for start, value in shifts if start >= found["at"]),
        None if found["wholeAt"] is None else float(found["wholeAt"]),
        sum(value for start, value in shifts if visible_ms <= start < found["at"]),
    )


def _own_script(source: str, page_url: str) -> bool:
    """A script of the banner on ``page_url``: a peer's files, or ours on the service."""
    if "/peers/" in source or "/pages/" in source:
        return True
    return "/s/" in source and not source.startswith(page_url.rsplit("/", 1)[0])


def click_to_gone(page: Any, url: str) -> float | None:
    """Click "Accept all"; milliseconds until a frame without the banner is painted."""
    name = url.rsplit("/", 1)[-1].removesuffix(".html")
    page.evaluate(f"window.__benchArmGone({DIALOG})")
    page.click(ACCEPT[name], timeout=TIMEOUT_MS)
    page.wait_for_function(GONE, polling=50, timeout=TIMEOUT_MS)
    return float(page.evaluate("window.__benchGoneMs"))


def ga4_attempted_ms(
    browser: Any, url: str, cookies: list[dict[str, Any]], init: str | None = None
) -> float:
    """Milliseconds from navigation until the page asks for gtag.js.

    :param init: a script run before the page's own (ours: the mark of a
        vouched cookie in localStorage, as a real returning visitor has it).
    """
    with chromium.visit(browser, THROTTLE, cookies) as visit:
        if init:
            visit.page.add_init_script(init)
        visit.page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        visit.page.wait_for_function(GA4_SEEN, polling=50, timeout=TIMEOUT_MS)
        return float(visit.page.evaluate(GA4_AT))


def returning_cookies(token: str, origin: str) -> dict[str, list[dict[str, Any]]]:
    """Each banner's own cookie for a visitor who granted analytics."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    vcc = {
        "categories": ["necessary", "analytics"],
        "revision": 0,
        "data": None,
        "consentTimestamp": now,
        "consentId": str(uuid.uuid4()),
        "services": {"necessary": [], "functional": [], "analytics": [], "preferences": []},
        "languageCode": "en",
        "lastConsentTimestamp": now,
        "expirationTime": int(time.time() * 1000) + 86_400_000,
    }
    choices = {"necessary": True, "functional": False, "analytics": True, "preferences": False}
    values = {
        GA4_DIRECT: None,
        OURS: ("banner_consent", token),
        VCC: ("cc_cookie", quote(json.dumps(vcc, separators=(",", ":")))),
        "orejime": ("eu-consent", quote(json.dumps(choices, separators=(",", ":")))),
        "klaro": ("klaro", quote(json.dumps(choices, separators=(",", ":")))),
        "osano": ("cookieconsent_status", "allow"),
    }
    return {
        page: [] if value is None else [{"name": value[0], "value": value[1], "url": origin}]
        for page, value in values.items()
    }


def _first_visit_table(found: dict[str, list[FirstVisit]]) -> str:
    base = found[BASELINE]

    def added(page: str, field: str) -> Spread:
        pairs = zip(found[page], base, strict=True)
        return Spread.of(getattr(run, field) - getattr(ref, field) for run, ref in pairs)

    visible = {
        p: Spread.of(r.visible_ms for r in runs if r.visible_ms is not None)
        for p, runs in found.items()
        if p != BASELINE
    }
    fastest = min((p for p in visible if p != OURS), key=lambda p: visible[p].median)
    vcc_script, vcc_task = added(VCC, "script_ms").median, added(VCC, "task_ms").median
    vcc_heap = added(VCC, "heap_kb").median
    rows = []
    for page, runs in found.items():
        seen = visible.get(page)
        script, task = added(page, "script_ms"), added(page, "task_ms")
        heap = Spread.of(r.heap_kb for r in runs)
        heap_added = added(page, "heap_kb")
        requests = Spread.of(r.requests for r in runs)
        rows.append(
            [
                PAGES[page],
                seen.show(0) if seen else "—",
                ratio(seen.median if seen else None, visible[fastest].median),
                script.show(1),
                ratio(script.median, vcc_script) if page != BASELINE else "—",
                task.show(1),
                ratio(task.median, vcc_task) if page != BASELINE else "—",
                heap.show(0),
                heap_added.show(0),
                ratio(heap_added.median, vcc_heap) if page != BASELINE else "—",
                requests.show(0),
            ]
        )
    headers = ["page", "banner visible ms", f"÷ fastest peer ({PAGES[fastest]})"]
    headers += ["added script ms", "÷ vanilla-cc", "added task ms", "÷ vanilla-cc"]
    headers += ["JS heap after GC KiB", "added heap KiB", "÷ vanilla-cc", "requests"]
    return markdown(headers, rows)


def _gone_table(found: dict[str, list[FirstVisit]]) -> str:
    """Click to gone for every banner, against the fastest peer; long tasks of every page."""
    gone = {
        p: Spread.of(r.gone_ms for r in runs if r.gone_ms is not None)
        for p, runs in found.items()
        if p != BASELINE
    }
    peers_only = [p for p in gone if p not in (OURS, EAGER)]
    fastest = min(peers_only, key=lambda p: gone[p].median)
    rows = []
    for page, runs in found.items():
        spread = gone.get(page)
        tasks = [t for r in runs for t in r.long_tasks]
        with_any = sum(1 for r in runs if r.long_tasks)
        own = Spread.of(r.longest_own_script_ms for r in runs)
        rows.append(
            [
                PAGES[page],
                spread.show(1) if spread else "—",
                ratio(spread.median, gone[fastest].median) if spread else "—",
                f"{with_any} of {len(runs)}",
                f"{max(tasks):,.0f}" if tasks else "—",
                own.show(0) if page != BASELINE else "—",
            ]
        )
    headers = ["page", "click to gone ms", f"÷ fastest peer ({PAGES[fastest]})"]
    headers += ["runs with a long task (> 50 ms)", "longest task ms"]
    headers += ["banner's own script in a long frame, longest ms"]
    return markdown(headers, rows)


def _returning_table(found: dict[str, list[float]]) -> str:
    direct = Spread.of(found[GA4_DIRECT]).median
    rows = []
    for page, runs in found.items():
        spread = Spread.of(runs)
        name = "GA4 loaded directly, no banner" if page == GA4_DIRECT else PAGES.get(page, page)
        rows.append([name, spread.show(0), ratio(spread.median, direct)])
    return markdown(["page (returning visitor)", "GA4 requested at ms", "÷ GA4 direct"], rows)


def measure(runs: int) -> tuple[str, str, str]:
    peers.install()
    with stack.running() as running, chromium.browser() as browser:
        token = deployment.obtain_token(running.service_url, running.shop_origin)
        cookies = returning_cookies(token, running.shop_origin)
        first: dict[str, list[FirstVisit]] = {page: [] for page in PAGES}
        back: dict[str, list[float]] = {page: [] for page in cookies}
        back[UNVOUCHED] = []
        vouched = f"localStorage.setItem('banner_vouched_{deployment.SITE}', {json.dumps(token)})"
        for _ in range(runs):
            for page in PAGES:
                banner = page != BASELINE
                first[page].append(first_visit(browser, running.page(page), banner))
            for page, preset in cookies.items():
                init = vouched if page == OURS else None
                back[page].append(ga4_attempted_ms(browser, running.page(page), preset, init))
            # the first page view with a cookie the service has not vouched for here
            ours = running.page(OURS)
            back[UNVOUCHED].append(ga4_attempted_ms(browser, ours, cookies[OURS]))
    return _first_visit_table(first), _gone_table(first), _returning_table(back)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    first, gone, returning = measure(runs)
    print(f"First visit, CPU throttled x{THROTTLE}, {runs} runs, median (min-max):\n")
    print(first)
    print(f"\nClick to gone and long tasks, CPU throttled x{THROTTLE}, {runs} runs:\n")
    print(gone)
    print(f"\nReturning visitor (analytics granted), CPU throttled x{THROTTLE}, {runs} runs:\n")
    print(returning)
    print("\nAdded = this page's run minus the baseline page's run of the same round.")


if __name__ == "__main__":
    main()
