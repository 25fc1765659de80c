"""How long a cookie lives, as people read it in Indonesian and English.

From the database's retention text (``"2 years"``, ``"90 Days"``, ``"session"``)
or from the expiry the browser saw. Texts come from the catalogs.
"""

from __future__ import annotations

import re

from banner.core.consent import LANGUAGES
from banner.core.i18n import translate
from banner.core.texts import N_

SESSION = N_("Until the browser is closed")
#: (seconds in the unit, text for one, text for several), largest first
UNITS: tuple[tuple[str, int, str, str], ...] = (
    ("year", 365 * 86400, N_("1 year"), N_("%(n)d years")),
    ("month", 30 * 86400, N_("1 month"), N_("%(n)d months")),
    ("week", 7 * 86400, N_("1 week"), N_("%(n)d weeks")),
    ("day", 86400, N_("1 day"), N_("%(n)d days")),
    ("hour", 3600, N_("1 hour"), N_("%(n)d hours")),
    ("minute", 60, N_("1 minute"), N_("%(n)d minutes")),
)
RETENTION = re.compile(r"^\s*(\d{1,5})\s*(year|month|week|day|hour|minute|min)s?\s*$", re.I)
Bilingual = dict[str, str]


def from_retention(text: str) -> Bilingual | None:
    """``{"id": ..., "en": ...}`` for a simple retention text, else ``None``."""
    if text.strip().lower() == "session":
        return _each(SESSION)
    match = RETENTION.match(text)
    if not match:
        return None
    unit = match.group(2).lower().replace("min", "minute").replace("minuteute", "minute")
    return _count(unit, int(match.group(1)))


def from_expiry(expires: float | None, seen_at: float) -> Bilingual:
    """The lifetime of a cookie that expires at ``expires`` (Unix time), seen at ``seen_at``."""
    if expires is None:
        return _each(SESSION)
    seconds = max(60.0, expires - seen_at)
    for unit, size, _one, _many in UNITS:
        if seconds >= size * 0.95:
            return _count(unit, max(1, round(seconds / size)))
    return _count("minute", 1)


def _count(unit: str, n: int) -> Bilingual:
    _name, _size, one, many = next(u for u in UNITS if u[0] == unit)
    return {
        lang: translate(lang, one) if n == 1 else translate(lang, many, n=n) for lang in LANGUAGES
    }


def _each(message: str) -> Bilingual:
    return {lang: translate(lang, message) for lang in LANGUAGES}
