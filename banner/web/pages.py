"""The hosted pages: preferences, cookie declaration and consent receipt.

Server-rendered and working with JavaScript off. The preference form posts
back here (Flask-WTF CSRF plus an Origin check), is logged through
:class:`banner.log.service.ConsentService` like the banner's decisions, and
sends the visitor back to the site. Every text comes from the catalogs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from banner.core.config import DEFAULT_THEME, SiteConfig
from banner.core.consent import CONSENT_ID, Source
from banner.core.disclosure import CategoryNotice, category_notices, first_layer
from banner.core.i18n import Translator, request_language
from banner.core.texts import banner_texts
from banner.core.visitor import client_address
from banner.log.notice_book import NoticeChanged, UnknownNotice
from banner.log.service import DecisionRequest, Recorded, TokenRequired
from banner.log.store import StoreUnavailable
from banner.resources import resource_dir
from banner.web import rate_limits
from banner.web.forms import PreferencesForm, preferences_form, switch_name
from banner.web.log_routes import receipt_proof
from banner.web.page_context import (
    LANGUAGE_NAMES,
    SOURCE_NAMES,
    STATE_NAMES,
    STATUS_NAMES,
    label,
    language_links,
    when,
)
from banner.web.page_errors import (
    ChoiceChangedElsewhere,
    ForeignOrigin,
    FormExpired,
    PageError,
    PageNotFound,
    ReceiptNotFound,
    StoreUnavailablePage,
    TooManyPage,
    UnexpectedPageError,
    page_error_for,
)
from banner.web.page_security import (
    content_security_policy,
    is_foreign_post,
    new_nonce,
    safe_return,
    secure_headers,
)
from banner.web.receipt import Receipt, build_receipt
from banner.web.request_body import MAX_FORM_BYTES, body_was_read, cap_body
from banner.web.return_trip import (
    Current,
    current_consent,
    loader_state,
    passed_token,
    return_to_site,
)
from banner.web.state import service, state
from banner.web.subject_field import subject_field

logger = logging.getLogger("banner")

pages = Blueprint(
    "banner_pages",
    __name__,
    template_folder="templates",
    static_folder=str(resource_dir("static")),
    static_url_path="/s/_static",
)

#: The only pages without a CSRF token or a visitor's state; the rest are never stored.
CACHEABLE_ENDPOINTS = frozenset({"banner_pages.cookies", "banner_pages.static"})


# --- request set-up and teardown -------------------------------------------


@pages.url_value_preprocessor
def find_site(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Look up the site and pick the page language before the view runs."""
    site_id = (values or {}).get("site_id")
    site = service().site(site_id) if isinstance(site_id, str) else None
    default = site.default_language if site else state().config.default_language
    g.banner_site = site
    g.banner_nonce = new_nonce()
    g.banner_lang = request_language(
        request.args.get("lang"), list(request.accept_languages.values()), default
    )


@pages.before_request
def cap_form_body() -> None:
    cap_body(MAX_FORM_BYTES)


@pages.after_request
def add_security_headers(response: Response) -> Response:
    site: SiteConfig | None = g.get("banner_site")
    policy = content_security_policy(
        g.get("banner_nonce", new_nonce()), site.origins if site else ()
    )
    response.vary.add("Accept-Language")
    # Behind a proxy, X-Forwarded-Prefix shapes every link url_for writes: such a
    # page is the requester's own (no-store), never one a shared cache keeps.
    cacheable = (
        request.endpoint in CACHEABLE_ENDPOINTS
        and response.status_code < 400
        and (request.endpoint == "banner_pages.static" or not state().config.proxy_count)
    )
    return secure_headers(response, policy, no_store=not cacheable)


@pages.context_processor
def page_globals() -> dict[str, Any]:
    """What every page template may use: ``_``, the nonce, the site and its theme."""
    language: str = g.get("banner_lang", state().config.default_language)
    site: SiteConfig | None = g.get("banner_site")
    return {
        "_": Translator(language),
        "lang": language,
        "csp_nonce": g.get("banner_nonce", ""),
        "site": site,
        "theme": {**DEFAULT_THEME, **(site.theme if site else {})},
        "language_links": language_links(language),
        "when": lambda moment: when(moment, language, site),
        "label": lambda category: label(site, category, language) if site else category,
    }


