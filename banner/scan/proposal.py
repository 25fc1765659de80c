"""``cookies.toml``: the declaration the scan proposes, ready for ``[sites.S]``.

One ``[[sites.S.cookies]]`` table per cookie seen, sorted by name (a name the databases know
by prefix becomes a ``prefix*`` pattern). A cookie the site declares already
keeps its declaration word for word. Provider, category, duration and
purpose come from the databases where they have them; every value that does
not is marked ``# REVIEW``, and a cookie whose category is unknown (or whose
name cannot be declared) is written commented out, so the file always passes
``banner check-config`` when pasted into a config.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from banner.core.config_model import COOKIE_NAME, SITE_ID, SiteConfig
from banner.scan.classify import BANNER, UNKNOWN
from banner.scan.durations import from_expiry, from_retention
from banner.scan.report import Record

PLACEHOLDER_SITE = "your_site"
REVIEW = "# REVIEW: "


@dataclass
class Entry:
    """One proposed table: its lines, and whether it is written commented out."""

    name: str
    lines: list[str] = field(default_factory=list)
    disabled: str = ""

    def add(self, key: str, value: Any, review: str = "") -> None:
        self.lines.append(
            f"{key} = {_toml(value)}" + (f"  {REVIEW}{_comment(review)}" if review else "")
        )


def proposal(report: Record, site: SiteConfig | None, now: float | None = None) -> str:
    """The ``cookies.toml`` text for ``report``."""
    site_id = site.id if site and SITE_ID.match(site.id) else PLACEHOLDER_SITE
    header = [
        f"# Cookies found by banner scan on {_comment(report['url'])} ({report['scanned_at']}).",
        f"# Paste into your banner.toml (rename [sites.{site_id}] to your site's id if needed).",
        "# Lines marked REVIEW need a person; commented-out entries need a category first.",
        "",
    ]
    entries = _entries(report["cookies"], site, now if now is not None else time.time())
    return "\n".join(header + [_render(site_id, e) for e in entries])


def _entries(cookies: list[Record], site: SiteConfig | None, now: float) -> list[Entry]:
    declared = {d.name: d for d in site.cookies} if site else {}
    out: dict[str, Entry] = {}
    for cookie in cookies:
        if cookie["source"] == BANNER:
            continue  # banner declares its own consent cookie
        name = _pattern(cookie)
        if name in out:
            continue
        known = declared.get(name) or declared.get(cookie["name"])
        out[name] = _declared(known) if known else _found(name, cookie, site, now)
    return [out[name] for name in sorted(out)]


def _pattern(cookie: Record) -> str:
    """``prefix*`` where a database knows the name only by its prefix."""
    name = str(cookie["name"])
    stem = cookie.get("known_prefix")
    return f"{stem}*" if stem else name


def _declared(d: Any) -> Entry:
    entry = Entry(d.name)
    entry.lines.append("# declared already")
    for key in ("name", "provider", "category"):
        entry.add(key, getattr(d, key))
    entry.add("duration", dict(d.duration))
    entry.add("purpose", dict(d.purpose))
    return entry


def _found(name: str, cookie: Record, site: SiteConfig | None, now: float) -> Entry:
    entry = Entry(name)
    entry.add("name", name)
    owner = cookie["controller"] or cookie["platform"]
    provider = owner or (site.name if site else str(cookie["domain"]).lstrip("."))
    entry.add("provider", provider, "" if owner else "who sets this cookie?")
    category = cookie["category"]
    if category == UNKNOWN:
        entry.disabled = "category unknown: choose one, then uncomment"
        entry.add("category", "functional", "a placeholder, not a finding")
    else:
        entry.add("category", category)
    retention = from_retention(cookie.get("retention") or "")
    if retention:
        entry.add("duration", retention)
    else:
        seen = from_expiry(cookie["expires"], now)
        entry.add("duration", seen, "from the expiry this scan saw")
    _purpose(entry, cookie)
    if not COOKIE_NAME.match(name):
        entry.disabled = "this name cannot be declared (letters, digits, _ . - * only)"
    return entry


def _purpose(entry: Entry, cookie: Record) -> None:
    english = cookie.get("description") or ""
    indonesian = cookie.get("description_id") or ""
    if english and indonesian:
        entry.add("purpose", {"id": indonesian, "en": english})
    elif english:
        entry.add("purpose", {"id": english, "en": english}, "write the purpose in Indonesian")
    else:
        entry.add("purpose", {"id": "?", "en": "?"}, "what is this cookie for?")


def _render(site_id: str, entry: Entry) -> str:
    lines = [f"[[sites.{site_id}.cookies]]", *entry.lines]
    if entry.disabled:
        lines = [f"{REVIEW}{_comment(entry.disabled)}", *(f"# {line}" for line in lines)]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    """A TOML string or inline table of strings."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    text = json.dumps(str(value)[:2000], ensure_ascii=False)
    return text.replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    """``text`` safe inside a one-line TOML comment."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))[:300]
