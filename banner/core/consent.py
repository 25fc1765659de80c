"""The consent model: categories, decisions and what a decision means.

Pure core: imports only the standard library, so it can run inside any
backend that checks consent.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

ESSENTIAL = "essential"
#: The categories every site has, in the order visitors see them.
BUILTIN_CATEGORIES: tuple[str, ...] = (ESSENTIAL, "functional", "analytics", "preference")

#: A category id a site may declare: lower-case letters, digits, ``_`` and ``-``.
CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
#: Consent ids are random, URL-safe and long enough not to be guessed.
CONSENT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: A client's key for one decision (issue 26): 16-128 random URL-safe characters,
#: chosen afresh per decision and reused only to retry that same decision.
RETRY_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")

LANGUAGES: tuple[str, ...] = ("id", "en")


class Action(enum.StrEnum):
    """What a logged decision did, as the consent log records it."""

    ACCEPT = "accept"
    REJECT = "reject"
    CUSTOM = "custom"
    CHANGE = "change"
    WITHDRAW = "withdraw"
    GPC = "gpc"
    #: a device took the choice its signed-in person made elsewhere (issue 25)
    SYNC = "sync"


class Source(enum.StrEnum):
    """Where a decision was made."""

    BANNER = "banner"
    #: the button on a blocked embed's placeholder ("Allow <category> and load")
    PLACEHOLDER = "placeholder"
    PREFERENCES = "preferences"
    API = "api"


def new_retry_key() -> str:
    """A fresh retry key (192 random bits, 32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def retry_key_hash(key: str | None) -> str:
    """What the consent log keeps of a retry key: its SHA-256 in hex, ``""`` for none."""
    return hashlib.sha256(key.encode()).hexdigest() if key else ""


def retry_proven(key: str | None, stored_hash: str) -> bool:
    """True when ``key`` is the retry key whose hash a row stored (never for none)."""
    return bool(key and stored_hash) and hmac.compare_digest(retry_key_hash(key), stored_hash)


def refuses_all(granted: Iterable[str]) -> bool:
    """True when ``granted`` holds nothing beyond essential (a refusal or a withdrawal).

    Such a decision needs no notice to be lawful, so it is recorded even when the
    notice it was made on has since been replaced: a withdrawal is never dropped.
    """
    return all(category == ESSENTIAL for category in granted)


def new_consent_id() -> str:
    """Return a fresh random consent id: 128 bits as 32 hex digits.

    Hex like the loader's own ids, and never starting with ``-``, so an id
    pastes into ``banner log show`` without being taken for an option.
    """
    return secrets.token_hex(16)


def optional_categories(categories: Iterable[str]) -> tuple[str, ...]:
    """The categories a visitor may switch, in declaration order."""
    return tuple(c for c in categories if c != ESSENTIAL)


@dataclass(frozen=True, slots=True)
class Choice:
    """One visitor's choice for one site: the optional categories granted.

    ``granted`` never holds ``essential``; it is always on and not a choice.
    """

    granted: frozenset[str]
    offered: tuple[str, ...]

    @classmethod
    def of(cls, granted: Iterable[str], offered: Iterable[str]) -> Choice:
        """Build a choice, dropping ``essential`` and keeping ``offered``'s order."""
        options = optional_categories(offered)
        return cls(frozenset(g for g in granted if g != ESSENTIAL), options)

    @property
    def denied(self) -> tuple[str, ...]:
        return tuple(c for c in self.offered if c not in self.granted)

    def granted_list(self) -> list[str]:
        """Granted categories in the site's order (stable for tokens and logs)."""
        return [c for c in self.offered if c in self.granted]

    def action(self, previous: Choice | None, gpc: bool = False) -> Action:
        """Name the decision this choice makes after ``previous``.

        A first decision is accept, reject or custom (``gpc`` when the browser's
        Global Privacy Control signal made a reject); later ones are change,
        or withdraw when a visitor who had granted something grants nothing.
        """
        if previous is not None:
            if not self.granted and previous.granted:
                return Action.WITHDRAW
            return Action.CHANGE
        if not self.granted:
            return Action.GPC if gpc else Action.REJECT
        if not self.denied:
            return Action.ACCEPT
        return Action.CUSTOM
