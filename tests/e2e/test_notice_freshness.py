"""Proof of the words shown, with tabs left open while the site changes its notice (issue 20).

The service follows its config file. Tabs are opened, then the config is
rewritten on disk (random wording edits and policy bumps) and the stale tab
is clicked. For every decision recorded, every text visible in the layer the
visitor clicked in must be a text of the archived notice of the recorded
hash, and nothing may be recorded under an older policy version. A bump
reaches a returning visitor's first page view after ``loader_max_age``.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from banner.core import config_watch
from banner.core.config import load_config
from banner.web.app import create_app
from banner.web.state import BannerState
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, Shop, TrackerLog
from tests.factories import KEY_NEW

pytestmark = pytest.mark.e2e

#: Rounds of open, edit, click per language and width.
ROUNDS = 6
#: Every visible text node of an element, whitespace-normalised.
VISIBLE_TEXTS = """(root) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.replace(/\\s+/g, ' ').trim();
    if (text && n.parentElement.checkVisibility()) found.push(text);
  }
  return found;
}"""


@dataclass
class Notice:
    """The site's notice as written to the config file, changed round by round."""

    version: int = 3
    body: dict[str, str] = field(
        default_factory=lambda: {"id": "Kata-kata awal.", "en": "First words."}
    )
    title: dict[str, str] = field(default_factory=lambda: {"id": "Privasi Anda", "en": "Privacy"})
    changes: dict[int, dict[str, str]] = field(default_factory=dict)
    max_age: int | None = None

    def toml(self, database_url: str, shop: str) -> str:
        changes = "".join(
            f'"{v}" = {{ id = "{t["id"]}", en = "{t["en"]}" }}\n' for v, t in self.changes.items()
        )
        max_age = "" if self.max_age is None else f"loader_max_age = {self.max_age}"
        texts = "".join(
            f'[sites.tokodemo.texts.{lang}]\nbanner_body = "{self.body[lang]}"\n'
            f'banner_title = "{self.title[lang]}"\n'
            for lang in ("id", "en")
        )
        return f"""
[banner]
secret_keys = ["{KEY_NEW}"]
database_url = "{database_url}"
rate_limit = "1000/second"
{max_age}

[sites.tokodemo]
name = "Toko Demo"
origins = ["{shop}"]
policy_version = {self.version}
privacy_policy_url = "{shop}/privacy"

[sites.tokodemo.trackers.ga4]
measurement_id = "G-ABC123XYZ9"
category = "analytics"

[[sites.tokodemo.cookies]]
name = "_ga"
provider = "Google"
category = "analytics"
duration = {{ id = "2 tahun", en = "2 years" }}
purpose = {{ id = "Membedakan pengunjung", en = "Distinguishes visitors" }}

[sites.tokodemo.changes]
{changes}
{texts}
"""

    def edit(self, rng: random.Random, round_: int) -> str:
        """A random wording edit or a policy bump; says which."""
        if rng.random() < 0.5:
            self.body = {"id": f"Kata-kata ronde {round_}.", "en": f"Words of round {round_}."}
            if rng.random() < 0.5:
                self.title = {"id": f"Privasi ({round_})", "en": f"Privacy ({round_})"}
            return "words"
        self.version += 1
        self.changes[self.version] = {
            "id": f"Versi {self.version}: tujuan baru.",
            "en": f"Version {self.version}: a new purpose.",
        }
        return "bump"


