"""The first layer a site's back end draws in its page (issue 24, banner visible).

What is checked here is read back from the HTML with the standard library's
parser, not with the code that wrote it: the elements, their words (those of
the archived notice, in the order ``ui.js`` draws them), escaping of hostile
texts, when it is not drawn, and the stylesheet the gate itself names.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from banner.core.config import BannerConfig
from banner.core.notice import site_notices
from banner.core.texts import banner_texts
from banner.web.drawn_layer import CACHE_HEADERS, first_layer
from banner.web.site_files import PARAGRAPHS, site_files
from tests.factories import make_config

SERVICE = "https://consent.tokodemo.co.id"


class Tree(HTMLParser):
    """Elements as (tag, attrs, text inside), in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), []))
        if tag not in ("link", "img", "br", "input", "meta"):
            self.open.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"</{tag}> closes nothing"
        assert self.elements[self.open.pop()][0] == tag, f"</{tag}> out of order"

    def handle_data(self, data: str) -> None:
        for index in self.open:
            self.elements[index][2].append(data)


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert not tree.open, "an element is left open"
    return tree


def text_of(tree: Tree, cls: str) -> list[str]:
    return ["".join(e[2]) for e in tree.elements if cls in (e[1].get("class") or "").split()]


def config(**changes: Any) -> BannerConfig:
    return make_config("sqlite://", **changes)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_it_draws_the_archived_notices_first_layer_in_ui_js_order(lang: str) -> None:
    site = config().sites["tokodemo"]
    drawn = first_layer(site, SERVICE, cookies=None, lang=lang)
    document = site_notices(site, banner_texts)[lang].document
    tree = parse(drawn.body)
    root = tree.elements[0]
    assert root[0] == "div" and root[1]["class"] == "bn bn-drawn"
    assert root[1]["lang"] == lang and "hidden" in root[1]
    # its last element is the end ui.css waits for: never half a bar on the screen
    assert tree.elements[-1][:2] == ("span", {"class": "bn-end"})
    assert drawn.body.endswith('<span class="bn-end"></span></div>')
    said = [document["n"][key] for key in PARAGRAPHS if document["n"][key]]
    assert text_of(tree, "bn-text") == said
    assert text_of(tree, "bn-title") == [document["t"]["banner_title"]]
    buttons = [e for e in tree.elements if e[0] == "button"]
    assert all(e[1]["type"] == "button" for e in buttons)
    names = ["".join(e[2]) for e in buttons if e[1]["class"] == "bn-btn"]
    assert names == [document["t"][k] for k in ("accept_all", "reject_all", "manage")]
    other = "en" if lang == "id" else "id"
    assert [(e[1]["lang"], "".join(e[2])) for e in buttons if e[1]["class"] == "bn-lang"] == [
        (other, document["o"][other])
    ]
    links = [e for e in tree.elements if e[0] == "a"]
    folder = f"{SERVICE}/s/tokodemo/"
    assert [e[1]["href"] for e in links] == [
        site.privacy_policy_url,
        f"{folder}cookies?lang={lang}",
        f"{folder}preferences?lang={lang}",
    ]
    assert [e[1].get("target") for e in links] == ["_blank", "_blank", None]
    # no script, no handler, no style attribute on the default theme
    assert not any(e[0] == "script" for e in tree.elements)
    assert not any(k.startswith("on") or k == "style" for e in tree.elements for k in e[1])


def test_its_stylesheet_is_the_one_the_gate_names() -> None:
    site = config().sites["tokodemo"]
    drawn = first_layer(site, SERVICE + "/", cookies="other=1", lang="id")
    (link,) = parse(drawn.head).elements
    gate = site_files(site, SERVICE + "/").files["loader.js"].decode()
    named = re.search(r'"ui":"([0-9a-f]{16})"', gate)  # the gate's settings, S.ui
    assert named is not None
    assert link[0] == "link" and link[1] == {
        "rel": "stylesheet",
        "href": f"{SERVICE}/s/tokodemo/ui.{named.group(1)}.css",
        "media": "(scripting: enabled)",
    }


@pytest.mark.parametrize(
    ("cookies", "lang", "gpc", "changes"),
    [
        ("banner_consent=abc", "id", False, {}),
        ("a=1; banner_consent=", "id", False, {}),  # a valueless one: the gate reads it as there
        ('x="unterminated; banner_consent=v', "id", False, {}),  # a header SimpleCookie rejects
        (None, "id", True, {}),  # Global Privacy Control: the first layer says it is honoured
        (None, "en", False, {"children": "guardian"}),  # the age box comes with another chunk
    ],
)
def test_it_is_not_drawn_where_the_script_must_draw(
    cookies: str | None, lang: str, gpc: bool, changes: dict[str, Any]
) -> None:
    site = config(**changes).sites["tokodemo"]
    drawn = first_layer(site, SERVICE, cookies=cookies, lang=lang, gpc=gpc)
    assert not drawn and drawn.head == "" and drawn.body == ""
    assert dict(drawn.headers) == dict(CACHE_HEADERS)  # the page depends on the cookie all the same


@pytest.mark.parametrize(
    "cookies", [None, "", "banner_consentx=1", "xbanner_consent=1", ";;=;", "\x00\xff"]
)
def test_other_cookies_and_garbage_still_draw(cookies: str | None) -> None:
    drawn = first_layer(config().sites["tokodemo"], SERVICE, cookies=cookies, lang="id")
    assert drawn and drawn.headers["Vary"] == "Cookie, Sec-GPC"
    assert "no-cache" in drawn.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("lang", "drawn_in"),
    [
        ("en-US", "en"),
        ("EN_gb", "en"),
        ("id-ID", "id"),
        ("fr", "id"),
        ("__proto__", "id"),
        ("", "id"),
    ],
)
def test_the_pages_language_or_the_sites(lang: str, drawn_in: str) -> None:
    drawn = first_layer(config().sites["tokodemo"], SERVICE, cookies=None, lang=lang)
    assert parse(drawn.body).elements[0][1]["lang"] == drawn_in


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;"


def test_hostile_site_texts_stay_text() -> None:
    texts = {"id": {"banner_title": HOSTILE, "banner_body": HOSTILE}}
    drawn = first_layer(config(texts=texts).sites["tokodemo"], SERVICE, cookies=None, lang="id")
    tree = parse(drawn.body)
    assert not any(e[0] in ("script", "img") for e in tree.elements)
    assert text_of(tree, "bn-title") == [HOSTILE]
    assert text_of(tree, "bn-text")[0] == HOSTILE


def test_a_theme_colours_only_what_differs_from_the_stylesheet() -> None:
    theme = {"primary": "#7c2d12", "background": "#FFFFFF"}
    drawn = first_layer(config(theme=theme).sites["tokodemo"], SERVICE, cookies=None, lang="id")
    assert parse(drawn.body).elements[0][1]["style"] == "--bn-primary:#7c2d12"


def test_a_reloaded_config_draws_its_own_words() -> None:
    before = config().sites["tokodemo"]
    texts = {"id": {"banner_body": "Kata-kata yang baru."}}
    after = config(texts=texts, policy_version=4).sites["tokodemo"]
    first = first_layer(before, SERVICE, cookies=None, lang="id")
    second = first_layer(after, SERVICE, cookies=None, lang="id")
    assert "Kata-kata yang baru." not in first.body
    assert text_of(parse(second.body), "bn-text")[0] == "Kata-kata yang baru."
    assert first_layer(before, SERVICE, cookies=None, lang="id") == first
