"""One browser pass: a fresh profile opens each page and records what it sees.

Pass 1 makes no choice and clicks nothing; pass 2 clicks "accept all" in
banner's own banner on the first page (found by ``data-banner-accept``, or by
the position banner gives that button in its first layer), then opens the same
pages. Nothing is typed and no form is submitted; downloads are refused and
popups closed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Request, Route
from playwright.sync_api import Error as PlaywrightError

from banner.scan.crawl import SiteUnreachable, origin_of
from banner.scan.observations import (
    AFTER,
    LOADED,
    PageVisit,
    PassResult,
    SeenCookie,
    SeenRequest,
    SeenStorage,
    printable,
    without_query_values,
)
from banner.scan.routes import BLOCK, DIRECT, Routes

#: banner's "accept all": the stable attribute, else the first button of its first layer.
ACCEPT_BUTTON = "[data-banner-accept], .bn .bn-bar .bn-actions > button:first-child"
#: The first layer's "18 or older, or my guardian agrees" box, on guardian sites.
AGE_BOX = ".bn .bn-bar .bn-age input[type=checkbox]"
LINKS = "els => els.slice(0, 2000).map(e => e.href).filter(h => typeof h === 'string')"
STORAGE = (
    "() => { const keys = s => { try { return Object.keys(s).slice(0, 500); }"
    " catch (e) { return []; } };"
    " return [keys(window.localStorage), keys(window.sessionStorage)]; }"
)
#: At most this long (ms) for the page's own scripts to go quiet after ``load`` or a click.
SETTLE_MS = 3000
#: The network counts as quiet after this long (ms) without a request starting or ending.
QUIET_MS = 500
STEP_MS = 50
Progress = Callable[[int, int, int], None]


class Pages(Protocol):
    """Where a pass takes its next page from (a crawl frontier, or a fixed list)."""

    def next(self, visited: int) -> str | None: ...

    def add(self, links: list[str]) -> None: ...

    @property
    def found(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """How far a scan may go."""

    pages: int = 20
    page_timeout: float = 20.0
    total_timeout: float = 600.0
    #: the consent cookie that shows "accept all" went through
    consent_cookie: str = "banner_consent"


@dataclass
class Pass:
    """A pass in progress: its result, and the page being opened."""

    result: PassResult
    origin: str
    deadline: float
    current: str = ""
    in_flight: int = 0
    last_activity: float = 0.0
    _cookies: set[tuple[str, ...]] = field(default_factory=set)
    _storage: set[tuple[str, str]] = field(default_factory=set)

    def on_activity(self, change: int) -> Callable[[Request], None]:
        def track(_request: Request) -> None:
            self.in_flight = max(0, self.in_flight + change)
            self.last_activity = time.monotonic()

        return track

    def on_request(self, request: Request) -> None:
        if not self._foreign(request):
            return
        try:
            initiator: str | None = printable(without_query_values(request.frame.url)) or None
        except PlaywrightError:
            initiator = None
        host = printable((urlsplit(request.url).hostname or "").lower())
        self.result.requests.append(
            SeenRequest(
                host,
                printable(without_query_values(request.url)),
                request.resource_type,
                initiator,
                self.current,
            )
        )

    def _foreign(self, request: Request) -> bool:
        return request.url.startswith("http") and origin_of(request.url) != self.origin

    def on_script_done(self, request: Request) -> None:
        """Note how another host's script ended: loaded, an HTTP error, or no answer."""
        if request.resource_type == "script" and self._foreign(request):
            status = _status(request)
            outcome = LOADED if status is not None and status < 400 else f"HTTP {status}"
            self._script(request, outcome if status is not None else "no answer")

    def on_script_failed(self, request: Request) -> None:
        """A script whose request failed: its HTTP error if one came, else the network's."""
        if request.resource_type == "script" and self._foreign(request):
            status = _status(request)
            failure = printable(request.failure or "failed", 200)
            self._script(request, f"HTTP {status}" if status and status >= 400 else failure)

    def _script(self, request: Request, outcome: str) -> None:
        url = printable(without_query_values(request.url))
        if self.result.scripts.get(url) != LOADED:  # one load anywhere shows it can load
            self.result.scripts[url] = outcome

    def record_cookies(self, context: BrowserContext) -> None:
        for c in context.cookies():
            key = tuple(printable(str(c.get(k, ""))) for k in ("name", "domain", "path"))
            if key in self._cookies:
                continue
            self._cookies.add(key)
            expires = c.get("expires", -1)
            self.result.cookies.append(
                SeenCookie(
                    key[0],
                    key[1],
                    key[2] or "/",
                    expires=None if expires is None or expires < 0 else float(expires),
                    http_only=bool(c.get("httpOnly")),
                    secure=bool(c.get("secure")),
                    same_site=str(c.get("sameSite", "")),
                    page=self.current,
                )
            )

    def record_storage(self, page: Page) -> None:
        try:
            local, session = page.evaluate(STORAGE)
        except (PlaywrightError, ValueError, TypeError):
            return
        for area, keys in (("local", local), ("session", session)):
            for key in keys if isinstance(keys, list) else []:
                if not isinstance(key, str):
                    continue
                name = printable(key, 256)
                if (area, name) not in self._storage:
                    self._storage.add((area, name))
                    self.result.storage.append(SeenStorage(area, name, self.current))

    def remaining_ms(self, limit: float) -> float:
        return max(0.0, min(limit, self.deadline - time.monotonic()) * 1000)


