"""The service a benchmark runs: a temporary config, its database and a token.

The benchmark site mirrors a real shop: GA4 behind ``analytics``, the four
built-in categories, the shop page on another origin than the service.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SITE = "benchshop"
#: A second site configuring every tracker kind (GA4 only on ``SITE``).
EVERY_KIND_SITE = "benchall"
#: A third site with GA4, Meta Pixel and a referral parameter (issue 24's weights).
MIX_SITE = "benchmix"
GA4_ID = "G-BENCH12345"
SECRET_KEY = "bench-key-0123456789abcdef0123456789abcdef"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

CONFIG = """\
[banner]
secret_keys = ["{key}"]
database_url = "{database_url}"
default_language = "id"
# Every request comes from 127.0.0.1: lift the per-visitor limit, keep its cost.
rate_limit = "999999/second"

[sites.{site}]
name = "Bench Shop"
origins = ["{shop}"]
policy_version = 1
privacy_policy_url = "{shop}/privacy"

[sites.{site}.trackers.ga4]
measurement_id = "{ga4}"
category = "analytics"

[[sites.{site}.cookies]]
name = "_ga"
provider = "Google"
category = "analytics"
duration = {{ id = "2 tahun", en = "2 years" }}
purpose = {{ id = "Membedakan pengunjung", en = "Distinguishes visitors" }}

# A shop with every tracker kind, for the weight of its gate.
[sites.{every}]
name = "Bench Shop, every tag"
origins = ["{shop}"]
privacy_policy_url = "{shop}/privacy"

[sites.{every}.categories.marketing]
label = {{ id = "Pemasaran", en = "Marketing" }}
description = {{ id = "Iklan yang relevan.", en = "Relevant ads." }}

[sites.{every}.trackers.ga4]
measurement_id = "{ga4}"
category = "analytics"
ads_category = "marketing"

[sites.{every}.trackers.gtm]
container_id = "GTM-BENCH12"
category = "analytics"

[sites.{every}.trackers.google_ads]
conversion_id = "AW-123456789"
category = "marketing"

[sites.{every}.trackers.meta_pixel]
pixel_id = "123456789012345"
category = "marketing"

[sites.{every}.trackers.tiktok_pixel]
pixel_id = "C4BENCH0000000000001"
category = "marketing"

[sites.{every}.trackers.referral]
params = ["ref"]
category = "functional"

[sites.{every}.trackers.custom.heatmap]
src = "https://cdn.heatmap.example/h.js"
category = "analytics"
cookies = ["_hm_*"]
recipient = {{ name = "Heatmap Pte. Ltd.", country = "SG" }}

# A shop with GA4, Meta Pixel and a referral parameter, for issue 24's weights.
[sites.{mix}]
name = "Bench Shop, three tags"
origins = ["{shop}"]
privacy_policy_url = "{shop}/privacy"

[sites.{mix}.categories.marketing]
label = {{ id = "Pemasaran", en = "Marketing" }}
description = {{ id = "Iklan yang relevan.", en = "Relevant ads." }}

[sites.{mix}.trackers.ga4]
measurement_id = "{ga4}"
category = "analytics"

[sites.{mix}.trackers.meta_pixel]
pixel_id = "123456789012345"
category = "marketing"

[sites.{mix}.trackers.referral]
params = ["ref"]
category = "functional"
"""


def config_text(database_url: str, shop_origin: str) -> str:
    """The benchmark's ``banner.toml``."""
    return CONFIG.format(
        key=SECRET_KEY,
        database_url=database_url,
        site=SITE,
        every=EVERY_KIND_SITE,
        mix=MIX_SITE,
        shop=shop_origin,
        ga4=GA4_ID,
    )


def config_path(folder: Path) -> Path:
    """Where :func:`write_config` writes the config in ``folder``."""
    return folder / "banner.toml"


def write_config(folder: Path, database_url: str, shop_origin: str) -> Path:
    """Write a ``banner.toml`` for the benchmark site into ``folder``."""
    path = config_path(folder)
    path.write_text(config_text(database_url, shop_origin), encoding="utf-8")
    return path


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'bench.db'}"


def current_notice(service_url: str, site: str = SITE) -> dict[str, Any]:
    """A site's current notice as the service answers it (``GET /s/SITE/notice``)."""
    with urllib.request.urlopen(f"{service_url}/s/{site}/notice?lang=id", timeout=10) as answer:
        found: dict[str, Any] = json.load(answer)
        return found


def notice_hash(service_url: str, site: str = SITE) -> str:
    """The hash of a site's current notice (the benchmark site's by default)."""
    found: str = current_notice(service_url, site)["notice_hash"]
    return found


def consent_body(notice: str, granted: tuple[str, ...] = ("analytics",), site: str = SITE) -> bytes:
    """A decision as the loader sends it, naming the notice shown (``notice``: its hash)."""
    document = {
        "site": site,
        "granted": list(granted),
        "language": "id",
        "policy_version": 1,
        "notice_hash": notice,
    }
    return json.dumps(document).encode()


def obtain_token(
    service_url: str,
    shop_origin: str,
    site: str = SITE,
    granted: tuple[str, ...] = ("analytics",),
) -> str:
    """A real token through ``POST /api/v1/consent`` (the benchmark site's, analytics
    granted, by default)."""
    request = urllib.request.Request(
        f"{service_url}/api/v1/consent",
        data=consent_body(notice_hash(service_url, site), granted, site),
        headers={"Content-Type": "application/json", "Origin": shop_origin},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token: str = json.load(response)["token"]
        return token


def postgres_reachable() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one run, dropped afterwards; yields its URL.

    The schema keeps the benchmark's rows away from the test suite's tables.
    """
    import sqlalchemy as sa

    name = f"bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{name}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
        engine.dispose()


def json_of(url: str, data: dict[str, Any] | None = None) -> Any:
    body = None if data is None else json.dumps(data).encode()
    headers = {"Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as answer:
        return json.load(answer)
