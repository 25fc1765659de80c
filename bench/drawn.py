"""banner's first layer drawn by the site's back end, beside banner and the peers (issue 24).

One commit (``REV``, default ``HEAD``; it must have ``banner/web/drawn_layer.py``),
or several side by side, is served from its own archive (``bench.paired.served``); its shop serves
``banner`` (the gate draws the first layer) and ``banner-drawn`` (the same page
with the first layer drawn by the shop's back end: ``first_layer`` of that
commit's ``banner.web.drawn_layer``, in the shop's process, for the service's
site and address and the request's cookies: a bench browser has none, so it is
always drawn). Both, Orejime and Klaro! are visited round-robin in one
Chromium, CPU x4, as ``bench.paired`` visits them (``browser.first_visit``).

For ``banner-drawn``, "banner visible" is the drawn bar's (``.bn-drawn
.bn-bar``, visible once painted; "visible whole": the parser past it, as a first
paint can come mid-parse with the bar's head alone); "script's bar visible" is when the script's
own bar took over (``.bn:not(.bn-drawn) .bn-bar``), and click to gone is
measured on it, after the takeover (the drawn bar's buttons do nothing).
The takeover's frame is checked: the bar's boxes moved against the drawn bar's,
the page's own boxes moved (the body's, its children's), frames with neither
bar visible, layout shifts after the drawn bar showed.

Run: ``.venv/bin/python -m bench.drawn ROUNDS [REV ...]`` (the peers' pages from the
first commit's shop).
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import browser, paired, peers
from bench.figures import Spread, median_or_none, ratio
from bench.shop import DRAWN_PAGE
from bench.table import markdown
from bench.visible_floor import GONE_TARGET, VISIBLE_TARGET


def pages(shops: dict[str, str]) -> dict[str, str]:
    """The pages of a run, by the name the tables give them: each commit's two (``shops``:
    its shop's address by commit), then the peers' from the first commit's shop."""
    found: dict[str, str] = {}
    for rev, shop in shops.items():
        found[rev] = f"{shop}/{browser.OURS}.html"
        found[f"{rev} {DRAWN_PAGE}"] = f"{shop}/{DRAWN_PAGE}.html"
    first = next(iter(shops.values()))
    found.update({peer: f"{first}/{peer}.html" for peer in paired.PEER_PAGES})
    return found


def verdicts(found: dict[str, list[browser.FirstVisit]]) -> str:
    """Each of banner's pages against the fastest peer of the run (its own for each
    figure), beside issue 24's targets; for the drawn page, also the script's bar."""
    visible = {p: paired.spread(r.visible_ms for r in runs) for p, runs in found.items()}
    gone = {p: paired.spread(r.gone_ms for r in runs) for p, runs in found.items()}
    fast_visible = min(paired.PEER_PAGES, key=lambda p: median_or_none(visible[p]) or 1e9)
    fast_gone = min(paired.PEER_PAGES, key=lambda p: median_or_none(gone[p]) or 1e9)
    rows = []
    for page, runs in found.items():
        if page in paired.PEER_PAGES:
            continue
        taken = [r.takeover.at_ms for r in runs if r.takeover is not None]
        whole = [t.whole_ms or v for v, t in _seen(runs)]
        peer = median_or_none(visible[fast_visible])
        rows.append(
            [
                page,
                ratio(median_or_none(visible[page]), peer),
                ratio(Spread.of(whole).median, peer) if whole else "—",
                ratio(Spread.of(taken).median, peer) if taken else "—",
                ratio(median_or_none(gone[page]), median_or_none(gone[fast_gone])),
            ]
        )
    rows.append(["target", f"≤ {VISIBLE_TARGET:.2f}x", "", "—", f"≤ {GONE_TARGET:.2f}x"])
    headers = [
        "page",
        f"banner visible ÷ fastest peer ({fast_visible})",
        "drawn bar visible whole ÷ the same",
        "script's bar visible ÷ the same",
        f"click to gone ÷ fastest peer ({fast_gone})",
    ]
    return markdown(headers, rows)


def takeover_table(found: dict[str, list[browser.FirstVisit]]) -> str:
    """The drawn pages' takeovers: when, and whether anything moved or blinked."""
    rows = []
    for page, runs in found.items():
        taken = [r.takeover for r in runs if r.takeover is not None]
        if not taken:
            continue
        drawn = [r.visible_ms for r in runs if r.takeover is not None and r.visible_ms]
        partial = sum(t.whole_ms is not None for t in taken)
        rows.append(
            [
                page,
                Spread.of(drawn).show(0),
                Spread.of(t.whole_ms or v for v, t in _seen(runs)).show(0),
                f"{partial} of {len(taken)}",
                Spread.of(t.at_ms for t in taken).show(0),
                Spread.of(t.at_ms - (r.visible_ms or 0.0) for r, t in _pairs(runs)).show(0),
                f"{sum(t.moved != 0 for t in taken)} of {len(taken)}",
                f"{sum(t.page_moved != 0 for t in taken)} of {len(taken)}",
                f"{sum(t.gap_frames > 0 for t in taken)} of {len(taken)}",
                f"{sum(t.both_shown for t in taken)} of {len(taken)}",
                f"{sum(t.drawn_shift > 0 for t in taken)} of {len(taken)}",
                f"{max(t.drawn_shift for t in taken):.4f}",
                f"{max(t.shift for t in taken):.4f}",
            ]
        )
    headers = ["page", "drawn bar visible ms", "drawn bar visible whole ms"]
    headers += ["visits painting a part of the drawn bar first"]
    headers += ["script's bar visible ms", "drawn bar shown for ms"]
    headers += ["visits where a bar's box moved", "visits where the page's boxes moved"]
    headers += ["visits with a frame showing neither bar"]
    headers += [
        "visits with both shown in a frame",
        "visits with a shift while the drawn bar showed",
    ]
    headers += ["its layout shift, most", "layout shift at and after the takeover, most"]
    return markdown(headers, rows)


def _seen(runs: list[browser.FirstVisit]) -> list[tuple[float, browser.Takeover]]:
    return [(r.visible_ms or 0.0, r.takeover) for r in runs if r.takeover is not None]


def _pairs(runs: list[browser.FirstVisit]) -> list[tuple[browser.FirstVisit, browser.Takeover]]:
    return [(r, r.takeover) for r in runs if r.takeover is not None]


def main(argv: list[str]) -> None:
    rounds = int(argv[0])
    revs = [paired.short(rev) for rev in argv[1:] or ["HEAD"]]
    peers.install()
    started = time.strftime("%H:%M", time.gmtime())
    with ExitStack() as stack:
        shops = {}
        for rev in revs:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="banner-drawn-")))
            shops[rev] = stack.enter_context(paired.served(rev, folder))["shop"]
        found, loads = paired.visit_all(pages(shops), rounds)
    print(f"{rounds} rounds, {started}-{time.strftime('%H:%M', time.gmtime())} UTC, CPU x4,")
    print(f"load average {min(loads):.1f}-{max(loads):.1f} (1 min, read every round):\n")
    print(paired.table(found))
    print()
    print(verdicts(found))
    print()
    print(takeover_table(found))


if __name__ == "__main__":
    main(sys.argv[1:])
