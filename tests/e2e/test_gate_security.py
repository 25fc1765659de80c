"""The gate against hostile pages, forged cookies and a service that refuses (issue 26).

Item 1: a refused or lost withdrawal holds in the browser, is retried across
page views and is said to the visitor. Item 3: markup that clobbers the
globals the gate reads. Item 4: URL schemes of gated frames and scripts.
Item 7: a consent cookie the service never vouched for. Item 15: withdrawal
across paths, storage and tabs, and the single-use return state.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import banner_shown, decide, gate_ran, visit, wait_until
from tests.factories import signed_token

pytestmark = pytest.mark.e2e

ALL = ["functional", "analytics", "preference"]
RETRY_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")
CONSENT = "**/api/v1/consent"


def open_settings(page: Any) -> None:
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()


def withdraw_all(page: Any) -> None:
    """Reopen the preferences, switch everything off and save."""
    open_settings(page)
    for name in ("Fungsional", "Analitik", "Preferensi"):
        page.get_by_role("switch", name=name).uncheck()
    page.get_by_role("button", name="Simpan pilihan", exact=True).click()


def consent_value(context: Any) -> str | None:
    found = [c["value"] for c in context.cookies() if c["name"] == "banner_consent"]
    return found[0] if found else None


def payload(token: str) -> dict[str, Any]:
    head = token.split(".")[0]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return result


def posted(requests: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(r.post_data) for r in requests if r.url.endswith("/api/v1/consent")]


def refuse(status: int, error: str, origin: str) -> dict[str, Any]:
    return {
        "status": status,
        "json": {"error": error, "message": "refused"},
        "headers": {"Access-Control-Allow-Origin": origin},
    }


# --- item 3: DOM clobbering -----------------------------------------------------------

CLOBBERS = {
    "img-fbq": '<img name="fbq" alt="">',
    "a-fbq": '<a id="fbq">x</a>',
    "img-_fbq": '<img name="_fbq" alt="">',
    "a-dataLayer": '<a id="dataLayer">x</a>',
    "form-banner": '<form name="banner"><input name="_k"></form>',
    "a-banner": '<a id="banner">x</a>',
    "img-cookie": '<img name="cookie" alt="">',
    "img-createElement": '<img name="createElement" alt="">',
    "img-querySelectorAll": '<img name="querySelectorAll" alt="">',
    "img-addEventListener": '<img name="addEventListener" alt="">',
    "img-currentScript": '<img name="currentScript" alt="">',
    "img-__bannerParts": '<img name="__bannerParts" alt="">',
    # the on-demand chunks register in __bannerParts too
    "form-__bannerParts": (
        '<form name="__bannerParts"><input name="send"><input name="more">'
        '<input name="tags"></form>'
    ),
}


@pytest.mark.parametrize("markup", list(CLOBBERS.values()), ids=list(CLOBBERS))
def test_clobbered_globals_neither_stop_the_banner_nor_the_withdrawal(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog, markup: str
) -> None:
    requests: list[Any] = []
    page.on("request", lambda r: requests.append(r))
    # The markup comes before the loader runs, as user content in a page would.
    deployment.shop.pages["/"] = (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>t</title></head>'
        f'<body>{markup}<a href="#p" data-banner-open>Pengaturan privasi</a>'
        f"{deployment.loader_tag()}</body></html>"
    )
    page.goto(deployment.shop.origin + "/")
    banner_shown(page)
    page.wait_for_timeout(300)
    assert trackers.urls == [], "nothing starts before a grant"
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js") and trackers.to("fbevents.js"))
    with page.expect_event("load"):
        withdraw_all(page)
    gate_ran(page)
    wait_until(page, lambda: len(posted(requests)) == 2)
    assert posted(requests)[-1]["granted"] == []
    wait_until(page, lambda: payload(consent_value(context) or "e30")["g"] == [])
    seen = len(trackers.urls)
    page.reload()
    gate_ran(page)
    page.wait_for_timeout(500)
    assert len(trackers.urls) == seen, "nothing starts again after the withdrawal"
    assert not page.evaluate("window.banner.granted('analytics')")


def test_a_clobbered_part_fails_closed(
    deployment: Deployment, page: Any, trackers: TrackerLog
) -> None:
    """A form whose controls name tracker parts keeps those parts from registering.

    The parts register on ``window.__bannerParts`` before the gate runs, where
    markup named so shows through, and a form's controls shadow what is set on
    it: Consent Mode's and GA4's parts are lost, and the Google kinds stay off
    even once granted (fail closed). Nothing may start before the grant, and
    Meta Pixel, whose part registered, starts after it.
    """
    deployment.shop.pages["/"] = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>t</title></head>'
        '<body><form name="__bannerParts"><input name="consent_mode"><input name="ga4">'
        f"</form>{deployment.loader_tag()}</body></html>"
    )
    page.goto(deployment.shop.origin + "/")
    banner_shown(page)
    page.wait_for_timeout(300)
    assert trackers.urls == []
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("fbevents.js"))
    assert page.evaluate("window.banner.granted('analytics')")


def test_every_clobbered_global_at_once(
    deployment: Deployment, page: Any, trackers: TrackerLog
) -> None:
    """Consent Mode's layer and the pixel's queue are the gate's own, both start once granted."""
    deployment.shop.pages["/"] = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>t</title>'
        f"</head><body>{''.join(CLOBBERS.values())}"
        f"{deployment.loader_tag()}</body></html>"
    )
    page.goto(deployment.shop.origin + "/")
    banner_shown(page)
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("fbevents.js") and trackers.to("gtag/js"))
    assert page.evaluate("Array.isArray(window.dataLayer) && typeof window.fbq === 'function'")


