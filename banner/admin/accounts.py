"""Dashboard accounts: names, scrypt password hashes and the sites each may see.

Passwords are hashed with werkzeug's scrypt (``generate_password_hash(method=
"scrypt")``): a memory-hard KDF from the standard library's ``hashlib``,
salted per hash, already installed with Flask, so no new dependency to keep.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash

from banner.admin.reading import reader
from banner.log.schema import admin_sessions, admin_users
from banner.log.store import ConsentLog, as_utc, translate_error

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
#: Password checks running at once in this process, and how long a login waits its turn.
#: scrypt takes ~16 MB and tens of milliseconds of a core per check; on a small
#: machine a burst of logins (each one allowed by the limits, from many networks)
#: would otherwise take every core from the threads that record consent. One at a
#: time leaves the other cores to them; a login past the wait is answered 429.
HASHING = threading.BoundedSemaphore(1)
HASH_WAIT_SECONDS = 10.0
#: Checked against when the name is unknown, so both cases take as long.
_DUMMY_HASH = generate_password_hash("banner-no-such-account", method="scrypt")


class AccountError(ValueError):
    """A name, password or site list the account commands refuse."""


class HashingBusy(Exception):
    """Every password-check slot stayed busy for :data:`HASH_WAIT_SECONDS`."""


@dataclass(frozen=True, slots=True)
class Account:
    user_id: int
    name: str
    sites: tuple[str, ...]
    created_at: datetime
    #: changes with the password hash, so a session ends with a new password or account
    stamp: str

    def may_see(self, site: str) -> bool:
        """An account without a site list sees every site."""
        return not self.sites or site in self.sites


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise AccountError(
            "a name is 1-64 letters, digits or _.@- and starts with one of the first two"
        )
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def _account(row: sa.Row[object]) -> Account:
    sites = tuple(str(row.sites).split())
    stamp = hashlib.sha256(str(row.password_hash).encode()).hexdigest()[:16]
    return Account(int(row.user_id), str(row.name), sites, as_utc(row.created_at), stamp)


def create_user(log: ConsentLog, name: str, password: str, sites: tuple[str, ...] = ()) -> Account:
    """Store a new account.

    :raises AccountError: for a bad name or password, or a name already taken.
    :raises banner.log.store.StoreUnavailable: when it could not be committed.
    """
    values = {
        "name": check_name(name),
        "password_hash": generate_password_hash(check_password(password), method="scrypt"),
        "sites": " ".join(sites),
        "created_at": datetime.now(UTC),
    }
    try:
        with log.engine.begin() as conn:
            conn.execute(admin_users.insert().values(**values))
    except IntegrityError:
        raise AccountError(f"an account named {name!r} exists already") from None
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    found = find_user(log, name)
    assert found is not None
    return found


def delete_user(log: ConsentLog, name: str) -> bool:
    """Remove an account; ``False`` when there was none. Its sessions end with it."""
    try:
        with log.engine.begin() as conn:
            gone = sa.select(admin_users.c.user_id).where(admin_users.c.name == name)
            conn.execute(admin_sessions.delete().where(admin_sessions.c.user_id.in_(gone)))
            result = conn.execute(admin_users.delete().where(admin_users.c.name == name))
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    return bool(result.rowcount)


def _select(query: sa.Select[tuple[object, ...]], log: ConsentLog) -> list[Account]:
    try:
        with reader(log).connect() as conn:
            return [_account(row) for row in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc


def list_users(log: ConsentLog) -> list[Account]:
    return _select(sa.select(admin_users).order_by(admin_users.c.name), log)


def find_user(log: ConsentLog, name: str) -> Account | None:
    found = _select(sa.select(admin_users).where(admin_users.c.name == name), log)
    return found[0] if found else None


def user_by_id(log: ConsentLog, user_id: int) -> Account | None:
    found = _select(sa.select(admin_users).where(admin_users.c.user_id == user_id), log)
    return found[0] if found else None


def has_users(log: ConsentLog) -> bool:
    try:
        with reader(log).connect() as conn:
            return conn.execute(sa.select(admin_users.c.user_id).limit(1)).first() is not None
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc


def authenticate(log: ConsentLog, name: str, password: str) -> Account | None:
    """The account when ``password`` is its own, else ``None`` (same work either way)."""
    query = sa.select(admin_users.c.user_id, admin_users.c.password_hash).where(
        admin_users.c.name == name
    )
    try:
        with reader(log).connect() as conn:
            row = conn.execute(query).first()
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    stored = str(row.password_hash) if row else _DUMMY_HASH
    if not HASHING.acquire(timeout=HASH_WAIT_SECONDS):
        raise HashingBusy()
    try:
        right = check_password_hash(stored, password[:MAX_PASSWORD])
    finally:
        HASHING.release()
    if not right or row is None:
        return None
    return user_by_id(log, int(row.user_id))
