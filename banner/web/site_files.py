"""The files a visitor of a site loads, and their content-addressed names.

The gate (``loader.js``) is small and revalidated within ``loader_max_age``;
it names the UI script and stylesheet by one hash of their bytes
(``ui.<hash>.js``, ``ui.<hash>.css``, and the subject part ``subject.<hash>.js``
of issue 25: the gate carries only the hash), so
those are cached for a year and a text change reaches a visitor with the next
gate. The UI carries the first
layer's part of the site's default language's notice document
(:mod:`banner.core.notice`) with its hash, and each language's part is also a
chunk (``ui.<hash>.<lang>.js``): it draws from that document only and hands
the hash back with the decision.
The same pure functions serve the service and ``banner export-static``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from banner.core.config import SiteConfig
from banner.core.consent import LANGUAGES
from banner.core.notice import Notice, site_notices
from banner.core.texts import banner_texts
from banner.web.embeds_file import EMBEDS_CSS, EMBEDS_FILE, embeds_bytes, embeds_css_bytes
from banner.web.gate_file import UI_FILE, UI_SENTINEL, fill, loader_bytes, static_text

CSS_FILE = "ui.css"
MORE_FILE = "more.js"
MORE_CSS = "more.css"
MORE_SENTINEL = "__BANNER_MORE__"
EXTRA_FILE = "extra.js"
EXTRA_CSS = "extra.css"
EXTRA_SENTINEL = "__BANNER_EXTRA__"
#: The on-demand chunks of the UI set, served as ``ui.<hash>.<name>.js``: the
#: gate loads each only when a page view needs it (``need`` in ``gate.js``).
#: ``send``: recording a decision, the pending one's resend, the verify
#: round trip, the sweep; ``tags``: the page's tagged scripts, frames and
#: embeds; ``more``: the second layer, with its stylesheet
#: ``ui.<hash>.more.css`` (ui.js fetches both on "Atur pilihan"); ``extra``:
#: what a plain first visit never draws (the status of a decision and its
#: toast, the change notice, the age box, the Global Privacy Control note),
#: with its stylesheet ``ui.<hash>.extra.css`` (ui.js fetches both when
#: there is a status to give, and before the banner shows when one of the
#: others is to be drawn). A new
#: chunk: its built file in ``static/``, its name here, and, if the service
#: fills it, a line in :func:`chunk_files`. (Tracker parts stay in the gate:
#: a returning visitor downloads the gate alone, whatever was granted.)
CHUNK_NAMES = ("send", "tags", "more", "extra")
#: The first layer carries the site's default language; each language's words
#: are also a chunk, ``ui.<hash>.<lang>.js``, which the UI fetches for a
#: visitor who reads another language (their page's, their browser's, or the
#: switch's).
WORDS_FILE = "words.js"
WORDS_SENTINEL = "__BANNER_WORDS__"
#: The chunks built from a static file of the same name.
STATIC_CHUNKS = (*(f"{name}.js" for name in CHUNK_NAMES), MORE_CSS, EXTRA_CSS)
#: Every chunk file, by the name's tail after the hash.
CHUNK_FILES = (*STATIC_CHUNKS, *(f"{lang}.js" for lang in LANGUAGES))
#: A content-addressed UI file: ``ui.<16 hex>.js``, ``ui.<16 hex>.css`` or a
#: chunk, ``ui.<16 hex>.<chunk>.js`` (``ui.<16 hex>.more.css``, ``.extra.css``).
HASHED_NAME = re.compile(
    rf"ui\.([0-9a-f]{{16}})\.({'|'.join(re.escape(name) for name in CHUNK_FILES)}|js|css)"
)
#: What the first layer draws of a language's notice document (besides the
#: texts, its sentences and its policy version): the rest is the second
#: layer's (its categories, ``c``), the placeholders' (``e``, embeds.js) or
#: drawn by no one (``transfers`` are in the first layer's sentences; the
#: format, site and language name the document). The changes (``ch``) are
#: drawn by the extra chunk, but the first layer tells from them whether to
#: fetch it first.
FIRST_LAYER = ("ch", "age", "o", "privacy")
#: The first layer's paragraphs, in the order it draws them (as ``p``, a
#: list): the site's own ``banner_body`` (a text, where the site wrote one),
#: then the notice's sentences (``n``; ``abroad`` is empty when no data
#: leaves the country). Empty ones are left out.
PARAGRAPHS = ("intro", "abroad", "kept", "controller")
FIRST_BODY = "banner_body"
#: The texts only the second layer draws (more.js).
SECOND_LAYER_TEXTS = frozenset(
    {"always_on", "close", "cookies_in_category", "recipients_heading", "save", "withdraw_all"}
)
#: The texts only the extra chunk draws (extra.js): the decision's status and
#: its toast, the note that the banner is open, the change notice's heading,
#: the age box, the Global Privacy Control note. ``close`` is in both chunks.
EXTRA_TEXTS = frozenset(
    {
        "age_label",
        "age_needed",
        "banner_open",
        "changes_heading",
        "close",
        "gpc_honoured",
        "saved",
        "save_failed",
        "withdraw_failed",
    }
)
#: The part the gate loads only on pages of a signed-in person (``data-subject``,
#: issue 25), under the same hash but its own name: ``subject.<16 hex>.js``.
SUBJECT_FILE = "subject.js"
SUBJECT_NAME = re.compile(r"subject\.([0-9a-f]{16})\.js")


def first_layer(notice: Notice) -> dict[str, Any]:
    """The first layer's part of one language's notice document, with the whole one's hash.

    Everything the UI draws comes from a language's document. ``s`` is what
    the decision sends back of it, under the request's own names: the whole
    document's hash (``notice_hash``) and its ``policy_version``. No URL is
    in it: the UI finds the hosted pages beside its own file, so its bytes
    are the same whatever address it is served from.
    """
    document = notice.document
    drawn_elsewhere = SECOND_LAYER_TEXTS | EXTRA_TEXTS | {FIRST_BODY}
    texts = {k: v for k, v in document["t"].items() if k not in drawn_elsewhere}
    said = [document["t"].get(FIRST_BODY), *(document["n"][key] for key in PARAGRAPHS)]
    return {
        **{key: document[key] for key in FIRST_LAYER},
        "t": texts,
        "p": [sentence for sentence in said if sentence],
        "s": {"notice_hash": notice.hash, "policy_version": document["policy_version"]},
    }


def ui_data(site: SiteConfig, notices: Mapping[str, Notice] | None = None) -> dict[str, Any]:
    """The banner's theme, and the first layer's words in the site's default language.

    The other languages' words are chunks of their own (:func:`words_data`).
    """
    notices = notices or site_notices(site, banner_texts)
    home = site.default_language
    return {"theme": dict(site.theme), home: first_layer(notices[home])}


def words_data(lang: str, notices: Mapping[str, Notice]) -> dict[str, Any]:
    """One language's first-layer words, as its chunk ``ui.<hash>.<lang>.js`` carries them."""
    return {lang: first_layer(notices[lang])}


