"""Where the scanner's browser sends a host's requests: ``--route HOST=TARGET``.

For staging and tests: ``TARGET`` is an ``http(s)://`` base URL that answers in
the host's place (a local fake of a tracker), ``block`` (the request fails) or
``direct`` (left alone). ``HOST`` is a host name, which covers its subdomains,
or ``*`` for every other host but the scanned one. Requests are still recorded
under the host the page asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from banner.core.tracker_kinds import host_matches

BLOCK, DIRECT = "block", "direct"
HOST = re.compile(r"^(\*|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$")


class BadRoute(ValueError):
    """A ``--route`` value that is not ``HOST=URL|block|direct``."""


@dataclass(frozen=True, slots=True)
class Routes:
    """Host patterns and their targets, most specific first."""

    rules: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, values: tuple[str, ...] | list[str]) -> Routes:
        """Read ``HOST=TARGET`` strings.

        :raises BadRoute: naming the value that is wrong.
        """
        rules = [_rule(value) for value in values]
        return cls(tuple(sorted(rules, key=lambda rule: rule[0] == "*")))

    def target(self, host: str, scanned_host: str) -> str:
        """``DIRECT``, ``BLOCK`` or a base URL for a request to ``host``."""
        for pattern, target in self.rules:
            if pattern == "*" and host == scanned_host:
                continue
            if pattern == "*" or host_matches(pattern, host):
                return target
        return DIRECT

    def rewrite(self, url: str, base: str) -> str:
        """``url`` sent to ``base`` instead: same path and query."""
        parts, to = urlsplit(url), urlsplit(base)
        return urlunsplit((to.scheme, to.netloc, parts.path, parts.query, ""))


def _rule(value: str) -> tuple[str, str]:
    host, sep, target = value.partition("=")
    host = host.strip().lower()
    if not sep or not HOST.match(host) or len(host) > 253:
        raise BadRoute(f"expected HOST=URL, HOST=block or HOST=direct, got {value!r}")
    if target in (BLOCK, DIRECT):
        return host, target
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise BadRoute(f"expected an http(s) origin like http://127.0.0.1:9000, got {target!r}")
    return host, f"{parts.scheme}://{parts.netloc}"
