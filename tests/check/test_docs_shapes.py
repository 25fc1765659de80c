"""What ``docs/server-side.md`` shows of the tracker gate's counts and of
``current_consent()`` is what the code gives."""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

from flask import Flask

from banner import Banner, TrackerGate, current_consent
from banner.core.config import parse_config
from banner.core.keys import site_token_keys
from banner.core.token import ConsentToken, TokenCodec
from tests.factories import KEY_NEW, SITE, document

DOC = (Path(__file__).resolve().parents[2] / "docs" / "server-side.md").read_text(encoding="utf-8")


def documented(name: str) -> object:
    """The value the doc's comment gives for ``name`` (``gate.sent      # {...}``)."""
    match = re.search(rf"^{re.escape(name)}\s+# (\{{.*\}})$", DOC, re.MULTILINE)
    assert match, name
    return ast.literal_eval(match.group(1))


def test_the_gates_counts_have_the_documented_tuple_keys() -> None:
    gate = TrackerGate()
    now = int(time.time())
    consent = ConsentToken("v" * 22, "tokodemo", ("analytics",), 3, now, now + 60)
    gate.run(None, "analytics", lambda: None, event="ga4_purchase")
    gate.run(consent, "analytics", lambda: None, event="ga4_purchase")
    assert gate.sent == documented("gate.sent")
    assert gate.dropped == documented("gate.dropped")


def test_current_consent_has_the_documented_fields(tmp_path: Path) -> None:
    doc = document(f"sqlite:///{tmp_path / 'd.db'}")
    doc["banner"]["secret_keys"] = [KEY_NEW]
    doc["sites"] = {"tokodemo": {**SITE, "policy_version": 3}}
    config = parse_config(doc, "d.toml", {})
    app = Flask("docs")
    Banner(app, config, mount_routes=False)
    codec = TokenCodec("tokodemo", site_token_keys([KEY_NEW], "tokodemo"), 3, 86400)
    token, made = codec.sign("docs-visitor-0123456789", ["analytics"])
    cookie = f"banner_consent={token}"
    try:
        with app.test_request_context(headers={"Cookie": cookie}):
            consent = current_consent()
            assert consent is not None
            assert isinstance(consent.consent_id, str) and consent.consent_id == made.consent_id
            assert "analytics" in consent.granted and isinstance(consent.granted, tuple)
            assert isinstance(consent.expires_at, int) and consent.policy_version == 3
            assert consent.allows("analytics") is True
        with app.test_request_context(headers={"Cookie": "banner_consent=forged"}):
            assert current_consent() is None
    finally:
        app.extensions["banner"].log.dispose()
