"""The demo site "Toko Demo": what ``banner run`` serves without a config.

Plain data in the shape of a ``banner.toml`` document; :func:`banner.core.config.demo_config`
validates it like any other config.
"""

from __future__ import annotations

import secrets
from typing import Any

DEMO_SITE = "tokodemo"
DEMO_SERVICE_PORT = 8000
DEMO_SHOP_PORT = 8001


def demo_document(shop_port: int = DEMO_SHOP_PORT) -> dict[str, Any]:
    """The demo site "Toko Demo": a shop page on another origin than the service."""
    shop = f"http://localhost:{shop_port}"
    return {
        "banner": {
            "secret_keys": [secrets.token_urlsafe(32)],
            "database_url": "sqlite:///banner.db",
        },
        "sites": {
            DEMO_SITE: {
                "name": "Toko Demo",
                "origins": [shop, f"http://127.0.0.1:{shop_port}"],
                "policy_version": 1,
                "privacy_policy_url": f"{shop}/kebijakan-privasi",
                "categories": {
                    "marketing": {
                        "label": {"id": "Pemasaran", "en": "Marketing"},
                        "description": {
                            "id": "Mengukur iklan kami di Meta dan TikTok, dan memuat video "
                            "dari YouTube dan TikTok di halaman toko.",
                            "en": "Measures our advertising on Meta and TikTok, and loads "
                            "videos from YouTube and TikTok on the shop's pages.",
                        },
                    }
                },
                "trackers": {
                    "ga4": {"measurement_id": "G-DEMO12345X", "category": "analytics"},
                    "meta_pixel": {"pixel_id": "123456789012345", "category": "marketing"},
                    # Fake ids: the demo shows what is requested, nothing reaches Google or TikTok.
                    "gtm": {"container_id": "GTM-DEMO123", "category": "analytics"},
                    "tiktok_pixel": {"pixel_id": "CDEMO0000000000TOKO1", "category": "marketing"},
                    "referral": {
                        "params": ["ref", "aff_id"],
                        "cookie": "ref_id",
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
                        "name": "_ga_*",
                        "provider": "Google",
                        "category": "analytics",
                        "duration": {"id": "2 tahun", "en": "2 years"},
                        "purpose": {
                            "id": "Menyimpan status sesi kunjungan",
                            "en": "Keeps the state of the current visit",
                        },
                    },
                    {
                        "name": "_fbp",
                        "provider": "Meta",
                        "category": "marketing",
                        "duration": {"id": "3 bulan", "en": "3 months"},
                        "purpose": {
                            "id": "Mengukur iklan Meta",
                            "en": "Measures Meta advertising",
                        },
                    },
                    {
                        "name": "ref_id",
                        "provider": "Toko Demo",
                        "category": "functional",
                        "duration": {"id": "30 hari", "en": "30 days"},
                        "purpose": {
                            "id": "Mengingat mitra yang merujuk Anda",
                            "en": "Remembers the partner who referred you",
                        },
                    },
                ],
            }
        },
    }
