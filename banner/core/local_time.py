"""Times for people: in the site's time zone, written the way the language writes them.

The consent log keeps UTC; only what a visitor reads is converted. Indonesia's
three zones carry their own names (WIB, WITA, WIT) in both languages, as
Indonesians write them; any other zone shows its offset from GMT.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_gmt

#: IANA zones of Indonesia and the abbreviation people use for each.
INDONESIAN_ZONES: Mapping[str, str] = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_label(moment: datetime, zone: str, language: str) -> str:
    """``WIB`` / ``WITA`` / ``WIT``, else Babel's ``GMT+01:00`` for that moment."""
    return INDONESIAN_ZONES.get(zone) or get_timezone_gmt(
        moment.astimezone(ZoneInfo(zone)), locale=language
    )


def local_time(moment: datetime, zone: str, language: str) -> str:
    """``1 Des 2026 21.05.00 WIB``: ``moment`` (aware) in ``zone``, for ``language``."""
    shown = format_datetime(moment, "medium", tzinfo=ZoneInfo(zone), locale=language)
    return f"{shown} {zone_label(moment, zone, language)}"
