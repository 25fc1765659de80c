"""Weight: raw, gzip -9 and brotli bytes of what a visitor downloads.

Ours is recorded from a real Chromium page against a running service, so it
stays right whatever files the loader is split into: every GET to the
consent host for (a) a returning visitor (consent cookie preset and vouched
for in localStorage, as the gate keeps it: the gate alone) and (b) a first
visit (gate, the first layer's UI and CSS: the chunks come on demand), for
the GA4 site. A site's gate carries the part of each tracker kind it configures, so
(c) is the gate of a second site with every kind (GA4, Tag Manager, Google
Ads, Meta Pixel, TikTok Pixel, referral, a custom script), as the running
service serves it. Beside them, the files a site includes for each peer,
installed from the npm registry. Each file is compressed on its own, as it
travels.

The budgets (issue 24) are checked on the files as the service builds them
(:func:`budget_weights`, pure: no server, no browser), by
``tests/web/test_weight_budget.py``: weight cannot creep back unnoticed.

Run: ``.venv/bin/python -m bench.weight``; ``.venv/bin/python -m bench.weight --hashes 24``
gives each budget row's mean, least and most over 24 random UI hashes.
"""

from __future__ import annotations

import gzip
import json
import sys
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import brotli

from bench import chromium, deployment, peers, stack
from bench.table import markdown

#: The weight budgets of issue 24, in brotli bytes (quality 11, each file on
#: its own): the one place they are written. A returning visitor with a
#: vouched cookie downloads the gate alone; a first visit the gate and the
#: first layer's files (``ui.<hash>.js`` and ``.css``), nothing on demand.
GATE_GA4 = "returning gate, GA4 only"
GATE_MIX = "returning gate, GA4+Meta+referral"
GATE_EVERY = "returning gate, every tracker kind"
FIRST_MIX = "first visit JS+CSS (GA4 + Meta Pixel + referral site)"
BUDGETS = {GATE_GA4: 2500, GATE_MIX: 2600, GATE_EVERY: 3000, FIRST_MIX: 5600}
#: Budgets not met yet, with the ceiling the weight must stay under meanwhile
#: (it may only go down: the test fails once a budget is met, so the entry
#: is then removed and the budget itself holds).
#: 2026-12-06: +20 B on the two gates for a pending refusal that outlives a policy
#: bump (it is sent, not dropped: a withdrawal is never lost), and on the first visit
#: for buttons wide enough for "Tarik semua persetujuan" at 375 px.
#: 2026-12-06 (visitor): the first layer carries one language (-356 B on the first
#: visit); the gates lower by a few bytes though they now ask for the UI's files at
#: once when there is no consent cookie (the chunks read the settings from the kernel).
#: 2026-12-07 (visitor2): the toast and the decision's status, the change notice, the
#: age box, the GPC note and their words and CSS are the chunk extra.js / extra.css,
#: fetched when due, and the dialog's opening, closing and inert page are more.js's
#: (-776 B on the first visit).
#: 2026-12-07 (lead): +56 B on the first visit, raised on purpose: a grant waits until
#: the change notice is on the screen (its words are in the notice hash the grant is
#: recorded under), also when the extra chunk did not come.
#: 2026-12-07 (weight): terser shortens the internal properties the gate, the parts,
#: the UI and the chunks share (one name map, static/src/props.json), and the kernel's,
#: chunks' and UI's own members whose names a DOM, JSON or page name shared are renamed
#: so they are shortened too: -61 to -141 B. The gates no longer carry the default
#: language (the UI's file names it by its words): -8 to -18 B more on the gates.
#: 2026-12-07 (lead, second session): +20 to +31 B, raised on purpose: a chunk that did
#: not come is asked for again after 1, 2 and 4 s. Before, one failed fetch of the
#: decision's chunk (a 503 while the service reloads) dropped every decision of that
#: page view, a withdrawal too, without a word (a clean CI run caught it).
#: 2026-12-07 (trackers): the gate's inner state as plain members, its parts' factory and
#: init in one pass, shorter Consent Mode, referral and Meta parts, the gate's settings
#: in the order they are built (not sorted): -17 to -38 B on the gates. Then the
#: decision's start as a member of the inner state, the parts' init and start shortened
#: by terser (props.json): -5 to -14 B more; a cookie's missing value left to parse's
#: try (-7 B on the mix gate).
#: 2026-12-07 (firstlayer): the first layer's paragraphs come as one list (``p``), its
#: links, focus rule (WCAG 2.4.11), helpers for the chunks and language pick are
#: written shorter, one focus outline for every control of the banner: -151 B. Then
#: what a decision sends of the notice drawn comes as one object (``s``) and the font
#: stack is ``system-ui, sans-serif`` (the same face wherever the UI's code runs but
#: Firefox 74-91): -43 B more.
#: At the merge of main (trackers) into firstlayer: the first visit 6,326 B.
#: 2026-12-07 (lead, third session): a decision's click hides the banner's root for the
#: one frame before it closes instead of an opacity class (no CSS rule for it): -27 B on
#: the first visit, and click to gone 7.8 -> 6.4 ms median (bench.paired, section in RESULTS).
#: 2026-12-07 (lead, fourth session): the first layer the site's back end may draw in
#: the page (``.bn-drawn``): ui.js removes it when it shows (+18 B), ui.css shows it
#: (+6 B). Mean over 24 random UI hashes 6,299.6 -> 6,323.6 B (max 6,329): the ceiling
#: is raised for this one feature, on purpose, to 6,332 B. Then its root takes no box
#: (``display: contents``, +2 B) and shows only once its end is parsed (``:has(.bn-end)``,
#: +10 B: a first paint mid-parse showed half a bar in 1 of 30 visits): mean 6,335.6 B
#: (max 6,341), ceiling 6,344 B. Then the gate takes a drawn layer away when it shows no
#: banner (a visitor who chose, whose request carried no cookie: a cross-site POST back, a
#: shared cache; found by a reviewing helper): +29 to +37 B on every gate, means GA4
#: 2,426.0, mix 2,741.8 (max 2,749), every kind 3,321.5 (max 3,326), first visit 6,364.8
#: (max 6,372). Ceilings 2,752, 3,330 and 6,375 B.
#: 2026-12-07 (lead, fifth session): +36 B on the first visit, raised on purpose: a drawn
#: layer whose script never takes over (loader.js alone blocked, a failed request) goes
#: after 10 s (a CSS animation to ``visibility: hidden``) instead of keeping dead buttons
#: on the screen. Mean 6,400.8 (max 6,408): ceiling 6,411 B.
NOT_MET: dict[str, int] = {GATE_MIX: 2752, GATE_EVERY: 3330, FIRST_MIX: 6411}
#: Targets of the browser-recorded rows below (first visit of the GA4 site).
GATE_TARGET = BUDGETS[GATE_GA4]
FIRST_VISIT_TARGET = BUDGETS[FIRST_MIX]
EVERY_KIND_TARGET = BUDGETS[GATE_EVERY]
VISIBLE_TIMEOUT_MS = 15_000
#: The base URL the budgets are measured with (as long as the bench's).
BUDGET_BASE = "http://127.0.0.1:45678/"


