"""The preference page's form: one switch per optional category, CSRF-protected.

A Flask-WTF form, built per site because sites declare their own
categories. Flask-WTF's CSRF messages and WTForms' messages are English
literals; :class:`FormWords` shows our own translated words instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm  # type: ignore[import-untyped]
from wtforms import BooleanField, HiddenField, SubmitField  # type: ignore[import-untyped]
from wtforms.validators import Length, Optional  # type: ignore[import-untyped]

from banner.core.config import SiteConfig
from banner.core.consent import RETRY_KEY, new_retry_key, optional_categories
from banner.core.i18n import gettext_for
from banner.core.texts import N_
from banner.core.token import MAX_TOKEN_BYTES

RETURN_MAX = 2000
_FORM_EXPIRED = N_("This form has expired. Open the page again and repeat your choice.")

#: Messages Flask-WTF and WTForms may show, in our own words (message ids).
OUR_WORDS: dict[str, str] = {
    "The CSRF token is missing.": _FORM_EXPIRED,
    "The CSRF session token is missing.": _FORM_EXPIRED,
    "The CSRF token is invalid.": _FORM_EXPIRED,
    "The CSRF token has expired.": _FORM_EXPIRED,
    "The CSRF tokens do not match.": _FORM_EXPIRED,
    "Invalid input.": N_("This value was not accepted."),
    "Not a valid choice.": N_("This value was not accepted."),
}
RETURN_LONG = N_("The address to return to is too long.")
AGE_NEEDED = N_(
    "To allow optional cookies, tick the box confirming you are 18 or older or that your "
    "parent or guardian agrees. Rejecting needs no tick."
)
AGE_FIELD = "age_confirmed"
TOKEN_LONG = N_("The consent token sent is too long.")


class FormWords:
    """WTForms' translations object: every message through our catalogs."""

    def __init__(self, language: str) -> None:
        self.language = language

    def gettext(self, message: str) -> str:
        return gettext_for(self.language, OUR_WORDS.get(message, message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class PreferencesForm(FlaskForm):  # type: ignore[misc]
    """Fields every site's preference form has; switches are added per site."""

    class Meta:
        #: Always on, even when the host app turns Flask-WTF's CSRF off for its own forms.
        csrf = True
        language = "id"

        def get_translations(self, form: Any) -> FormWords:
            return FormWords(self.language)

    token = HiddenField(validators=[Optional(), Length(max=MAX_TOKEN_BYTES, message=TOKEN_LONG)])
    return_to = HiddenField(validators=[Optional(), Length(max=RETURN_MAX, message=RETURN_LONG)])
    #: The loader's random state, handed back with the token (checked when used).
    state = HiddenField()
    #: The hash of the notice this page drew (the archive's), recorded with the choice.
    notice_hash = HiddenField()
    #: A fresh key per rendered form: a resent form is a retry of the same decision
    #: and gets its token again; nothing else does (issue 26).
    retry_key = HiddenField()
    #: A subject token (issue 25) posted with the choice: it links the consent id
    #: to the signed-in person. Never read from the URL (no link decoration).
    subject = HiddenField(validators=[Optional(), Length(max=MAX_TOKEN_BYTES, message=TOKEN_LONG)])
    save = SubmitField()
    withdraw = SubmitField()

    def granted(self) -> list[str]:
        """The categories switched on, or none when "withdraw" was pressed."""
        if self.withdraw.data:
            return []
        return [name.removeprefix(SWITCH_PREFIX) for name in self.switch_names() if self[name].data]

    def switch_names(self) -> list[str]:
        return [field.name for field in self if field.name.startswith(SWITCH_PREFIX)]

    def error_messages(self) -> list[str]:
        """Every field's errors in our own translated words."""
        words = FormWords(self.meta.language)
        return [words.gettext(str(e)) for field in self for e in field.errors]

    def error_targets(self) -> list[tuple[str, str]]:
        """Each error in our words, with the id of the visible field it is about ("" if none)."""
        words = FormWords(self.meta.language)
        return [
            (words.gettext(str(e)), field.id if field.type == "BooleanField" else "")
            for field in self
            for e in field.errors
        ]

    def posted_retry_key(self) -> str | None:
        """The form's retry key when it is one (an old or altered form has none)."""
        key = self.retry_key.data
        return key if isinstance(key, str) and RETRY_KEY.fullmatch(key) else None

    def csrf_failed(self) -> bool:
        return bool(self.csrf_token.errors)

    def age_ticked(self) -> bool:
        """The age / guardian box was ticked (``False`` on sites without it)."""
        return AGE_FIELD in self and bool(self[AGE_FIELD].data)

    def check_age(self, site: SiteConfig) -> bool:
        """A grant on a ``guardian`` site needs the box; marks the field when missing."""
        if not site.needs_age_confirmation(self.granted()) or self.age_ticked():
            return True
        self[AGE_FIELD].errors = [AGE_NEEDED]
        return False


SWITCH_PREFIX = "grant_"


def switch_name(category: str) -> str:
    """The form field of a category's switch."""
    return f"{SWITCH_PREFIX}{category}"


def preferences_form(
    site: SiteConfig,
    language: str,
    granted: Iterable[str] = (),
    token: str = "",
    return_to: str = "",
    state: str = "",
) -> PreferencesForm:
    """Build ``site``'s form; posted data fills it, else the current choice does."""
    switches: dict[str, BooleanField] = {
        switch_name(c): BooleanField() for c in optional_categories(site.category_ids)
    }
    if site.asks_guardian:
        switches[AGE_FIELD] = BooleanField()
    form_class = type("SitePreferencesForm", (PreferencesForm,), switches)
    current = {switch_name(c): True for c in granted}
    form: PreferencesForm = form_class(
        meta={"language": language},
        data={
            **current,
            "token": token,
            "return_to": return_to,
            "state": state,
            "retry_key": new_retry_key(),
        },
    )
    return form
