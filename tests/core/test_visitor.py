"""Masking keeps no whole IPv4 address, also when it rides inside IPv6 (issue 26, item 16).

Expected values are worked out from the RFCs by hand: 6to4 (RFC 3056) puts
the IPv4 address in bits 16-47, inside the /48 that IPv6 masking keeps;
Teredo (RFC 4380) puts the client's address, every bit inverted, in the last
32 bits; NAT64 (RFC 6052), IPv4-mapped and -compatible (RFC 4291) and
IPv4-translated (RFC 2765) addresses end with it.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banner.core.visitor import mask_ip
from banner.web.log_lines import mask_addresses


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("2002:c000:0204::1", "192.0.2.0/24"),  # 6to4 of 192.0.2.4
        ("2002:cb00:7107:1:2:3:4:5", "203.0.113.0/24"),  # 6to4 of 203.0.113.7
        # RFC 4380 section 4's example: server 65.54.227.120, client 192.0.2.45
        ("2001:0000:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.0/24"),
        ("64:ff9b::192.0.2.33", "192.0.2.0/24"),  # NAT64 well-known prefix
        ("::ffff:198.51.100.7", "198.51.100.0/24"),  # IPv4-mapped
        ("::ffff:0:203.0.113.9", "203.0.113.0/24"),  # IPv4-translated
        ("::192.0.2.1", "192.0.2.0/24"),  # IPv4-compatible (deprecated)
        ("198.51.100.200", "198.51.100.0/24"),
        ("2001:db8:1:2::1", "2001:db8:1::/48"),
        ("::1", "::/48"),
        ("64:ff9b:1::c000:221", "64:ff9b:1::/48"),  # local-use NAT64: the IPv4 is past the /48
        ("not an address", ""),
        (None, ""),
    ],
)
def test_masking(address: str | None, masked: str) -> None:
    assert mask_ip(address) == masked


def _embeddings(v4: int) -> list[str]:
    """The IPv6 forms carrying the IPv4 address ``v4``, built bit by bit from the RFCs."""
    teredo_client = v4 ^ 0xFFFFFFFF
    values = [
        (0x2002 << 112) | (v4 << 80) | 1,
        (0x2001 << 112) | (0xC000_0201 << 64) | (0x8000_1234 << 32) | teredo_client,
        (0x0064_FF9B << 96) | v4,
        (0xFFFF << 32) | v4,
        (0xFFFF << 48) | v4,
    ]
    return [str(ipaddress.IPv6Address(v)) for v in values]


@given(st.integers(min_value=0x0100_0000, max_value=0xFFFF_FFFF))
def test_no_embedded_ipv4_address_survives_masking(v4: int) -> None:
    expected = f"{ipaddress.IPv4Address(v4 & 0xFFFF_FF00)}/24"
    assert {mask_ip(address) for address in _embeddings(v4)} == {expected}


def test_log_lines_mask_embedded_addresses_too() -> None:
    line = mask_addresses("Invalid request from ip=2002:c000:204::1 (bad header)")
    assert "192.0.2.0/24" in line and "c000:204" not in line
