"""When a returning visitor's trackers start, commits side by side, cold and warm cache.

The cost of fetching a granted tracker's part as a chunk (``ui.<hash>.<kind>.js``,
immutable) instead of carrying it in the gate: a returning visitor on a cold HTTP cache
starts that tracker one request later; on a warm cache nothing more is fetched. Each
commit (``REV``) is a ``git archive`` served by its own service and shop
(``bench.paired.served``); its shop also serves ``pages/banner-mix.head.html`` (written
into the archive: the gate of the ``benchmix`` site, GA4 + Meta Pixel + referral).

Per commit, round-robin in one Chromium, CPU x4, the order reversed every other round
(``bench.paired.round_robin``):

- returning visitor, every category granted: a real consent cookie from that commit's
  service (``POST /api/v1/consent``), vouched for in localStorage as the gate keeps it
  (``banner_vouched_<site>``: no verify round trip). A fresh context (cold cache): the
  time from navigation start to the request for ``googletagmanager.com/gtag/js`` and for
  ``connect.facebook.net/.../fbevents.js`` (resource timing's ``startTime``; tracker hosts
  answered locally through DevTools, ``chromium.answer_trackers``, as Playwright's routes
  would switch the HTTP cache off). Then the same page again in the same context (warm
  cache, by way of ``about:blank`` so it is an ordinary navigation, not a reload: the
  gate comes from the cache or is revalidated as its ``Cache-Control`` says);
- the same visitor who refused everything: one cold visit;
- the page loading GA4 directly (``pages/ga4-direct.head.html``, the first commit's
  shop), cold and warm: the reference.

Every GET to the consent service is recorded through DevTools' Network domain: its
body's brotli size (quality 11, each file on its own, as ``bench.weight`` counts; files
from the HTTP cache and 304 answers count 0) and its bytes on the wire
(``encodedDataLength``: headers and the body as served, gzip).

Run: ``.venv/bin/python -m bench.tracker_start ROUNDS REV [REV ...]``
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import chromium, deployment, paired
from bench.browser import GA4_DIRECT, THROTTLE, TIMEOUT_MS
from bench.figures import Spread, ratio
from bench.table import markdown
from bench.weight import Weight

USAGE = "usage: python -m bench.tracker_start ROUNDS REV [REV ...]"
SITE = deployment.MIX_SITE
#: The page of the ``benchmix`` gate, written into each commit's archive.
PAGE = "banner-mix"
PAGE_FILE = f"bench/pages/{PAGE}.head.html"
COOKIE = "banner_consent"
#: What the tables call each tracker request, and how its URL is told.
GTAG = "gtag"
FBEVENTS = "fbevents"
MARKS = {GTAG: "googletagmanager.com/gtag/js", FBEVENTS: "connect.facebook.net/"}
FBEVENTS_FILE = "/fbevents.js"
DIRECT = "GA4 loaded directly, no banner"
REFUSED = "refused"
#: Each tracker request's start, from navigation start (null: never asked for).
STARTS = """([gtag, fb, fbFile]) => {
  const entries = performance.getEntriesByType('resource');
  const at = (test) => entries.find((e) => test(e.name))?.startTime ?? null;
  return [at((n) => n.includes(gtag)), at((n) => n.includes(fb) && n.includes(fbFile))];
}"""


@dataclass(frozen=True, slots=True)
class Fetched:
    """One GET to the consent service."""

    label: str
    #: "network", "cache" (the HTTP cache answered) or the status when not 200 ("304")
    source: str
    brotli: int
    wire: int


@dataclass(frozen=True, slots=True)
class View:
    """One page view: when each tracker was asked for, what came from the service."""

    gtag_ms: float | None
    fbevents_ms: float | None
    fetched: tuple[Fetched, ...] = ()

    @property
    def brotli(self) -> int:
        return sum(f.brotli for f in self.fetched)

    @property
    def wire(self) -> int:
        return sum(f.wire for f in self.fetched)


@dataclass(frozen=True, slots=True)
class Seen:
    """One visit of one page: its first view (cold cache) and its second (warm)."""

    cold: View
    warm: View | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """How one page of the run is visited."""

    url: str
    #: the consent service's address (every GET to it is recorded)
    service: str
    #: the consent cookie preset and vouched for (None: no cookie)
    token: str | None = None
    origin: str = ""
    warm: bool = True


def arguments(argv: Sequence[str]) -> tuple[int, list[str]]:
    """``ROUNDS REV [REV ...]``: the rounds (at least 1) and the commits named."""
    if len(argv) < 2 or not argv[0].isdigit() or int(argv[0]) < 1:
        raise SystemExit(USAGE)
    return int(argv[0]), list(argv[1:])


def label(url: str, service: str) -> str:
    """A service URL as the tables name it: its path below the site's folder."""
    path = url.removeprefix(service.rstrip("/"))
    return path.removeprefix(f"/s/{SITE}/")


