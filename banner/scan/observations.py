"""What one browser pass saw: cookies, storage keys and requests, per page.

Plain records, filled by :mod:`banner.scan.session` and read by
:mod:`banner.scan.report`; nothing here knows about Playwright.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: The two passes: no choice made, then after "accept all".
BEFORE, AFTER = 1, 2


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


def without_query_values(url: str) -> str:
    """``url`` with every query value blanked (``?id=&ev=``), fragment dropped.

    Values may carry identifiers of the visitor; the keys are enough to tell
    what a request was for.
    """
    parts = urlsplit(url)
    query = urlencode([(key, "") for key, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
