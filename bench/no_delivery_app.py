"""banner as served, with the webhook sender kept off: only the outbox is written.

For ``bench.webhookpost``: the cost of the outbox alone on the durable POST.
"""

from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    from banner.app import create_app as banner_app

    app = banner_app()
    app.config["BANNER_WEBHOOK_DELIVERY"] = False
    return app
