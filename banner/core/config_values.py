"""Reading and checking config values: each check names the key and what was expected.

The building blocks of :mod:`banner.config`: a :class:`Reader` over one TOML
table that remembers its key path, and small predicates for each kind of value.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from banner.core.consent import LANGUAGES


class ConfigError(Exception):
    """A configuration mistake: which file, which key, what was expected."""

    def __init__(self, source: str, key: str, expected: str, got: object = None) -> None:
        self.source, self.key, self.expected = source, key, expected
        shown = "" if got is None else f", got {got!r}"
        super().__init__(f"{source}: {key}: expected {expected}{shown}")


class Reader:
    """Reads one table of the TOML document, remembering the key path."""

    def __init__(self, source: str, path: str, table: object, known: tuple[str, ...]) -> None:
        self.source, self.path = source, path
        if not isinstance(table, dict):
            raise ConfigError(source, path, "a table")
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ConfigError(source, self.key(unknown[0]), f"one of {', '.join(known)}")
        self.table: dict[str, Any] = table

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, expected: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), expected, self.table.get(name))

    def get(self, name: str, check: Callable[[Any], bool], expected: str, default: Any) -> Any:
        if name not in self.table:
            if default is REQUIRED:
                raise ConfigError(self.source, self.key(name), f"{expected} (required)")
            return default
        value = self.table[name]
        if not check(value):
            raise self.fail(name, expected)
        return value

    def sub(self, name: str, known: tuple[str, ...]) -> Reader:
        return Reader(self.source, self.key(name), self.table.get(name, {}), known)


REQUIRED = object()


def is_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != "" and "\x00" not in value


def is_int_between(low: int, high: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    return check


def matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def is_local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_origin(value: Any) -> bool:
    """``scheme://host[:port]`` with nothing after it; http only for localhost."""
    if not isinstance(value, str) or value != value.strip() or value.endswith("/"):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return False
    if parts.path or parts.query or parts.fragment or parts.username or not parts.hostname:
        return False
    if value != f"{parts.scheme}://{parts.netloc}" or parts.netloc != parts.netloc.lower():
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_local_host(parts.hostname))


def is_policy_url(value: Any) -> bool:
    """An absolute https URL (http only for localhost)."""
    if not is_str(value):
        return False
    parts = urlsplit(value)
    if not parts.hostname or parts.username:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_local_host(parts.hostname))


def is_bilingual(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == set(LANGUAGES)
        and all(is_str(v) and len(v) <= 2000 for v in value.values())
    )


BILINGUAL = 'a table with both languages, like { id = "…", en = "…" }'


def is_timezone(value: Any) -> bool:
    """An IANA time zone name this machine knows (``Asia/Jakarta``, ``Asia/Makassar``)."""
    if not isinstance(value, str) or not value or len(value) > 64 or value.startswith("/"):
        return False
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def is_cookie_domain(value: Any) -> bool:
    return (
        isinstance(value, str) and re.fullmatch(r"\.?([a-z0-9-]+\.)+[a-z]{2,}", value) is not None
    )


def list_of(check: Callable[[Any], bool], low: int, high: int) -> Callable[[Any], bool]:
    def checker(value: Any) -> bool:
        return isinstance(value, list) and low <= len(value) <= high and all(map(check, value))

    return checker


RATE = re.compile(r"^\d{1,6}\s*/\s*(\d{1,4}\s*)?(second|minute|hour|day)s?$")


def is_rate(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    return all(RATE.fullmatch(part.strip()) for part in value.split(";"))


def is_database_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("sqlite://", "postgresql"))


#: WCAG 2.2 AA: normal text needs a contrast ratio of at least 4.5:1.
MIN_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour."""
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
