"""Reading and checking config values: each check names the key and what was expected.

The building blocks of :mod:`banner.config`: a :class:`Reader` over one TOML
table that remembers its key path, and small predicates for each kind of value.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from banner.core.consent import CATEGORY_ID, LANGUAGES


class ConfigError(Exception):
    """A configuration mistake: which file, which key, what was expected.

    One error may carry several (:meth:`several`): a file is read to its end
    and every mistake in it is reported at once, one line each
    (:meth:`lines`). ``source``, ``key`` and ``expected`` are the first one's.
    """

    def __init__(
        self,
        source: str,
        key: str,
        expected: str,
        got: object = None,
        *,
        hint: str = "",
        problem: str = "",
    ) -> None:
        self.source, self.key, self.expected = source, key, expected
        shown = "" if got is None else f", got {_shown(got)}"
        tail = f"; {hint}" if hint else ""
        if problem:
            self.line = f"{source}: {key}: {problem}{tail} (expected {expected})"
        else:
            self.line = f"{source}: {key}: expected {expected}{shown}{tail}"
        self.errors: tuple[ConfigError, ...] = (self,)
        super().__init__(self.line)

    @classmethod
    def several(cls, errors: list[ConfigError]) -> ConfigError:
        """One error standing for all of ``errors`` (in the order found)."""
        errors = [single for error in errors for single in error.errors]
        if len(errors) == 1:
            return errors[0]
        first = errors[0]
        combined = cls(first.source, first.key, first.expected)
        combined.errors = tuple(errors)
        combined.args = ("\n".join(combined.lines()),)
        return combined

    def lines(self) -> list[str]:
        """Every mistake, one line each, naming file and key."""
        return [error.line for error in self.errors]

    def summary(self) -> str:
        """The first mistake on one line, and how many more there are."""
        more = len(self.errors) - 1
        return self.errors[0].line + (f" (and {more} more)" if more else "")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """``did you mean "x"?`` for the closest of ``choices`` to a misspelt ``value``, or ``""``."""
    if not isinstance(value, str):
        return ""
    known = list(choices)
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    close = close or [c for c in known if value and c.startswith(value)][:1]
    return f'did you mean "{close[0]}"?' if close else ""


_found: ContextVar[list[ConfigError] | None] = ContextVar("banner_config_errors", default=None)


@contextmanager
def collecting() -> Iterator[list[ConfigError]]:
    """Gather every :class:`ConfigError` a :class:`Reader` meets, instead of the first.

    Inside, a bad value is noted and parsing goes on with the key's default
    (or :data:`INVALID` for a required key); the caller raises
    :meth:`ConfigError.several` at the end. Outside, the first mistake raises.
    """
    errors: list[ConfigError] = []
    token = _found.set(errors)
    try:
        yield errors
    finally:
        _found.reset(token)


def report(error: ConfigError) -> None:
    """Note ``error`` in the open collection; raise it when none is open."""
    errors = _found.get()
    if errors is None:
        raise error
    errors.append(error)


def collection_failed() -> bool:
    """True when the open collection already holds a mistake."""
    return bool(_found.get())


class _Invalid(tuple[Any, ...]):
    """What a required key that was missing or wrong reads as while errors are gathered.

    Empty and iterable, so code building on it keeps going until the errors
    are raised; it never reaches a finished config.
    """

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()


class Reader:
    """Reads one table of the TOML document, remembering the key path.

    Unknown keys are reported (with the closest known one) and left out of
    :attr:`table`, so code iterating it only meets known keys.
    """

    def __init__(self, source: str, path: str, table: object, known: tuple[str, ...]) -> None:
        self.source, self.path = source, path
        self.table: dict[str, Any] = {}
        #: not a table: reported once; its keys then read as absent without
        #: further errors (a wrong table is one mistake, not one per key)
        self.broken = not isinstance(table, dict)
        if not isinstance(table, dict):
            report(ConfigError(source, path, "a table", table))
            return
        for name in table:
            if name not in known:
                report(_unknown_key(source, self.key(name), name, known))
        self.table = {k: v for k, v in table.items() if k in known}

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, expected: str, hint: str = "") -> ConfigError:
        return ConfigError(self.source, self.key(name), expected, self.table.get(name), hint=hint)

    def get(
        self,
        name: str,
        check: Callable[[Any], bool],
        expected: str,
        default: Any,
        hint: Callable[[Any], str] | None = None,
    ) -> Any:
        """The value of ``name`` if ``check`` accepts it, else ``default`` when absent.

        :param hint: given the bad value, a sentence that helps fix it.
        """
        if name not in self.table:
            if default is REQUIRED and not self.broken:
                report(ConfigError(self.source, self.key(name), f"{expected} (required)"))
                return INVALID
            return INVALID if default is REQUIRED else default
        value = self.table[name]
        if not check(value):
            report(self.fail(name, expected, hint(value) if hint else ""))
            return INVALID if default is REQUIRED else default
        return value

    def sub(self, name: str, known: tuple[str, ...]) -> Reader:
        return Reader(self.source, self.key(name), self.table.get(name, {}), known)


def _unknown_key(source: str, key: str, name: str, known: tuple[str, ...]) -> ConfigError:
    guess = did_you_mean(name, known)
    expected = f"one of {', '.join(known)}" if known else "no keys here"
    return ConfigError(source, key, expected, hint=guess, problem="unknown key")


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


def is_public_url(value: Any) -> bool:
    """Where visitors reach the service: an absolute http(s) URL, no query or fragment.

    http only for localhost, like :func:`is_origin`; a path prefix is allowed.
    """
    if not is_str(value) or value != value.strip():
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return False
    if parts.query or parts.fragment or parts.username or not parts.hostname:
        return False
    if value.endswith("?") or value.endswith("#") or any(c in value for c in "\\ <>\"'"):
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


def category_hint(entry: Reader, ids: tuple[str, ...]) -> Callable[[Any], str]:
    """How to fix a category name: the closest declared one, or how to declare it."""
    site_key = ".".join(entry.path.split(".")[:2])

    def hint(value: Any) -> str:
        guess = did_you_mean(value, ids)
        if guess or not (isinstance(value, str) and CATEGORY_ID.fullmatch(value)):
            return guess
        return (
            f"to use a category of your own, declare it: [{site_key}.categories.{value}] "
            'label = { id = "…", en = "…" } description = { id = "…", en = "…" }'
        )

    return hint