@dataclass(frozen=True, slots=True)
class Weight:
    """The bytes of one download set: raw, gzip -9 and brotli (quality 11)."""

    name: str
    files: tuple[str, ...]
    raw: int
    gzip: int
    brotli: int

    @classmethod
    def of(cls, name: str, files: Sequence[tuple[str, bytes]]) -> Weight:
        bodies = [body for _, body in files]
        return cls(
            name,
            tuple(label for label, _ in files),
            sum(len(b) for b in bodies),
            sum(len(gzip.compress(b, 9, mtime=0)) for b in bodies),
            sum(len(brotli.compress(b, quality=11)) for b in bodies),
        )


def budget_weights(base_url: str = BUDGET_BASE) -> dict[str, Weight]:
    """The weight of each budget row, from the files the service builds for the bench sites."""
    from banner.core.config import config_from_bytes
    from banner.web.site_files import site_files

    text = deployment.config_text("sqlite://", "https://shop.example")
    sites = config_from_bytes(text.encode(), "banner.toml", {}).sites
    built = {
        name: site_files(sites[name], base_url)
        for name in (deployment.SITE, deployment.MIX_SITE, deployment.EVERY_KIND_SITE)
    }

    def gate(site: str) -> list[tuple[str, bytes]]:
        return [("loader.js", built[site].files["loader.js"])]

    mix = built[deployment.MIX_SITE]
    first = [(name, mix.files[name]) for name in (mix.ui_name, mix.css_name)]
    return {
        GATE_GA4: Weight.of(GATE_GA4, gate(deployment.SITE)),
        GATE_MIX: Weight.of(GATE_MIX, gate(deployment.MIX_SITE)),
        GATE_EVERY: Weight.of(GATE_EVERY, gate(deployment.EVERY_KIND_SITE)),
        FIRST_MIX: Weight.of(FIRST_MIX, gate(deployment.MIX_SITE) + first),
    }


def peer_weights() -> list[Weight]:
    peers.install()
    return [
        Weight.of(
            f"{p.name} {p.version}",
            [(f, path.read_bytes()) for f, path in zip(p.files, p.paths(), strict=True)],
        )
        for p in peers.PEERS
    ]


