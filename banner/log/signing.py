"""The consent log's signing key: Ed25519, apart from the keys that sign tokens.

The key comes from ``[banner] log_key_file`` (an Ed25519 private key in PEM,
made by ``banner keys new-log-key``). Without one (the demo, tests, a first
try), a key is generated once and kept in the database (``log_keys``), so
every instance and every restart signs with the same key. Such a key proves
nothing against whoever holds the database; the start-up log says so and
``docs/proof.md`` tells operators to configure a key file and publish heads.

The public half of every key that signs is recorded in ``log_keys`` by its
key id (first 16 hex digits of SHA-256 of the raw 32 bytes), so ``banner log
verify`` checks heads signed before a key change.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from banner.core.config import BannerConfig, ConfigError
from banner.log.schema import log_keys

ALGORITHM = "Ed25519"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def key_id(public_raw: bytes) -> str:
    """First 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class LogKey:
    """An Ed25519 private key that signs tree heads."""

    private: Ed25519PrivateKey
    #: where it came from: the key file's path, or ``"database"``
    origin: str

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(*_RAW)

    @property
    def key_id(self) -> str:
        return key_id(self.public_raw)

    def sign(self, message: bytes) -> str:
        """The standard base64 of the Ed25519 signature of ``message``."""
        return base64.b64encode(self.private.sign(message)).decode("ascii")

    def public_json(self) -> dict[str, str]:
        """``{"algorithm", "public_key", "key_id"}`` as ``GET /s/SITE/log/key`` serves it."""
        return {
            "algorithm": ALGORITHM,
            "public_key": base64.b64encode(self.public_raw).decode("ascii"),
            "key_id": self.key_id,
        }


def signature_valid(public_raw: bytes, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (standard base64) is ``public_raw``'s signature of ``message``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(public_raw).verify(raw, message)
    except (ValueError, InvalidSignature):
        return False
    return True


def new_pem() -> bytes:
    """A fresh Ed25519 private key in PKCS#8 PEM, unencrypted."""
    return _pem(Ed25519PrivateKey.generate())


def _pem(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def from_pem(data: bytes, origin: str) -> LogKey:
    """The key in ``data``; :class:`ValueError` when it is not an Ed25519 private key."""
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError("not an unencrypted PEM private key") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"a {type(private).__name__.removesuffix('PrivateKey')} key, not Ed25519")
    return LogKey(private, origin)


def log_key(config: BannerConfig, engine: Engine) -> LogKey:
    """The configured log key, else the one kept in the database; its public half recorded.

    :raises ConfigError: when ``log_key_file`` is not an Ed25519 private key in PEM.
    """
    key = _from_file(config) if config.log_key_file else _stored(engine)
    record_public(engine, key)
    return key


def _from_file(config: BannerConfig) -> LogKey:
    path = str(config.log_key_file)
    expected = "an Ed25519 private key in PEM (banner keys new-log-key --output FILE)"
    try:
        return from_pem(Path(path).read_bytes(), path)
    except OSError as exc:
        raise ConfigError(config.source, "banner.log_key_file", expected, path) from exc
    except ValueError as exc:
        raise ConfigError(
            config.source, "banner.log_key_file", expected, problem=f"{path}: {exc}"
        ) from exc


def _stored(engine: Engine) -> LogKey:
    """The database's generated key, made by the first instance that needs one."""
    query = (
        sa.select(log_keys.c.private_key)
        .where(log_keys.c.private_key.is_not(None))
        .order_by(log_keys.c.first_seen, log_keys.c.key_id)
        .limit(1)
    )
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            lock = sa.text("SELECT pg_advisory_xact_lock(:k)")
            conn.execute(lock, {"k": zlib.crc32(b"banner log key")})
        found = conn.execute(query).scalar()
        if found is not None:
            return from_pem(found.encode("ascii"), "database")
        key = LogKey(Ed25519PrivateKey.generate(), "database")
        conn.execute(
            log_keys.insert().values(**_public_row(key), private_key=_pem(key.private).decode())
        )
        return key


def _public_row(key: LogKey) -> dict[str, object]:
    public = key.public_json()["public_key"]
    return {"key_id": key.key_id, "public_key": public, "first_seen": datetime.now(UTC)}


def record_public(engine: Engine, key: LogKey) -> None:
    """Note ``key``'s public half in ``log_keys`` unless it is there."""
    with engine.begin() as conn:
        conn.execute(insert_missing(conn, log_keys).values(**_public_row(key)))


def insert_missing(conn: sa.Connection, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` into ``table`` (SQLite or PostgreSQL)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def public_keys(conn: sa.Connection) -> dict[str, bytes]:
    """Every recorded public key (raw bytes) by key id."""
    rows = conn.execute(sa.select(log_keys.c.key_id, log_keys.c.public_key))
    return {kid: base64.b64decode(public) for kid, public in rows}
