"""bench.drawn's pure parts: the page whose first layer the shop's back end draws, and
the tables of its takeover.

The timings are the bench's (never a test's); these check that ``banner-drawn`` is
``banner``'s page plus what ``banner.web.drawn_layer`` draws, where a back end puts it,
and that the tables name the drawn bar and the script's apart.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bench import browser, deployment, drawn, shop
from bench.shop import DRAWN_PAGE, Drawn, ShopApp

SERVICE = "http://127.0.0.1:9"
DRAWN = Drawn(
    '<link rel="stylesheet" href="http://127.0.0.1:9/s/benchshop/ui.0123.css" '
    'media="(scripting: enabled)">',
    '<div class="bn bn-drawn" lang="id" hidden><section class="bn-bar"></section></div>',
)


class _Order(HTMLParser):
    """The elements of a page in order, each with its parent's tag."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.found: list[tuple[str, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((self.open[-1] if self.open else "", tag, dict(attrs)))  # type: ignore[arg-type]
        if tag not in ("meta", "link"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]


def _elements(html: bytes) -> list[tuple[str, str, dict[str, str]]]:
    parser = _Order()
    parser.feed(html.decode())
    return parser.found


def test_the_drawn_page_is_banners_page_with_the_layer_in_head_and_first_in_body() -> None:
    page = shop.page(DRAWN_PAGE, SERVICE, DRAWN)
    plain = shop.page(browser.OURS, SERVICE)
    assert page is not None and plain is not None
    text = page.decode()
    assert shop.DRAWN_HEAD not in text and "SERVICE_URL" not in text and "SITE_ID" not in text
    assert text.count(DRAWN.head) == 1 and text.count(DRAWN.body) == 1
    found = _elements(page)
    in_head = [(tag, attrs) for parent, tag, attrs in found if parent == "head"]
    sheet = next(i for i, (tag, a) in enumerate(in_head) if tag == "link")
    gate = next(i for i, (tag, a) in enumerate(in_head) if tag == "script")
    assert sheet < gate
    assert in_head[gate][1]["src"] == f"{SERVICE}/s/{deployment.SITE}/loader.js"
    assert in_head[gate][1]["async"] is None
    first = next((tag, attrs) for parent, tag, attrs in found if parent == "body")
    assert first == ("div", {"class": "bn bn-drawn", "lang": "id", "hidden": None})
    # the rest is banner's page: its gate, and the shop's body after the layer
    assert text.replace(DRAWN.body + "\n", "").count("<header>") == plain.decode().count("<header>")
    assert plain.decode().split("<body>")[1] == text.split("<body>")[1].replace(
        DRAWN.body + "\n", ""
    )


def test_the_drawn_page_names_the_drawn_bar_and_the_scripts_apart() -> None:
    page = shop.page(DRAWN_PAGE, SERVICE, DRAWN)
    assert page is not None
    metas = {
        a["name"]: a["content"] for _, tag, a in _elements(page) if tag == "meta" and "name" in a
    }
    assert metas["bench-banner"] == ".bn-drawn .bn-bar"
    assert metas["bench-takeover"] == ".bn:not(.bn-drawn) .bn-bar"
    # click to gone is the script's bar's: the drawn one's buttons do nothing
    assert browser.ACCEPT[DRAWN_PAGE].startswith(".bn:not(.bn-drawn) ")


def test_the_drawn_page_is_never_served_without_its_layer() -> None:
    assert shop.page(DRAWN_PAGE, SERVICE) is None
    assert b"bn-drawn" not in (shop.page(browser.OURS, SERVICE, DRAWN) or b"x")


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = deployment.write_config(tmp_path, deployment.sqlite_url(tmp_path), "http://localhost:1")
    assert path == deployment.config_path(tmp_path)
    monkeypatch.setenv("BANNER_CONFIG", str(path))
    monkeypatch.setattr(shop, "_site", None)
    return path