@dataclass
class Recorder:
    """Every GET to the consent service from a page, through DevTools' Network domain."""

    cdp: Any
    service: str
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.requestServedFromCache", self._cached)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        request = event["request"]
        if request["method"] == "GET" and request["url"].startswith(self.service):
            found = {"url": request["url"], "status": 0, "cached": False, "wire": 0, "done": 0}
            self.requests[event["requestId"]] = found

    def _received(self, event: dict[str, Any]) -> None:
        if found := self.requests.get(event["requestId"]):
            found["status"] = event["response"]["status"]
            found["cached"] |= bool(event["response"].get("fromDiskCache"))

    def _cached(self, event: dict[str, Any]) -> None:
        if found := self.requests.get(event["requestId"]):
            found["cached"] = True

    def _finished(self, event: dict[str, Any]) -> None:
        if found := self.requests.get(event["requestId"]):
            found["wire"], found["done"] = int(event["encodedDataLength"]), 1

    def take(self) -> tuple[Fetched, ...]:
        """What was fetched since the last call, each body's brotli size read now."""
        found = []
        for request_id, r in self.requests.items():
            name = label(r["url"], self.service)
            fetched = r["done"] and not r["cached"] and r["status"] == 200
            source = "cache" if r["cached"] else "network" if fetched else str(r["status"])
            size = Weight.of(name, [(name, self._body(request_id))]).brotli if fetched else 0
            found.append(Fetched(name, source, size, r["wire"]))
        self.requests.clear()
        return tuple(found)

    def _body(self, request_id: str) -> bytes:
        answer = self.cdp.send("Network.getResponseBody", {"requestId": request_id})
        body: str = answer["body"]
        return base64.b64decode(body) if answer["base64Encoded"] else body.encode()


def view(visit: chromium.Visit, url: str, recorder: Recorder) -> View:
    """Navigate to ``url`` and wait until the network is idle; what the view asked for."""
    visit.page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    visit.page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    gtag, fbevents = visit.page.evaluate(STARTS, [*MARKS.values(), FBEVENTS_FILE])
    return View(gtag, fbevents, recorder.take())


def visit_page(browser: Any, plan: Plan) -> Seen:
    """A fresh context (cold cache), the page once, then once more (warm) when planned."""
    cookies = [{"name": COOKIE, "value": plan.token, "url": plan.origin}] if plan.token else []
    with chromium.visit(browser, THROTTLE, cookies, cached=True) as visit:
        if plan.token:  # vouched for, as the gate keeps a token the service confirmed
            vouched = f"localStorage.setItem('banner_vouched_{SITE}', {json.dumps(plan.token)})"
            visit.page.add_init_script(vouched)
        recorder = Recorder(visit.cdp, plan.service)
        cold = view(visit, plan.url, recorder)
        if not plan.warm:
            return Seen(cold)
        visit.page.goto("about:blank")
        return Seen(cold, view(visit, plan.url, recorder))


def granted_all(service: str) -> tuple[str, ...]:
    """Every category of the site's current notice but the essential one."""
    document = deployment.current_notice(service, SITE)["document"]
    return tuple(c["id"] for c in document["c"] if c["id"] != "essential")


def plans(served: dict[str, dict[str, str]]) -> dict[str, Plan]:
    """The run's pages (``served``: each commit's service and shop), tokens obtained now."""
    first = next(iter(served.values()))
    # its service is recorded too (nothing comes from it): every page pays the same DevTools
    found = {DIRECT: Plan(f"{first['shop']}/{GA4_DIRECT}.html", first["service"])}
    for rev, where in served.items():
        service, shop = where["service"], where["shop"]
        url = f"{shop}/{PAGE}.html"
        everything = granted_all(service)
        granted = deployment.obtain_token(service, shop, SITE, everything)
        refused = deployment.obtain_token(service, shop, SITE, ())
        found[rev] = Plan(url, service, granted, shop)
        found[f"{rev} {REFUSED}"] = Plan(url, service, refused, shop, warm=False)
    return found


