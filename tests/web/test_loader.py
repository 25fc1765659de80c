"""The loader routes: the same bytes as the pure functions, cached with ETags."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from banner.core.config import BannerConfig
from banner.core.notice import site_notices
from banner.core.texts import banner_texts
from banner.resources import resource_dir
from banner.web.gate_file import (
    SETTINGS_SENTINEL,
    UI_SENTINEL,
    gate_settings,
    loader_bytes,
    script_json,
    static_text,
)
from banner.web.site_files import (
    MORE_SENTINEL,
    WORDS_SENTINEL,
    chunk_files,
    more_data,
    site_files,
    ui_bytes,
    ui_data,
    words_data,
)
from tests.factories import make_config

BASE = "http://localhost/"
ROUTES = ("/s/tokodemo/loader.js", "/s/tokodemo/ui.js", "/s/tokodemo/ui.css")


@pytest.mark.parametrize(
    ("route", "mimetype"),
    [
        ("/s/tokodemo/loader.js", "text/javascript"),
        ("/s/tokodemo/ui.js", "text/javascript"),
        ("/s/tokodemo/ui.css", "text/css"),
    ],
)
def test_assets_are_cacheable(client: FlaskClient, route: str, mimetype: str) -> None:
    response = client.get(route)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.mimetype_params == {"charset": "utf-8"}
    assert response.headers["ETag"]
    assert response.cache_control.public or response.cache_control.no_cache
    assert "Accept-Encoding" in response.vary
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("route", ROUTES)
def test_matching_etag_answers_304(client: FlaskClient, route: str) -> None:
    etag = client.get(route).headers["ETag"]
    again = client.get(route, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("{etag}", 304),
        ("W/{etag}", 304),
        ('"other", {etag}', 304),
        ("*", 304),
        ('"other"', 200),
        ("{etag_plain}", 200),
        ("", 200),
    ],
)
def test_if_none_match_forms(client: FlaskClient, if_none_match: str, status: int) -> None:
    """Weak comparison, lists and ``*``; the plain variant's tag does not match the gzip one."""
    route = "/s/tokodemo/loader.js"
    zipped = {"Accept-Encoding": "gzip"}
    etag = client.get(route, headers=zipped).headers["ETag"]
    etag_plain = client.get(route).headers["ETag"]
    header = if_none_match.format(etag=etag, etag_plain=etag_plain)
    again = client.get(route, headers={**zipped, "If-None-Match": header})
    assert again.status_code == status
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert (again.data == b"") == (status == 304)


@pytest.mark.parametrize("route", ROUTES)
def test_gzip_variant_has_its_own_etag(client: FlaskClient, route: str) -> None:
    plain = client.get(route)
    zipped = client.get(route, headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]


@pytest.mark.parametrize(
    "route", ["/s/nosuchsite/loader.js", "/s/nosuchsite/ui.js", "/s/nosuchsite/ui.css"]
)
def test_unknown_site_is_404(client: FlaskClient, route: str) -> None:
    assert client.get(route).status_code == 404


def test_served_bytes_are_the_pure_functions(client: FlaskClient, config: BannerConfig) -> None:
    site = config.sites["tokodemo"]
    files = site_files(site, BASE)
    assert client.get("/s/tokodemo/loader.js").data == files.files["loader.js"]
    assert client.get("/s/tokodemo/ui.js").data == ui_bytes(site)
    assert client.get(f"/s/tokodemo/{files.ui_name}").data == ui_bytes(site)


def test_gate_carries_the_site_settings_once(config: BannerConfig) -> None:
    site = config.sites["tokodemo"]
    body = loader_bytes(site, BASE).decode()
    assert body.count(script_json(gate_settings(site, BASE), sort_keys=False)) == 1
    assert SETTINGS_SENTINEL not in body
    settings = gate_settings(site, BASE)
    assert (settings["site"], settings["v"], settings["days"]) == ("tokodemo", 3, 180)
    assert settings["api"] == BASE
    kinds = ["consent_mode", "ga4", "meta_pixel", "referral"]
    assert [t["kind"] for t in settings["trackers"]] == kinds
    assert settings["trackers"][1] == {"kind": "ga4", "category": "analytics", "id": "G-ABC123XYZ9"}


