"""The first layer in the page's own HTML, drawn by the site's back end (issue 24).

A banner drawn by a script shows a frame after its script arrives, which is
after the page's first paint. A site whose back end is Python can put the
very same first layer into the page for a browser that has no consent cookie
yet, and the page paints it with its first frame::

    from banner import load_config
    from banner.web.drawn_layer import first_layer

    site = load_config("/etc/banner/banner.toml").sites["tokodemo"]
    drawn = first_layer(
        site, "https://consent.example.id", cookies=environ.get("HTTP_COOKIE"),
        lang="id", gpc=environ.get("HTTP_SEC_GPC") == "1",
    )
    # drawn.head in <head> (the banner's stylesheet), drawn.body first in <body>,
    # and drawn.headers on the response

Until the banner's script arrives its buttons do nothing: no choice is ever
made on words the script did not draw. Once it arrives the script draws its
own first layer, from the notice its bytes carry, and removes the drawn one
(the element of class ``bn-drawn``) in the same frame (``static/src/ui.js``,
``show``). So a decision is always recorded under the words on the screen,
even when the drawn layer's differ (a config changed in between, or markup in
the page copying the banner's).

The drawn layer stays hidden (the ``hidden`` attribute) unless the banner's
stylesheet arrived (``ui.css`` shows it), linked for browsers that run
scripts only: an ad blocker that stops the banner, or a browser without
scripts, never shows buttons that cannot work. It shows once its last
element is parsed (``:has(.bn-end)``): a first paint that comes while the
parser is inside it shows none of it rather than part of it. A browser
without ``:has()`` never shows it, and gets the script's first layer.

A page that may hold the drawn layer depends on the visitor's cookie: it
must never be served from a cache to another visitor, nor from the
browser's cache after the visitor chose (the layer would then show, with
buttons that do nothing, to someone who already chose). Send
:attr:`DrawnLayer.headers` with every such page, drawn or not.

It is drawn only where a script would draw the plain first layer at once:
not for a browser holding a consent cookie (the gate reads it, and may find
an older policy's choice to show changes for), not for one sending Global
Privacy Control (the first layer then says it is honoured), not on a site
that asks for a guardian's consent (the age box comes with another chunk).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from threading import Lock
from typing import Any

from banner.check.checker import cookie_values
from banner.core.config import SiteConfig
from banner.core.config_model import DEFAULT_THEME
from banner.core.consent import LANGUAGES
from banner.core.notice import Notice, site_notices
from banner.core.texts import banner_texts
from banner.web.site_files import first_layer as first_layer_words
from banner.web.site_files import site_files

#: The last element of the drawn layer: ``ui.css`` shows the layer once it is
#: parsed, so a first paint that comes mid-parse never shows half a bar.
END = "bn-end"
#: The drawn layer's stylesheet applies only where scripts run.
MEDIA = "(scripting: enabled)"
#: The class that names the drawn layer (ui.js removes the element that has it).
DRAWN = "bn-drawn"


#: The response headers of every page that may hold the drawn layer: the
#: page depends on the cookie and on Global Privacy Control, and is asked for
#: again each time it is shown.
CACHE_HEADERS: Mapping[str, str] = {
    "Cache-Control": "private, no-cache",
    "Vary": "Cookie, Sec-GPC",
}


@dataclass(frozen=True, slots=True)
class DrawnLayer:
    """What a page puts in its ``<head>`` and first in its ``<body>``; both empty when not drawn."""

    head: str
    body: str
    #: send these with the page, drawn or not (:data:`CACHE_HEADERS`)
    headers: Mapping[str, str] = field(default_factory=lambda: dict(CACHE_HEADERS))

    def __bool__(self) -> bool:
        return bool(self.body)


NOT_DRAWN = DrawnLayer("", "")


@dataclass(frozen=True, slots=True)
class _Built:
    site: SiteConfig
    css_name: str
    notices: Mapping[str, Notice]


class _Cache:
    """The site's notices and stylesheet name, built once per site object and address.

    A reloaded config makes new site objects, so the cache follows it; only
    the latest build per site id and address is kept.
    """

    def __init__(self) -> None:
        self._built: dict[tuple[str, str], _Built] = {}
        self._lock = Lock()

    def get(self, site: SiteConfig, base: str) -> _Built:
        key = (site.id, base)
        found = self._built.get(key)
        if found is not None and found.site is site:
            return found
        notices = site_notices(site, banner_texts)
        built = _Built(site, site_files(site, base, notices).css_name, notices)
        with self._lock:
            self._built[key] = built
        return built


_cache = _Cache()


def _language(lang: str | None, site: SiteConfig) -> str:
    """The page's language when the banner speaks it (``en-US`` is English), else the site's."""
    if lang:
        head = lang.strip().lower().replace("_", "-").split("-")[0]
        if head in LANGUAGES:
            return head
    return site.default_language


def _theme(site: SiteConfig) -> str:
    """The theme's colours that differ from the stylesheet's, as a style attribute."""
    changed = {k: v for k, v in site.theme.items() if v.lower() != DEFAULT_THEME.get(k, "")}
    if not changed:
        return ""
    style = ";".join(f"--bn-{k}:{v}" for k, v in sorted(changed.items()))
    return f' style="{escape(style)}"'


def _tag(name: str, attrs: Mapping[str, str], inner: str) -> str:
    said = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    return f"<{name}{said}>{inner}</{name}>"


def _button(text: str, cls: str, extra: Mapping[str, str] | None = None) -> str:
    return _tag("button", {"type": "button", "class": cls, **(extra or {})}, escape(text))


def _bar(words: Mapping[str, Any], lang: str, base: str) -> str:
    """The first layer as ``ui.js``'s ``buildBar`` draws it: its elements, classes and words."""
    texts = words["t"]
    others = "".join(
        _button(name, "bn-lang", {"lang": other}) for other, name in words["o"].items()
    )
    head = _tag(
        "div",
        {"class": "bn-head"},
        _tag("h2", {"class": "bn-title", "id": "bn-title"}, escape(texts["banner_title"])) + others,
    )
    said = "".join(_tag("p", {"class": "bn-text"}, escape(p)) for p in words["p"])
    new_tab = _tag("span", {"class": "bn-sr"}, escape(" " + texts["new_tab"]))
    outside = {"target": "_blank", "rel": "noopener"}
    links = _tag(
        "p",
        {"class": "bn-links"},
        _tag(
            "a",
            {"class": "bn-link", "href": words["privacy"], **outside},
            escape(texts["privacy_policy"]) + new_tab,
        )
        + _tag(
            "a",
            {"class": "bn-link", "href": f"{base}cookies?lang={lang}", **outside},
            escape(texts["cookie_declaration"]) + new_tab,
        )
        + _tag(
            "a",
            {"class": "bn-link", "href": f"{base}preferences?lang={lang}"},
            escape(texts["preferences_page"]),
        ),
    )
    actions = _tag(
        "div",
        {"class": "bn-actions"},
        _button(texts["accept_all"], "bn-btn")
        + _button(texts["reject_all"], "bn-btn")
        + _button(texts["manage"], "bn-btn"),
    )
    return _tag(
        "section",
        {"class": "bn-bar", "aria-labelledby": "bn-title", "tabindex": "-1"},
        head + _tag("div", {"class": "bn-scroll"}, said + links) + actions,
    )


