"""Errors of the hosted pages: each knows its status and its translated words.

They subclass werkzeug's exceptions like the API's errors, but render as a
translated page with a way back (see :mod:`banner.pages`), never as a bare
status or as JSON.
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException

from banner.core.texts import N_


class PageError(HTTPException):
    """Base of the pages' errors: a status, a title and an explanation (message ids)."""

    code = 400
    title = N_("Something went wrong")
    explanation = N_("Please go back and try again.")

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__()
        self.retry_after = retry_after


class FormExpired(PageError):
    """The CSRF token is missing, expired or from another session."""

    code = 400
    title = N_("This form has expired")
    explanation = N_(
        "For your safety, choices can only be saved from a page opened in this browser "
        "within the last hour. Nothing was saved. Open the page again and repeat your choice."
    )


class ForeignOrigin(PageError):
    """The form was posted from another website."""

    code = 403
    title = N_("Request refused")
    explanation = N_(
        "This request came from another website, so nothing was saved. Open the privacy "
        "choices page directly and make your choice there."
    )


class ChoiceChangedElsewhere(PageError):
    """The form carried an older token than the consent id's latest choice."""

    code = 403
    title = N_("Your choice has changed since this page was opened")
    explanation = N_(
        "Your privacy choice was changed elsewhere (in another tab or on the website) after "
        "this page was opened, so nothing was saved. Open the page again to see your current "
        "choice and change it there."
    )


class PageNotFound(PageError):
    code = 404
    title = N_("Page not found")
    explanation = N_("There is nothing at this address. Check the link and try again.")


class ReceiptNotFound(PageError):
    code = 404
    title = N_("Receipt not found")
    explanation = N_(
        "No consent is recorded under this id for this website. Check the link, or open "
        "your privacy choices to see your current consent id."
    )


class MethodNotAllowedPage(PageError):
    code = 405
    title = N_("Request refused")
    explanation = N_("This page cannot be used this way. Open it again from its link.")


class TooLargePage(PageError):
    code = 413
    title = N_("Request refused")
    explanation = N_("The form sent was too large. Open the page again and repeat your choice.")


class TooManyPage(PageError):
    """The rate limit for saving choices from this network was reached."""

    code = 429
    title = N_("Too many attempts")
    explanation = N_(
        "Many choices were saved from your network in a short time, so this one was not "
        "saved. Please wait a minute and try again; until then optional cookies stay off."
    )


class StoreUnavailablePage(PageError):
    """The consent log cannot be reached; nothing was saved."""

    code = 503
    title = N_("Temporarily unavailable")
    explanation = N_(
        "We could not save or read your choice just now, so nothing changed. Please try "
        "again in a moment; until then optional cookies stay off."
    )


class UnexpectedPageError(PageError):
    code = 500
    title = N_("Something went wrong")
    explanation = N_("An unexpected error occurred and has been logged. Please try again later.")


#: The page shown for a werkzeug error raised outside our views (routing, size).
BY_STATUS: dict[int, type[PageError]] = {
    404: PageNotFound,
    405: MethodNotAllowedPage,
    413: TooLargePage,
    429: TooManyPage,
    503: StoreUnavailablePage,
}


def page_error_for(error: HTTPException) -> PageError:
    """The translated page error standing in for any HTTP error."""
    if isinstance(error, PageError):
        return error
    return BY_STATUS.get(error.code or 400, PageError)()