def test_policy_version_changes_the_etag(client: FlaskClient, tmp_path: Path) -> None:
    from banner.web.app import create_app

    raised = create_app(make_config(f"sqlite:///{tmp_path / 'raised.db'}", policy_version=4))
    before = client.get("/s/tokodemo/loader.js").headers["ETag"]
    after = raised.test_client().get("/s/tokodemo/loader.js").headers["ETag"]
    raised.extensions["banner"].log.dispose()
    assert before != after


def test_ui_carries_the_default_language_and_each_language_is_a_chunk(
    config: BannerConfig,
) -> None:
    site = config.sites["tokodemo"]
    data = ui_data(site)
    assert set(data) == {"theme", "id"}  # the site's default language only
    assert data["id"]["t"]["accept_all"] == "Terima semua"
    assert data["id"]["privacy"] == "https://www.tokodemo.co.id/kebijakan-privasi"
    assert "localhost" not in json.dumps(data)  # no address of the service: it is served anywhere
    notices = site_notices(site, banner_texts)
    chunks = chunk_files(site, notices)
    for lang in ("id", "en"):
        head, _, tail = static_text("words.js").partition(WORDS_SENTINEL)
        words = json.loads(chunks[f"{lang}.js"].decode().removeprefix(head).removesuffix(tail))
        assert words == words_data(lang, notices) and set(words) == {lang}
    assert words["en"]["t"]["reject_all"] == "Reject all"
    sent = {"notice_hash": notices["en"].hash, "policy_version": site.policy_version}
    assert words["en"]["s"] == sent  # what a decision sends of the notice drawn


def test_words_of_a_language_not_in_the_first_layer_rename_every_ui_file(
    config: BannerConfig,
) -> None:
    """An English-only wording change gives new names: no cached English chunk outlives it."""
    site = config.sites["tokodemo"]
    notices = site_notices(site, banner_texts)
    english = notices["en"]
    words = {**english.document, "t": {**english.document["t"], "reject_all": "Refuse all"}}
    edited = {**notices, "en": replace(english, document=words, hash="f" * 64)}
    before = site_files(site, "http://localhost", notices)
    after = site_files(site, "http://localhost", edited)
    assert before.files[before.ui_name] == after.files[after.ui_name]  # the first layer is the same
    assert before.ui != after.ui
    assert b"Refuse all" in after.files[f"ui.{after.ui}.en.js"]
    assert after.files["loader.js"] != before.files["loader.js"]  # the gate names the new files


@pytest.mark.parametrize(
    "tail",
    ["xx.js", "EN.js", "en.js.map", "en.css", "en%00.js", "..%2fen.js", "en.js%20", "%ff.js"],
)
def test_a_words_chunk_of_no_language_is_404(
    client: FlaskClient, config: BannerConfig, tail: str
) -> None:
    named, outdated = site_files(config.sites["tokodemo"], "http://localhost").ui, "0" * 16
    assert client.get(f"/s/tokodemo/ui.{named}.en.js").status_code == 200
    stale = client.get(f"/s/tokodemo/ui.{outdated}.en.js")  # a tab holding an older gate
    assert stale.status_code == 307 and stale.headers["Location"] == f"ui.{named}.en.js"
    for digest in (named, outdated):
        assert client.get(f"/s/tokodemo/ui.{digest}.{tail}").status_code == 404


@pytest.mark.parametrize(
    "tail",
    ["extra.js.map", "extra.map", "EXTRA.js", "extra%00.js", "..%2fextra.js", "extra.js%20",
     "extra.en.js", "extras.js", "extra.html"],
)  # fmt: skip
def test_the_extra_chunk_answers_under_its_names_only(
    client: FlaskClient, config: BannerConfig, tail: str
) -> None:
    """The on-demand chunk (status, change notice, age box) is served as the UI set's
    other files are: its script and stylesheet under the current hash, an outdated hash
    sent on to the current file, and every other name 404."""
    named, outdated = site_files(config.sites["tokodemo"], "http://localhost").ui, "0" * 16
    for kind in ("js", "css"):
        answer = client.get(f"/s/tokodemo/ui.{named}.extra.{kind}")
        assert answer.status_code == 200 and answer.data
        stale = client.get(f"/s/tokodemo/ui.{outdated}.extra.{kind}")
        assert stale.status_code == 307 and stale.headers["Location"] == f"ui.{named}.extra.{kind}"
    assert b"__BANNER_" not in client.get(f"/s/tokodemo/ui.{named}.extra.js").data  # filled
    for digest in (named, outdated):
        assert client.get(f"/s/tokodemo/ui.{digest}.{tail}").status_code == 404


