"""What banner does for signed-in subjects: check their tokens, answer and share their choice.

- :meth:`SubjectService.check` turns a subject token into the subject's keyed
  hash (refusing forged, expired, other sites' tokens, and tokens issued
  before the subject was forgotten);
- :meth:`SubjectService.consent` answers the subject's current choice, for
  the site's back end (``banner.subject_consent``, ``POST /api/v1/subject``);
- :meth:`SubjectService.sync` gives a browser on a ``data-subject`` page the
  subject's current choice: a ``sync`` row on the browser's consent id (a new
  one when it has none it can prove), linked to the subject, and its token;
- :meth:`SubjectService.forget` unlinks a subject (``banner log forget-subject``).

Framework-free: the web routes and the CLI call it.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from banner.core.config import BannerConfig, SiteConfig, load_config
from banner.core.consent import Action, Choice, Source, new_consent_id
from banner.core.subject import (
    SubjectConsent,
    SubjectRefusal,
    check_user_id,
    subject_hash,
    subject_keys,
    verify_subject,
)
from banner.core.token import ConsentToken
from banner.core.visitor import clean_text, mask_ip
from banner.log import subjects
from banner.log.service import ConsentService, Recorded
from banner.log.store import ConsentLog, Decision, translate_error


class SubjectRefused(Exception):
    """A subject token that names no subject here; ``refusal`` says why."""

    def __init__(self, refusal: SubjectRefusal | str) -> None:
        super().__init__(str(refusal))
        self.refusal = str(refusal)


#: Refusal of a token issued before its subject was forgotten.
FORGOTTEN = "forgotten"


class SyncState(enum.StrEnum):
    """What a sync did for the browser."""

    #: the subject has no current choice: the page carries on as for anyone
    NONE = "none"
    #: the browser's choice is another signed-in person's (a shared computer) and
    #: this person has none to share: the page asks this person, as for a new visitor
    ASK = "ask"
    #: the browser already holds the subject's current choice (or a newer one)
    SAME = "same"
    #: a ``sync`` row was written; the answer carries its token
    SYNC = "sync"


@dataclass(frozen=True, slots=True)
class SyncRequest:
    """A browser on a ``data-subject`` page asking for its subject's choice."""

    site: str
    subject: object
    consent_id: str | None = None
    token: str | None = None
    page_origin: str = ""
    page_path: str = ""
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class Synced:
    state: SyncState
    recorded: Recorded | None = None


def _same(one: subjects.Newest, other: subjects.Newest) -> bool:
    return set(one.decision.granted) == set(other.decision.granted)


def as_consent(decision: Decision) -> SubjectConsent:
    return SubjectConsent(
        site=decision.site,
        granted=decision.granted,
        denied=decision.denied,
        policy_version=decision.policy_version,
        action=decision.action,
        decided_at=int(decision.recorded_at.timestamp()),
    )


