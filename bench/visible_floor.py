"""Where the visitor side's floors are: banner's first visit beside pages that draw
its first layer with none of banner's code.

Issue 24's visitor targets (banner visible <= 0.8x the fastest peer, no long task
over 50 ms on the first visit, click to gone <= 0.5x the fastest peer) are
measured, as ``bench.paired`` measures them, on banner (a commit, its own
archive and service), Orejime and Klaro!, and in the same run, round-robin, on
floor pages served by a shop of this module's (``serve``):

- ``floor-bare``: the shop page with one async script, from another origin as
  the gate is (the page on ``localhost``, the script on ``127.0.0.1``), that
  does nothing but draw banner's first layer: the DOM ``ui.js`` drew in this run
  (same words, classes and attributes) and the CSS the service served for it,
  no consent logic, no gate, no second request. Its "Accept all" only hides
  the bar. The lower bound of drawing the first layer from the gate itself.
- ``floor-static``: the same first layer as plain HTML at the end of the body,
  its CSS in a ``<style>`` of the page: no script at all. The floor of the bar's
  own first style, layout and paint with these words and this font stack.
- ``floor-static-sans``: the static bar in the generic ``sans-serif``: what the
  system-ui stack's fonts cost.
- ``baseline``: the shop page with no banner, the reference of them all.

The first layer is captured from the commit's own banner at the start of the
run (``capture``). Then traced first visits of the floor pages (``bench.tasks``'
categories) name the long tasks: the page's main-thread tasks with their style,
layout, fonts, paint and script time. Last, the bytes a returning visitor would
download if the gate drew the first layer (``gate_weights``: the gate with the
first layer's files as one brotli file, and with only the first layer's DOM and
CSS as JSON, the least any drawing needs), and the static bar's own bytes.

Run: ``.venv/bin/python -m bench.visible_floor ROUNDS [TRACED [REV]]`` (REV
defaults to ``HEAD``)
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from werkzeug.serving import run_simple

from bench import browser, chromium, paired, peers, tasks
from bench.figures import Spread, ratio
from bench.processes import Process, free_port
from bench.shop import PAGES, ShopApp
from bench.table import markdown
from bench.weight import BUDGETS, GATE_GA4, Weight

BARE = "floor-bare"
BARE_AWAY = "floor-bare-away"
BARE_SANS = "floor-bare-sans"
BARE_WARM = "floor-bare-warm"
STATIC = "floor-static"
STATIC_SANS = "floor-static-sans"
#: The floor pages, and what the tables call them.
FLOORS = {
    BARE: "bare script: one async script draws the first layer, its click sets the bar `hidden`",
    BARE_AWAY: "bare script, its click makes the layers transparent (`bn-away`, as banner's click)",
    BARE_SANS: "bare script, the banner's texts in the generic sans-serif",
    BARE_WARM: "bare script, the fonts looked up before the bar's frame, a part of it a frame",
    STATIC: "static bar: the first layer as HTML+CSS in the page, no script",
    STATIC_SANS: "static bar, the banner's texts in the generic sans-serif",
    browser.BASELINE: "the shop page, no banner",
}
#: Pages nothing is clicked on (no script, or not the click's floor): visited as
#: ``bench.browser`` visits the page without a banner.
UNCLICKED = (BARE_SANS, BARE_WARM, STATIC, STATIC_SANS, browser.BASELINE)
#: Traced: every floor page but one of the two that differ only by their click.
TRACED_FLOORS = [name for name in FLOORS if name != BARE_AWAY]
#: Filled by the floor shop in the bare script and the static pages.
FLOOR_SLOT = "__FLOOR__"
CSS_SLOT = "UI_CSS"
#: Elements without an end tag (none in the first layer today).
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source"})
#: Trace events whose time is shown inside a task (several names for one row).
INSIDE = {
    "parse": ("ParseHTML",),
    "style": ("UpdateLayoutTree",),
    "layout": ("Layout",),
    "fonts": (tasks.FONTS,),
    "paint": ("PrePaint", "Paint", "Layerize"),
    "script": ("EvaluateScript", "FunctionCall", "TimerFire", "v8.compile"),
}
LONG_MS = 50.0
#: Issue 24's targets: banner visible and click to gone, each ÷ the fastest peer.
VISIBLE_TARGET = 0.8
GONE_TARGET = 0.5
#: Traced first visits of each page, by default.
TRACED = 8


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[list[Any]] = [["", {}]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node: list[Any] = [tag, {name: value or "" for name, value in attrs}]
        self.open[-1].append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and len(self.open) > 1:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].append(data)


def tree_of(html: str) -> list[Any]:
    """The one element of ``html`` as ``[tag, {attribute: value}, *children]``, a child
    being a string or such a list: the JSON the bare script builds the DOM from."""
    parser = _Tree()
    parser.feed(html)
    parser.close()
    elements = [c for c in parser.open[0][2:] if isinstance(c, list)]
    if len(elements) != 1:
        raise ValueError(f"one element expected, {len(elements)} found")
    return elements[0]


class FloorShop(ShopApp):
    """The shop, with the floor pages filled with the captured first layer.

    :param origin: the other origin of this server (``127.0.0.1``), which the
        floor pages' ``SERVICE_URL`` names: the bare script comes from there.
    :param floor: the first layer captured from banner: ``html`` (its root's
        markup) and ``css`` (as the service served it).
    """

    def __init__(self, origin: str, floor: dict[str, str]) -> None:
        super().__init__(origin)
        self.bar, self.css = floor["html"], floor["css"]
        floor_data = {"css": self.css, "tree": tree_of(self.bar)}
        data = json.dumps(floor_data, ensure_ascii=False, separators=(",", ":"))
        source = (PAGES / f"{BARE}.js").read_text(encoding="utf-8")
        # served without its opening comment: what would travel, as weighed
        code = re.sub(r"\A/\*.*?\*/\s*", "", source, flags=re.DOTALL)
        self.script = code.replace(FLOOR_SLOT, data).encode()

    def body(self, path: str, cookies: str | None = None) -> tuple[bytes | None, str]:
        if path == f"/pages/{BARE}.js":
            return self.script, "application/javascript; charset=utf-8"
        found, kind = super().body(path, cookies)
        if found is not None and path.strip("/").removesuffix(".html") in (STATIC, STATIC_SANS):
            text = found.decode().replace(CSS_SLOT, self.css)
            found = text.replace("</body>", f"{self.bar}\n</body>").encode()
        return found, kind


def serve(port: int, floor_file: Path) -> None:
    floor = json.loads(floor_file.read_text(encoding="utf-8"))
    run_simple("127.0.0.1", port, FloorShop(f"http://127.0.0.1:{port}", floor), threaded=True)


@contextmanager
def floor_shop(folder: Path, floor: dict[str, str]) -> Iterator[str]:
    """The floor shop in its own process (as ``bench.shop``); its page origin."""
    data = folder / "floor.json"
    data.write_text(json.dumps(floor), encoding="utf-8")
    port = free_port()
    argv = [sys.executable, "-m", "bench.visible_floor", "serve", str(port), str(data)]
    with Process(argv, f"http://127.0.0.1:{port}/privacy", folder / "floor-shop.log"):
        yield f"http://localhost:{port}"


def capture(launched: Any, shop: str, service: str) -> dict[str, str]:
    """banner's first layer as its UI drew it on the shop's page: the markup of its
    root (``.bn``) once the bar is visible, and the CSS the service sent for it;
    with the gate (``loader.js``, the same file a returning visitor downloads) and
    ``ui.<hash>.js`` as the service sent them."""
    with chromium.visit(launched, throttle=1) as visit:
        visit.page.goto(f"{shop}/{browser.OURS}.html", wait_until="load")
        visit.page.wait_for_function(browser.VISIBLE, timeout=browser.TIMEOUT_MS)
        html = visit.page.evaluate("document.querySelector('.bn').outerHTML")
        sheets = [r for r in visit.requests if r.url.startswith(service) and ".css" in r.url]
        if len(sheets) != 1:
            raise RuntimeError(f"one stylesheet expected from the service: {sheets}")
        gates = [r for r in visit.requests if r.url.startswith(service) and "/loader.js" in r.url]
        uis = [r for r in visit.requests if r.url.startswith(service) and r.url.endswith(".js")]
        return {
            "html": str(html),
            "css": sheets[0].response().text().strip(),
            "gate": gates[0].response().text(),
            "ui": next(r for r in uis if r not in gates).response().text(),
        }


def _inside_ms(inner: list[tasks.Event], names: tuple[str, ...]) -> float:
    """Milliseconds of the events named ``names`` in a task, nested ones counted once."""
    inside = tasks.outermost([e for e in inner if e["name"] in names])
    return float(sum(e["dur"] for e in inside)) / 1000


def _within_script(event: tasks.Event, inner: list[tasks.Event]) -> bool:
    end = event["ts"] + event["dur"]
    return any(
        s["name"] in INSIDE["script"] and s["ts"] <= event["ts"] and end <= s["ts"] + s["dur"]
        for s in inner
        if s is not event
    )


def page_tasks(trace: bytes, url: str) -> dict[str, float]:
    """The main-thread tasks of one traced visit of ``url``, from its parse on.

    A task that runs a script without a URL is the harness's (Playwright's
    evaluations: every page has them) and is left out. ``first``: the task of the
    page's first layout of ``tasks.BANNER_OBJECTS`` objects or more (the shop
    page alone has 31; a static bar is in it); ``bar``: the longest later task
    with such a layout (a bar a script added); with each, its layout, fonts, style,
    paint and script time.
    ``longest``: the longest task of the page's; ``over``: how many are over 50 ms.
    """
    events: list[tasks.Event] = json.loads(trace)["traceEvents"]
    parses = [
        e
        for e in events
        if e.get("name") == "ParseHTML" and e.get("args", {}).get("beginData", {}).get("url") == url
    ]
    thread, start = (parses[0]["pid"], parses[0]["tid"]), parses[0]["ts"]
    mine = [e for e in events if (e.get("pid"), e.get("tid")) == thread and "dur" in e]
    found: dict[str, float] = {"longest": 0.0, "over": 0.0}
    seen_layout = False
    for task in (e for e in mine if e["name"] == tasks.TASK and e["ts"] + e["dur"] >= start):
        end = task["ts"] + task["dur"]
        inner = [e for e in mine if task["ts"] <= e["ts"] <= end and e is not task]
        if any(e["name"] == "EvaluateScript" and not tasks.url_of(e) for e in inner):
            continue
        ms = task["dur"] / 1000
        found["longest"] = max(found["longest"], ms)
        found["over"] += ms > LONG_MS
        layouts = [e for e in inner if e["name"] == "Layout"]
        if not any(tasks.is_banner_layout(e) for e in layouts):
            continue
        kind = "bar" if seen_layout else "first"
        seen_layout = True
        if ms <= found.get(kind, 0.0):
            continue
        found[kind] = ms
        for part, names in INSIDE.items():
            found[f"{kind} {part}"] = _inside_ms(inner, names)
        # a script's own time: less the style and layout it forced (counted above)
        found[f"{kind} script"] -= _inside_ms(
            [e for e in inner if _within_script(e, inner)], ("UpdateLayoutTree", "Layout")
        )
    return found


TRACE_ROWS = {
    "first": "the page's first frame (its first layout): task ms",
    "first layout": "  of it `Layout`",
    "first fonts": f"  of it `{tasks.FONTS}`",
    "first style": "  of it style (`UpdateLayoutTree`)",
    "first paint": "  of it paint (`PrePaint`, `Paint`, `Layerize`)",
    "first script": "  of it script (less the style and layout it forced)",
    "bar": "a later frame laying out the bar: task ms",
    "bar layout": "  of it `Layout`",
    "bar fonts": f"  of it `{tasks.FONTS}`",
    "bar style": "  of it style (`UpdateLayoutTree`)",
    "bar paint": "  of it paint (`PrePaint`, `Paint`, `Layerize`)",
    "bar script": "  of it script (less the style and layout it forced)",
    "longest": "the page's longest task (the harness's left out)",
}


def trace_table(found: dict[str, list[dict[str, float]]]) -> str:
    def cell(visits: list[dict[str, float]], row: str) -> str:
        values = [v[row] for v in visits if row in v]
        return Spread.of(values).show(0) if values else "—"

    rows = [[label, *(cell(found[p], row) for p in found)] for row, label in TRACE_ROWS.items()]
    over = [f"{sum(v['over'] > 0 for v in visits)} of {len(visits)}" for visits in found.values()]
    rows.append([f"visits with a task of the page's over {LONG_MS:.0f} ms", *over])
    return markdown(["task (ms, median (min-max))", *found], rows)


def _traced(launched: Any, name: str, url: str) -> dict[str, float]:
    ready = browser.LOADED if name == browser.BASELINE else browser.VISIBLE
    return page_tasks(tasks.traced(launched, url, ready), url)


def gate_weights(floor: dict[str, str]) -> list[Weight]:
    """What a returning visitor would download if the gate drew the first layer:
    the gate as served, and in the same file either the first layer's files as
    the service serves them or, the least any drawing needs, the first layer's
    DOM and CSS as JSON with no code (brotli of the one file, as it would travel)."""
    gate = floor["gate"].encode()
    css = json.dumps(floor["css"], ensure_ascii=False).encode()
    with_ui = b"\n".join([gate, floor["ui"].encode(), css])
    data = {"css": floor["css"], "tree": tree_of(floor["html"])}
    with_data = gate + json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return [
        Weight.of("the gate as served (GA4 site)", [("1", gate)]),
        Weight.of("the gate + `ui.<hash>.js` + `ui.<hash>.css` as a string", [("1", with_ui)]),
        Weight.of("the gate + the first layer's DOM and CSS as JSON, no code", [("1", with_data)]),
    ]


def static_weight(floor: dict[str, str]) -> Weight:
    """The static bar's bytes in a page (its markup and ``<style>``), on their own."""
    markup = f"<style>{floor['css']}</style>{floor['html']}".encode()
    return Weight.of("the static bar: the first layer's HTML and CSS in the page", [("1", markup)])