def test_the_second_layer_comes_apart_with_both_languages(config: BannerConfig) -> None:
    """Categories and the texts only the dialog draws are in more.js, not in the first layer."""
    notices = site_notices(config.sites["tokodemo"], banner_texts)
    first = {lang: words_data(lang, notices)[lang] for lang in ("id", "en")}
    data = more_data(config.sites["tokodemo"])
    assert [c["id"] for c in data["id"]["c"]] == [
        "essential",
        "functional",
        "analytics",
        "preference",
    ]
    analytics = data["en"]["c"][2]
    assert analytics["cookies"] == [["_ga", "Google", "2 years", "Distinguishes visitors"]]
    assert data["id"]["t"]["save"] == "Simpan pilihan"
    for lang in ("id", "en"):
        assert "c" not in first[lang] and "e" not in first[lang]
        assert not set(first[lang]["t"]) & set(data[lang]["t"])
    assert "localhost" not in json.dumps(data)


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("</script><script>alert(1)</script>", "\\u003c/script\\u003e"),
        ("a & b", "a \\u0026 b"),
        ("<!--", "\\u003c!--"),
        ("line\u2028break", "line\\u2028break"),
        ("para\u2029graph", "para\\u2029graph"),
        ('quote " and \\', 'quote \\" and \\\\'),
        ("Kebijakan privasi ✓", "Kebijakan privasi ✓"),
    ],
)
def test_script_json_escapes_what_could_end_a_script(value: str, escaped: str) -> None:
    text = script_json({"v": value}, sort_keys=False)
    assert escaped in text
    assert not any(ch in text for ch in "<>&\u2028\u2029")
    assert json.loads(text) == {"v": value}


def test_site_texts_cannot_break_out_of_the_ui_script(tmp_path: Path) -> None:
    hostile = "</script><script>alert(1)</script>\u2028"
    texts = {"id": {"banner_title": hostile}, "en": {"banner_body": hostile}}
    config = make_config(f"sqlite:///{tmp_path / 'x.db'}", texts=texts)
    body = ui_bytes(config.sites["tokodemo"]).decode()
    assert "</script" not in body
    assert "\u2028" not in body
    assert UI_SENTINEL not in body


@pytest.mark.parametrize(
    ("name", "sentinel"),
    [
        ("gate.js", SETTINGS_SENTINEL),
        ("ui.js", UI_SENTINEL),
        ("more.js", MORE_SENTINEL),
        ("words.js", WORDS_SENTINEL),
    ],
)
def test_shipped_scripts_hold_their_sentinel_once(name: str, sentinel: str) -> None:
    assert static_text(name).count(sentinel) == 1
    assert "eval(" not in static_text(name)


def test_served_assets_are_built_from_the_current_sources() -> None:
    sources = resource_dir("static") / "src"
    for line in (sources / "built.sha256").read_text().splitlines():
        digest, name = line.split()
        current = hashlib.sha256((sources / name).read_bytes()).hexdigest()
        assert current == digest, f"static/src/{name} changed: run static/src/build.sh"


def _keys(data: object) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for value in data.values() for k in _keys(value)}
    if isinstance(data, list):
        return {k for value in data for k in _keys(value)}
    return set()


def test_shortened_names_are_distinct_and_meet_no_name_of_the_data(config: BannerConfig) -> None:
    """The build shortens the listed internal names (static/src/build.sh) through one map.

    Each gets a short name of its own, every listed name is in the committed map (so the
    files built at different times agree), and no short name is a key of what the
    service writes into the files or of a consent token's payload.
    """
    sources = resource_dir("static") / "src"
    props = json.loads((sources / "props.json").read_text())["props"]["props"]
    short = list(props.values())
    assert len(set(short)) == len(short)
    build = (sources / "build.sh").read_text()
    listed = build.split('internal="', 1)[1].split('"', 1)[0].split("|")
    assert {f"${name}" for name in listed} <= set(props)
    site = config.sites["tokodemo"]
    notices = site_notices(site, banner_texts)
    written = _keys(gate_settings(site, BASE)) | _keys(ui_data(site, notices))
    written |= _keys(more_data(site, notices)) | _keys(words_data("en", notices))
    token_payload = {"s", "v", "g", "t", "i"}
    assert not set(short) & (written | token_payload)
