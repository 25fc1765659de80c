"""The gate is joined from the parts of the tracker kinds a site configures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from banner.core.tracker_kinds import KINDS
from banner.resources import resource_dir
from banner.web.gate_file import (
    GATE_FIELDS,
    GATE_FILE,
    gate_parts,
    gate_settings,
    loader_bytes,
    script_json,
    static_text,
)
from tests.core.test_config_trackers import EVERY_KIND, MARKETING
from tests.factories import make_config

BASE = "https://consent.example.co.id/"


def site(tmp_path: Path, trackers: dict[str, Any], **changes: Any) -> Any:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    config = make_config(url, categories={"marketing": MARKETING}, trackers=trackers, **changes)
    return config.sites["tokodemo"]


def part(kind: str) -> str:
    return static_text(f"trackers/{kind}.js")


@pytest.mark.parametrize("kind", [*GATE_FIELDS, "consent_mode"])
def test_every_part_is_built_and_registers_itself(kind: str) -> None:
    text = part(kind)
    assert text.startswith("(window.__bannerParts=window.__bannerParts||{})." + kind + "=")
    assert text.rstrip().endswith(";"), "parts are joined without a separator"
    assert "eval(" not in text and "innerHTML" not in text


def test_every_kind_the_config_knows_has_a_part() -> None:
    assert set(GATE_FIELDS) == set(KINDS)
    sources = resource_dir("static") / "src" / "trackers"
    assert {p.stem for p in sources.glob("*.js")} == {*GATE_FIELDS, "consent_mode"}


def test_a_ga4_site_carries_only_consent_mode_and_ga4(tmp_path: Path) -> None:
    ga4 = site(tmp_path, {"ga4": EVERY_KIND["ga4"]})
    assert gate_parts(ga4) == ["consent_mode", "ga4"]
    body = loader_bytes(ga4, BASE).decode()
    assert body.startswith(part("consent_mode") + part("ga4"))
    assert body.endswith(body[len(part("consent_mode") + part("ga4")) :])
    for absent in ("gtm.js", "fbevents", "tiktok", "URLSearchParams"):
        assert absent not in body


def test_a_site_without_google_has_no_consent_mode(tmp_path: Path) -> None:
    tiktok = site(tmp_path, {"tiktok_pixel": EVERY_KIND["tiktok_pixel"]})
    assert gate_parts(tiktok) == ["tiktok_pixel"]
    assert "googletagmanager" not in loader_bytes(tiktok, BASE).decode()


def test_no_trackers_is_the_core_alone(tmp_path: Path) -> None:
    bare = site(tmp_path, {})
    assert gate_parts(bare) == []
    assert loader_bytes(bare, BASE).decode().startswith(static_text(GATE_FILE).split("__")[0])


def test_every_kind_in_the_order_they_run(tmp_path: Path) -> None:
    every = site(tmp_path, EVERY_KIND)
    kinds = ["consent_mode", "ga4", "gtm", "google_ads", "meta_pixel", "tiktok_pixel"]
    assert gate_parts(every) == [*kinds, "referral", "custom"]
    body = loader_bytes(every, BASE).decode()
    assert body.index(part("consent_mode")) == 0
    assert body.count("__BANNER_SETTINGS__") == 0


def test_consent_mode_signals_follow_the_configured_categories(tmp_path: Path) -> None:
    every = site(tmp_path, EVERY_KIND)
    trackers = gate_settings(every, BASE)["trackers"]
    mode = trackers[0]
    assert mode == {"kind": "consent_mode", "analytics": ["analytics"], "ads": ["marketing"]}
    ga4_only = site(tmp_path, {"ga4": EVERY_KIND["ga4"]})
    assert gate_settings(ga4_only, BASE)["trackers"][0]["ads"] == []


def test_the_gate_gets_ids_and_sources_not_recipients(tmp_path: Path) -> None:
    trackers = gate_settings(site(tmp_path, EVERY_KIND), BASE)["trackers"]
    by_kind = {t["kind"]: t for t in trackers}
    assert by_kind["tiktok_pixel"] == {
        "kind": "tiktok_pixel",
        "category": "marketing",
        "id": "C4ABCDEFGHIJ12345678",
    }
    assert by_kind["custom"] == {
        "kind": "custom",
        "category": "analytics",
        "src": "https://cdn.heatmap.example/h.js",
    }
    assert by_kind["gtm"] == {
        "kind": "gtm",
        "category": "analytics",
        "id": "GTM-AB12CD3",
        "mode": "basic",
        "cats": ["analytics"],
    }
    assert by_kind["referral"] == {
        "kind": "referral",
        "category": "functional",
        "params": ["ref"],
        "cookie": "ref_id",
        "days": 30,
    }


def test_the_gate_gets_cookie_and_storage_patterns_by_category(tmp_path: Path) -> None:
    """A pattern two categories set (``_gcl_*``: Tag Manager and Ads) is listed under both."""
    sweep = gate_settings(site(tmp_path, EVERY_KIND), BASE)["sweep"]
    assert sweep == {
        "analytics": ["_ga", "_ga_*", "_gid", "_gat*", "_gcl_*", "_hm_*", "_hmid"],
        "marketing": [
            "_gcl_*",
            "_fbp",
            "_fbc",
            "_ttp",
            "_tt_enable_cookie",
            "ttcsid*",
            # TikTok's storage keys, cleared from localStorage and sessionStorage
            "tt_appInfo",
            "tt_sessionId",
            "tt_pixel_session_index",
        ],
        "functional": ["ref_id"],
    }
    assert gate_settings(site(tmp_path, {}), BASE)["sweep"] == {}


def test_a_hostile_custom_src_stays_a_string(tmp_path: Path) -> None:
    hostile = "https://cdn.example/h.js?x='-alert(1)-'</script><script>alert(1)</script>"
    custom = {"heatmap": {**EVERY_KIND["custom"]["heatmap"], "src": hostile}}
    body = loader_bytes(site(tmp_path, {"custom": custom}), BASE).decode()
    assert "</script" not in body
    assert script_json(hostile, sort_keys=False) in body
