"""Recording and verifying decisions, independent of any web framework.

The API and the preference page both go through :class:`ConsentService`, so
a decision is logged and signed the same way wherever it was made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from banner.core.config import BannerConfig, SiteConfig
from banner.core.config_watch import LiveConfig
from banner.core.consent import Choice, Source, new_consent_id, retry_key_hash, retry_proven
from banner.core.keys import site_token_keys
from banner.core.notice import Notice
from banner.core.token import ConsentToken, Reason, TokenCodec, Verdict
from banner.core.visitor import clean_text, mask_ip
from banner.log.notice_book import NoticeBook
from banner.log.notices import NoticeArchive
from banner.log.store import ConsentLog, Decision, StoreUnavailable

#: Gives the banner texts shown for (site, language); the i18n layer supplies it.
TextSource = Callable[[SiteConfig, str], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """A visitor's decision as it arrives, before it is logged."""

    site: str
    granted: tuple[str, ...]
    language: str
    consent_id: str | None = None
    gpc: bool = False
    source: Source = Source.API
    page_origin: str = ""
    page_path: str = ""
    ip: str | None = None
    user_agent: str | None = None
    age_confirmed: bool = False
    #: The consent id's current token; required to change an existing id's choice.
    token: str | None = None
    #: The hash of the notice the visitor was shown; ``None``: the current one of ``language``.
    notice_hash: str | None = None
    #: The client's random key for this decision (16-128 URL-safe characters); a
    #: retry of the same decision carries it again to get a token without one.
    retry_key: str | None = None
    #: The keyed hash of the signed-in subject the decision links its consent id
    #: to (a checked subject token, issue 25); ``""`` for none.
    subject: str = ""


class TokenRequired(Exception):
    """A decision for a consent id that has rows came without proof of holding it.

    Anyone may learn a consent id (receipts, links, the readable cookie), and
    its current choice (the public receipt); holding an id never yields a
    token. Only the id's current token, or for an exact retry of the id's
    latest row the ``retry_key`` that wrote it, proves the browser is the one
    that made the decision. Nothing was written.
    """


@dataclass(frozen=True, slots=True)
class Recorded:
    """A logged decision and the token that carries it."""

    decision: Decision
    token: str
    content: ConsentToken


def _no_texts(_site: SiteConfig, _language: str) -> Mapping[str, str]:
    return {}


