"""What the consent log may keep about a visitor: a masked IP, a short user agent.

The raw address never reaches the database or a log line.
"""

from __future__ import annotations

import functools
import ipaddress

USER_AGENT_MAX = 200


#: IPv6 ranges whose last 32 bits are an IPv4 address: IPv4-translated
#: (RFC 2765), NAT64's well-known prefix (RFC 6052) and IPv4-compatible (RFC 4291).
_LOW_32_BITS_IPV4 = (
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::/96"),
)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The visitor's IPv4 address carried inside an IPv6 one, if any.

    IPv4-mapped (``::ffff:a.b.c.d``), 6to4 (``2002::/16``: bits 16-47, inside
    a /48), Teredo (``2001::/32``: the client's address, obfuscated, in the
    last 32 bits), NAT64 and the other forms of :data:`_LOW_32_BITS_IPV4`.
    Such an address is masked as the IPv4 address it carries, so a /48 never
    keeps a whole IPv4 address (issue 26).
    """
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.IPv6Network("::/127"):  # the unspecified and loopback addresses
        return None
    if any(ip in network for network in _LOW_32_BITS_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


#: Distinct addresses and user agents remembered per process (both are pure functions).
CACHE_SIZE = 4096


@functools.lru_cache(maxsize=CACHE_SIZE)
def mask_ip(address: str | None) -> str:
    """Mask an address to its network: IPv4 to /24, IPv6 to /48.

    An IPv6 address carrying an IPv4 one (:func:`embedded_ipv4`) is masked
    as that IPv4 address, to /24. Anything that is not an address becomes ``""``.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = embedded_ipv4(ip) or ip
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_address(
    remote_addr: str | None, forwarded_for: str | None, proxy_count: int
) -> str | None:
    """The client address, trusting ``X-Forwarded-For`` only through ``proxy_count`` proxies.

    Each trusted proxy appends the address it saw, so the client is the entry
    ``proxy_count`` places from the right; a spoofed header cannot move it.
    """
    if proxy_count <= 0 or not forwarded_for:
        return remote_addr
    hops = [h.strip() for h in forwarded_for.split(",")]
    if len(hops) < proxy_count:
        return remote_addr
    return hops[-proxy_count]


@functools.lru_cache(maxsize=CACHE_SIZE)
def clean_text(value: str | None, limit: int = USER_AGENT_MAX) -> str:
    """Truncate and strip control characters (CR, LF, ESC...) from a header value."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in (value or "")[:limit])
    return text
