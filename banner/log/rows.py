"""A consent-log row as a :class:`Decision`: shared by the store, the tree and the migrations."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class Decision:
    """One row of the consent log."""

    consent_id: str
    site: str
    recorded_at: datetime
    action: str
    granted: tuple[str, ...]
    denied: tuple[str, ...]
    policy_version: int
    language: str
    text_hash: str
    source: str
    page_origin: str
    page_path: str
    gpc: bool
    ip_masked: str
    user_agent: str
    #: the age / guardian box was ticked (sites with ``children = "guardian"``)
    age_confirmed: bool = False
    #: SHA-256 (hex) of the client's ``retry_key`` that wrote this row, ``""`` for none.
    #: A secret between the log and that client: never exported or shown.
    retry_key_hash: str = ""
    #: The keyed hash of the signed-in subject this decision links its consent id
    #: to (issue 25), ``""`` for none. Not a column: the ``subject_links``
    #: companion stores it (:mod:`banner.log.subjects`); never exported.
    subject: str = ""

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601 UTC), without the retry key's hash."""
        fields = {n: getattr(self, n) for n in self.__dataclass_fields__ if n not in PRIVATE}
        fields["recorded_at"] = self.recorded_at.astimezone(UTC).isoformat()
        fields["granted"], fields["denied"] = list(self.granted), list(self.denied)
        return fields


#: The newest row of each ``(consent_id, site)`` of a write's decisions before
#: the write, read under its lock (``None``: that consent id had no row there;
#: a key missing: not read); ``None``: nothing read.
Before = Mapping[tuple[str, str], Decision | None] | None


#: Fields of a :class:`Decision` that stay in the database (no export, receipt or output).
PRIVATE = frozenset({"retry_key_hash", "subject"})
#: Fields of a :class:`Decision` that are not ``consent_log`` columns.
NOT_COLUMNS = frozenset({"subject"})


def decision(row: sa.Row[Any]) -> Decision:
    """The :class:`Decision` a ``consent_log`` row holds (its stored-only columns dropped)."""
    return decision_of(dict(row._mapping))


def decision_of(values: dict[str, Any]) -> Decision:
    """:func:`decision` of a row read as ``{column: value}`` (``values`` is changed)."""
    for stored_only in ("row_id", "log_index", "leaf_hash"):
        values.pop(stored_only, None)
    values["granted"] = tuple(json.loads(values["granted"]))
    values["denied"] = tuple(json.loads(values["denied"]))
    values["recorded_at"] = as_utc(values["recorded_at"])
    return Decision(**values)


def as_utc(stamp: datetime) -> datetime:
    """A time read back from the database, as UTC (SQLite drops the zone)."""
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
