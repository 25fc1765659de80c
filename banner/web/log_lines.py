"""Log lines: one event, one line, control characters escaped, no raw IP.

Visitors control headers and paths; a CR, LF or ANSI escape in them must not
forge log lines or repaint an operator's terminal. gunicorn names the client
in its warnings about broken requests (``Invalid request from ip=...``), and
may quote a header holding an address: those addresses are masked to their
network, as in the consent log.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
from typing import Any

from banner.core.visitor import mask_ip

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def escape(text: str) -> str:
    """Escape every non-printable character (CR, LF, ESC, ...) as ``\\xNN``."""
    if text.isprintable():  # nearly every line: one check in C, not one per character
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


#: The colour codes (SGR) werkzeug's development server puts around status codes.
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class OneLineFormatter(logging.Formatter):
    """A formatter whose every record is exactly one escaped line.

    The development server's own colours are dropped rather than escaped
    (they printed as ``\\x1b[31m``); any other control character stays escaped.
    """

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if record.name == "werkzeug":
            line = _COLOUR.sub("", line)
        return escape(line)


#: Anything that may be an IPv4 or IPv6 address; :mod:`ipaddress` decides.
_ADDRESS = re.compile(r"[0-9A-Fa-f]*:[0-9A-Fa-f:.]*[0-9A-Fa-f]|\d{1,3}(?:\.\d{1,3}){3}")


def _masked(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_address(match.group())
    except ValueError:
        return match.group()
    return mask_ip(match.group())


def mask_addresses(text: str) -> str:
    """``text`` with every IP address replaced by its masked network (/24, /48)."""
    return _ADDRESS.sub(_masked, text)


class AddressMasker(logging.Filter):
    """Masks the addresses in warnings and errors: those are about requests.

    Informational lines (``Listening at: http://127.0.0.1:8000``) name the
    server's own address and are left as they are.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            record.msg = mask_addresses(record.getMessage())
            record.args = None
        return True


def configure() -> None:
    """Send banner's logs to stderr through :class:`OneLineFormatter`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def gunicorn_logconfig() -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: error and access logs through the same formatter."""
    stream = {
        "class": "logging.StreamHandler",
        "formatter": "one_line",
        "stream": "ext://sys.stderr",
        "filters": ["addresses"],
    }
    access = {**stream, "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"one_line": {"()": OneLineFormatter, "format": FORMAT}},
        "filters": {"addresses": {"()": AddressMasker}},
        "handlers": {"error": stream, "access": access},
        "root": {"level": "INFO", "handlers": ["error"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