def test_the_shop_draws_with_banners_own_first_layer(config: Path) -> None:
    from banner import load_config
    from banner.web.drawn_layer import first_layer

    site = load_config(config).sites[deployment.SITE]
    made = first_layer(site, SERVICE, cookies=None, lang="id")
    page, kind = ShopApp(SERVICE).body(f"/{DRAWN_PAGE}.html")
    assert kind == "text/html" and page is not None
    text = page.decode()
    assert made.head in text and made.body in text
    assert f'href="{SERVICE}/s/{deployment.SITE}/ui.' in made.head
    assert shop.shell_language() == "id"


def test_a_visitor_with_a_consent_cookie_gets_no_drawn_layer(config: Path) -> None:
    from banner import load_config

    cookie = load_config(config).sites[deployment.SITE].cookie_name
    page, _ = ShopApp(SERVICE).body(f"/{DRAWN_PAGE}.html", f"{cookie}=x")
    assert page is not None
    assert b'class="bn bn-drawn"' not in page and b'rel="stylesheet"' not in page


def _visit(
    visible: float, gone: float, takeover: browser.Takeover | None = None
) -> browser.FirstVisit:
    return browser.FirstVisit(visible, 1.0, 1.0, 1.0, 1, (), 0.0, gone, takeover)


def _found() -> dict[str, Any]:
    taken = browser.Takeover(500.0, 0, 4, 0, False, 0.0034)
    late = browser.Takeover(500.0, 0, 4, 0, False, 0.0034, 340.0, 0.068)
    return {
        "abc": [_visit(400.0, 8.0)] * 3,
        f"abc {DRAWN_PAGE}": [_visit(300.0, 9.0, taken)] * 2 + [_visit(300.0, 9.0, late)],
        "orejime": [_visit(380.0, 20.0)] * 3,
        "klaro": [_visit(500.0, 16.0)] * 3,
    }


def test_the_pages_of_a_run() -> None:
    assert drawn.pages({"abc": "http://localhost:1"}) == {
        "abc": "http://localhost:1/banner.html",
        "abc banner-drawn": "http://localhost:1/banner-drawn.html",
        "orejime": "http://localhost:1/orejime.html",
        "klaro": "http://localhost:1/klaro.html",
    }


def test_the_pages_of_a_run_of_two_commits_each_from_its_own_shop() -> None:
    assert drawn.pages({"abc": "http://localhost:1", "def": "http://localhost:2"}) == {
        "abc": "http://localhost:1/banner.html",
        "abc banner-drawn": "http://localhost:1/banner-drawn.html",
        "def": "http://localhost:2/banner.html",
        "def banner-drawn": "http://localhost:2/banner-drawn.html",
        "orejime": "http://localhost:1/orejime.html",
        "klaro": "http://localhost:1/klaro.html",
    }


def test_the_verdicts_give_the_drawn_bar_and_the_scripts_against_the_fastest_peer() -> None:
    table = drawn.verdicts(_found())
    assert "fastest peer (orejime)" in table and "fastest peer (klaro)" in table
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()}
    assert "0.79x" in rows["abc banner-drawn"]  # 300 / 380
    assert "0.79x" in rows["abc banner-drawn"].split("|")[3]  # whole: median 300 / 380
    assert "1.32x" in rows["abc banner-drawn"]  # the script's bar: 500 / 380
    assert "0.56x" in rows["abc banner-drawn"]  # 9 / 16
    assert "—" in rows["abc"]


def test_the_takeover_table_counts_what_moved() -> None:
    table = drawn.takeover_table(_found())
    (row,) = [line for line in table.splitlines() if DRAWN_PAGE in line]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == ["300 (300-300)", "300 (300-340)", "1 of 3"]
    assert cells[4:7] == ["500 (500-500)", "200 (200-200)", "0 of 3"]
    assert cells[7:] == ["3 of 3", "0 of 3", "0 of 3", "1 of 3", "0.0680", "0.0034"]
