"""The dashboard's errors: translated pages, like the hosted pages' own."""

from __future__ import annotations

from banner.core.texts import N_
from banner.web.page_errors import PageError


class TooManyLogins(PageError):
    """Logins from this network, or for this account, reached their limit."""

    code = 429
    title = N_("Too many attempts")
    explanation = N_(
        "Too many wrong passwords were entered from your network or for this account. "
        "Wait a few minutes, then try again."
    )


class AdminFormExpired(PageError):
    """The CSRF token of a dashboard form is missing, expired or from another session."""

    code = 400
    title = N_("This form has expired")
    explanation = N_("For your safety the form works only for a while. Open the page again.")


class SiteNotFound(PageError):
    """No such site, or one this account may not see (the same answer for both)."""

    code = 404
    title = N_("Site not found")
    explanation = N_("There is no site at this address that you may see.")
