"""``banner log export --format iso27560``: one consent record per decision, after ISO/IEC TS 27560.

ISO/IEC TS 27560:2023 describes what a consent record holds; it fixes no
serialisation. Each JSON line here carries its information elements under
snake_case names (``docs/proof.md`` maps them to the standard's), filled from
the log row and the site's config: controller, privacy notice (the archived
notice's hash and the privacy policy link), purposes with their recipients
and the countries data goes to, retention, jurisdiction (``ID``: UU PDP), how
to withdraw, and the event's type and state.

State: ``withdrawn`` for a withdrawal, ``invalidated`` when the site's policy
version has since been raised, ``lapsed`` once ``consent_days`` have passed,
else ``given`` or ``refused``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from banner.core.config import SiteConfig
from banner.core.consent import ESSENTIAL, Action
from banner.core.disclosure import recipient_of
from banner.log.store import Decision

SCHEMA = "ISO/IEC TS 27560:2023 consent record (banner mapping v1)"
#: event type per logged action
EVENT_TYPES: dict[str, str] = {
    Action.ACCEPT: "given",
    Action.CUSTOM: "given",
    Action.REJECT: "refused",
    Action.GPC: "refused",
    Action.CHANGE: "modified",
    Action.WITHDRAW: "withdrawn",
}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def state(decision: Decision, site: SiteConfig, now: datetime) -> str:
    """``withdrawn``, ``invalidated``, ``lapsed``, ``given`` or ``refused``."""
    if decision.action == Action.WITHDRAW:
        return "withdrawn"
    if decision.policy_version < site.policy_version:
        return "invalidated"
    if now >= decision.recorded_at + timedelta(days=site.consent_days):
        return "lapsed"
    return "given" if decision.granted else "refused"


def _recipients(site: SiteConfig, category: str) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for tracker in site.trackers:
        recipient = recipient_of(tracker) if tracker.category == category else None
        if recipient is not None:
            found.setdefault(
                recipient.name, {"name": recipient.name, "country": recipient.country_code}
            )
    return list(found.values())


def _purpose(site: SiteConfig, category: str, consent: str) -> dict[str, Any]:
    recipients = _recipients(site, category)
    return {
        "purpose": category,
        "consent": consent,
        "legal_basis": "necessary" if category == ESSENTIAL else "consent",
        "recipients": recipients,
        "storage_locations": sorted({r["country"] for r in recipients if r["country"]}),
        "geographic_restrictions": "none: data may leave Indonesia"
        if any(r["country"] != "ID" for r in recipients)
        else "Indonesia only",
    }


def record(decision: Decision, site: SiteConfig, now: datetime) -> dict[str, Any]:
    """The consent record of one decision."""
    controller = site.the_controller
    return {
        "schema": SCHEMA,
        "record_id": f"{decision.consent_id}@{_stamp(decision.recorded_at)}",
        "pii_principal_id": decision.consent_id,
        "controller": {
            "name": controller.name,
            "contact": controller.contact,
            "address": controller.address,
        },
        "privacy_notice": {
            "hash": decision.text_hash,
            "hash_algorithm": "sha256",
            "policy_version": decision.policy_version,
            "url": site.privacy_policy_url,
            "receipt": f"/s/{site.id}/receipt/{decision.consent_id}",
        },
        "language": decision.language,
        "purposes": [
            _purpose(site, ESSENTIAL, "not_required"),
            *(_purpose(site, c, "given") for c in decision.granted),
            *(_purpose(site, c, "refused") for c in decision.denied),
        ],
        "retention_period": f"P{site.consent_days}D",
        "jurisdiction": "ID",
        "withdrawal_method": f"/s/{site.id}/preferences",
        "event_time": _stamp(decision.recorded_at),
        "validity_duration": f"P{site.consent_days}D",
        "event_type": EVENT_TYPES.get(decision.action, "modified"),
        "event_state": state(decision, site, now),
        "collection_method": decision.source,
        "gpc": decision.gpc,
        "age_confirmed": decision.age_confirmed,
    }


def write_iso27560(
    rows: Iterable[Decision], out: IO[str], progress: Callable[[], None], *, site: SiteConfig
) -> int:
    """One consent record per line; return how many."""
    now, count = datetime.now(UTC), 0
    for count, decision in enumerate(rows, start=1):  # noqa: B007 - count is the result
        out.write(json.dumps(record(decision, site, now), ensure_ascii=False) + "\n")
        progress()
    return count
