"""The banner's texts: message ids for the loader's UI and the built-in categories.

The texts themselves live in the Babel catalogs; this module only names them,
so ``pybabel extract`` finds them (keyword ``N_``) and the loader, the pages
and the notice hash all use the same words.
"""

from __future__ import annotations

from collections.abc import Mapping

from banner.core.config import SiteConfig
from banner.core.i18n import gettext_for


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, per language."""
    return message


BANNER_TEXTS: Mapping[str, str] = {
    "banner_title": N_("Your privacy choices"),
    "accept_all": N_("Accept all"),
    "reject_all": N_("Reject all"),
    "withdraw_all": N_("Withdraw all consent"),
    "manage": N_("Manage choices"),
    "save": N_("Save choices"),
    "close": N_("Close"),
    "privacy_policy": N_("Privacy policy"),
    "cookie_declaration": N_("Cookie list"),
    "preferences_page": N_("Full privacy settings"),
    "always_on": N_("Always on"),
    "cookies_in_category": N_("Cookies in this category"),
    "gpc_honoured": N_(
        "Your browser sent a Global Privacy Control signal, so optional categories "
        "start switched off."
    ),
    "recipients_heading": N_("Services and who receives the data"),
    "changes_heading": N_("What changed since your last choice"),
    "age_label": N_("I am 18 or older, or my parent or guardian agrees to this choice"),
    "age_needed": N_(
        "To allow optional cookies, first tick “I am 18 or older, or my parent or guardian "
        "agrees to this choice”."
    ),
    "save_failed": N_(
        "Your choice could not be saved yet, so optional cookies stay off for now. Until it "
        "is saved, this site may ask you again."
    ),
    "saved": N_("Your choice is saved."),
    "new_tab": N_("(opens in a new tab)"),
    "privacy_choices": N_("Privacy choices"),
    "banner_open": N_("The privacy banner is open: make your choice there when you are ready."),
    "withdraw_failed": N_(
        "Your withdrawal could not be saved yet. It already applies in this browser: what "
        "you withdrew stays off, and we keep trying to save it."
    ),
}

CATEGORY_LABELS: Mapping[str, str] = {
    "essential": N_("Essential"),
    "functional": N_("Functional"),
    "analytics": N_("Analytics"),
    "preference": N_("Preferences"),
}

CATEGORY_DESCRIPTIONS: Mapping[str, str] = {
    "essential": N_(
        "Needed for the site to work and to store your consent choice. These cookies cannot "
        "be switched off."
    ),
    "functional": N_("Extra features that make the site easier to use."),
    "analytics": N_("Measure how visitors use the site, so that it can be improved."),
    "preference": N_("Remember your settings, such as language and region."),
}


def banner_texts(site: SiteConfig, language: str) -> dict[str, str]:
    """The banner's texts for ``site`` in ``language``, the site's overrides applied.

    ``banner_body`` is there only when the site wrote one: it is shown
    before the generated notice (:mod:`banner.core.disclosure`), never
    instead of it.
    """
    texts = {key: gettext_for(language, msg) for key, msg in BANNER_TEXTS.items()}
    texts.update(site.texts.get(language, {}))
    return texts


def category_label(site: SiteConfig, category: str, language: str) -> str:
    """A category's label: the site's own words, or the catalog's for built-ins."""
    declared = next(c for c in site.categories if c.id == category)
    if language in declared.label:
        return declared.label[language]
    return gettext_for(language, CATEGORY_LABELS[category])


def category_description(site: SiteConfig, category: str, language: str) -> str:
    """A category's purpose: the site's own words, or the catalog's for built-ins."""
    declared = next(c for c in site.categories if c.id == category)
    if language in declared.description:
        return declared.description[language]
    return gettext_for(language, CATEGORY_DESCRIPTIONS[category])