def _downloads(
    browser: Any, running: stack.Stack, cookies: list[dict[str, Any]]
) -> list[tuple[str, bytes]]:
    """Every GET the banner page makes to the consent host, with its body."""
    with chromium.visit(browser, throttle=1, cookies=cookies) as visit:
        if cookies:  # a returning visitor's cookie is vouched for, as the gate keeps it
            token = json.dumps(cookies[0]["value"])
            vouched = f"localStorage.setItem('banner_vouched_{deployment.SITE}', {token})"
            visit.page.add_init_script(vouched)
        visit.page.goto(running.page("banner"), wait_until="load")
        if not cookies:
            visit.page.wait_for_function(
                "window.__benchVisibleAt !== undefined", timeout=VISIBLE_TIMEOUT_MS
            )
        visit.page.wait_for_load_state("networkidle")
        mine = [r for r in visit.requests if r.url.startswith(running.service_url)]
        return [(_label(r.url), r.response().body()) for r in mine if r.method == "GET"]


def _label(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _gate_of(running: stack.Stack, site: str) -> list[tuple[str, bytes]]:
    """The gate a returning visitor of ``site`` downloads, as the service serves it."""
    path = f"/s/{site}/loader.js"
    with urllib.request.urlopen(running.service_url + path, timeout=10) as response:
        body: bytes = response.read()
    return [(path, body)]


def our_weights() -> list[Weight]:
    with stack.running() as running, chromium.browser() as browser:
        token = deployment.obtain_token(running.service_url, running.shop_origin)
        cookie = {"name": "banner_consent", "value": token, "url": running.shop_origin}
        gate = _downloads(browser, running, [cookie])
        first = _downloads(browser, running, [])
        every = _gate_of(running, deployment.EVERY_KIND_SITE)
    return [
        Weight.of("banner: gate (returning visitor)", gate),
        Weight.of("banner: first visit", first),
        Weight.of("banner: gate, every tracker kind (returning visitor)", every),
    ]


def _row(weight: Weight, reference: Weight, smallest: Weight, target: int | None) -> list[str]:
    versus_target = "—" if target is None else f"{weight.brotli / target:.2f}x of {target:,} B"
    return [
        weight.name,
        f"{weight.raw:,}",
        f"{weight.gzip:,}",
        f"{weight.brotli:,}",
        f"{weight.brotli / reference.brotli:.2f}x",
        f"{weight.brotli / smallest.brotli:.2f}x",
        versus_target,
    ]


def budget_table() -> str:
    """The budget rows: measured, budget, and whether it holds."""
    rows = []
    for name, weight in budget_weights().items():
        budget = BUDGETS[name]
        held = "yes" if weight.brotli <= budget else f"no (ceiling {NOT_MET.get(name, budget):,} B)"
        rows.append([name, f"{weight.brotli:,}", f"{budget:,}", held])
    return markdown(["download (brotli)", "B", "budget B", "within budget"], rows)


def hash_means(count: int, seed: int = 7) -> dict[str, tuple[float, int, int]]:
    """Each budget row's brotli bytes over ``count`` random UI hashes: (mean, min, max).

    The UI set's hash is 16 random hex digits in the gate (and in the first
    visit's file names): it alone moves a row by about ±6 B. Comparing two
    builds by their means tells what a change costs, not what its hash does.
    """
    import random
    from unittest import mock

    rng = random.Random(seed)
    found: dict[str, list[int]] = {}
    for _ in range(count):
        named = f"{rng.getrandbits(64):016x}"
        with mock.patch("banner.web.site_files.ui_hash", return_value=named):
            for name, weight in budget_weights().items():
                found.setdefault(name, []).append(weight.brotli)
    return {name: (sum(v) / len(v), min(v), max(v)) for name, v in found.items()}


def main(argv: Sequence[str] = ()) -> None:
    if argv[:1] == ["--hashes"]:
        means = hash_means(int(argv[1]))
        rows = [[n, f"{m:,.1f}", f"{lo:,}", f"{hi:,}"] for n, (m, lo, hi) in means.items()]
        print(markdown(["download (brotli)", "mean B", "min B", "max B"], rows))
        return
    print(budget_table())
    print()
    theirs = peer_weights()
    ours = our_weights()
    reference = theirs[0]
    smallest = min(theirs, key=lambda w: w.brotli)
    targets = (GATE_TARGET, FIRST_VISIT_TARGET, EVERY_KIND_TARGET)
    rows = [_row(w, reference, smallest, t) for w, t in zip(ours, targets, strict=True)]
    rows += [_row(w, reference, smallest, None) for w in theirs]
    headers = ["download", "raw B", "gzip -9 B", "brotli B"]
    headers += [f"brotli ÷ {reference.name}", f"brotli ÷ {smallest.name}", "brotli ÷ target"]
    print(markdown(headers, rows))
    print()
    for weight in (*ours, *theirs):
        print(f"- {weight.name}: {', '.join(weight.files)}")


if __name__ == "__main__":
    main(sys.argv[1:])
