"""Logging in and out of the dashboard.

Failed logins count against the client's masked network (IPv4 /24, IPv6 /48)
in the service's own limiter storage (memory, or Redis across instances);
past :data:`LOGIN_LIMIT` the login answers 429 until the window slides on.
"""

from __future__ import annotations

import time
from typing import Any

from flask import g, redirect, request, url_for
from flask_limiter import Limiter
from limits import parse
from werkzeug.wrappers import Response as WerkzeugResponse

from banner.admin.accounts import authenticate, has_users
from banner.admin.errors import AdminFormExpired, TooManyLogins
from banner.admin.forms import LoginForm, login_form, logout_form
from banner.admin.page import admin, cookie_path, render
from banner.admin.session import clear_login
from banner.core.texts import N_
from banner.core.visitor import client_address, mask_ip
from banner.web.page_security import is_foreign_post
from banner.web.state import state

LOGIN_LIMIT = parse("5 per 5 minutes")
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


def _wait() -> int:
    reset = _limiter().limiter.get_window_stats(LOGIN_LIMIT, _network()).reset_time
    return max(1, int(reset - time.time()) + 1)


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
    if not _limiter().limiter.test(LOGIN_LIMIT, _network()):
        raise TooManyLogins(_wait())
    if not form.validate_on_submit():
        if form.csrf_failed():
            raise AdminFormExpired()
        return _show(form, 400)
    found = authenticate(state().log, form.name.data, form.password.data)
    if found is None:
        _limiter().limiter.hit(LOGIN_LIMIT, _network())
        return _show(form, 401, wrong=True)
    g.admin_account = found  # the after-request hook writes the session cookie
    return redirect(safe_next(request.form.get("next")), 303)


@admin.post("/logout")
def logout() -> WerkzeugResponse:
    """End the session (a form post with its CSRF token)."""
    form = logout_form(g.admin_lang)
    if not form.validate_on_submit():
        raise AdminFormExpired()
    g.admin_logged_out = True
    response = redirect(url_for("banner_admin.login", lang=g.admin_lang), 303)
    clear_login(response, cookie_path(), request.is_secure)
    return response