def run_pass(
    browser: Browser,
    number: int,
    pages: Pages,
    limits: Limits,
    deadline: float,
    routes: Routes,
    progress: Progress,
) -> PassResult:
    """Open ``pages`` in a fresh profile and record what each one sets and requests.

    :raises SiteUnreachable: when the first page of pass 1 does not load.
    """
    start = pages.found[0]
    state = Pass(PassResult(number), origin_of(start), deadline)
    context = browser.new_context(accept_downloads=False, locale="id-ID")
    try:
        _prepare(context, routes, (urlsplit(start).hostname or "").lower())
        page = context.new_page()
        page.on("request", state.on_request)
        page.on("request", state.on_activity(+1))
        page.on("requestfinished", state.on_activity(-1))
        page.on("requestfailed", state.on_activity(-1))
        page.on("requestfinished", state.on_script_done)
        page.on("requestfailed", state.on_script_failed)
        while (url := pages.next(len(state.result.pages))) is not None:
            if state.remaining_ms(limits.page_timeout) <= 0:
                state.result.cut_short = True
                break
            visit = _open(page, state, url, limits)
            if not state.result.pages and visit.error and number != AFTER:
                raise SiteUnreachable(f"{url}: {visit.error}")
            if number == AFTER and not state.result.pages:
                state.result.accepted = _accept(page, state, limits)
            state.result.pages.append(visit)
            state.record_cookies(context)
            state.record_storage(page)
            if visit.error is None and origin_of(page.url) == state.origin:
                pages.add(_links(page))
            progress(number, len(state.result.pages), len(pages.found))
    finally:
        context.close()
    return state.result


def _prepare(context: BrowserContext, routes: Routes, scanned_host: str) -> None:
    context.on("page", _close_popups)
    if routes.rules:
        context.route("**/*", lambda route: _route(route, routes, scanned_host))


def _close_popups(page: Page) -> None:
    if page.opener() is not None:
        page.close()


def _route(route: Route, routes: Routes, scanned_host: str) -> None:
    host = (urlsplit(route.request.url).hostname or "").lower()
    target = routes.target(host, scanned_host)
    try:
        if target == DIRECT:
            route.continue_()
        elif target == BLOCK:
            route.abort("blockedbyclient")
        else:
            route.fulfill(response=route.fetch(url=routes.rewrite(route.request.url, target)))
    except PlaywrightError:
        route.abort()


def _open(page: Page, state: Pass, url: str, limits: Limits) -> PageVisit:
    state.current = url
    try:
        response = page.goto(url, timeout=state.remaining_ms(limits.page_timeout) or 1)
    except PlaywrightError as exc:
        return PageVisit(url, None, _first_line(exc))
    _settle(page, state)
    status = response.status if response is not None else None
    if status is not None and status >= 400:
        return PageVisit(url, status, f"HTTP {status}")
    return PageVisit(url, status)


def _settle(page: Page, state: Pass) -> None:
    """Wait until no request started or ended for ``QUIET_MS`` (at most ``SETTLE_MS``)."""
    end = time.monotonic() + state.remaining_ms(SETTLE_MS / 1000) / 1000
    with contextlib.suppress(PlaywrightError):
        while time.monotonic() < end:
            idle = (time.monotonic() - state.last_activity) * 1000
            if state.in_flight == 0 and idle >= QUIET_MS:
                return
            page.wait_for_timeout(STEP_MS)


def _wait_for_cookie(page: Page, name: str, timeout_ms: float) -> None:
    end = time.monotonic() + timeout_ms / 1000
    with contextlib.suppress(PlaywrightError):
        while time.monotonic() < end:
            if any(c.get("name") == name for c in page.context.cookies()):
                return
            page.wait_for_timeout(STEP_MS * 2)


def _accept(page: Page, state: Pass, limits: Limits) -> bool:
    """Click banner's "accept all" once it shows, then let the trackers start."""
    try:
        button = page.locator(ACCEPT_BUTTON).first
        button.wait_for(timeout=state.remaining_ms(limits.page_timeout) or 1)
        # A site asking for a guardian's agreement (children = "guardian") grants
        # nothing until its box is ticked: the scan plays an adult visitor.
        age = page.locator(AGE_BOX)
        if age.count():
            age.first.check(timeout=1000)
        button.click(timeout=state.remaining_ms(limits.page_timeout) or 1)
    except PlaywrightError:
        return False
    _wait_for_cookie(page, limits.consent_cookie, state.remaining_ms(limits.page_timeout))
    _settle(page, state)
    return True


def _links(page: Page) -> list[str]:
    try:
        found: Any = page.eval_on_selector_all("a[href], area[href]", LINKS)
    except PlaywrightError:
        return []
    return [link for link in found if isinstance(link, str)] if isinstance(found, list) else []


def _status(request: Request) -> int | None:
    try:
        response = request.response()
    except PlaywrightError:
        return None
    return response.status if response is not None else None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