# --- errors -------------------------------------------------------------------


@pages.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    if error.code == 429:  # the rate limit on saving: say when to try again
        wait = rate_limits.refusal(error).headers_extra["Retry-After"]
        return _error_page(TooManyPage(int(wait)))
    return _error_page(page_error_for(error))


@pages.errorhandler(StoreUnavailable)
def store_error(error: StoreUnavailable) -> tuple[str, int, dict[str, str]]:
    return _error_page(StoreUnavailablePage(error.retry_after))


@pages.errorhandler(TokenRequired)
def stale_token(_error: TokenRequired) -> tuple[str, int, dict[str, str]]:
    return _error_page(ChoiceChangedElsewhere())


@pages.errorhandler(Exception)
def unexpected_error(_error: Exception) -> tuple[str, int, dict[str, str]]:
    logger.exception("unexpected error on %s %s", request.method, request.path)
    return _error_page(UnexpectedPageError())


def routing_error_page(error: HTTPException) -> Response:
    """A translated page for an error met while routing (405, 404 under ``/s/``).

    Flask runs no blueprint hooks before routing succeeds, so the page's
    set-up, template globals and headers are applied here.
    """
    parts = request.path.split("/")
    find_site(None, {"site_id": parts[2] if len(parts) > 2 else ""})
    page_error = page_error_for(error)
    body = render_template("banner/error.html", error=page_error, back=None, **page_globals())
    response = Response(body, status=page_error.code or 400, mimetype="text/html")
    return add_security_headers(response)


def _error_page(error: PageError) -> tuple[str, int, dict[str, str]]:
    headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
    site: SiteConfig | None = g.get("banner_site")
    back = _back_to_preferences(site) if site else None
    html = render_template("banner/error.html", error=error, back=back)
    return html, error.code or 400, headers


def _back_to_preferences(site: SiteConfig) -> str:
    """The preference page again, with what the failed request carried.

    The language, the return address, the visitor's token and the loader's
    state are kept, so a second try still changes the same consent id and
    its trip back still reaches the site.
    """
    values = {"site_id": site.id, "lang": g.banner_lang}
    for key, field in (("return", "return_to"), ("state", "state")):
        kept = request.args.get(key) or _posted(field)
        if kept:
            values[key] = kept
    # Only a token this browser brought (its form's, or a trusted ?token=) is kept.
    token = _posted("token") or passed_token(site, request.args.get("token"))
    if token:
        values["token"] = token
    return url_for("banner_pages.preferences", **values)


def _posted(name: str) -> str | None:
    """A posted field, or ``None`` when the body itself was refused (too large, broken)."""
    return request.form.get(name) if body_was_read() else None


def _site() -> SiteConfig:
    site: SiteConfig | None = g.get("banner_site")
    if site is None:
        raise PageNotFound()
    return site


# --- the preference page --------------------------------------------------------


@pages.route("/s/<site_id>/preferences", methods=["GET", "POST"])
def preferences(site_id: str) -> Any:
    """Show the visitor's choice, and save a new one from the plain form post."""
    site = _site()
    if request.method == "POST":
        return _save(site)
    current = current_consent(site, passed_token(site, request.args.get("token")))
    form = preferences_form(
        site,
        g.banner_lang,
        granted=current.content.granted if current else (),
        token=current.token if current else "",
        return_to=request.args.get("return", ""),
        state=loader_state(request.args.get("state")),
    )
    return _render_preferences(site, form, current)


def _render_preferences(
    site: SiteConfig, form: PreferencesForm, current: Current | None, status: int = 200
) -> tuple[str, int]:
    language = g.banner_lang
    texts = banner_texts(site, language)
    form.notice_hash.data = service().notice(site.id, language).hash  # archived before shown
    html = render_template(
        "banner/preferences.html",
        form=form,
        current=current,
        issued=datetime.fromtimestamp(current.content.issued_at, UTC) if current else None,
        categories=_categories(site, language),
        switch_name=switch_name,
        texts=texts,
        notice=first_layer(site, language, texts["manage"], texts["preferences_page"]),
        gpc=request.headers.get("Sec-GPC") == "1",
        back=safe_return(form.return_to.data, site.origins),
    )
    return html, status