# --- item 4: URL schemes ----------------------------------------------------------------

HOSTILE_URLS = [
    "javascript:parent.pwned='iframe'",
    " JaVaScRiPt:parent.pwned='case'",
    "java&#9;script:parent.pwned='tab'",
    "data:text/html,<script>parent.pwned='data-frame'</script>",
    "vbscript:msgbox(1)",
    "blob:null/0000",
]
HOSTILE_SCRIPTS = [
    "data:text/javascript,window.pwned='data-script'",
    "javascript:window.pwned='js-script'",
    " data:text/javascript;base64,d2luZG93LnB3bmVkPSdiNjQn",
]


def test_only_http_urls_become_live(deployment: Deployment, page: Any) -> None:
    frames = "".join(
        f'<iframe data-category="analytics" data-src="{u}" title="f{n}"></iframe>'
        for n, u in enumerate(HOSTILE_URLS)
    )
    scripts = "".join(
        f'<script type="text/plain" data-category="analytics" src="{u}"></script>'
        f'<script type="text/plain" data-category="analytics" data-src="{u}"></script>'
        for u in HOSTILE_SCRIPTS
    )
    good = (
        '<iframe data-category="analytics" data-src="/frame" title="good"></iframe>'
        '<script type="text/plain" data-category="analytics" data-src="/ok.js"></script>'
    )
    deployment.shop.pages["/frame"] = "<!doctype html><title>ok</title>"
    deployment.shop.pages["/ok.js"] = "window.okRan = true"
    deployment.shop.headers["/ok.js"] = {"Content-Type": "text/javascript"}
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else 0)
    visit(page, deployment, body=frames + scripts + good)
    banner_shown(page)
    decide(page, "Terima semua")
    wait_until(page, lambda: page.evaluate("window.okRan === true"))
    page.wait_for_timeout(500)
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.querySelector('iframe[title=good]').getAttribute('src')") == (
        "/frame"
    )
    live = page.evaluate(
        "[...document.querySelectorAll('iframe')].filter(f => f.title !== 'good')"
        ".map(f => f.getAttribute('src'))"
    )
    assert live == [None] * len(HOSTILE_URLS)
    assert sum("not an http(s) URL" in w for w in warnings) == len(HOSTILE_URLS) + 2 * len(
        HOSTILE_SCRIPTS
    )