def weight_table(weights: list[Weight]) -> str:
    gate = weights[0].brotli
    rows = [
        [
            w.name,
            f"{w.raw:,}",
            f"{w.brotli:,}",
            f"{w.brotli - gate:+,}",
            f"{w.brotli / BUDGETS[GATE_GA4]:.2f}x",
        ]
        for w in weights
    ]
    headers = ["returning visitor downloads", "raw B", "brotli B", "over the gate B"]
    return markdown([*headers, f"÷ budget ({BUDGETS[GATE_GA4]:,} B)"], rows)


def verdicts(found: dict[str, list[browser.FirstVisit]], rev: str) -> str:
    """Each page's banner visible and click to gone against the fastest peer's (its
    own fastest for each figure), beside the targets."""

    def medians(field: str) -> dict[str, float]:
        spreads = {p: paired.spread(getattr(r, field) for r in runs) for p, runs in found.items()}
        return {p: s.median for p, s in spreads.items() if s is not None}

    visible, gone = medians("visible_ms"), medians("gone_ms")
    fast_visible = min(visible[p] for p in paired.PEER_PAGES)
    fast_gone = min(gone[p] for p in paired.PEER_PAGES)
    rows = []
    for page in (rev, *FLOORS):
        if page == browser.BASELINE:
            continue
        seen = ratio(visible.get(page), fast_visible)
        click = ratio(gone.get(page), fast_gone)
        rows.append([page, seen, click])
    rows.append(["target", f"≤ {VISIBLE_TARGET:.2f}x", f"≤ {GONE_TARGET:.2f}x"])
    return markdown(["page", "banner visible ÷ fastest peer", "click to gone ÷ fastest peer"], rows)


