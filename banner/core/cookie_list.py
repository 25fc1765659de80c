"""The cookie declaration: every category with the cookies it covers, in one language.

The site declares its own cookies in the config; banner adds the two it sets
itself (the consent cookie and the preference form's session cookie), so
the declaration is complete without the operator listing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from banner.core.config import SiteConfig
from banner.core.consent import ESSENTIAL
from banner.core.i18n import translate
from banner.core.texts import N_

CONSENT_COOKIE_PURPOSE = N_("Remembers your consent choice for this website.")
SESSION_COOKIE_PURPOSE = N_(
    "Protects the privacy choices form against requests forged by other websites."
)
SESSION_DURATION = N_("Until the browser is closed")
DAYS = N_("%(days)d days")


@dataclass(frozen=True, slots=True)
class CookieRow:
    """One cookie as a visitor reads it."""

    name: str
    provider: str
    purpose: str
    duration: str


@dataclass(frozen=True, slots=True)
class CategoryCookies:
    """A category, its purpose and its cookies."""

    id: str
    label: str
    description: str
    cookies: tuple[CookieRow, ...]

    @property
    def always_on(self) -> bool:
        return self.id == ESSENTIAL


def own_cookies(site: SiteConfig, language: str, session_cookie: str) -> list[CookieRow]:
    """The cookies banner itself sets, both essential."""
    return [
        CookieRow(
            site.cookie_name,
            site.name,
            translate(language, CONSENT_COOKIE_PURPOSE),
            translate(language, DAYS, days=site.consent_days),
        ),
        CookieRow(
            session_cookie,
            site.name,
            translate(language, SESSION_COOKIE_PURPOSE),
            translate(language, SESSION_DURATION),
        ),
    ]


def declared_cookies(
    site: SiteConfig,
    language: str,
    session_cookie: str,
    label: Callable[[str], str],
    description: Callable[[str], str],
) -> list[CategoryCookies]:
    """Every category of ``site`` in order, with its cookies in ``language``."""
    declared = {c.name for c in site.cookies}
    own = [row for row in own_cookies(site, language, session_cookie) if row.name not in declared]
    return [
        CategoryCookies(
            category,
            label(category),
            description(category),
            tuple(
                (own if category == ESSENTIAL else [])
                + [
                    CookieRow(c.name, c.provider, c.purpose[language], c.duration[language])
                    for c in site.cookies
                    if c.category == category
                ]
            ),
        )
        for category in site.category_ids
    ]
