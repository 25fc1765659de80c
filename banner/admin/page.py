"""The dashboard's blueprint and what every one of its pages has.

Language (``?lang=``, then ``Accept-Language``), a CSP nonce and the hosted
pages' security headers (no script at all, never framed, never cached), the
login guard (every page but the login redirects there without a session) and
translated error pages.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn
from urllib.parse import urlencode

from babel.dates import format_date
from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from banner.admin.accounts import Account, user_by_id
from banner.admin.session import COOKIE, clear_login, read_session_id, write_session_id
from banner.admin.sessions import Session, find_session, touch
from banner.core.i18n import Translator, request_language
from banner.core.keys import ADMIN_SESSION, derived_keys
from banner.log.store import StoreUnavailable
from banner.web.page_context import language_links
from banner.web.page_errors import (
    PageError,
    StoreUnavailablePage,
    UnexpectedPageError,
    page_error_for,
)
from banner.web.page_security import content_security_policy, new_nonce, secure_headers
from banner.web.state import state

logger = logging.getLogger("banner")

admin = Blueprint("banner_admin", __name__, template_folder="templates", url_prefix="/admin")

#: Endpoints open without a session.
OPEN_ENDPOINTS = frozenset({"banner_admin.login"})
#: The dashboard's forms are a few short fields; a larger body is refused (413).
MAX_BODY_BYTES = 16 * 1024


def cookie_path() -> str:
    return f"{request.script_root}/admin/"


def secret_keys() -> list[str]:
    """The dashboard session's own keys, derived from the configured ones (oldest first)."""
    return list(derived_keys(state().config.secret_keys, ADMIN_SESSION))


@admin.before_request
def guard() -> WerkzeugResponse | None:
    """Set the language and nonce; send anyone without a valid session to the login."""
    request.max_content_length = MAX_BODY_BYTES
    g.admin_lang = request_language(
        request.args.get("lang"),
        list(request.accept_languages.values()),
        state().config.default_language,
    )
    g.admin_nonce = new_nonce()
    session = _session()
    account = user_by_id(state().log, session.user_id) if session else None
    same = account is not None and session is not None and account.stamp == session.stamp
    g.admin_account = account if same else None
    g.admin_session = session if same else None
    if g.admin_account is None and request.endpoint not in OPEN_ENDPOINTS:
        query = urlencode({"next": request.full_path.rstrip("?"), "lang": g.admin_lang})
        return redirect(f"{url_for('banner_admin.login')}?{query}", 303)
    return None


def _session() -> Session | None:
    session_id = read_session_id(request, secret_keys())
    return find_session(state().log, session_id) if session_id else None


@admin.after_request
def finish(response: Response) -> Response:
    """Security headers; the session's idle clock restarts on every page it opens."""
    session: Session | None = g.get("admin_session")
    opened: str | None = g.get("admin_opened")
    if opened is not None:  # a login: the new session's id goes to the browser
        write_session_id(response, opened, secret_keys(), cookie_path(), request.is_secure)
    elif session is not None and not g.get("admin_logged_out"):
        touch(state().log, session)
    elif request.cookies.get(COOKIE) and g.get("admin_account") is None:
        clear_login(response, cookie_path(), request.is_secure)
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    policy = content_security_policy(g.get("admin_nonce", new_nonce()))
    return secure_headers(response, policy, no_store=True)


def account() -> Account:
    found: Account = g.admin_account
    return found


@admin.context_processor
def page_globals() -> dict[str, Any]:
    language: str = g.get("admin_lang", state().config.default_language)
    return {
        "_": Translator(language),
        "lang": language,
        "csp_nonce": g.get("admin_nonce", ""),
        "account": g.get("admin_account"),
        "language_links": language_links(language),
        "day_text": lambda day, style="medium": format_date(day, style, locale=language),
    }


def render(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    return render_template(f"admin/{template}", **values), status


def error_page(error: PageError) -> tuple[str, int, dict[str, str]]:
    headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
    html, status = render("error.html", error.code or 400, error=error)
    return html, status, headers


@admin.get("/<path:unknown>")
def unknown_page(unknown: str) -> NoReturn:
    """Any other address under ``/admin/``: the dashboard's own translated 404."""
    raise NotFound()


@admin.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    return error_page(page_error_for(error))


@admin.errorhandler(StoreUnavailable)
def store_error(error: StoreUnavailable) -> tuple[str, int, dict[str, str]]:
    return error_page(StoreUnavailablePage(error.retry_after))


@admin.errorhandler(Exception)
def unexpected_error(_error: Exception) -> tuple[str, int, dict[str, str]]:
    logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(UnexpectedPageError())
