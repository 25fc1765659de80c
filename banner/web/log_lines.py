"""Log lines: one event, one line, control characters escaped, no raw IP.

Visitors control headers and paths; a CR, LF or ANSI escape in them must not
forge log lines or repaint an operator's terminal.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def escape(text: str) -> str:
    """Escape every non-printable character (CR, LF, ESC, ...) as ``\\xNN``."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class OneLineFormatter(logging.Formatter):
    """A formatter whose every record is exactly one escaped line."""

    def format(self, record: logging.LogRecord) -> str:
        return escape(super().format(record))


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
    }
    access = {**stream, "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"one_line": {"()": OneLineFormatter, "format": FORMAT}},
        "handlers": {"error": stream, "access": access},
        "root": {"level": "INFO", "handlers": ["error"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
