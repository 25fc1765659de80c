"""Logging in and out of the dashboard.

Each attempt counts, before its password is checked, against the client's
masked network (IPv4 /24, IPv6 /48) and against the account
(:mod:`banner.admin.login_limits`); past a limit the login answers 429 until
the window ends. A right password opens a server-side session
(:mod:`banner.admin.sessions`); logging out ends it.
"""

from __future__ import annotations

from typing import Any

from flask import g, redirect, request, url_for
from flask_limiter import Limiter
from werkzeug.wrappers import Response as WerkzeugResponse

from banner.admin.accounts import HashingBusy, authenticate, has_users
from banner.admin.errors import AdminFormExpired, TooManyLogins
from banner.admin.forms import LoginForm, login_form, logout_form
from banner.admin.login_limits import Attempt, LoginLimits
from banner.admin.page import admin, cookie_path, render
from banner.admin.session import clear_login
from banner.admin.sessions import end_session, open_session
from banner.core.texts import N_
from banner.core.visitor import client_address, mask_ip
from banner.web.page_security import is_foreign_post
from banner.web.state import state

WRONG = N_("The name or the password is wrong.")
NEXT_MAX = 512


def safe_next(value: str | None) -> str:
    """Where to go after the login: a dashboard path only, never another host."""
    home = url_for("banner_admin.overview")
    if not value or len(value) > NEXT_MAX or not value.isascii():
        return home
    if any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in value):
        return home
    prefix = f"{request.script_root}/admin/"
    if not value.startswith(prefix) or value.startswith("//") or "/../" in value or "//" in value:
        return home
    return value


def _network() -> str:
    address = client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), state().config.proxy_count
    )
    return f"admin-login|{mask_ip(address) or '-'}"


def _limiter() -> Limiter:
    found: Limiter = state().extras["limiter"]
    return found


def _limits() -> LoginLimits:
    return LoginLimits(_limiter().limiter.storage)


def _show(form: LoginForm, status: int = 200, wrong: bool = False) -> tuple[str, int]:
    return render(
        "login.html",
        status,
        form=form,
        wrong=wrong,
        no_accounts=not has_users(state().log),
        next_path=safe_next(request.values.get("next")),
    )


@admin.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; a right name and password open a session."""
    form = login_form(g.admin_lang)
    if request.method == "GET":
        return _show(form)
    if is_foreign_post(
        request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site"), request.host
    ):
        raise AdminFormExpired()
    if not form.validate_on_submit():
        if form.csrf_failed():
            raise AdminFormExpired()
        return _show(form, 400)
    attempt = _limits().count(_network(), str(form.name.data))
    if not isinstance(attempt, Attempt):
        raise TooManyLogins(attempt)
    try:
        found = authenticate(state().log, form.name.data, form.password.data)
    except HashingBusy:
        raise TooManyLogins(2) from None
    if found is None:
        return _show(form, 401, wrong=True)
    _limits().give_back(attempt)
    g.admin_account = found
    g.admin_opened = open_session(state().log, found)  # the after-request hook sets the cookie
    return redirect(safe_next(request.form.get("next")), 303)


@admin.post("/logout")
def logout() -> WerkzeugResponse:
    """End the session (a form post with its CSRF token)."""
    form = logout_form(g.admin_lang)
    if not form.validate_on_submit():
        raise AdminFormExpired()
    g.admin_logged_out = True
    end_session(state().log, g.admin_session)  # every copy of the cookie stops working
    response = redirect(url_for("banner_admin.login", lang=g.admin_lang), 303)
    clear_login(response, cookie_path(), request.is_secure)
    return response
