"""What one browser pass saw: cookies, storage keys and requests, per page.

Plain records, filled by :mod:`banner.scan.session` and read by
:mod:`banner.scan.report`; nothing here knows about Playwright.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: The two passes: no choice made, then after "accept all".
BEFORE, AFTER = 1, 2
#: How a tracker script's request ended, when it did not load.
LOADED = "loaded"
#: Characters a page may put in a name that must never reach a terminal or a file raw:
#: controls (C0, DEL, C1), lone surrogates, bidi and other format characters.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, limit: int = 2048) -> str:
    """``text`` as the scan records it: at most ``limit`` characters, every control,
    format (bidi) character and lone surrogate written as an escape (``\\x1b``).

    A page chooses its cookie names, storage keys and URLs: escaped here, they can
    neither drive the operator's terminal nor break the UTF-8 files written.
    """
    text = _UNPRINTABLE.sub(lambda m: _escape(m.group()), text[:limit])
    if any(unicodedata.category(c) == "Cf" for c in text):
        text = "".join(_escape(c) if unicodedata.category(c) == "Cf" else c for c in text)
    return text


@dataclass(frozen=True, slots=True)
class SeenCookie:
    """A cookie present in the browser after a page loaded."""

    name: str
    domain: str
    path: str
    #: Unix time it expires, ``None`` for a session cookie
    expires: float | None
    http_only: bool
    secure: bool
    same_site: str
    #: the page after whose load it first appeared
    page: str


@dataclass(frozen=True, slots=True)
class SeenStorage:
    """A ``localStorage`` or ``sessionStorage`` key of the scanned origin."""

    area: str
    key: str
    page: str


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request to another host than the scanned one (query values removed)."""

    host: str
    url: str
    resource_type: str
    #: the frame's URL that made it, where known
    initiator: str | None
    page: str


@dataclass(frozen=True, slots=True)
class PageVisit:
    """One page the pass opened, and how it went."""

    url: str
    status: int | None
    error: str | None = None


@dataclass
class PassResult:
    """Everything one pass (``BEFORE`` or ``AFTER``) saw, in order of discovery."""

    number: int
    pages: list[PageVisit] = field(default_factory=list)
    cookies: list[SeenCookie] = field(default_factory=list)
    storage: list[SeenStorage] = field(default_factory=list)
    requests: list[SeenRequest] = field(default_factory=list)
    #: pass 2 only: whether banner's "accept all" button was found and clicked
    accepted: bool = False
    #: the total time limit ended the pass early
    cut_short: bool = False
    #: scripts from other hosts (query values removed) and how their request ended:
    #: ``"loaded"``, ``"HTTP 503"`` or the network error (``net::ERR_BLOCKED_BY_CLIENT``)
    scripts: dict[str, str] = field(default_factory=dict)


def without_query_values(url: str) -> str:
    """``url`` with every query value blanked (``?id=&ev=``), fragment dropped.

    Values may carry identifiers of the visitor; the keys are enough to tell
    what a request was for.
    """
    parts = urlsplit(url)
    query = urlencode([(key, "") for key, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
