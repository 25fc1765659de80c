"""The notices a config generation can show, archived before they are served.

Each time the config changes (at start and at each live reload) the notice
of every site and language is built once (:func:`banner.core.notice.site_notices`)
and archived (:class:`banner.log.notices.NoticeArchive`), before the loader
or the UI can hand it to a browser: any hash a browser can hold is in the
archive. A decision names the notice its visitor was shown by that hash;
:meth:`NoticeBook.judge` says whether it may be recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from banner.core.config import BannerConfig, SiteConfig
from banner.core.notice import Notice, TextSource, site_notices
from banner.log.notices import NoticeArchive
from banner.log.store import StoreUnavailable

logger = logging.getLogger("banner")

#: Older notices remembered per process once looked up (sites x languages x wordings).
KNOWN_LIMIT = 4096


class NoticeChanged(Exception):
    """The notice shown belongs to an older policy version: nothing may be recorded.

    The visitor must see the current notice (with what changed) first.
    """

    def __init__(self, shown_version: int, current: int) -> None:
        super().__init__(f"notice of policy version {shown_version} was replaced by {current}")
        self.shown_version = shown_version
        self.current = current


class UnknownNotice(Exception):
    """The hash names no archived notice of this site and language."""


@dataclass(frozen=True, slots=True)
class _Shown:
    """What the judge needs to know of an archived notice."""

    site: str
    language: str
    policy_version: int


class NoticeBook:
    """The current generation's notices, and the judge of a decision's notice hash.

    :param archive: where every notice is stored before it is served.
    :param texts: the banner texts of a site and language.
    """

    def __init__(self, archive: NoticeArchive, texts: TextSource) -> None:
        self.archive = archive
        self.texts = texts
        self._config: BannerConfig | None = None
        self._notices: dict[str, dict[str, Notice]] = {}
        self._by_hash: dict[str, Notice] = {}
        self._archived = False
        self._known: dict[str, _Shown] = {}
        self._lock = threading.Lock()

    def notices(self, config: BannerConfig) -> Mapping[str, Mapping[str, Notice]]:
        """Every site's notices by language, built once per config; archiving is tried."""
        if self._config is not config:
            with self._lock:
                if self._config is not config:
                    built = {sid: site_notices(s, self.texts) for sid, s in config.sites.items()}
                    self._by_hash = {n.hash: n for ns in built.values() for n in ns.values()}
                    self._notices, self._archived, self._config = built, False, config
        if not self._archived:
            try:
                self._archive()
            except StoreUnavailable as exc:
                logger.warning("notices not archived yet (%s); retrying on next use", exc.reason)
        return self._notices

    def published(self, config: BannerConfig, site_id: str, language: str) -> Notice:
        """The notice to hand to a browser, archived first.

        :raises banner.log.store.StoreUnavailable: when it could not be archived;
            a notice that is not archived is never served.
        """
        notice = self.notices(config)[site_id][language]
        if not self._archived:
            self._archive()
        return notice

    def _archive(self) -> None:
        notices = self._notices
        for by_language in notices.values():
            for notice in by_language.values():
                self.archive.ensure(notice.hash, notice.document)
        if notices is self._notices:
            self._archived = True

    def judge(
        self, config: BannerConfig, site: SiteConfig, notice_hash: str, refusal: bool = False
    ) -> tuple[str, int]:
        """Accept the hash of a notice of ``site`` of its current policy version.

        An older wording of the current version is accepted: the visitor agreed
        to those words, and the archive holds them. A ``refusal`` (nothing granted
        beyond essential) is accepted on a notice of an older version too: it is
        recorded under the version it was made on, never dropped.

        :returns: the notice's language (the decision's language: the one shown)
            and its policy version.

        :raises NoticeChanged: the notice is of an older policy version.
        :raises UnknownNotice: no archived notice of this site has this hash.
        :raises banner.log.store.StoreUnavailable: the archive could not be read, or
            this process has not yet taken a config that another one already serves.
        """
        shown = self._shown(config, notice_hash)
        if shown is None or shown.site != site.id:
            raise UnknownNotice(notice_hash)
        if shown.policy_version < site.policy_version:
            if refusal:  # the older notice is archived: it was served
                return shown.language, shown.policy_version
            raise NoticeChanged(shown.policy_version, site.policy_version)
        if shown.policy_version > site.policy_version:
            raise StoreUnavailable("a newer config is being loaded", retry_after=2)
        current = self._by_hash.get(notice_hash)
        if current is not None:  # the words first, then the decision that refers to them
            self.archive.ensure(current.hash, current.document)
        return shown.language, shown.policy_version

    def _shown(self, config: BannerConfig, notice_hash: str) -> _Shown | None:
        self.notices(config)
        notice = self._by_hash.get(notice_hash)
        if notice is not None:
            return _Shown(notice.site, notice.language, notice.policy_version)
        known = self._known.get(notice_hash)
        if known is not None:
            return known
        archived = self.archive.get(notice_hash)
        shown = None if archived is None else _read(archived.document)
        if shown is not None:
            with self._lock:
                if len(self._known) >= KNOWN_LIMIT:
                    self._known.clear()
                self._known[notice_hash] = shown
        return shown


def _read(document: object) -> _Shown | None:
    """Site, language and policy version of an archived document (any format)."""
    if not isinstance(document, dict):
        return None
    site, language, version = (document.get(k) for k in ("site", "language", "policy_version"))
    if not isinstance(site, str) or not isinstance(language, str):
        return None
    if not isinstance(version, int) or isinstance(version, bool):
        return None
    return _Shown(site, language, version)
