"""Test configs built from TOML-shaped dicts, the way operators write them."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any

from banner.core.config import BannerConfig, parse_config
from banner.core.keys import site_token_keys
from banner.core.token import TokenCodec

KEY_OLD = "old-key-0123456789abcdef0123456789abcdef"
KEY_NEW = "new-key-fedcba9876543210fedcba9876543210"
SHOP_ORIGIN = "https://www.tokodemo.co.id"

SITE: dict[str, Any] = {
    "name": "Toko Demo",
    "origins": [SHOP_ORIGIN],
    "policy_version": 3,
    "privacy_policy_url": "https://www.tokodemo.co.id/kebijakan-privasi",
    "consent_days": 180,
    "trackers": {
        "ga4": {"measurement_id": "G-ABC123XYZ9", "category": "analytics"},
        "meta_pixel": {"pixel_id": "123456789012345", "category": "analytics"},
        "referral": {
            "params": ["ref", "aff_id"],
            "cookie": "ref_id",
            "days": 30,
            "category": "functional",
        },
    },
    "cookies": [
        {
            "name": "_ga",
            "provider": "Google",
            "category": "analytics",
            "duration": {"id": "2 tahun", "en": "2 years"},
            "purpose": {"id": "Membedakan pengunjung", "en": "Distinguishes visitors"},
        },
        {
            "name": "bahasa",
            "provider": "Toko Demo",
            "category": "preference",
            "duration": {"id": "1 tahun", "en": "1 year"},
            "purpose": {"id": "Mengingat bahasa pilihan Anda", "en": "Remembers your language"},
        },
    ],
}


def document(database_url: str, **site_changes: Any) -> dict[str, Any]:
    """A config document with the ``tokodemo`` site, changed by ``site_changes``."""
    site = copy.deepcopy(SITE)
    site.update(site_changes)
    return {
        "banner": {
            "secret_keys": [KEY_OLD, KEY_NEW],
            "database_url": database_url,
            "rate_limit": "1000/minute",  # tests that need a tight limit set their own
        },
        "sites": {"tokodemo": site},
    }


def make_config(database_url: str, **site_changes: Any) -> BannerConfig:
    return parse_config(document(database_url, **site_changes), "test.toml", {})


def signed_token(consent_id: str, granted: Sequence[str], age: float = 0.0) -> str:
    """A valid token for the ``tokodemo`` site of :func:`document`, issued ``age`` s ago."""
    issued = time.time() - age
    codec = TokenCodec(
        "tokodemo",
        site_token_keys([KEY_OLD, KEY_NEW], "tokodemo"),
        3,
        180 * 86400,
        clock=lambda: issued,
    )
    return codec.sign(consent_id, granted)[0]


def with_notice(client: Any, body: Any) -> Any:
    """``body`` with the current ``notice_hash`` of its site and language, as a browser sends.

    The hash comes from ``GET /s/SITE/notice?lang=`` (what API clients do);
    a body that is not a dict, or already has one, is left as it is.
    """
    if not isinstance(body, dict) or "notice_hash" in body or "site" not in body:
        return body
    language = body.get("language") if body.get("language") in ("id", "en") else "id"
    answer = client.get(f"/s/{body['site']}/notice?lang={language}").get_json()
    if not isinstance(answer, dict) or "notice_hash" not in answer:
        return body
    return {**body, "notice_hash": answer["notice_hash"]}


def url_notice_hash(url: str, site: str = "tokodemo", language: str = "id") -> str:
    """The current notice hash of a running server at ``url``."""
    import json as _json
    import urllib.request

    with urllib.request.urlopen(f"{url}/s/{site}/notice?lang={language}", timeout=10) as answer:
        found: str = _json.loads(answer.read())["notice_hash"]
    return found


def paths(post_path: str) -> dict[str, bool]:
    """``create_app``'s keywords for the consent POST's path the test runs on."""
    return {"consent_beside_flask": post_path == "beside_flask"}
