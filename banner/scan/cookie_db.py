"""What is known about a cookie name, storage key or request host.

Two sources, both shipped in ``data/``: the Open Cookie Database
(``open-cookie-database.csv``, Apache-2.0, by jkwakman and contributors) and
banner's own ``supplement.toml`` for trackers common in Indonesia that it
lacks. Lookups try exact names first, then wildcard prefixes (longest first);
the Open Cookie Database wins where both know a name.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from banner.core.tracker_kinds import host_matches

DATA = Path(__file__).resolve().parent / "data"
OCD_FILE = DATA / "open-cookie-database.csv"
SUPPLEMENT_FILE = DATA / "supplement.toml"
OCD = "open-cookie-database"
SUPPLEMENT = "banner-supplement"
HOST = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")


@dataclass(frozen=True, slots=True)
class Known:
    """One entry of either source."""

    #: a cookie or storage key name; a prefix when ``wildcard``; ``""`` for host-only entries
    name: str
    wildcard: bool
    platform: str
    #: the source's own category (``Functional``, ``Analytics``, ``Marketing``, ...)
    category: str
    description: str
    retention: str
    controller: str
    #: the host it is set from or sends to, when the source names one
    host: str
    source: str
    #: supplement only: where the entry's facts come from
    reference: str = ""
    #: supplement only: the purpose in Indonesian
    description_id: str = ""


@dataclass(frozen=True, slots=True)
class CookieDatabase:
    """Both sources, indexed for lookup."""

    exact: dict[str, Known]
    prefixes: tuple[Known, ...]
    hosts: tuple[Known, ...]

    def cookie(self, name: str) -> Known | None:
        """The entry for a cookie or storage key ``name``: exact, then longest prefix."""
        if name in self.exact:
            return self.exact[name]
        return next((k for k in self.prefixes if name.startswith(k.name)), None)

    def host(self, host: str) -> Known | None:
        """The entry naming ``host`` or a parent domain of it, most specific first."""
        return next((k for k in self.hosts if host_matches(k.host, host)), None)


@cache
def load() -> CookieDatabase:
    """Both files, read once per process."""
    return index([*_ocd(OCD_FILE), *_supplement(SUPPLEMENT_FILE)])


def index(entries: Iterable[Known]) -> CookieDatabase:
    """Index ``entries``; an earlier entry wins over a later one with the same key."""
    exact: dict[str, Known] = {}
    prefixes: dict[str, Known] = {}
    hosts: dict[str, Known] = {}
    named_hosts: dict[str, list[Known]] = {}
    for entry in entries:
        if entry.name:
            (prefixes if entry.wildcard else exact).setdefault(entry.name, entry)
            if entry.host:
                named_hosts.setdefault(entry.host, []).append(entry)
        elif entry.host:
            hosts.setdefault(entry.host, entry)
    for host, group in named_hosts.items():
        hosts.setdefault(host, _host_entry(group))
    by_length = sorted(prefixes.values(), key=lambda k: -len(k.name))
    host_order = sorted(hosts.values(), key=lambda k: -len(k.host))
    return CookieDatabase(exact, tuple(by_length), tuple(host_order))


def _host_entry(group: list[Known]) -> Known:
    """A host known only from the cookies it sets: its category when they all agree."""
    first = group[0]
    agreed = len({k.category for k in group}) == 1
    return replace(
        first,
        name="",
        wildcard=False,
        category=first.category if agreed else "",
        description=first.description if len(group) == 1 else "",
    )


def _ocd(path: Path) -> Iterator[Known]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["Cookie / Data Key name"].strip()
            if not name:
                continue
            yield Known(
                name=name,
                wildcard=row["Wildcard match"].strip() == "1",
                platform=row["Platform"].strip(),
                category=row["Category"].strip(),
                description=row["Description"].strip(),
                retention=row["Retention period"].strip(),
                controller=row["Data Controller"].strip(),
                host=_host(row["Domain"]),
                source=OCD,
            )


def _host(domain: str) -> str:
    """The first host name in an OCD ``Domain`` cell (``"facebook.com (3rd party)"``)."""
    words = domain.strip().lower().split()
    first = words[0].lstrip(".") if words else ""
    return first if HOST.match(first) else ""


def _supplement(path: Path) -> Iterator[Known]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    for entry in document.get("entry", []):
        name = str(entry.get("name", ""))
        yield Known(
            name=name.removesuffix("*"),
            wildcard=name.endswith("*"),
            platform=entry["platform"],
            category=entry["category"],
            description=entry["purpose"]["en"],
            retention=entry.get("retention", ""),
            controller=entry["controller"],
            host=entry.get("host", ""),
            source=SUPPLEMENT,
            reference=entry["source"],
            description_id=entry["purpose"]["id"],
        )
