"""Weight: raw, gzip -9 and brotli bytes of what a visitor downloads.

Ours is recorded from a real Chromium page against a running service, so it
stays right whatever files the loader is split into: every GET to the
consent host for (a) a returning visitor (consent cookie preset: the gate
alone) and (b) a first visit (gate, UI, CSS, texts, settings), for the GA4
site. A site's gate carries the part of each tracker kind it configures, so
(c) is the gate of a second site with every kind (GA4, Tag Manager, Google
Ads, Meta Pixel, TikTok Pixel, referral, a custom script), as the running
service serves it. Beside them, the files a site includes for each peer,
installed from the npm registry. Each file is compressed on its own, as it
travels.

Run: ``.venv/bin/python -m bench.weight``
"""

from __future__ import annotations

import gzip
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import brotli

from bench import chromium, deployment, peers, stack
from bench.table import markdown

#: Targets from issue 6 and issue 14 (every kind), in brotli bytes.
GATE_TARGET = 2500
FIRST_VISIT_TARGET = 6000
EVERY_KIND_TARGET = 3000
VISIBLE_TIMEOUT_MS = 15_000


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


def main() -> None:
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
    main()
