"""Catalog completeness: every message Babel extracts is translated in both languages.

The extraction here is the one ``make translations-extract`` runs (the
mapping in ``babel.cfg``, keywords ``N_`` and ``_l``), so a text added to the
code or a template without a translation fails CI.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from banner.core.consent import LANGUAGES
from banner.core.i18n import catalog_path, compile_catalog, gettext_for

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")
MARKUP = re.compile(r"<\s*[A-Za-z/!]|&[A-Za-z]+;|&#")


@cache
def extracted() -> tuple[str, ...]:
    """Every message id in the sources, extracted the way ``pybabel extract`` does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, KEYWORDS
        )
    }
    return tuple(sorted(m for m in found if m))


@cache
def catalog(language: str) -> Catalog:
    with catalog_path(language, ROOT / "translations").open("rb") as handle:
        return read_po(handle, locale=language)


def entry(language: str, message_id: str) -> Message:
    found = catalog(language).get(message_id)
    assert found is not None, f"{message_id!r} is missing from the {language} catalog"
    return found


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_the_sources_have_messages() -> None:
    ids = extracted()
    assert "Your privacy choices" in ids  # Python, keyword N_
    assert "Consent receipt" in ids  # a Jinja template


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_not_fuzzy(language: str) -> None:
    problems = []
    for message_id in extracted():
        found = entry(language, message_id)
        if not found.string or (isinstance(found.string, str) and not found.string.strip()):
            problems.append(f"untranslated: {message_id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message_id!r}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language: str) -> None:
    wrong = [
        (message_id, entry(language, message_id).string)
        for message_id in extracted()
        if placeholders(message_id) != placeholders(str(entry(language, message_id).string))
    ]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_markup_in_messages_or_translations(language: str) -> None:
    marked = [
        message_id
        for message_id in extracted()
        if MARKUP.search(message_id) or MARKUP.search(str(entry(language, message_id).string))
    ]
    assert marked == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_answers_every_message(language: str) -> None:
    compiled = compile_catalog(catalog_path(language, ROOT / "translations"))
    for message_id in extracted():
        assert compiled.gettext(message_id) == entry(language, message_id).string


def test_indonesian_is_not_english() -> None:
    same = [m for m in extracted() if gettext_for("id", m) == gettext_for("en", m)]
    # Names and formats read the same in both languages; prose never does.
    assert all(len(m.split()) <= 3 for m in same), same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cookies on %(site)s", ["%(site)s"]),
        ("%(days)d days", ["%(days)d"]),
        ("{count} items", ["{count}"]),
        ("Plain text", []),
    ],
)
def test_placeholder_finder(text: str, expected: list[str]) -> None:
    assert placeholders(text) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_header_is_filled_and_nothing_is_obsolete(language: str) -> None:
    path = catalog_path(language)
    text = path.read_text(encoding="utf-8")
    for placeholder in ("PROJECT", "ORGANIZATION", "FULL NAME", "EMAIL@ADDRESS", "LL@li.org"):
        assert placeholder not in text, placeholder
    assert not [line for line in text.splitlines() if line.startswith("#~")]
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    assert catalog.project == "banner" and not catalog.obsolete
