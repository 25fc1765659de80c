"""The visitor's consent receipt, built from the consent log's rows.

Shaped after ISO/IEC TS 27560 (consent record information structure): a
record id, the notice the visitor saw (hash of its text, policy version,
privacy policy URL), the language, the purposes given or refused, the
events over time (given, refused, changed, withdrawn) and the validity.

The notice's words come from the notice archive (:mod:`banner.log.notices`),
not from today's config and catalogs: the receipt shows what the visitor was
shown, even after the site reworded it. Decisions logged before the archive
existed have only the hash.

The receipt is reachable by anyone holding the consent id, so it carries
only what proves the choice. It leaves out the masked IP, user agent and
page path the log also keeps: they prove nothing to the visitor and the
operator reads them with ``banner log show``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from banner.core.config import SiteConfig
from banner.core.consent import ESSENTIAL, Action
from banner.log.notices import ArchivedNotice
from banner.log.store import Decision

SCHEMA = "ISO/IEC TS 27560:2023 (shape); banner receipt v1"
HASH_ALGORITHM = "sha256"

#: The event state a logged action puts the consent in.
EVENT_STATES: dict[str, str] = {
    Action.ACCEPT: "given",
    Action.CUSTOM: "given",
    Action.REJECT: "refused",
    Action.GPC: "refused",
    Action.CHANGE: "changed",
    Action.WITHDRAW: "withdrawn",
}


@dataclass(frozen=True, slots=True)
class Event:
    """One logged decision as the receipt shows it."""

    time: datetime
    action: str
    state: str
    granted: tuple[str, ...]
    denied: tuple[str, ...]
    policy_version: int
    language: str
    text_hash: str
    gpc: bool
    source: str
    age_confirmed: bool = False

    @classmethod
    def of(cls, row: Decision) -> Event:
        return cls(
            time=row.recorded_at.astimezone(UTC),
            action=row.action,
            state=EVENT_STATES.get(row.action, "changed"),
            granted=row.granted,
            denied=row.denied,
            policy_version=row.policy_version,
            language=row.language,
            text_hash=row.text_hash,
            gpc=row.gpc,
            source=row.source,
            age_confirmed=row.age_confirmed,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "time": iso(self.time),
            "action": self.action,
            "state": self.state,
            "purposes_granted": list(self.granted),
            "purposes_denied": list(self.denied),
            "policy_version": self.policy_version,
            "language": self.language,
            "notice_hash": self.text_hash,
            "gpc": self.gpc,
            "source": self.source,
            "age_confirmed": self.age_confirmed,
        }


@dataclass(frozen=True, slots=True)
class ShownCategory:
    """One category of the second layer as the visitor could read it."""

    label: str
    description: str
    trackers: tuple[str, ...]
    cookies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShownNotice:
    """The words of an archived notice, as the receipt shows them.

    Only what the banner drew: the first layer's sentences, the change
    notice when one was shown, and each category of the second layer.
    """

    language: str
    title: str
    #: the first layer's sentences, in the order drawn
    sentences: tuple[str, ...]
    changes_heading: str
    #: the change texts shown above the buttons (empty when none was)
    changes: tuple[str, ...]
    categories: tuple[ShownCategory, ...]
    headings: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, document: object, seen: int = 0) -> ShownNotice:
        """The words of an archived document; ``seen``: the visitor's earlier policy version.

        A document of another shape shows none.
        """
        doc = document if isinstance(document, dict) else {}
        # format 2 (the UI's own keys), and the first archive's format
        texts = _strings(doc.get("t", doc.get("texts")))
        first = _strings(doc.get("n", doc.get("first_layer")))
        sentences = [texts.get("banner_body", "")] + [
            first.get(k, "") for k in ("intro", "abroad", "kept", "controller")
        ]
        changes = [c[1] for c in _list(doc.get("ch", doc.get("changes"))) if _change_after(c, seen)]
        return cls(
            language=str(doc.get("language", "")),
            title=texts.get("banner_title", ""),
            sentences=tuple(s for s in sentences if s),
            changes_heading=texts.get("changes_heading", ""),
            changes=tuple(changes),
            categories=tuple(
                _shown_category(c) for c in _list(doc.get("c")) if isinstance(c, dict)
            ),
            headings={k: texts.get(k, "") for k in ("recipients_heading", "cookies_in_category")},
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "first_layer": [self.title, *self.sentences],
            "changes": list(self.changes),
            "second_layer": [
                {
                    "label": c.label,
                    "description": c.description,
                    "trackers": list(c.trackers),
                    "cookies": list(c.cookies),
                }
                for c in self.categories
            ],
        }


def _strings(value: object) -> dict[str, str]:
    return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _change_after(change: object, seen: int) -> bool:
    return (
        bool(seen)
        and isinstance(change, list)
        and len(change) == 2
        and isinstance(change[0], int)
        and isinstance(change[1], str)
        and change[0] > seen
    )


def _shown_category(raw: dict[str, Any]) -> ShownCategory:
    cookies = [
        " · ".join(str(p) for p in c) for c in _list(raw.get("cookies")) if isinstance(c, list)
    ]
    return ShownCategory(
        str(raw.get("label", "")),
        str(raw.get("description", "")),
        tuple(str(t) for t in _list(raw.get("trackers"))),
        tuple(cookies),
    )


@dataclass(frozen=True, slots=True)
class Receipt:
    """Every event of one consent id on one site, and what holds now."""

    site: SiteConfig
    consent_id: str
    events: tuple[Event, ...]
    now: datetime
    #: the archived notices of the events, by hash (those never archived are absent)
    notices: Mapping[str, ArchivedNotice] = field(default_factory=dict)

    @property
    def current(self) -> Event:
        return self.events[-1]

    @property
    def first(self) -> Event:
        return self.events[0]

    @property
    def valid_until(self) -> datetime:
        return self.current.time + timedelta(days=self.site.consent_days)

    @property
    def status(self) -> str:
        """``active``, ``expired``, or ``superseded`` by a newer policy version."""
        if self.current.policy_version < self.site.policy_version:
            return "superseded"
        return "expired" if self.now >= self.valid_until else "active"

    @property
    def shown(self) -> ShownNotice | None:
        """The words of the notice shown before the current decision, when archived."""
        archived = self.notices.get(self.current.text_hash)
        if archived is None:
            return None
        before = self.events[-2].policy_version if len(self.events) > 1 else 0
        seen = before if before < self.current.policy_version else 0
        return ShownNotice.of(archived.document, seen)

    @property
    def later_changes(self) -> tuple[Event, ...]:
        """The events after the first decision (changes and withdrawals)."""
        return self.events[1:]

    def as_json(self) -> dict[str, Any]:
        """The receipt as JSON, field names after ISO/IEC TS 27560."""
        current = self.current
        return {
            "schema": SCHEMA,
            "record_id": self.consent_id,
            "controller": self._controller(),
            "notice": {
                "hash": current.text_hash,
                "hash_algorithm": HASH_ALGORITHM,
                "policy_version": current.policy_version,
                "privacy_policy_url": self.site.privacy_policy_url,
                "language": current.language,
                "archived": current.text_hash in self.notices,
                "words": self.shown.as_json() if self.shown else None,
            },
            "notices": self._notices(),
            "language": current.language,
            "purposes": self._purposes(),
            "event_time": iso(current.time),
            "event_state": current.state,
            "gpc": current.gpc,
            "age_confirmed": current.age_confirmed,
            "validity": {
                "from": iso(current.time),
                "until": iso(self.valid_until),
                "status": self.status,
            },
            "first_event_time": iso(self.first.time),
            "events": [event.as_json() for event in self.events],
        }

    def _controller(self) -> dict[str, Any]:
        controller = self.site.the_controller
        return {
            "name": controller.name,
            "contact": controller.contact,
            "address": controller.address,
            "site": self.site.id,
        }

    def _notices(self) -> list[dict[str, Any]]:
        """Each archived notice of the events once, in the order first shown."""
        hashes = dict.fromkeys(event.text_hash for event in self.events)
        return [self.notices[h].as_record() for h in hashes if h in self.notices]

    def _purposes(self) -> list[dict[str, Any]]:
        essential = {"purpose": ESSENTIAL, "consent": "not_required", "legal_basis": "necessary"}
        return [
            essential,
            *(_purpose(c, "given", "consent") for c in self.current.granted),
            *(_purpose(c, "refused", "consent") for c in self.current.denied),
        ]


def _purpose(category: str, consent: str, basis: str) -> dict[str, Any]:
    return {"purpose": category, "consent": consent, "legal_basis": basis}


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_receipt(
    site: SiteConfig,
    rows: Sequence[Decision],
    now: datetime,
    notices: Mapping[str, ArchivedNotice] | None = None,
) -> Receipt | None:
    """The receipt of one consent id from its log rows (oldest first), or ``None``.

    :param notices: the archived notices of the rows' hashes.
    """
    if not rows:
        return None
    events = tuple(Event.of(row) for row in rows)
    return Receipt(site, rows[0].consent_id, events, now.astimezone(UTC), notices or {})
