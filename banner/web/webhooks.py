"""Webhooks in the service: the outbox beside every decision, and its sender.

The outbox (:class:`banner.log.outbox.Outbox`) is written whenever the
service stores decisions. The sender (:class:`banner.log.webhook_delivery.
WebhookDelivery`) is a thread: ``banner serve`` and ``banner run`` start it
with the app (:func:`start_delivery`); any other WSGI server starts it on the
app's first request. An app with ``TESTING`` set starts none unless its
``BANNER_WEBHOOK_DELIVERY`` is ``True``; ``False`` never starts one.
"""

from __future__ import annotations

from flask import Flask, current_app

from banner.log.outbox import Outbox
from banner.log.service import ConsentService
from banner.log.store import ConsentLog
from banner.log.webhook_delivery import WebhookDelivery
from banner.web.state import EXTENSION_KEY

EXTRA = "webhooks"
SETTING = "BANNER_WEBHOOK_DELIVERY"


def install(app: Flask, log: ConsentLog, service: ConsentService) -> WebhookDelivery:
    """Write the outbox with every decision, and prepare (not start) the sender."""
    # in_use: the outbox runs inside the decision's transaction and the sender in
    # its own thread; neither may read the file (the requests do, see LiveConfig).
    log.companions.append(Outbox(service.live.in_use))
    delivery = WebhookDelivery(log.engine, service.live.in_use)
    log.listeners.append(delivery.note)
    log.closers.append(delivery.close)
    app.before_request(_start_once)
    return delivery


def delivery_of(app: object) -> WebhookDelivery | None:
    """The app's sender, if banner is set up in it with its routes."""
    if not isinstance(app, Flask):
        return None
    state = app.extensions.get(EXTENSION_KEY)
    found = None if state is None else state.extras.get(EXTRA)
    return found if isinstance(found, WebhookDelivery) else None


def start_delivery(app: object) -> None:
    """Start sending now, unless the app's ``BANNER_WEBHOOK_DELIVERY`` is ``False``."""
    delivery = delivery_of(app)
    if delivery is not None and app.config.get(SETTING) is not False:  # type: ignore[attr-defined]
        delivery.start()


def _start_once() -> None:
    start_once(current_app._get_current_object())  # type: ignore[attr-defined]


def start_once(app: Flask) -> None:
    """On a request: start sending, unless already sending or ``BANNER_WEBHOOK_DELIVERY`` says not.

    By default a test app (``TESTING``) does not send; ``True`` sends anyway.
    """
    delivery = delivery_of(app)
    if delivery is None or delivery.running:
        return
    wanted = app.config.get(SETTING)
    if wanted is True or (wanted is None and not app.testing):
        delivery.start()