def first_layer(
    site: SiteConfig,
    service_url: str,
    *,
    cookies: str | None,
    lang: str | None = None,
    gpc: bool = False,
) -> DrawnLayer:
    """The first layer for this page view, or :data:`NOT_DRAWN` when the script draws it.

    :param site: the site, from the same config file as the consent service's.
    :param service_url: the consent service's address, as in the page's
        ``loader.js`` address (``https://consent.example.id``).
    :param cookies: the request's ``Cookie`` header.
    :param lang: the page's language (its ``<html lang>``); the site's
        default language when the banner does not speak it.
    :param gpc: the request sent ``Sec-GPC: 1``.
    """
    if gpc or site.asks_guardian or cookie_values(cookies, site.cookie_name):
        return NOT_DRAWN
    base = service_url.rstrip("/") + "/"
    built = _cache.get(site, base)
    language = _language(lang, site)
    words = first_layer_words(built.notices[language])
    folder = f"{base}s/{site.id}/"
    # Only a browser that runs scripts applies it: without, the layer stays hidden.
    stylesheet = f'<link rel="stylesheet" href="{escape(folder + built.css_name)}" media="{MEDIA}">'
    body = (
        f'<div class="bn {DRAWN}" lang="{language}" hidden{_theme(site)}>'
        f'{_bar(words, language, folder)}<span class="{END}"></span></div>'
    )
    return DrawnLayer(stylesheet, body)