def _spread(values: Sequence[float | None], digits: int = 0) -> str:
    found = [v for v in values if v is not None]
    missing = f", {len(values) - len(found)} never" if len(found) < len(values) else ""
    return Spread.of(found).show(digits) + missing if found else "—"


def _median(values: Sequence[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return Spread.of(found).median if found else None


def _cold(runs: Sequence[Seen]) -> list[View]:
    return [r.cold for r in runs]


def _warm(runs: Sequence[Seen]) -> list[View]:
    return [r.warm for r in runs if r.warm is not None]


def table(found: dict[str, list[Seen]], revs: Sequence[str]) -> str:
    """Per commit: gtag and fbevents asked for at (cold, warm), each against the direct
    GA4 page's gtag of the same run; brotli bytes from the service (granted cold and
    warm, refused)."""
    direct = found[DIRECT]
    reference = {
        "cold": _median([v.gtag_ms for v in _cold(direct)]),
        "warm": _median([v.gtag_ms for v in _warm(direct)]),
    }
    rows = []
    for name in [DIRECT, *revs]:
        runs = found[name]
        cells = [name]
        for mark in (GTAG, FBEVENTS):
            for cache, views in (("cold", _cold(runs)), ("warm", _warm(runs))):
                values = [getattr(v, f"{mark}_ms") for v in views]
                cells += [_spread(values), ratio(_median(values), reference[cache])]
        if name == DIRECT:
            cells += ["—", "—", "—"]
        else:
            refused = _cold(found[f"{name} {REFUSED}"])
            for views in (_cold(runs), _warm(runs), refused):
                cells.append(Spread.of(v.brotli for v in views).show(0))
        rows.append(cells)
    headers = ["page (returning visitor, CPU x4)"]
    for mark in ("gtag.js", "fbevents.js"):
        for cache in ("cold", "warm"):
            headers += [f"{mark} asked at ms, {cache}", f"÷ direct GA4 {cache}"]
    headers += ["service B (brotli), granted cold", "granted warm", "refused cold"]
    return markdown(headers, rows)


def apart(view: View) -> float | None:
    """fbevents.js asked for after gtag.js in the same view, ms (None: one not asked)."""
    if view.gtag_ms is None or view.fbevents_ms is None:
        return None
    return view.fbevents_ms - view.gtag_ms


def files_table(found: dict[str, list[Seen]], revs: Sequence[str]) -> str:
    """What each commit's visitors fetched from the service (the last round's files), the
    bytes on the wire (headers and gzip bodies, every round), and fbevents.js's request
    after gtag.js's in the same view (the machine's load moves both alike)."""
    rows = []
    for rev in revs:
        cases = [
            ("granted, cold", _cold(found[rev])),
            ("granted, warm", _warm(found[rev])),
            ("refused, cold", _cold(found[f"{rev} {REFUSED}"])),
        ]
        for case, views in cases:
            files = ", ".join(f"{f.label} ({f.source})" for f in views[-1].fetched) or "nothing"
            bodies = Spread.of(v.brotli for v in views).show(0)
            wire = Spread.of(v.wire for v in views).show(0)
            rows.append([rev, case, files, bodies, wire, _spread([apart(v) for v in views])])
    headers = ["commit", "visitor", "GETs to the service (last round)", "brotli B", "wire B"]
    headers.append("fbevents.js after gtag.js, same view, ms")
    return markdown(headers, rows)


def main(argv: Sequence[str]) -> None:
    rounds, named = arguments(argv)
    revs = [paired.short(rev) for rev in named]
    page = {PAGE_FILE: (paired.ROOT / PAGE_FILE).read_bytes()}
    started = time.strftime("%H:%M", time.gmtime())
    with ExitStack() as stack:
        served = {}
        for rev in revs:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="banner-start-")))
            served[rev] = stack.enter_context(paired.served(rev, folder, page))
        planned = plans(served)
        urls = {name: plan.url for name, plan in planned.items()}

        def visit(launched: Any, name: str, url: str) -> Seen:
            return visit_page(launched, planned[name])

        found, loads = paired.round_robin(urls, rounds, visit)
    print(f"{rounds} rounds, {started}-{time.strftime('%H:%M', time.gmtime())} UTC, CPU x4,")
    print(f"load average {min(loads):.1f}-{max(loads):.1f} (1 min, read every round):\n")
    print(table(found, revs))
    print()
    print(files_table(found, revs))


if __name__ == "__main__":
    main(sys.argv[1:])
