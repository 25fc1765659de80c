"""The dashboard's forms: login, logout and retrying webhooks, CSRF-protected by Flask-WTF."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm  # type: ignore[import-untyped]
from wtforms import PasswordField, StringField, SubmitField  # type: ignore[import-untyped]
from wtforms.validators import InputRequired, Length  # type: ignore[import-untyped]

from banner.admin.accounts import MAX_PASSWORD
from banner.core.texts import N_
from banner.web.forms import FormWords

REQUIRED = N_("Please fill in this field.")
TOO_LONG = N_("This value is too long.")


class _Translated(FlaskForm):  # type: ignore[misc]
    class Meta:
        csrf = True
        language = "id"

        def get_translations(self, form: Any) -> FormWords:
            return FormWords(self.language)

    def csrf_failed(self) -> bool:
        return bool(self.csrf_token.errors)


class LoginForm(_Translated):
    name = StringField(validators=[InputRequired(REQUIRED), Length(max=64, message=TOO_LONG)])
    password = PasswordField(
        validators=[InputRequired(REQUIRED), Length(max=MAX_PASSWORD, message=TOO_LONG)]
    )
    submit = SubmitField()


class LogoutForm(_Translated):
    submit = SubmitField()


class RetryForm(_Translated):
    """The "retry failed" button of a site's webhooks: only its CSRF token."""

    submit = SubmitField()


def retry_form(language: str) -> RetryForm:
    form: RetryForm = RetryForm(meta={"language": language})
    return form


def login_form(language: str) -> LoginForm:
    form: LoginForm = LoginForm(meta={"language": language})
    return form


def logout_form(language: str) -> LogoutForm:
    form: LogoutForm = LogoutForm(meta={"language": language})
    return form
