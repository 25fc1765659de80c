"""Which links the scanner follows: same origin, breadth first, up to a cap.

Never another origin, never a link that looks like logging out or a file
download, never the same page twice (the fragment does not make a new page).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from banner.scan.observations import printable

#: Path or query words that end a session or change state when followed.
LOGOUT = re.compile(
    r"(?<![a-z])(log[-_]?out|log[-_]?off|sign[-_]?out|keluar|unsubscribe)(?![a-z])", re.IGNORECASE
)
#: Extensions of files a browser downloads instead of showing.
DOWNLOADS = re.compile(
    r"\.(pdf|zip|gz|tgz|bz2|xz|7z|rar|exe|msi|dmg|apk|ipa|iso|bin|csv|xlsx?|docx?|pptx?|od[ts]"
    r"|mp[34]|mov|avi|mkv|wav|ogg|webm|jpe?g|png|gif|webp|svg|ico|json|xml|txt|rss)$",
    re.IGNORECASE,
)
MAX_URL_LENGTH = 2048


class BadStartURL(ValueError):
    """The URL to scan is not an absolute http(s) URL."""


class SiteUnreachable(RuntimeError):
    """The first page did not load: the site is down, refused or timed out."""


def start_url(url: str) -> str:
    """The normalised page to start from.

    :raises BadStartURL: unless ``url`` is ``http(s)://host[...]``.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_LENGTH:
        raise BadStartURL(f"expected an http(s) URL like https://www.example.co.id/, got {url!r}")
    return normalise(url.strip()) or url


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower case."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def normalise(url: str) -> str | None:
    """``url`` without its fragment and with a path, or ``None`` when it is not http(s)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or printable(url) != url:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def followable(url: str, origin: str) -> bool:
    """A same-origin link that is neither a logout nor a download."""
    if len(url) > MAX_URL_LENGTH or origin_of(url) != origin:
        return False
    parts = urlsplit(url)
    if LOGOUT.search(parts.path) or LOGOUT.search(parts.query):
        return False
    return not DOWNLOADS.search(parts.path)


class Frontier:
    """The breadth-first queue of pages still to visit, and every page found.

    Adding a link costs the same however many were found before it (a set
    answers "seen already?"), so a site with thousands of links per page crawls
    in time linear in the links.
    """

    def __init__(self, start: str, cap: int) -> None:
        self.origin = origin_of(start)
        self.cap = cap
        self.found: list[str] = [start]
        self._seen = {start}
        self._queue: deque[str] = deque([start])

    def add(self, links: Iterable[str]) -> None:
        """Queue the new followable ones among ``links`` (absolute URLs)."""
        for link in links:
            url = normalise(link)
            if url and url not in self._seen and followable(url, self.origin):
                self._seen.add(url)
                self.found.append(url)
                self._queue.append(url)

    def next(self, visited: int) -> str | None:
        """The next page to open, or ``None`` once ``visited`` reached the cap."""
        if visited >= self.cap or not self._queue:
            return None
        return self._queue.popleft()
