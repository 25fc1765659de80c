"""What the consent log may keep about a visitor: a masked IP, a short user agent.

The raw address never reaches the database or a log line.
"""

from __future__ import annotations

import ipaddress

USER_AGENT_MAX = 200


def mask_ip(address: str | None) -> str:
    """Mask an address to its network: IPv4 to /24, IPv6 to /48.

    Anything that is not an address becomes ``""``.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
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


def clean_text(value: str | None, limit: int = USER_AGENT_MAX) -> str:
    """Truncate and strip control characters (CR, LF, ESC...) from a header value."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in (value or "")[:limit])
    return text
