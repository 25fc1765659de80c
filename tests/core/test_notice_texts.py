"""The notice generated from the config: controller, trackers and recipients,
change texts, the age question, and what check-config warns about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from banner.core.config import ConfigError
from banner.core.config_model import Tracker
from banner.core.config_notice import config_warnings
from banner.core.disclosure import (
    category_notices,
    changes_since,
    first_layer,
    recipient_of,
)
from banner.core.local_time import local_time
from banner.core.notice import notice_hash
from banner.core.texts import banner_texts
from banner.core.tracker_kinds import GOOGLE, country_recipient
from tests.factories import make_config

GA4_ONLY = {"trackers": {"ga4": {"measurement_id": "G-ABC123XYZ9", "category": "analytics"}}}
OTHERS = ("Meta", "TikTok", "Referral", "rujukan", "mitra", "partner", "Google Ads", "Tag Manager")


def site(**changes: Any) -> Any:
    return make_config("sqlite://", **changes).sites["tokodemo"]


def everything_said(s: Any, language: str) -> str:
    texts = banner_texts(s, language)
    layer = first_layer(s, language, texts["manage"], texts["preferences_page"])
    parts = [*texts.values(), *layer.values()]
    for category in category_notices(s, language):
        parts += [category.label, category.description, *(t.line() for t in category.trackers)]
    return "\n".join(parts)


@pytest.mark.parametrize("language", ["id", "en"])
def test_ga4_only_site_names_google_and_nothing_else(language: str) -> None:
    said = everything_said(site(**GA4_ONLY), language)
    assert "Google Analytics 4" in said and "Google LLC" in said
    country = "Amerika Serikat" if language == "id" else "United States"
    assert country in said
    assert [word for word in OTHERS if word.lower() in said.lower()] == []


def test_trackers_sit_in_their_own_category_with_recipient_and_country() -> None:
    notices = {c.id: c for c in category_notices(site(), "id")}
    assert [t.line() for t in notices["analytics"].trackers] == [
        "Google Analytics 4: Google LLC, Amerika Serikat",
        "Meta Pixel: Meta Platforms, Inc., Amerika Serikat",
    ]
    assert [t.line() for t in notices["functional"].trackers] == [
        "Pelacakan rujukan mitra: Toko Demo (situs ini)"
    ]
    assert notices["preference"].trackers == ()


def test_first_layer_names_controller_purposes_abroad_and_how_long() -> None:
    s = site(controller={"name": "PT Toko Demo Indonesia", "contact": "privasi@tokodemo.co.id"})
    layer = first_layer(s, "id", "Atur pilihan", "Pengaturan privasi lengkap")
    assert layer["intro"].startswith("PT Toko Demo Indonesia memakai cookie yang diperlukan")
    assert "Dengan persetujuan Anda" in layer["intro"] and "izin" not in layer["intro"]
    assert "Fungsional, Analitik, dan Preferensi" in layer["intro"]
    assert layer["abroad"] == (
        "Sebagian data pribadi Anda dapat dikirim ke penerima di luar wilayah Indonesia: "
        "Google LLC (Amerika Serikat); Meta Platforms, Inc. (Amerika Serikat). Pengiriman ini "
        "dilakukan atas dasar persetujuan yang diminta di sini."
    )
    assert "180 hari" in layer["kept"] and "“Atur pilihan”" in layer["kept"]
    assert (
        "menarik persetujuan" in layer["kept"] and "“Pengaturan privasi lengkap”" in layer["kept"]
    )
    assert layer["controller"] == (
        "Pengendali Data Pribadi: PT Toko Demo Indonesia (privasi@tokodemo.co.id)"
    )


def test_no_abroad_sentence_when_every_recipient_is_the_site() -> None:
    referral = {"params": ["ref"], "category": "functional"}
    assert (
        first_layer(site(trackers={"referral": referral}), "en", "Manage", "Settings")["abroad"]
        == ""
    )


def test_recipient_is_looked_up_by_kind_or_declared() -> None:
    assert recipient_of(Tracker("ga4", "analytics", {})) is GOOGLE
    assert recipient_of(Tracker("referral", "functional", {})) is None
    custom = Tracker("custom", "analytics", {"recipient": country_recipient("Hotjar Ltd", "MT")})
    found = recipient_of(custom)
    assert found is not None and found.name == "Hotjar Ltd" and found.abroad
    local = Tracker("custom", "analytics", {"recipient": country_recipient("PT X", "ID")})
    found = recipient_of(local)
    assert found is not None and not found.abroad


@pytest.mark.parametrize(
    ("contact", "href"),
    [
        ("privasi@tokodemo.co.id", "mailto:privasi@tokodemo.co.id"),
        ("https://www.tokodemo.co.id/kontak", "https://www.tokodemo.co.id/kontak"),
    ],
)
def test_controller_contact_is_an_address_or_a_page(contact: str, href: str) -> None:
    controller = site(controller={"contact": contact}).the_controller
    assert controller.contact_href == href and controller.name == "Toko Demo"


def test_controller_defaults_to_the_site_and_its_privacy_policy() -> None:
    controller = site().the_controller
    assert controller.name == "Toko Demo"
    assert controller.contact == "https://www.tokodemo.co.id/kebijakan-privasi"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"name": "PT X"}, "sites.tokodemo.controller.contact"),
        ({"contact": "not an address"}, "sites.tokodemo.controller.contact"),
        ({"contact": "http://evil.example/x"}, "sites.tokodemo.controller.contact"),
        ({"contact": "javascript://x@y.co"}, "sites.tokodemo.controller.contact"),
        ({"contact": "javascript:alert(1)"}, "sites.tokodemo.controller.contact"),
        ({"contact": "mailto:a@b.co"}, "sites.tokodemo.controller.contact"),
        ({"contact": '"><script>@b.co'}, "sites.tokodemo.controller.contact"),
        ({"contact": "a@b.co", "address": "x" * 501}, "sites.tokodemo.controller.address"),
        ({"contact": "a@b.co", "phone": "1"}, "sites.tokodemo.controller.phone"),
        ({"contact": "a@b.co", "name": ""}, "sites.tokodemo.controller.name"),
        ("privasi@tokodemo.co.id", "sites.tokodemo.controller"),
    ],
)
def test_controller_errors_name_the_key(table: Any, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        site(controller=table)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"four": {"id": "a", "en": "b"}}, "sites.tokodemo.changes.four"),
        ({"0": {"id": "a", "en": "b"}}, "sites.tokodemo.changes.0"),
        ({"2": {"id": "a"}}, "sites.tokodemo.changes.2"),
        ({"2": "just text"}, "sites.tokodemo.changes.2"),
        ("text", "sites.tokodemo.changes"),
    ],
)
def test_change_errors_name_the_key(changes: Any, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        site(changes=changes)
    assert caught.value.key == key


def test_children_is_off_or_guardian() -> None:
    assert site().children == "off" and not site().needs_age_confirmation(["analytics"])
    guarded = site(children="guardian")
    assert guarded.needs_age_confirmation(["analytics"])
    assert not guarded.needs_age_confirmation([])
    with pytest.raises(ConfigError) as caught:
        site(children="yes")
    assert caught.value.key == "sites.tokodemo.children"


def test_changes_since_a_version_in_the_visitors_language() -> None:
    s = site(
        policy_version=4,
        changes={
            "2": {"id": "dua", "en": "two"},
            "3": {"id": "tiga", "en": "three"},
            "4": {"id": "empat", "en": "four"},
            "5": {"id": "lima", "en": "five"},
        },
    )
    assert changes_since(s, "id", 2) == [(3, "tiga"), (4, "empat")]
    assert changes_since(s, "en", 0) == [(2, "two"), (3, "three"), (4, "four")]


def test_change_text_controller_and_age_question_are_part_of_the_hash() -> None:
    base = site(policy_version=4, changes={"4": {"id": "a", "en": "a"}})
    hashes = {
        notice_hash(s, "id", banner_texts(s, "id"))
        for s in (
            base,
            site(policy_version=4, changes={"4": {"id": "b", "en": "a"}}),
            site(policy_version=4, changes={"4": {"id": "a", "en": "a"}}, children="guardian"),
            site(
                policy_version=4,
                changes={"4": {"id": "a", "en": "a"}},
                controller={"contact": "x@y.co"},
            ),
        )
    }
    assert len(hashes) == 4


def test_check_config_warns_of_a_raised_policy_without_change_text() -> None:
    config = make_config("sqlite://", policy_version=3)
    assert (
        "sites.tokodemo.changes: policy_version 3 has no change text" in config_warnings(config)[0]
    )
    written = make_config("sqlite://", policy_version=3, changes={"3": {"id": "a", "en": "b"}})
    assert config_warnings(written) == []
    assert config_warnings(make_config("sqlite://", policy_version=1)) == []


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("Asia/Jakarta", "id", "1 Des 2026 21.05.00 WIB"),
        ("Asia/Jakarta", "en", "Dec 1, 2026, 9:05:00\u202fPM WIB"),
        ("Asia/Makassar", "id", "1 Des 2026 22.05.00 WITA"),
        ("Asia/Jayapura", "id", "1 Des 2026 23.05.00 WIT"),
        ("Europe/Amsterdam", "en", "Dec 1, 2026, 3:05:00\u202fPM GMT+01:00"),
    ],
)
def test_times_for_people_in_the_sites_zone(zone: str, language: str, expected: str) -> None:
    moment = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)
    assert local_time(moment, zone, language).replace(" PM", "\u202fPM") == expected