class SubjectService:
    """Subjects of every configured site, over one :class:`ConsentService`."""

    def __init__(self, consent: ConsentService) -> None:
        self.consent = consent

    @property
    def config(self) -> BannerConfig:
        return self.consent.config

    def hash_of(self, site: str, user_id: str) -> str:
        """The keyed hash of ``user_id`` on ``site`` (:raises ValueError: a bad user id)."""
        return subject_hash(self.config.secret_keys, site, user_id)

    def check(self, site: str, token: object) -> str:
        """The keyed hash of the subject ``token`` vouches for on ``site``.

        :raises SubjectRefused: forged, expired, malformed, another site's, or
            issued before the subject was forgotten.
        """
        config = self.config
        verdict = verify_subject(
            token, site, subject_keys(config.secret_keys, site), self.consent.clock
        )
        if verdict.subject is None:
            raise SubjectRefused(verdict.refusal or SubjectRefusal.MALFORMED)
        hashed = subject_hash(config.secret_keys, site, verdict.subject.user_id)
        try:
            with self.consent.log.engine.connect() as conn:
                gone = subjects.forgotten_at(conn, site, hashed)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        if gone is not None and verdict.subject.issued_at <= gone:
            raise SubjectRefused(FORGOTTEN)
        return hashed

    def consent_of(self, site: SiteConfig, user_id: str) -> SubjectConsent | None:
        """The subject's current choice under the site's current policy; ``None``: no choice.

        :raises ValueError: for a bad user id.
        """
        hashed = self.hash_of(site.id, check_user_id(user_id))
        try:
            with self.consent.log.engine.connect() as conn:
                found = subjects.newest(conn, site.id, hashed)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        if found is None or found.decision.policy_version != site.policy_version:
            return None
        return as_consent(found.decision)

    def forget(self, site: str, user_id: str) -> int:
        """Unlink the subject from every consent id; returns how many were linked."""
        hashed = self.hash_of(site, check_user_id(user_id))
        now = datetime.fromtimestamp(int(self.consent.clock()), UTC)
        try:
            with self.consent.log.engine.begin() as conn:
                return subjects.forget(conn, site, hashed, now)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc

    def sync(self, request: SyncRequest) -> Synced:
        """Bring the browser to the subject's current choice (see the module's docstring).

        :raises SubjectRefused: for a token that names no subject here.
        :raises banner.log.store.StoreUnavailable: when nothing could be read or written.
        """
        site = self.config.sites[request.site]
        hashed = self.check(site.id, request.subject)
        log = self.consent.log
        try:
            with log.engine.connect() as conn:
                best = subjects.newest(conn, site.id, hashed)
                mine = owner = None
                if request.consent_id is not None:
                    mine = subjects.latest_of(conn, site.id, request.consent_id)
                    owner = subjects.subject_of(conn, site.id, request.consent_id)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        holder = self._holder(site.id, request)
        proven = (
            mine is not None
            and holder is not None
            and holder.issued_at >= int(mine.decision.recorded_at.timestamp())
            and owner in (None, hashed)
        )
        held = (
            mine
            if proven and mine and mine.decision.policy_version == site.policy_version
            else None
        )
        if best is None or best.decision.policy_version != site.policy_version:
            if owner is not None and owner != hashed:
                return Synced(SyncState.ASK)
            if held is None:
                return Synced(SyncState.NONE)
            best = None  # nothing to share: this browser's own choice is the person's
        if held is not None and (best is None or held.row_id >= best.row_id or _same(held, best)):
            if owner is None and (best is None or held.row_id > best.row_id):
                # This browser's own choice, made before signing in, is the person's
                # newest: linked, it becomes the choice their other devices take.
                self._link(site.id, held.decision, hashed)
            return Synced(SyncState.SAME)
        assert best is not None
        consent_id = request.consent_id if proven and request.consent_id else new_consent_id()
        return Synced(SyncState.SYNC, self._write(site, consent_id, best.decision, hashed, request))

    def _link(self, site: str, newest: Decision, hashed: str) -> None:
        now = datetime.fromtimestamp(int(self.consent.clock()), UTC)
        try:
            with self.consent.log.engine.begin() as conn:
                subjects.put(conn, site, newest.consent_id, hashed, now)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc

    def _holder(self, site_id: str, request: SyncRequest) -> ConsentToken | None:
        if request.token is None or request.consent_id is None:
            return None
        content = self.consent.codecs[site_id].holder(request.token)
        return content if content and content.consent_id == request.consent_id else None

    def _write(
        self, site: SiteConfig, consent_id: str, best: Decision, hashed: str, request: SyncRequest
    ) -> Recorded:
        choice = Choice.of(best.granted, site.category_ids)
        decision = Decision(
            consent_id=consent_id,
            site=site.id,
            recorded_at=datetime.fromtimestamp(int(self.consent.clock()), UTC),
            action=Action.SYNC.value,
            granted=tuple(choice.granted_list()),
            denied=choice.denied,
            policy_version=site.policy_version,
            language=best.language,
            text_hash=best.text_hash,
            source=Source.BANNER.value,
            page_origin=clean_text(request.page_origin, 255),
            page_path=clean_text(request.page_path, 512),
            gpc=best.gpc,
            ip_masked=mask_ip(request.ip),
            user_agent=clean_text(request.user_agent),
            age_confirmed=best.age_confirmed,
            subject=hashed,
        )
        fresh = consent_id != request.consent_id
        stored = self.consent.log.append(decision, fresh=fresh)
        token, content = self.consent.codecs[site.id].sign(stored.consent_id, stored.granted)
        return Recorded(stored, token, content)


#: Services opened by :func:`subject_consent`, by config file (or config object).
_OPEN: dict[object, SubjectService] = {}
_OPEN_LIMIT = 8


def subject_consent(
    site: str, user_id: str, *, config: BannerConfig | str | os.PathLike[str] | None = None
) -> SubjectConsent | None:
    """The signed-in subject's current choice on ``site``; ``None`` for no choice.

    For a back end that gates server-side events of a signed-in user (pass
    the answer to ``TrackerGate``). Reads the consent log named by the config
    (``BANNER_CONFIG`` by default); a back end without access to the database
    asks ``POST /api/v1/subject`` instead. A choice made under an older policy
    version, or none at all, or a forgotten subject, answers ``None``.

    :raises ValueError: for an unknown site or a bad user id.
    :raises banner.log.store.StoreUnavailable: when the log cannot be read.
    """
    key: object = config if isinstance(config, BannerConfig) else str(config or "")
    found = _OPEN.get(key)
    if found is None:
        loaded = config if isinstance(config, BannerConfig) else load_config(config)
        if len(_OPEN) >= _OPEN_LIMIT:
            _OPEN.clear()
        found = _OPEN[key] = SubjectService(ConsentService(loaded, ConsentLog(loaded.database_url)))
    site_config = found.config.sites.get(site)
    if site_config is None:
        raise ValueError(f"no site {site!r} is configured")
    return found.consent_of(site_config, user_id)
