"""Which links the scanner follows, and how ``--route`` values are read."""

from __future__ import annotations

import pytest

from banner.scan.crawl import BadStartURL, Frontier, followable, normalise, start_url
from banner.scan.routes import BLOCK, DIRECT, BadRoute, Routes

ORIGIN = "https://www.toko.co.id"


@pytest.mark.parametrize(
    ("url", "follow"),
    [
        ("https://www.toko.co.id/produk", True),
        ("https://www.toko.co.id/produk-keluaran-terbaru", True),
        ("https://www.toko.co.id/?ref=mitra", True),
        ("https://www.toko.co.id/logout", False),
        ("https://www.toko.co.id/akun/log-out?next=/", False),
        ("https://www.toko.co.id/user_logout", False),
        ("https://www.toko.co.id/keluar", False),
        ("https://www.toko.co.id/signout", False),
        ("https://www.toko.co.id/?action=logout", False),
        ("https://www.toko.co.id/files/harga.PDF", False),
        ("https://www.toko.co.id/app.apk", False),
        ("https://www.toko.co.id/foto.jpg", False),
        ("https://toko.co.id/produk", False),
        ("http://www.toko.co.id/produk", False),
        ("https://www.toko.co.id:8443/produk", False),
        ("https://evil.example/https://www.toko.co.id/", False),
        ("https://www.toko.co.id/" + "a" * 3000, False),
    ],
)
def test_only_same_origin_pages_that_are_not_logout_or_downloads(url: str, follow: bool) -> None:
    assert followable(url, ORIGIN) is follow


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "mailto:a@b.c", "data:text/html,x", "//", "http://[::1", ""]
)
def test_links_that_are_not_pages_are_dropped(link: str) -> None:
    assert normalise(link) is None


def test_the_frontier_is_breadth_first_without_fragments_or_repeats_and_stops_at_the_cap() -> None:
    frontier = Frontier(f"{ORIGIN}/", 3)
    assert frontier.next(0) == f"{ORIGIN}/"
    frontier.add([f"{ORIGIN}/a#x", f"{ORIGIN}/a", f"{ORIGIN}/b", "https://other.example/"])
    assert frontier.found == [f"{ORIGIN}/", f"{ORIGIN}/a", f"{ORIGIN}/b"]
    assert frontier.next(1) == f"{ORIGIN}/a"
    frontier.add([f"{ORIGIN}/a/deeper", f"{ORIGIN}/"])
    assert frontier.next(2) == f"{ORIGIN}/b"
    assert frontier.next(3) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://toko.co.id/",
        "toko.co.id",
        "https://",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://toko.co.id/" + "a" * 3000,
    ],
)
def test_a_start_url_must_be_http(url: str) -> None:
    with pytest.raises(BadStartURL):
        start_url(url)


def test_a_start_url_loses_its_fragment() -> None:
    assert start_url(" https://WWW.Toko.co.id#top ") == "https://www.toko.co.id/"


def test_routes_send_hosts_to_fakes_block_or_leave_them() -> None:
    routes = Routes.parse(["*=block", "facebook.net=http://127.0.0.1:9000/", "127.0.0.1=direct"])
    assert routes.target("connect.facebook.net", "localhost") == "http://127.0.0.1:9000"
    assert routes.target("127.0.0.1", "localhost") == DIRECT
    assert routes.target("tracker.example", "localhost") == BLOCK
    assert routes.target("localhost", "localhost") == DIRECT
    assert Routes().target("anything.example", "localhost") == DIRECT
    rewritten = routes.rewrite("https://connect.facebook.net/tr?id=1#x", "http://127.0.0.1:9000")
    assert rewritten == "http://127.0.0.1:9000/tr?id=1"


@pytest.mark.parametrize(
    "value",
    [
        "facebook.com",
        "=block",
        "facebook.com=",
        "facebook.com=file:///etc/passwd",
        "facebook.com=http://127.0.0.1:9000/path",
        "face book.com=block",
        "*.facebook.com=block",
        "facebook.com=javascript:alert(1)",
        "a" * 300 + "=block",
    ],
)
def test_bad_routes_are_refused(value: str) -> None:
    with pytest.raises(BadRoute):
        Routes.parse([value])
