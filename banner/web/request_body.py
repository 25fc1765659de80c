"""Reading a request body: its cap, then (API) content type, JSON and field types.

:func:`cap_body` runs before every banner view: a body over the route's cap
is refused before a byte of it is read, a streamed (chunked) one is cut at
the cap, and a body the WSGI server cannot decode is a 400, never a 500;
it raises werkzeug's own 413 and 400, which each blueprint renders its way
(JSON on the API, a translated page on the pages). The parsing helpers raise
an :class:`~banner.web.errors.ApiError` naming what is wrong; nothing here
can raise anything else.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import g, request
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from banner.web.errors import BadBody, BadField, TooLarge, WrongContentType

#: The API's JSON bodies are a few hundred bytes.
MAX_BODY_BYTES = 8 * 1024
#: The preference form (a CSRF token, a consent token, a return address, switches).
MAX_FORM_BYTES = 64 * 1024
#: Methods whose body banner never reads; a declared one over the cap is still refused.
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


def cap_body(limit: int) -> None:
    """Apply ``limit`` to this request's body, reading it now (at most ``limit`` bytes).

    A declared ``Content-Length`` over the cap is refused at once, so a huge
    or never-sent body holds no worker. A streamed body is read through
    werkzeug's limit and cut at the cap. Reading errors of the WSGI server
    (gunicorn's invalid chunk sizes, the dev server's bad chunk headers, a
    client gone mid-body) become a 400.

    :raises RequestEntityTooLarge: the body is, or says it is, over ``limit``.
    :raises BadRequest: the body could not be read.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise RequestEntityTooLarge()
    # werkzeug cuts a streamed body at the maximum without a word; one byte
    # more tells a body at the cap from a longer one.
    request.max_content_length = limit + 1
    if request.method in BODYLESS:
        return
    try:
        data = request.get_data(cache=True)
    except HTTPException:
        raise
    except Exception:  # each WSGI server raises its own classes for a broken body
        raise BadRequest("the request body could not be read") from None
    if len(data) > limit:
        raise RequestEntityTooLarge()
    g.banner_body_read = True


def body_was_read() -> bool:
    """True when :func:`cap_body` read this request's body, so it may be parsed."""
    return bool(g.get("banner_body_read"))


#: ``text/plain`` lets the loader post without a CORS preflight; the Origin
#: check, not the content type, is what protects the API.
JSON_TYPES = ("application/json", "text/plain")


def parse_json_object(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """Decode a JSON object body.

    :raises TooLarge: over :data:`MAX_BODY_BYTES`.
    :raises WrongContentType: not JSON or text.
    :raises BadBody: empty, not UTF-8, not JSON, too deep, or not an object.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes")
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime not in JSON_TYPES:
        raise WrongContentType("send the body as application/json")
    if not raw.strip():
        raise BadBody("request body is empty; send a JSON object")
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadBody("request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise BadBody("request body must be a JSON object")
    return document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


#: C0 control characters and DEL.
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def clean_str(value: Any, field: str, max_length: int) -> str:
    """A string without NUL, lone surrogates or other control characters."""
    if not isinstance(value, str):
        raise BadField(f"{field} must be a string", field)
    if len(value) > max_length:
        raise BadField(f"{field} is longer than {max_length} characters", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadField(f"{field} contains a lone surrogate", field) from None
    if _CONTROL.search(value):
        raise BadField(f"{field} contains control characters", field)
    return value


def require(document: dict[str, Any], field: str) -> Any:
    if field not in document:
        raise BadField(f"{field} is required", field)
    return document[field]


def whole_number(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise BadField(f"{field} must be a whole number", field)
    return value


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise BadField(f"{field} must be true or false", field)
    return value


def string_list(value: Any, field: str, max_items: int) -> list[str]:
    if not isinstance(value, list) or len(value) > max_items:
        raise BadField(f"{field} must be a list of at most {max_items} strings", field)
    items = [clean_str(v, field, 40) for v in value]
    if len(set(items)) != len(items):
        raise BadField(f"{field} lists a category twice", field)
    return items


def reject_unknown(document: dict[str, Any], known: tuple[str, ...]) -> None:
    for key in document:
        if key not in known:
            shown = key if isinstance(key, str) and key.isprintable() else "?"
            raise BadField(f"unknown field {shown[:40]!r}", shown[:40])
