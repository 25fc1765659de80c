"""What the notice discloses, generated from the site's config (UU PDP Pasal 21, 22).

Per category: its purpose, the trackers configured for it, who receives
their data and in which country, and its declared cookies. On the first
layer: the controller, the purposes asked, whether data leaves Indonesia,
how long the choice is kept and where to change it. Nothing is said about a
tracker the site does not use: every sentence comes from the config and the
catalogs, and every recipient from :mod:`banner.core.tracker_kinds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel.lists import format_list

from banner.core.config_model import SiteConfig, Tracker
from banner.core.consent import ESSENTIAL, optional_categories
from banner.core.cookie_list import CookieRow, declared_cookies
from banner.core.i18n import translate
from banner.core.texts import N_, category_description, category_label
from banner.core.tracker_kinds import KINDS, Recipient, tracker_recipient

INTRO = N_(
    "%(controller)s uses cookies that the site needs in order to work. With your consent, "
    "cookies are also used for the following purposes: %(purposes)s."
)
#: UU PDP Pasal 56: each recipient abroad and its country, and the basis of the transfer.
ABROAD = N_(
    "Some of your personal data may be sent to recipients outside Indonesia: %(recipients)s. "
    "It is sent there on the basis of the consent asked for here."
)
KEPT = N_(
    "Your choice is kept for %(days)d days. You can change your choice or withdraw your "
    "consent at any time under “%(manage)s” or on the “%(settings)s” page."
)
CONTROLLER = N_("Personal data controller: %(controller)s (%(contact)s)")
THIS_SITE = N_("%(site)s (this website)")
#: Tracker kinds whose name is a description rather than a product's name.
KIND_TITLES: Mapping[str, str] = {"referral": N_("Referral tracking")}


@dataclass(frozen=True, slots=True)
class TrackerNotice:
    """One configured tracker as a visitor reads it."""

    title: str
    recipient: str
    #: ``""`` when the recipient is the site itself
    country: str
    abroad: bool

    def line(self) -> str:
        where = f", {self.country}" if self.country else ""
        return f"{self.title}: {self.recipient}{where}"


@dataclass(frozen=True, slots=True)
class CategoryNotice:
    """A category: purpose, trackers and their recipients, cookies."""

    id: str
    label: str
    description: str
    trackers: tuple[TrackerNotice, ...]
    cookies: tuple[CookieRow, ...]

    @property
    def always_on(self) -> bool:
        return self.id == ESSENTIAL


def recipient_of(tracker: Tracker) -> Recipient | None:
    """Who receives a tracker's data; ``None`` for the site itself.

    Built-in kinds carry their recipient in :data:`KINDS`; a custom tracker's
    comes from its config (validated into a :class:`Recipient`).
    """
    return tracker_recipient(tracker.kind, tracker.settings)


def tracker_title(tracker: Tracker, language: str) -> str:
    named = tracker.settings.get("title") or tracker.settings.get("name")
    if isinstance(named, str) and named:
        return named
    if tracker.kind in KIND_TITLES:
        return translate(language, KIND_TITLES[tracker.kind])
    kind = KINDS.get(tracker.kind)
    return kind.title if kind else tracker.kind


def tracker_notice(site: SiteConfig, tracker: Tracker, language: str) -> TrackerNotice:
    recipient = recipient_of(tracker)
    title = tracker_title(tracker, language)
    if recipient is None:
        name = translate(language, THIS_SITE, site=site.name)
        return TrackerNotice(title, name, "", False)
    country = recipient.country.get(language, recipient.country.get("en", ""))
    return TrackerNotice(title, recipient.name, country, recipient.abroad)


def category_notices(
    site: SiteConfig, language: str, session_cookie: str = "session"
) -> list[CategoryNotice]:
    """Every category of ``site`` in order, with its trackers and cookies."""
    rows = declared_cookies(
        site,
        language,
        session_cookie,
        label=lambda c: category_label(site, c, language),
        description=lambda c: category_description(site, c, language),
    )
    return [
        CategoryNotice(
            row.id,
            row.label,
            row.description,
            tuple(
                tracker_notice(site, t, language)
                for t in site.notice_trackers
                if t.category == row.id
            ),
            row.cookies,
        )
        for row in rows
    ]


def abroad_recipients(site: SiteConfig, language: str) -> list[str]:
    """Recipients outside Indonesia, each once: ``Google LLC (Amerika Serikat)``."""
    seen: dict[str, str] = {}
    for tracker in site.notice_trackers:
        notice = tracker_notice(site, tracker, language)
        if notice.abroad:
            seen.setdefault(notice.recipient, f"{notice.recipient} ({notice.country})")
    return list(seen.values())


def transfers(site: SiteConfig, language: str) -> list[list[str]]:
    """Each recipient outside Indonesia once, as ``[name, ISO code, country, basis]``.

    Indonesia has no list of countries with equal protection yet (UU PDP
    Pasal 56), so the basis a site can prove is the visitor's consent.
    """
    seen: dict[str, list[str]] = {}
    for tracker in site.notice_trackers:
        recipient = recipient_of(tracker)
        if recipient is not None and recipient.abroad:
            country = recipient.country.get(language, recipient.country.get("en", ""))
            seen.setdefault(recipient.name, [recipient.name, recipient.country_code, country])
    return [[*row, "consent"] for row in seen.values()]


def first_layer(site: SiteConfig, language: str, manage: str, settings: str) -> dict[str, str]:
    """The first layer's sentences: intro, abroad (``""`` when none), kept and controller.

    :param manage: the label of the button that opens the second layer.
    :param settings: the name of the link to the full privacy settings page.
    """
    controller = site.the_controller
    purposes = [category_label(site, c, language) for c in optional_categories(site.category_ids)]
    abroad = abroad_recipients(site, language)
    return {
        "intro": translate(
            language,
            INTRO,
            controller=controller.name,
            purposes=format_list(purposes, locale=language) if purposes else "-",
        ),
        "abroad": translate(language, ABROAD, recipients="; ".join(abroad)) if abroad else "",
        "kept": translate(language, KEPT, days=site.consent_days, manage=manage, settings=settings),
        "controller": translate(
            language, CONTROLLER, controller=controller.name, contact=controller.contact
        ),
    }


def changes_since(site: SiteConfig, language: str, version: int) -> list[tuple[int, str]]:
    """What changed after ``version`` up to the current policy, oldest first."""
    return [
        (v, text[language])
        for v, text in site.changes.items()
        if version < v <= site.policy_version
    ]