class ConsentService:
    """Signs, verifies and logs decisions for every configured site.

    :param config: the config, or a :class:`~banner.core.config_watch.LiveConfig`;
        a config loaded from a file follows that file, so a policy bump
        reaches :meth:`verify` and :meth:`record` without a restart.
    """

    def __init__(
        self,
        config: BannerConfig | LiveConfig,
        log: ConsentLog,
        texts: TextSource = _no_texts,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.live = config if isinstance(config, LiveConfig) else LiveConfig(config)
        self.log = log
        self.notices = NoticeArchive(log.engine)
        self.book = NoticeBook(self.notices, texts)
        self.texts = texts
        self.clock = clock
        self._signing = self._codecs(self.live.current())

    def _codecs(self, config: BannerConfig) -> tuple[BannerConfig, dict[str, TokenCodec]]:
        def codec(site: SiteConfig) -> TokenCodec:
            keys = site_token_keys(config.secret_keys, site.id)
            return TokenCodec(site.id, keys, site.policy_version, site.max_age, clock=self.clock)

        return config, {sid: codec(site) for sid, site in config.sites.items()}

    @property
    def config(self) -> BannerConfig:
        """The current config (reloaded when its file changed)."""
        return self._current()[0]

    @property
    def codecs(self) -> dict[str, TokenCodec]:
        """The current token codec of each site."""
        return self._current()[1]

    def _current(self) -> tuple[BannerConfig, dict[str, TokenCodec]]:
        signing = self._signing
        config = self.live.current()
        if signing[0] is not config:
            signing = self._signing = self._codecs(config)
            self.book.notices(config)  # a reload: archive what may now be shown
        return signing

    def site(self, site_id: str) -> SiteConfig | None:
        return self.config.sites.get(site_id)

    def notice(self, site_id: str, language: str) -> Notice:
        """The current notice of a site in ``language``, archived before it is handed out.

        :raises KeyError: for an unknown site.
        :raises banner.log.store.StoreUnavailable: when it could not be archived.
        """
        return self.book.published(self.config, site_id, language)

    def publish(self) -> None:
        """Build and archive every notice of the current config (at start and on reload)."""
        self.book.notices(self.config)

    def verify(self, site_id: str, token: object) -> Verdict:
        """Verify a token for a configured site (unknown sites never verify)."""
        codec = self.codecs.get(site_id)
        return Verdict(None, Reason.OTHER_SITE) if codec is None else codec.verify(token)

    def record(self, request: DecisionRequest) -> Recorded:
        """Log a decision durably, then sign its token.

        :raises banner.log.store.StoreUnavailable: when it could not be committed;
            no token is issued then.
        :raises TokenRequired: a different choice for a consent id that has
            rows, without that id's current token; nothing is written.
        """
        config, codecs = self._current()
        site = config.sites.get(request.site)
        if site is None:  # removed from the config file since the caller looked it up
            raise StoreUnavailable("site no longer configured", retry_after=1)
        choice = Choice.of(request.granted, site.category_ids)
        consent_id = request.consent_id or new_consent_id()
        text_hash, language, version = self._notice(config, site, request, choice)
        decision = Decision(
            consent_id=consent_id,
            site=site.id,
            recorded_at=datetime.fromtimestamp(int(self.clock()), UTC),
            action=choice.action(None, request.gpc).value,
            granted=tuple(choice.granted_list()),
            denied=choice.denied,
            policy_version=version,
            language=language,
            text_hash=text_hash,
            source=request.source.value,
            page_origin=clean_text(request.page_origin, 255),
            page_path=clean_text(request.page_path, 512),
            gpc=request.gpc,
            ip_masked=mask_ip(request.ip),
            user_agent=clean_text(request.user_agent),
            age_confirmed=request.age_confirmed,
            retry_key_hash=retry_key_hash(request.retry_key),
            subject=request.subject,
        )

        holder = self._token_holder(site.id, request)

        def after(previous: Decision | None) -> Decision:
            """The action follows the visitor's previous row, read under the write's lock.

            Called only when the choice differs from that row (an exact retry
            goes to ``retry``), so a change is refused here, per consent id,
            unless it carries the id's current token.
            """
            if previous is None:
                return decision
            if not _is_current(holder, previous):
                raise TokenRequired(consent_id)
            prior = Choice.of(previous.granted, site.category_ids)
            return replace(decision, action=choice.action(prior, request.gpc).value)

        def retry(latest: Decision) -> None:
            """An exact retry of the latest row gets its token only with proof (issue 26).

            The proof is the id's current token, or the ``retry_key`` that wrote
            that row; the choice alone is public (the receipt shows it).
            """
            proven = retry_proven(request.retry_key, latest.retry_key_hash)
            if not (proven or _is_current(holder, latest)):
                raise TokenRequired(consent_id)

        fresh = request.consent_id is None
        stored = self.log.append(decision, fresh=fresh, amend=after, retry=retry)
        # A refusal on an older notice gets a token of that version: void for
        # the current one, so the visitor is asked again, with nothing granted.
        token, content = codecs[site.id].sign(
            stored.consent_id, stored.granted, stored.policy_version
        )
        return Recorded(stored, token, content)

    def _notice(
        self, config: BannerConfig, site: SiteConfig, request: DecisionRequest, choice: Choice
    ) -> tuple[str, str, int]:
        """The archived notice the decision refers to, its language and policy version.

        The Pasal 24 proof: the words the visitor was shown. A refusal made on a
        notice of an older version is recorded under that version.

        :raises banner.log.notice_book.NoticeChanged: shown under an older policy
            version, for a decision that grants something.
        :raises banner.log.notice_book.UnknownNotice: not a notice of this site.
        """
        if request.notice_hash is None:
            published = self.book.published(config, site.id, request.language)
            return published.hash, request.language, site.policy_version
        refusal = not choice.granted
        language, version = self.book.judge(config, site, request.notice_hash, refusal)
        return request.notice_hash, language, version

    def _token_holder(self, site_id: str, request: DecisionRequest) -> ConsentToken | None:
        """The request's token when it verifies and names the request's consent id."""
        if request.token is None or request.consent_id is None:
            return None
        # A token of an older policy version still proves the browser holds the id.
        content = self.codecs[site_id].holder(request.token)
        return content if content and content.consent_id == request.consent_id else None


def _is_current(holder: ConsentToken | None, latest: Decision) -> bool:
    """True when ``holder`` was issued for ``latest`` (or after it): not an older token."""
    return holder is not None and holder.issued_at >= int(latest.recorded_at.timestamp())