class Counting:
    """WSGI wrapper: counts ``loader.js`` requests; may add an ``Age`` to them.

    An ``Age`` of 55 on a ``max-age=60`` answer is a gate that sat 55 s in a
    cache already: Chromium then keeps it 5 s more, as it would after 55 s.
    """

    def __init__(self, app: Any, age: int | None) -> None:
        self.app, self.age = app, age
        self.loader_fetches: list[float] = []

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Any:
        if not environ.get("PATH_INFO", "").endswith("/loader.js"):
            return self.app(environ, start)
        self.loader_fetches.append(time.monotonic())

        def aged(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            extra = [("Age", str(self.age))] if self.age is not None else []
            return start(status, headers + extra, *rest)

        return self.app(environ, aged)


@dataclass
class Live:
    """The service following its config file, and the shop."""

    path: Path
    database_url: str
    notice: Notice
    shop: Shop
    service_url: str
    app: Any
    counting: Counting

    def write(self) -> None:
        """Write the config as an operator should: a new file, then a rename."""
        fresh = self.path.with_suffix(".new")
        fresh.write_text(self.notice.toml(self.database_url, self.shop.origin), encoding="utf-8")
        os.replace(fresh, self.path)

    def current(self, lang: str) -> dict[str, Any]:
        url = f"{self.service_url}/s/tokodemo/notice?lang={lang}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            found: dict[str, Any] = json.load(answer)
        return found

    def reloaded(self, lang: str, before: str) -> None:
        """Wait until the service serves another notice than ``before``."""
        deadline = time.monotonic() + 20
        while self.current(lang)["notice_hash"] == before:
            assert time.monotonic() < deadline, "the service did not take the new config"
            time.sleep(0.1)

    @property
    def state(self) -> BannerState:
        found: BannerState = self.app.extensions["banner"]
        return found

    def page(self, lang: str) -> str:
        tag = f'<script src="{self.service_url}/s/tokodemo/loader.js" async></script>'
        head = '<head><meta charset="utf-8"></head>'
        return f'<!doctype html><html lang="{lang}">{head}<body><h1>Toko</h1>{tag}</body></html>'


@contextmanager
def live_deployment(
    tmp_path: Path, service_port: int, shop_port: int, notice: Notice, age: int | None = None
) -> Iterator[Live]:
    shop = Shop(f"http://localhost:{shop_port}")
    database_url = f"sqlite:///{tmp_path / 'live.db'}"
    path = tmp_path / "banner.toml"
    path.write_text(notice.toml(database_url, shop.origin), encoding="utf-8")
    app = create_app(load_config(path, env={}))
    counting = Counting(app.wsgi_app, age)
    app.wsgi_app = counting  # type: ignore[method-assign]
    service = LiveServer(app, "127.0.0.1", service_port)
    shop_server = LiveServer(shop.wsgi, "127.0.0.1", shop_port)
    live = Live(path, database_url, notice, shop, f"http://127.0.0.1:{service_port}", app, counting)
    for lang in ("id", "en"):
        shop.pages[f"/{lang}"] = live.page(lang)
    try:
        yield live
    finally:
        service.stop()
        shop_server.stop()
        app.extensions["banner"].log.dispose()


@pytest.fixture
def fast_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_watch, "RELOAD_INTERVAL", 0.0)


@pytest.fixture(scope="module")
def isolated(browser: Any) -> Iterator[Any]:
    """Chromium whose every host but the loopback ones resolves to nothing.

    Playwright turns the HTTP cache off while requests are routed, so these
    tests route nothing: tracker requests are seen as attempted
    (``context.on("request")``) and fail at once, with no lookup leaving.
    """
    rules = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
    isolated = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, rules])
    yield isolated
    isolated.close()


def _watch_trackers(context: Any, log: TrackerLog) -> None:
    def seen(request: Any) -> None:
        if "127.0.0.1" not in request.url and "localhost" not in request.url:
            log.urls.append(request.url)

    context.on("request", seen)


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {" ".join(value.split())}
    if isinstance(value, dict):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        joined = {" · ".join(value)} if value and all(isinstance(v, str) for v in value) else set()
        return joined | {s for v in value for s in _strings(v)}
    return set()


def _decide(tab: Any, layer: int, choice: str) -> Any:
    """Click in the layer the visitor is on; the consent API's answer."""
    scope = tab.locator(".bn-dialog" if layer == 2 else ".bn-bar")
    buttons = scope.locator(".bn-actions button")
    with tab.expect_response(
        lambda r: r.url.endswith("/api/v1/consent") and r.request.method == "POST"
    ) as answer:
        if layer == 2:
            buttons.first.click()  # save choices
        else:
            buttons.nth(0 if choice == "accept" else 1).click()
    return answer.value