def _save(site: SiteConfig) -> WerkzeugResponse | tuple[str, int]:
    if is_foreign_post(
        request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site"), request.host
    ):
        raise ForeignOrigin()
    form = preferences_form(site, g.banner_lang)
    if not form.validate_on_submit():
        if form.csrf_failed():
            raise FormExpired()
        return _render_preferences(site, form, None, status=400)
    if not form.check_age(site):
        return _render_preferences(site, form, None, status=400)
    previous = current_consent(site, form.token.data)
    try:
        recorded = _record(site, form, previous)
    except (NoticeChanged, UnknownNotice) as exc:
        # Nothing was recorded: the current notice is drawn again, switches kept.
        return _render_preferences(site, form, None, 409 if isinstance(exc, NoticeChanged) else 400)
    return return_to_site(site, form.return_to.data, recorded.token, form.state.data or "")


def _record(site: SiteConfig, form: PreferencesForm, previous: Current | None) -> Recorded:
    own_origin = request.host_url.rstrip("/")
    decision = DecisionRequest(
        site=site.id,
        granted=tuple(form.granted()),
        language=g.banner_lang,
        consent_id=previous.content.consent_id if previous else None,
        token=previous.token if previous else None,
        gpc=request.headers.get("Sec-GPC") == "1",
        source=Source.PREFERENCES,
        page_origin=own_origin,
        page_path=request.path,
        ip=client_address(
            request.remote_addr, request.headers.get("X-Forwarded-For"), state().config.proxy_count
        ),
        user_agent=request.headers.get("User-Agent"),
        age_confirmed=form.age_ticked(),
        retry_key=form.posted_retry_key(),
        notice_hash=form.notice_hash.data or "",
        subject=subject_field({"subject": form.subject.data or None}, site, service()),
    )
    return service().record(decision)


def _categories(site: SiteConfig, language: str) -> list[CategoryNotice]:
    return category_notices(
        site, language, current_app.config.get("SESSION_COOKIE_NAME", "session")
    )


# --- the cookie declaration -----------------------------------------------------


@pages.get("/s/<site_id>/cookies")
def cookies(site_id: str) -> str:
    """Every category, its purpose and its cookies, in the visitor's language."""
    site = _site()
    return render_template(
        "banner/cookies.html",
        categories=_categories(site, g.banner_lang),
        texts=banner_texts(site, g.banner_lang),
    )


# --- the receipt ----------------------------------------------------------------


def _receipt(site: SiteConfig, consent_id: str) -> Receipt:
    if not CONSENT_ID.fullmatch(consent_id):
        raise ReceiptNotFound()
    rows = state().log.history(consent_id, site.id)
    notices = service().notices.many(row.text_hash for row in rows)
    found = build_receipt(site, rows, datetime.fromtimestamp(service().clock(), UTC), notices)
    if found is None:
        raise ReceiptNotFound()
    return found


@pages.get("/s/<site_id>/receipt/<consent_id>.json")
def receipt_json(site_id: str, consent_id: str) -> Response:
    """The receipt as JSON, field names after ISO/IEC TS 27560, with its log proof."""
    return jsonify(_receipt_json(_receipt(_site(), consent_id)))


def _receipt_json(found: Receipt) -> dict[str, Any]:
    """The receipt with ``proof``: its decisions' inclusion proofs under a signed head."""
    return {**found.as_json(), "proof": receipt_proof(found.site.id, found.consent_id)}


@pages.get("/s/<site_id>/receipt/<consent_id>")
def receipt(site_id: str, consent_id: str) -> Response | str:
    """The receipt as a page, or as JSON for a client that prefers it."""
    found = _receipt(_site(), consent_id)
    wanted = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if wanted == "application/json":
        return jsonify(_receipt_json(found))
    return render_template(
        "banner/receipt.html",
        receipt=found,
        state_names=STATE_NAMES,
        status_names=STATUS_NAMES,
        source_names=SOURCE_NAMES,
        language_names=LANGUAGE_NAMES,
        json_href=url_for(".receipt_json", site_id=site_id, consent_id=consent_id),
    )
