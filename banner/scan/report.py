"""The scan's findings as the ``report.json`` document.

Both passes merged: every cookie, storage key and request once, with where it
was first seen and whether it was there before consent (pass 1). Violations
are the non-essential cookies and storage keys and the known tracker requests
of pass 1; with a site, ``undeclared`` and ``stale`` compare with its
declaration. A tracker script from another host that did not load (blocked,
offline, an HTTP error) is listed in ``failed_scripts``; the declared cookies it
would have set are ``not_observable``, never ``stale``: the scan could not see
them, which says nothing about whether the site still sets them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from banner.core.config_model import SiteConfig
from banner.core.consent import ESSENTIAL
from banner.core.tracker_kinds import cookie_matches
from banner.scan.classify import BANNER, UNKNOWN, Classifier, Verdict
from banner.scan.observations import (
    BEFORE,
    LOADED,
    PassResult,
    SeenCookie,
    SeenRequest,
    SeenStorage,
)

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ScanInput:
    """What the report is about."""

    url: str
    site: SiteConfig | None
    scanned_at: datetime
    seconds: float
    limits: dict[str, float]


def build_report(scan: ScanInput, passes: list[PassResult], classifier: Classifier) -> Record:
    """The ``report.json`` document."""
    first = passes[0]
    cookies = _cookies(passes, classifier, scan.site)
    storage = _storage(passes, classifier)
    outcomes = script_outcomes(passes)
    requests = _requests(passes, classifier, outcomes)
    failed = failed_scripts(outcomes, classifier)
    unseen = _unseen(scan.site, cookies, failed, classifier) if scan.site else ([], [])
    return {
        "url": scan.url,
        "site": scan.site.id if scan.site else None,
        "scanned_at": scan.scanned_at.isoformat(),
        "duration_seconds": round(scan.seconds, 1),
        "limits": scan.limits,
        "complete": not any(p.cut_short for p in passes),
        "banner_accepted": len(passes) > 1 and passes[1].accepted,
        "pages": [{"url": p.url, "status": p.status, "error": p.error} for p in first.pages],
        "cookies": cookies,
        "storage": storage,
        "requests": requests,
        "violations": violations(cookies, storage, requests),
        "undeclared": _undeclared(cookies) if scan.site else [],
        "stale": unseen[0],
        "failed_scripts": failed,
        "not_observable": unseen[1],
    }


def _verdict(verdict: Verdict) -> Record:
    known = verdict.known
    return {
        "platform": verdict.platform,
        "category": verdict.category,
        "source": verdict.source,
        "controller": verdict.controller,
        "description": known.description if known and known.description else None,
        "description_id": known.description_id if known and known.description_id else None,
        "retention": known.retention if known and known.retention else None,
        "known_prefix": known.name if known and known.wildcard else None,
    }


def _merge(keyed: Iterable[tuple[tuple[str, ...], int, Any]]) -> dict[tuple[str, ...], Any]:
    """The first sighting of each key, and whether any was in pass 1."""
    seen: dict[tuple[str, ...], Any] = {}
    for key, number, item in keyed:
        first, before = seen.get(key, (item, False))
        seen[key] = (first, before or number == BEFORE)
    return seen


def _ordered(passes: list[PassResult], attribute: str) -> list[tuple[int, Any]]:
    """Pass 1's items first, so a key's first sighting is the earliest page."""
    return [(p.number, item) for p in passes for item in getattr(p, attribute)]


def _cookies(
    passes: list[PassResult], classifier: Classifier, site: SiteConfig | None
) -> list[Record]:
    merged = _merge(((c.name, c.domain, c.path), n, c) for n, c in _ordered(passes, "cookies"))
    declared = [d.name for d in site.cookies] if site else []
    records = []
    for cookie, before in merged.values():
        c: SeenCookie = cookie
        verdict = classifier.cookie(c.name)
        is_declared = verdict.source == BANNER or any(cookie_matches(d, c.name) for d in declared)
        records.append(
            {
                "name": c.name,
                "domain": c.domain,
                "path": c.path,
                "expires": c.expires,
                "http_only": c.http_only,
                "secure": c.secure,
                "same_site": c.same_site,
                "page": c.page,
                "before_consent": before,
                "declared": is_declared if site else None,
                **_verdict(verdict),
            }
        )
    return records


def _storage(passes: list[PassResult], classifier: Classifier) -> list[Record]:
    merged = _merge(((s.area, s.key), n, s) for n, s in _ordered(passes, "storage"))
    records = []
    for item, before in merged.values():
        s: SeenStorage = item
        records.append(
            {
                "area": s.area,
                "key": s.key,
                "page": s.page,
                "before_consent": before,
                **_verdict(classifier.cookie(s.key)),
            }
        )
    return records


def _requests(
    passes: list[PassResult], classifier: Classifier, outcomes: dict[str, str]
) -> list[Record]:
    merged = _merge(((r.url,), n, r) for n, r in _ordered(passes, "requests"))
    records = []
    for item, before in merged.values():
        r: SeenRequest = item
        records.append(
            {
                "host": r.host,
                "url": r.url,
                "resource_type": r.resource_type,
                "initiator": r.initiator,
                "page": r.page,
                "before_consent": before,
                # scripts only: "loaded", "HTTP 503", "net::ERR_..." (any pass loading it wins)
                "outcome": outcomes.get(r.url),
                **_verdict(classifier.request(r.url)),
            }
        )
    return records


def _tracking(record: Record) -> bool:
    return bool(record["before_consent"]) and record["category"] not in (ESSENTIAL, UNKNOWN)


def violations(
    cookies: list[Record], storage: list[Record], requests: list[Record]
) -> list[Record]:
    """Non-essential cookies and keys, and known tracker requests, before consent."""
    found: list[Record] = []
    for kind, records, name in (
        ("cookie", cookies, "name"),
        ("storage", storage, "key"),
        ("request", requests, "url"),
    ):
        found += [
            {
                "kind": kind,
                "name": r[name],
                "host": r.get("host") or r.get("domain"),
                "page": r["page"],
                "platform": r["platform"],
                "category": r["category"],
            }
            for r in records
            if _tracking(r)
        ]
    return found


def _undeclared(cookies: list[Record]) -> list[Record]:
    return [
        {k: c[k] for k in ("name", "domain", "page", "platform", "category", "before_consent")}
        for c in cookies
        if not c["declared"]
    ]


def script_outcomes(passes: list[PassResult]) -> dict[str, str]:
    """How each script from another host ended; loaded in any pass counts as loaded."""
    outcomes: dict[str, str] = {}
    for p in passes:
        for url, outcome in p.scripts.items():
            if outcomes.get(url) != LOADED:
                outcomes[url] = outcome
    return outcomes


def failed_scripts(outcomes: dict[str, str], classifier: Classifier) -> list[Record]:
    """Known tracker scripts that never loaded in any pass, with how each attempt ended."""
    found = []
    for url, outcome in outcomes.items():
        verdict = classifier.request(url)
        if outcome != LOADED and verdict.platform and verdict.source != BANNER:
            found.append({"url": url, "platform": verdict.platform, "outcome": outcome})
    return found


#: A tag manager's failure hides whatever it would have loaded.
TAG_MANAGERS = frozenset({"Google Tag Manager"})


def _unseen(
    site: SiteConfig, cookies: list[Record], failed: list[Record], classifier: Classifier
) -> tuple[list[Record], list[Record]]:
    """Declared cookies never seen: ``stale``, or ``not_observable`` behind a failed script."""
    platforms = {f["platform"]: f for f in failed}
    manager = next((platforms[p] for p in platforms if p in TAG_MANAGERS), None)
    stale, hidden = [], []
    for d in site.cookies:
        if any(cookie_matches(d.name, c["name"]) for c in cookies):
            continue
        cause = platforms.get(classifier.cookie(d.name).platform or "")
        if cause is None and d.category != ESSENTIAL:
            cause = manager
        if cause is None:
            stale.append({"name": d.name, "category": d.category})
        else:
            hidden.append(
                {
                    "name": d.name,
                    "category": d.category,
                    "script": cause["url"],
                    "platform": cause["platform"],
                    "outcome": cause["outcome"],
                }
            )
    return stale, hidden