def _visible(tab: Any, layer: int) -> list[str]:
    element = tab.locator(".bn-dialog" if layer == 2 else ".bn-bar")
    found: list[str] = element.evaluate(VISIBLE_TEXTS)
    return found


def _mismatches(live: Live, consent_id: str, shown: list[str], version: int) -> list[str]:
    """Texts visible at the click that the recorded notice does not hold."""
    row = live.state.log.history(consent_id, "tokodemo")[-1]
    assert row.policy_version == version, "recorded under another policy version than shown"
    archived = live.state.service.notices.get(row.text_hash)
    assert archived is not None, "the recorded notice is not archived"
    words = _strings(archived.document)
    return [text for text in shown if text not in words]


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_stale_tabs_record_exactly_the_words_they_drew(
    tmp_path: Path,
    service_port: int,
    shop_port: int,
    isolated: Any,
    fast_reload: None,
    figure: Callable[[str], None],
    artifacts: Path,
    lang: str,
    width: int,
) -> None:
    rng = random.Random(f"{lang}-{width}")
    counts: Counter[str] = Counter()
    with live_deployment(tmp_path, service_port, shop_port, Notice()) as live:
        for round_ in range(ROUNDS):
            # a fresh profile per round: the tab opens on the notice served now
            context = isolated.new_context(viewport={"width": width, "height": 800})
            tab = context.new_page()
            tab.goto(f"{live.shop.origin}/{lang}")
            tab.locator(".bn-bar").wait_for(state="visible")
            layer = 2 if rng.random() < 0.5 else 1
            if layer == 2:
                tab.locator(".bn-bar .bn-actions button").nth(2).click()
                tab.locator(".bn-dialog").wait_for(state="visible")
                if rng.random() < 0.5:
                    tab.locator(".bn-dialog [role=switch]:not([disabled])").first.check()
            before = live.current(lang)["notice_hash"]
            version = live.notice.version  # the version of the words the tab drew
            edit = live.notice.edit(rng, round_)
            counts[edit] += 1
            live.write()
            live.reloaded(lang, before)
            rows = live.state.log.count("tokodemo")
            choice = rng.choice(["accept", "reject"])
            shown = _visible(tab, layer)
            answer = _decide(tab, layer, choice)
            # older words of the current version are recorded; a grant on an older
            # version never is, a refusal is (under the words shown: never dropped)
            grants = bool(json.loads(answer.request.post_data)["granted"])
            assert (answer.status == 409) == (edit == "bump" and grants), answer.text()
            if edit == "bump" and not grants:
                counts["refusals kept on an older notice"] += 1
            if answer.status == 409:
                counts["refused as stale"] += 1
                assert live.state.log.count("tokodemo") == rows  # nothing written
                # the current notice is drawn again, with what changed, on the same layer
                tab.locator(".bn-changes:visible").first.wait_for(state="visible")
                if round_ == 0 or counts["refused as stale"] == 1:
                    tab.screenshot(path=str(artifacts / f"notice-redrawn-{lang}-{width}.png"))
                shown = _visible(tab, layer)
                assert any(live.notice.changes[live.notice.version][lang] in t for t in shown)
                answer = _decide(tab, layer, choice)
                version = live.notice.version  # asked again on the current notice
            assert answer.status == 201, answer.text()
            counts["recorded"] += 1
            missing = _mismatches(live, answer.json()["consent_id"], shown, version)
            counts["mismatches"] += len(missing)
            assert not missing, missing
            context.close()
    figure(
        f"{lang} {width}px: {counts['recorded']} decisions recorded, "
        f"{counts['refused as stale']} refused as stale, "
        f"{counts['refusals kept on an older notice']} refusals kept on an older notice, "
        f"{counts['mismatches']} mismatches "
        f"({counts['words']} wording edits, {counts['bump']} policy bumps)"
    )
    assert counts["mismatches"] == 0 and counts["recorded"] == ROUNDS


