"""The server-side tracker gate: an event leaves only with the visitor's consent.

Sites send events from their servers too (GA4 Measurement Protocol, Meta
Conversions API, affiliate postbacks). The gate runs such a call only when
the visitor's consent covers its category, and otherwise drops it::

    gate = TrackerGate()

    gate.run(consent, "analytics", lambda: post_to_ga4(order), event="ga4_purchase")

    @gate.event("analytics")
    def meta_purchase(order: Order) -> None: ...

    meta_purchase(consent, order)   # the gated function takes the consent first

Dropped and sent events are counted per event name and category, and each
drop is logged on the ``banner.gate`` logger with the event name, category and
why, never with a consent id, payload or anything else about the visitor.
Event names are labels chosen by the developer, checked to be short
identifiers so visitor data cannot slip into logs through them.

Pure core: standard library and :mod:`banner.check`.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from banner.check.checker import covers
from banner.core.subject import SubjectConsent
from banner.core.token import ConsentToken

P = ParamSpec("P")
T = TypeVar("T")

#: A label for a kind of event, such as ``ga4_purchase``.
EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,63}$")

gate_logger = logging.getLogger("banner.gate")

#: What the gate takes as consent: a visitor's verified token, or a signed-in
#: subject's current choice (``banner.subject_consent``), or ``None`` for none.
Consent = ConsentToken | SubjectConsent | None
#: A sending function once gated: it takes the visitor's consent first.
Gated = Callable[Concatenate[Consent, P], T | None]
#: (event name, category) -> how many
Counts = dict[tuple[str, str], int]


def _event_name(name: str) -> str:
    if not EVENT_NAME.fullmatch(name):
        raise ValueError(f"event name {name!r} must be a short identifier like 'ga4_purchase'")
    return name


class TrackerGate:
    """Runs server-side event calls only when consent covers their category.

    :param logger: where drops are logged (``banner.gate`` by default).

    One gate is meant to live as long as the process; it is safe to share
    between threads.
    """

    def __init__(self, logger: logging.Logger = gate_logger) -> None:
        self._logger = logger
        self._sent: Counter[tuple[str, str]] = Counter()
        self._dropped: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    @property
    def sent(self) -> Counts:
        """Events that were sent, per (event name, category)."""
        with self._lock:
            return dict(self._sent)

    @property
    def dropped(self) -> Counts:
        """Events that were dropped for lack of consent, per (event name, category)."""
        with self._lock:
            return dict(self._dropped)

    def run(
        self, consent: Consent, category: str, call: Callable[[], T], *, event: str
    ) -> T | None:
        """Run ``call`` if ``consent`` covers ``category``; otherwise drop it.

        :param consent: the visitor's verified consent, or a subject's current
            choice (:func:`banner.subject_consent`), ``None`` for none.
        :param category: the category the event needs, such as ``analytics``.
        :param call: sends the event; it is not called when the event is dropped.
        :param event: a short label counted and logged, such as ``ga4_purchase``.
        :returns: what ``call`` returned, or ``None`` when the event was dropped.
        :raises ValueError: when ``event`` is not a short identifier.

        Errors raised by ``call`` propagate and the event is not counted as sent.
        """
        key = (_event_name(event), category)
        if not covers(consent, category):
            self._drop(key, "no consent" if consent is None else "category not granted")
            return None
        result = call()
        with self._lock:
            self._sent[key] += 1
        return result

    def _drop(self, key: tuple[str, str], why: str) -> None:
        with self._lock:
            self._dropped[key] += 1
        self._logger.info("dropped server-side event %s (%s): %s", key[0], key[1], why)

    def event(
        self, category: str, name: str | None = None
    ) -> Callable[[Callable[P, T]], Gated[P, T]]:
        """Decorate a function that sends an event; it then takes the consent first.

        :param category: the category the event needs.
        :param name: the event label; the function's name by default.
        :raises ValueError: when the label is not a short identifier.
        """

        def decorate(
            send: Callable[P, T],
        ) -> Callable[Concatenate[Consent, P], T | None]:
            label = _event_name(name or send.__name__)

            @functools.wraps(send)
            def gated(consent: Consent, /, *args: P.args, **kwargs: P.kwargs) -> T | None:
                return self.run(consent, category, lambda: send(*args, **kwargs), event=label)

            return gated

        return decorate