def test_a_hostile_script_added_later_stays_inert(deployment: Deployment, page: Any) -> None:
    visit(page, deployment)
    decide(page, "Terima semua")
    page.evaluate(
        """() => {
        const s = document.createElement('script');
        s.type = 'text/plain';
        s.dataset.category = 'analytics';
        s.src = "data:text/javascript,window.pwned='spa'";
        document.body.appendChild(s);
        const f = document.createElement('iframe');
        f.dataset.category = 'analytics';
        f.dataset.src = "javascript:parent.pwned='spa-frame'";
        document.body.appendChild(f);
    }"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("window.pwned") is None


# --- item 7: a cookie the service never vouched for -------------------------------------


def forged(granted: list[str], consent_id: str = "forged-consent-id-00001") -> str:
    body = {"i": consent_id, "s": "tokodemo", "g": granted, "v": 3, "t": int(time.time())}
    head = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    return f"{head}.AAAAAA.not-a-signature"


def test_a_forged_cookie_grants_nothing_and_fixes_no_id(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    context.add_cookies(
        [{"name": "banner_consent", "value": forged(ALL), "url": deployment.shop.origin}]
    )
    requests: list[Any] = []
    page.on("request", lambda r: requests.append(r))
    with page.expect_response("**/api/v1/verify") as verdict:
        visit(page, deployment)
    assert verdict.value.json()["valid"] is False
    banner_shown(page)
    page.wait_for_timeout(300)
    assert trackers.urls == []
    assert not page.evaluate("window.banner.granted('analytics')")
    decide(page, "Tolak semua")
    sent = posted(requests)[-1]
    assert sent["consent_id"] != "forged-consent-id-00001" and "token" not in sent


def test_a_valid_cookie_from_elsewhere_is_vouched_once(
    deployment: Deployment, page: Any, trackers: TrackerLog
) -> None:
    """The hosted page's own cookie, or a backend's: one verify, then the loader alone."""
    page.context.add_cookies(
        [
            {
                "name": "banner_consent",
                "value": signed_token("someone-elses-id-0001", ["analytics"]),
                "url": deployment.shop.origin,
            }
        ]
    )
    verifies: list[str] = []
    page.on("request", lambda r: verifies.append(r.url) if "/verify" in r.url else 0)
    visit(page, deployment)
    wait_until(page, lambda: trackers.to("gtag/js"))
    page.reload()
    gate_ran(page)
    page.wait_for_timeout(300)
    assert len(verifies) == 1


# --- item 1: a withdrawal is never dropped ----------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, "token_required"), (409, "stale_policy_version"), (400, "invalid_field"), (0, "")],
    ids=["403", "409", "400", "network"],
)
def test_a_refused_withdrawal_holds_is_shown_and_retried(
    deployment: Deployment,
    page: Any,
    context: Any,
    trackers: TrackerLog,
    status: int,
    error: str,
) -> None:
    requests: list[Any] = []
    page.on("request", lambda r: requests.append(r))
    visit(page, deployment)
    first = decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js"))

    def refusal(route: Any) -> None:
        if status:
            route.fulfill(**refuse(status, error, deployment.shop.origin))
        else:
            route.abort()

    page.route(CONSENT, refusal)
    with page.expect_event("load"):
        withdraw_all(page)
    gate_ran(page)
    # The withdrawal holds in this browser, and the visitor is told it is not saved yet.
    page.locator(".bn-toast").wait_for(state="visible")
    assert (
        "Penarikan persetujuan Anda belum berhasil disimpan"
        in page.locator(".bn-toast").inner_text()
    )
    assert not page.evaluate("window.banner.granted('analytics')")
    started = len(trackers.to("gtag/js"))
    # Another page view: the same decision is sent again, still nothing starts.
    before = len(posted(requests))
    page.reload()
    gate_ran(page)
    wait_until(page, lambda: len(posted(requests)) > before)
    page.wait_for_timeout(300)
    assert len(trackers.to("gtag/js")) == started
    assert not page.evaluate("window.banner.granted('analytics')")
    withdrawals = [b for b in posted(requests) if b["granted"] == []]
    keys = {b["retry_key"] for b in withdrawals}
    assert all(RETRY_KEY.fullmatch(k) for k in keys)
    assert keys.isdisjoint({b.get("retry_key") for b in posted(requests) if b["granted"]})
    # The service answers again: the withdrawal lands, under the id it can be proven for.
    page.unroute(CONSENT)
    page.reload()
    gate_ran(page)
    wait_until(page, lambda: payload(consent_value(context) or "e30").get("g") == [])
    assert page.evaluate("localStorage.getItem('banner_pending_tokodemo')") is None
    landed = posted(requests)[-1]
    assert landed["granted"] == []
    if status == 403:
        # This browser could not prove the id: the decision goes under a fresh id.
        assert landed["consent_id"] != first["consent_id"] and "token" not in landed
    else:
        assert landed["consent_id"] == first["consent_id"]
        assert len(keys) == 1, "every retry carries the decision's one retry_key"


@pytest.mark.parametrize("granted", [[], ["analytics"]], ids=["refusal", "grant"])
def test_a_pending_decision_of_another_policy_version(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog, granted: list[str]
) -> None:
    """A pending refusal or withdrawal made under another policy version is still sent
    (never a withdrawal dropped); a pending grant of another version is void."""
    requests: list[Any] = []
    page.on("request", lambda r: requests.append(r))
    visit(page, deployment)
    first = decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js"))
    page.route(CONSENT, lambda r: r.abort())
    with page.expect_event("load"):
        withdraw_all(page)
    gate_ran(page)
    wait_until(page, lambda: page.evaluate("localStorage.getItem('banner_pending_tokodemo')"))
    # The policy moved on while the decision waited: the kept body names version 2.
    page.evaluate(
        """(granted) => { const k = 'banner_pending_tokodemo';
        const b = JSON.parse(localStorage.getItem(k)); b.policy_version = 2; b.granted = granted;
        localStorage.setItem(k, JSON.stringify(b)); }""",
        granted,
    )
    page.unroute(CONSENT)
    before = len(posted(requests))
    page.reload()
    gate_ran(page)
    page.wait_for_timeout(500)
    sent = posted(requests)[before:]
    if granted:
        assert sent == []  # dropped: a grant needs the notice of the current version
        assert page.evaluate("localStorage.getItem('banner_pending_tokodemo')") is None
    else:
        assert [b["granted"] for b in sent] == [[]]
        wait_until(page, lambda: payload(consent_value(context) or "e30").get("g") == [])
        assert sent[0]["consent_id"] == first["consent_id"]
        assert not page.evaluate("window.banner.granted('analytics')")


def test_a_refused_grant_leaves_the_earlier_choice(
    deployment: Deployment, page: Any, trackers: TrackerLog
) -> None:
    visit(page, deployment)
    decide(page, "Tolak semua")
    page.route(CONSENT, lambda r: r.fulfill(**refuse(400, "invalid_field", deployment.shop.origin)))
    open_settings(page)
    page.get_by_role("switch", name="Analitik").check()
    page.get_by_role("button", name="Simpan pilihan", exact=True).click()
    page.locator(".bn-toast").wait_for(state="visible")
    page.reload()
    gate_ran(page)
    page.wait_for_timeout(500)
    assert trackers.urls == []
    assert page.evaluate("localStorage.getItem('banner_pending_tokodemo')") is None


# --- item 15: paths, storage, tabs and the return state ---------------------------------

PLANT = """() => {
  for (const path of ['/', '/shop', '/shop/', '/shop/kopi'])
    document.cookie = `_ga=x; Path=${path}; Max-Age=600`;
  document.cookie = '_gid=x; Path=/shop; Max-Age=600';
  localStorage.setItem('_ga_ABC123', 'x');
  sessionStorage.setItem('_gid', 'x');
  localStorage.setItem('site_cart', 'kept');
}"""
LEFT = """() => [document.cookie, Object.keys(localStorage).sort(),
                 Object.keys(sessionStorage).filter(k => !k.startsWith('banner_'))]"""


def test_withdrawal_reaches_every_path_storage_and_other_tabs(
    deployment: Deployment, context: Any, trackers: TrackerLog
) -> None:
    tab_a = context.new_page()
    visit(tab_a, deployment, "/shop/kopi")
    decide(tab_a, "Terima semua")
    wait_until(tab_a, lambda: trackers.to("gtag/js"))
    tab_b = context.new_page()
    tab_b.goto(deployment.shop.origin + "/shop/kopi")
    gate_ran(tab_b)
    wait_until(tab_b, lambda: tab_b.evaluate("window.banner.granted('analytics')"))
    tab_b.evaluate("window.__stayed = true")
    # A hidden tab may reload to stop tags that ran; a visible one is never reloaded.
    visible = tab_b.evaluate("document.visibilityState") == "visible"
    tab_b.evaluate(PLANT)
    with tab_a.expect_event("load"):
        withdraw_all(tab_a)
    gate_ran(tab_a)
    # The other tab stops without a reload: consent revoked, cookies and keys swept.
    wait_until(tab_b, lambda: not tab_b.evaluate("window.banner.granted('analytics')"), seconds=10)
    assert tab_b.evaluate("window.__stayed") is True or not visible
    jar, local, session = tab_b.evaluate(LEFT)
    assert "_ga=" not in jar and "_gid=" not in jar
    assert "site_cart" in local and not any(k.startswith("_ga") for k in local)
    assert session == []
    denied = tab_b.evaluate(
        "dataLayer.filter(m => m[0] === 'consent' && m[1] === 'update')"
        ".map(m => m[2].analytics_storage)"
    )
    assert denied[-1] == "denied"
    assert tab_b.evaluate("fbq.queue.map(c => Array.from(c)).filter(c => c[0] === 'consent')")[
        -1
    ] == ["consent", "revoke"]
    # Planted again on this tab's own paths, they go with its next page view too.
    tab_b.evaluate(PLANT)
    tab_b.reload()
    gate_ran(tab_b)
    wait_until(tab_b, lambda: "_ga=" not in tab_b.evaluate(LEFT)[0])


def test_the_return_state_is_single_use(deployment: Deployment, page: Any, context: Any) -> None:
    visit(page, deployment)
    banner_shown(page)
    state = "0123456789abcdef"
    first = signed_token("returning-visitor-0001", ["analytics"], age=60)
    later = signed_token("returning-visitor-0001", ALL)
    page.evaluate(f"sessionStorage.setItem('banner_state', '{state}')")
    page.goto(f"{deployment.shop.origin}/?a#banner_token={first}&banner_state={state}")
    gate_ran(page)
    wait_until(page, lambda: consent_value(context) == first)
    assert page.evaluate("sessionStorage.getItem('banner_state')") is None
    # The same state again (a link kept in history, a copied address) takes nothing.
    page.goto(f"{deployment.shop.origin}/?b#banner_token={later}&banner_state={state}")
    gate_ran(page)
    page.wait_for_timeout(500)
    assert consent_value(context) == first


def test_a_return_never_brings_back_an_older_token(
    deployment: Deployment, page: Any, context: Any
) -> None:
    visit(page, deployment)
    newer = signed_token("returning-visitor-0002", [])
    older = signed_token("returning-visitor-0002", ALL, age=3600)
    context.add_cookies([{"name": "banner_consent", "value": newer, "url": deployment.shop.origin}])
    state = "fedcba9876543210"
    page.evaluate(f"sessionStorage.setItem('banner_state', '{state}')")
    page.goto(f"{deployment.shop.origin}/?c#banner_token={older}&banner_state={state}")
    gate_ran(page)
    page.wait_for_timeout(500)
    assert consent_value(context) == newer


NO_STORAGE = """
for (const name of ['localStorage', 'sessionStorage'])
  Object.defineProperty(window, name, {
    get() { throw new DOMException('The user denied storage', 'SecurityError') },
  });
"""


def test_with_storage_blocked_the_gate_still_decides_and_withdraws(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    """Reading window.localStorage throws when a visitor blocks site data."""
    page.add_init_script(NO_STORAGE)
    visit(page, deployment)
    banner_shown(page)
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js"))
    with page.expect_event("load"):
        withdraw_all(page)
    gate_ran(page)
    # Nothing was kept, so the choice is verified again: the withdrawal stands.
    wait_until(page, lambda: payload(consent_value(context) or "e30").get("g") == [])
    assert not page.evaluate("window.banner.granted('analytics')")


def test_embed_placeholders_survive_clobbering(deployment: Deployment, page: Any) -> None:
    """The placeholder part reads document through the gate's view too."""
    deployment.shop.pages["/frame"] = "<!doctype html><title>ok</title>"
    deployment.shop.pages["/"] = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>t</title></head>'
        f"<body>{''.join(CLOBBERS.values())}"
        '<iframe data-category="analytics" data-src="/frame" title="Peta"></iframe>'
        f"{deployment.loader_tag()}</body></html>"
    )
    page.goto(deployment.shop.origin + "/")
    banner_shown(page)
    page.locator(".bn-embed").wait_for(state="visible")