def main(argv: list[str]) -> None:
    rounds = int(argv[0])
    traced = int(argv[1]) if len(argv) > 1 else TRACED
    rev = paired.short(argv[2] if len(argv) > 2 else "HEAD")
    peers.install()
    started = time.strftime("%H:%M", time.gmtime())
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="banner-floor-")))
        (folder / "rev").mkdir()
        served = stack.enter_context(paired.served(rev, folder / "rev"))
        with chromium.browser() as launched:
            floor = capture(launched, served["shop"], served["service"])
        origin = stack.enter_context(floor_shop(folder, floor))
        floors = {name: f"{origin}/{name}.html" for name in FLOORS}
        pages = {rev: f"{served['shop']}/{browser.OURS}.html"}
        pages.update({peer: f"{served['shop']}/{peer}.html" for peer in paired.PEER_PAGES})
        found, loads = paired.visit_all({**pages, **floors}, rounds, UNCLICKED)
        middle = time.strftime("%H:%M", time.gmtime())
        traced_pages = {rev: pages[rev], **{name: floors[name] for name in TRACED_FLOORS}}
        traces, trace_loads = paired.round_robin(traced_pages, traced, _traced)
    ended = time.strftime("%H:%M", time.gmtime())
    print(f"{rounds} rounds, {started}-{middle} UTC, CPU x{browser.THROTTLE},")
    print(f"load average {min(loads):.1f}-{max(loads):.1f} (1 min, read every round):\n")
    print(paired.table(found))
    print()
    print(verdicts(found, rev))
    print()
    for name, about in FLOORS.items():
        print(f"- `{name}`: {about}")
    print(f"\n{traced} traced first visits each, {middle}-{ended} UTC, CPU x{browser.THROTTLE},")
    print(f"load average {min(trace_loads):.1f}-{max(trace_loads):.1f}:\n")
    print(trace_table(traces))
    print("\nWhat a returning visitor would download if the gate drew the first layer")
    print("(brotli quality 11, the one file as it would travel):\n")
    print(weight_table(gate_weights(floor)))
    bar = static_weight(floor)
    print(f"\n{bar.name}: {bar.raw:,} B raw, {bar.brotli:,} B brotli on their own (first visits")
    print("only, when the site's back end draws it for a browser without a consent cookie).")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        main(sys.argv[1:])
