"""One site's webhooks on the dashboard: how many events wait, were delivered or failed.

The "retry failed" button is a form post with its CSRF token, from this
service's own pages only, by an account that may see the site; it queues the
site's failed events again (:func:`banner.log.outbox.retry_failed`) for the
running service to send.
"""

from __future__ import annotations

from flask import g, redirect, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as WerkzeugResponse

from banner.admin.errors import AdminFormExpired
from banner.admin.figures import event_counts
from banner.admin.forms import logout_form, retry_form
from banner.admin.page import admin, render
from banner.admin.views import site_for
from banner.core.texts import N_
from banner.log import outbox
from banner.log.store import translate_error
from banner.web.page_security import is_foreign_post
from banner.web.state import state

#: The events a webhook may ask for, as the dashboard names them.
EVENT_NAMES = {
    "decision": N_("First decisions"),
    "change": N_("Changes"),
    "withdraw": N_("Withdrawals"),
    "sync": N_("Choices taken on another device"),
}


@admin.get("/s/<site_id>/webhooks")
def webhooks_page(site_id: str) -> tuple[str, int]:
    """The site's webhooks, its event counts and the retry button."""
    site = site_for(site_id)
    return render(
        "webhooks.html",
        site=site,
        counts=event_counts(state().log, [site.id])[site.id],
        retried=request.args.get("retried", type=int),
        event_names=EVENT_NAMES,
        form=retry_form(g.admin_lang),
        logout=logout_form(g.admin_lang),
    )


@admin.post("/s/<site_id>/webhooks/retry")
def retry_failed(site_id: str) -> WerkzeugResponse:
    """Queue the site's failed events again; back to the page with how many."""
    site = site_for(site_id)  # someone else's site: the same 404 as none
    if is_foreign_post(
        request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site"), request.host
    ):
        raise AdminFormExpired()
    if not retry_form(g.admin_lang).validate_on_submit():
        raise AdminFormExpired()
    try:
        with state().log.engine.begin() as conn:
            count = outbox.retry_failed(conn, site.id)
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    page = url_for("banner_admin.webhooks_page", site_id=site.id, lang=g.admin_lang, retried=count)
    return redirect(page, 303)