def more_data(site: SiteConfig, notices: Mapping[str, Notice] | None = None) -> dict[str, Any]:
    """Per language the second layer's part of the notice document: its categories and texts."""
    notices = notices or site_notices(site, banner_texts)

    def second(document: Mapping[str, Any]) -> dict[str, Any]:
        texts = {k: v for k, v in document["t"].items() if k in SECOND_LAYER_TEXTS}
        return {"t": texts, "c": document["c"]}

    return {lang: second(notices[lang].document) for lang in LANGUAGES}


def extra_data(site: SiteConfig, notices: Mapping[str, Notice] | None = None) -> dict[str, Any]:
    """Per language the texts only the extra chunk draws (its changes come from the first layer)."""
    notices = notices or site_notices(site, banner_texts)

    def extra(document: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in document["t"].items() if k in EXTRA_TEXTS}

    return {lang: extra(notices[lang].document) for lang in LANGUAGES}


def ui_bytes(site: SiteConfig, notices: Mapping[str, Notice] | None = None) -> bytes:
    """The banner UI script (the first layer) for ``site``, in its default language.

    :param notices: the site's notices by language (the service's archived
        ones); by default built from the catalogs.
    """
    return fill(static_text(UI_FILE), UI_SENTINEL, ui_data(site, notices), sort_keys=True)


def css_bytes() -> bytes:
    return static_text(CSS_FILE).encode("utf-8")


def subject_bytes() -> bytes:
    """The subject part: the same bytes for every site (it reads the gate's settings)."""
    return static_text(SUBJECT_FILE).encode("utf-8")


def chunk_files(site: SiteConfig, notices: Mapping[str, Notice]) -> dict[str, bytes]:
    """The on-demand chunks, by the name's tail after the hash (``send.js``)."""
    files = {name: static_text(name).encode("utf-8") for name in STATIC_CHUNKS}
    files[MORE_FILE] = fill(
        static_text(MORE_FILE), MORE_SENTINEL, more_data(site, notices), sort_keys=True
    )
    files[EXTRA_FILE] = fill(
        static_text(EXTRA_FILE), EXTRA_SENTINEL, extra_data(site, notices), sort_keys=True
    )
    for lang in LANGUAGES:
        files[f"{lang}.js"] = fill(
            static_text(WORDS_FILE), WORDS_SENTINEL, words_data(lang, notices), sort_keys=True
        )
    return files


def ui_hash(ui: bytes, css: bytes, *more: bytes) -> str:
    """The first 16 hex of SHA-256 over the UI files (each prefixed by its length).

    ``more``: other files named by the same hash (the subject part, the
    chunks), so the hash changes whenever any of their bytes do.
    """
    digest = hashlib.sha256()
    for body in (ui, css, *more):
        digest.update(len(body).to_bytes(8, "big") + body)
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SiteFiles:
    """One site's files for one base URL: file name → bytes, and the UI files' hash."""

    files: Mapping[str, bytes]
    ui: str

    @property
    def ui_name(self) -> str:
        return f"ui.{self.ui}.js"

    @property
    def css_name(self) -> str:
        return f"ui.{self.ui}.css"


def site_files(
    site: SiteConfig, base_url: str, notices: Mapping[str, Notice] | None = None
) -> SiteFiles:
    """The gate naming the current UI files, and those files under their hashed names.

    ``ui.js`` and ``ui.css`` are the same bytes under fixed names, for pages
    that still hold a gate from before the names were hashed.
    """
    notices = notices or site_notices(site, banner_texts)
    ui, css, subject = ui_bytes(site, notices), css_bytes(), subject_bytes()
    chunks = chunk_files(site, notices)
    named = ui_hash(ui, css, subject, *chunks.values())
    gate = loader_bytes(site, base_url, named)
    files = {
        "loader.js": gate,
        f"ui.{named}.js": ui,
        f"ui.{named}.css": css,
        f"subject.{named}.js": subject,
        **{f"ui.{named}.{tail}": body for tail, body in chunks.items()},
        "ui.js": ui,
        "ui.css": css,
        EMBEDS_FILE: embeds_bytes(site, base_url, notices),
        EMBEDS_CSS: embeds_css_bytes(),
    }
    return SiteFiles(files, named)
