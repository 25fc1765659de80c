"""Translations: the Babel catalogs in ``translations/``, compiled at start.

Catalogs are read from the ``.po`` files and compiled in memory each time the
service starts, so a compiled catalog can never be stale. Message ids are
English; both ``id`` and ``en`` catalogs must translate every message.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from banner.core.consent import LANGUAGES
from banner.resources import resource_dir

DOMAIN = "messages"


def catalog_path(language: str, directory: Path | None = None) -> Path:
    base = directory or resource_dir("translations")
    return base / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(po_file: Path) -> gettext.GNUTranslations:
    """Compile one ``.po`` file in memory (fuzzy entries are left out)."""
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=po_file.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translations() -> Mapping[str, gettext.GNUTranslations]:
    """Compiled catalogs by language, built once per process."""
    return {lang: compile_catalog(catalog_path(lang)) for lang in LANGUAGES}


def gettext_for(language: str, message: str) -> str:
    """Translate ``message`` into ``language`` (``id`` or ``en``)."""
    return translations()[language].gettext(message)


def pick_language(candidates: list[str], default: str) -> str:
    """The first supported language among ``candidates`` (``id-ID`` counts as ``id``)."""
    for candidate in candidates:
        primary = candidate.strip().lower().replace("_", "-").split("-")[0]
        if primary in LANGUAGES:
            return primary
    return default


def translate(language: str, message: str, **values: object) -> str:
    """Translate ``message`` and fill its ``%(name)s`` placeholders from ``values``."""
    text = gettext_for(language, message)
    return text % values if values else text


class Translator:
    """Translations bound to one language, shaped for Jinja and WTForms.

    Templates call it as ``_("Save", name=value)``; WTForms calls
    :meth:`gettext` and :meth:`ngettext`.
    """

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, message: str, **values: object) -> str:
        return translate(self.language, message, **values)

    def gettext(self, message: str) -> str:
        return gettext_for(self.language, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations()[self.language].ngettext(singular, plural, n)


def request_language(asked: str | None, accepted: list[str], default: str) -> str:
    """The language of a page: ``?lang=``, then ``Accept-Language``, then ``default``.

    :param asked: the ``lang`` query parameter, if any.
    :param accepted: the ``Accept-Language`` tags, best first.
    """
    return pick_language([asked or "", *accepted], default)