@pytest.mark.parametrize(
    ("max_age", "age", "bound"),
    [(5, None, 5), (None, 55, 5)],
    ids=["loader_max_age=5", "default-60-aged-55"],
)
def test_a_bump_reaches_a_returning_visitor_after_loader_max_age(
    tmp_path: Path,
    service_port: int,
    shop_port: int,
    isolated: Any,
    trackers: TrackerLog,
    fast_reload: None,
    figure: Callable[[str], None],
    max_age: int | None,
    age: int | None,
    bound: int,
) -> None:
    """The default (60 s) is exercised with ``Age: 55``: Chromium keeps the gate 5 s more."""
    notice = Notice(max_age=max_age)
    with live_deployment(tmp_path, service_port, shop_port, notice, age) as live:
        context = isolated.new_context(viewport={"width": 1280, "height": 800})
        _watch_trackers(context, trackers)
        gates: list[Any] = []
        context.on("response", lambda r: gates.append(r) if r.url.endswith("/loader.js") else None)
        tab = context.new_page()
        shop = f"{live.shop.origin}/id"
        tab.goto(shop)
        tab.locator(".bn-bar").wait_for(state="visible")
        assert _decide(tab, 1, "accept").status == 201
        tab.wait_for_function("() => window.banner.granted('analytics')")
        tab.wait_for_timeout(300)
        assert trackers.to("googletagmanager.com")  # GA4 started: a returning visitor
        header = gates[0].all_headers()["cache-control"]
        assert header == f"public, max-age={max_age or 60}"
        fetched = live.counting.loader_fetches[-1]
        before = live.current("id")["notice_hash"]
        live.notice.version += 1
        live.notice.changes[live.notice.version] = {"id": "Tujuan baru.", "en": "New purpose."}
        live.write()
        live.reloaded("id", before)
        bumped = time.monotonic()
        fetches = len(live.counting.loader_fetches)
        views: list[tuple[float, bool, int, int]] = []
        while True:
            requested = len(trackers.urls)
            # another address each time: Chromium reloads (revalidates) the same one
            tab.goto(f"{shop}?view={len(views)}")
            tab.wait_for_function("() => !!window.banner")
            asked = tab.locator(".bn-changes:visible").first
            shown = asked.is_visible() or _settles_visible(tab)
            asked_service = len(live.counting.loader_fetches) - fetches
            views.append((time.monotonic(), shown, len(trackers.urls) - requested, asked_service))
            if shown:
                break
            assert time.monotonic() < fetched + bound + 60, "the bump never reached the page"
            tab.wait_for_timeout(400)
        seen_at = views[-1][0]
        # The first views after the bump came from Chromium's cache (no request reached the
        # service) and ran the old gate; the first one after the bound asked again.
        assert len(views) >= 2 and not views[0][1]
        assert all(v[3] == 0 for v in views[:-1]), views  # from Chromium's cache: no request
        assert views[-1][3] == 1  # then the gate was asked for again, and it asked the visitor
        # from that page view on, nothing leaves under the old policy
        assert views[-1][2] == 0
        for after in range(2):
            requested = len(trackers.urls)
            tab.goto(f"{shop}?after={after}")
            tab.locator(".bn-changes:visible").first.wait_for(state="visible")
            tab.wait_for_timeout(300)
            assert len(trackers.urls) == requested
        context.close()
    figure(
        f"loader_max_age={max_age or 60}{' (Age: 55)' if age else ''}: change notice on the "
        f"first page view {seen_at - fetched:.1f} s after the gate was fetched "
        f"({seen_at - bumped:.1f} s after the reload; bound {bound} s); "
        f"{len(views) - 1} page view(s) before ran the cached gate "
        f"({sum(v[2] for v in views[:-1])} tracker request(s) under the old policy, in the bound)"
    )


def _settles_visible(tab: Any) -> bool:
    """Whether the change notice shows once the UI had time to load (a fresh gate's banner)."""
    from playwright.sync_api import TimeoutError as NotShown

    try:
        tab.locator(".bn-changes:visible").first.wait_for(state="visible", timeout=1500)
    except NotShown:  # the old gate ran: nothing to ask
        return False
    return True
