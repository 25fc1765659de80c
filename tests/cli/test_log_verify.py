"""``banner log verify``: every way of rewriting the database is caught, naming the index.

The log is seeded, signed, then tampered with as someone holding the
database would: an edited field, a deleted row, an inserted row, two rows
swapped, a changed notice, a replaced head. An untouched, a purged and a
migrated log verify.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from banner.cli.commands import main
from banner.core.config import load_config
from banner.core.notice import canonical_json, document_hash
from banner.log.notices import NoticeArchive
from banner.log.store import ConsentLog
from banner.log.tree_migration import number_existing_rows
from tests.log.seeding import decision, seed

Tamper = Callable[[sa.Connection], None]
NOTICE = {"language": "id", "texts": {"banner_title": "Kami menggunakan cookie"}}
NOTICE_HASH = document_hash(NOTICE)


@pytest.fixture
def store(config_file: Path) -> Iterator[ConsentLog]:
    log = ConsentLog(load_config(config_file, env={}).database_url)
    log.create_schema()
    NoticeArchive(log.engine).ensure(NOTICE_HASH, NOTICE)
    yield log
    log.dispose()


def run(cli: CliRunner, config_file: Path, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, ["log", *args, "--config", str(config_file)])
    return result.exit_code, result.output


def _seeded(
    cli: CliRunner, config_file: Path, store: ConsentLog, count: int = 12
) -> dict[str, object]:
    """``count`` decisions (the last ones use the archived notice), heads at 5 and ``count``."""
    with_notice = lambda n: decision(n, text_hash=NOTICE_HASH if n >= 7 else f"{n:064x}")  # noqa: E731
    seed(store, 5, make=with_notice)
    assert run(cli, config_file, "head", "--site", "tokodemo")[0] == 0
    seed(store, count - 5, start=5, make=with_notice)
    code, output = run(cli, config_file, "head", "--site", "tokodemo")
    assert code == 0
    return json.loads(output)


def _sql(text: str) -> Tamper:
    return lambda conn: conn.execute(sa.text(text)) and None


def _swap(conn: sa.Connection) -> None:
    conn.execute(sa.text("UPDATE consent_log SET log_index = -1 WHERE log_index = 2"))
    conn.execute(sa.text("UPDATE consent_log SET log_index = 2 WHERE log_index = 5"))
    conn.execute(sa.text("UPDATE consent_log SET log_index = 5 WHERE log_index = -1"))


def _insert(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO consent_log (consent_id, site, recorded_at, action, granted, denied,"
            " policy_version, language, text_hash, source, page_origin, page_path, gpc,"
            " ip_masked, user_agent, age_confirmed, log_index, leaf_hash)"
            " SELECT 'forged-consent-00001', site, recorded_at, action, granted, denied,"
            " policy_version, language, text_hash, source, page_origin, page_path, gpc,"
            " ip_masked, user_agent, age_confirmed, 12, leaf_hash FROM consent_log"
            " WHERE log_index = 11"
        )
    )


def _notice(conn: sa.Connection) -> None:
    changed = canonical_json({**NOTICE, "texts": {"banner_title": "Kami tidak memakai cookie"}})
    conn.execute(sa.text("UPDATE notices SET document = :d"), {"d": changed})


TAMPERS: dict[str, tuple[Tamper, str]] = {
    "edit one field": (
        _sql("""UPDATE consent_log SET granted = '["analytics"]' WHERE log_index = 4"""),
        "log_index 4: row changed or moved",
    ),
    "edit the stored leaf too": (
        _sql("UPDATE consent_log SET page_path = '/x', leaf_hash = '00' WHERE log_index = 3"),
        "log_index 3: row changed",
    ),
    "delete a row": (
        _sql("DELETE FROM consent_log WHERE log_index = 6"),
        "log_index 6: row deleted",
    ),
    "delete a row and its leaf": (
        _sql("DELETE FROM log_nodes WHERE level = 0 AND idx = 8"),
        "log_index 8: leaf missing",
    ),
    "insert a row": (_insert, "log_index 12: row inserted"),
    "insert a row without index": (
        _sql("UPDATE consent_log SET log_index = NULL WHERE log_index = 11"),
        "log_index 11: row deleted",
    ),
    "swap two rows": (_swap, "log_index 2: row changed or moved"),
    "change a notice": (_notice, "log_index 7: its archived notice"),
    "replace a head's root": (
        _sql(f"UPDATE log_heads SET root_hash = '{'ab' * 32}' WHERE tree_size = 5"),
        "head of tree size 5: bad signature",
    ),
    "replace a head's signature": (
        _sql(
            "UPDATE log_heads SET signature = (SELECT signature FROM log_heads WHERE tree_size = 5)"
            " WHERE tree_size = 12"
        ),
        "head of tree size 12: bad signature",
    ),
    "edit a stored tree node": (
        _sql(
            "UPDATE log_nodes SET hash = (SELECT hash FROM log_nodes WHERE level = 0 AND idx = 0)"
            " WHERE level = 1 AND idx = 2"
        ),
        "log_index 4: stored tree node",
    ),
}


def test_an_untouched_log_verifies(cli: CliRunner, config_file: Path, store: ConsentLog) -> None:
    _seeded(cli, config_file, store)
    assert run(cli, config_file, "verify") == (0, "verified 12 decisions, 2 heads\n")


@pytest.mark.parametrize("how", TAMPERS, ids=list(TAMPERS))
def test_tampering_is_caught_naming_the_index(
    cli: CliRunner, config_file: Path, store: ConsentLog, how: str
) -> None:
    _seeded(cli, config_file, store)
    tamper, expected = TAMPERS[how]
    with store.engine.begin() as conn:
        tamper(conn)
    code, output = run(cli, config_file, "verify", "--site", "tokodemo")
    assert code == 1, output
    assert "log NOT verified" in output and expected in output.splitlines()[-1], output


def test_a_rewritten_history_is_caught_by_a_head_kept_elsewhere(
    cli: CliRunner, config_file: Path, store: ConsentLog, tmp_path: Path
) -> None:
    """Whoever holds the key can rebuild a consistent tree; an older published head exposes it."""
    published = tmp_path / "head.json"
    published.write_text(json.dumps(_seeded(cli, config_file, store)))
    with store.engine.begin() as conn:
        conn.execute(sa.text("""UPDATE consent_log SET granted = '[]' WHERE log_index = 3"""))
        conn.execute(sa.text("UPDATE consent_log SET log_index = NULL, leaf_hash = NULL"))
        for table in ("log_nodes", "log_state", "log_heads"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
        number_existing_rows(conn)
    assert run(cli, config_file, "head", "--site", "tokodemo")[0] == 0
    assert run(cli, config_file, "verify")[0] == 0  # a perfect rewrite, on its own
    code, output = run(cli, config_file, "verify", "--head", str(published))
    assert code == 1 and "the given head (tree size 12): the log was rewritten" in output


def test_a_head_kept_elsewhere_verifies_when_the_log_only_grew(
    cli: CliRunner, config_file: Path, store: ConsentLog, tmp_path: Path
) -> None:
    published = tmp_path / "head.json"
    published.write_text(json.dumps(_seeded(cli, config_file, store)))
    seed(store, 9, start=12)
    assert run(cli, config_file, "head", "--site", "tokodemo")[0] == 0
    assert run(cli, config_file, "verify", "--head", str(published)) == (
        0,
        "verified 21 decisions, 3 heads\n",
    )


def test_a_purged_log_verifies_and_says_so(
    cli: CliRunner, config_file: Path, store: ConsentLog
) -> None:
    now = datetime.now(UTC)
    seed(store, 4)  # recorded in November 2026: older than 20 days
    seed(store, 3, start=4, make=lambda n: decision(n, recorded_at=now - timedelta(hours=n)))
    assert run(cli, config_file, "head", "--site", "tokodemo")[0] == 0
    code, output = run(cli, config_file, "purge", "--older-than", "20")
    assert code == 0 and "purged 4 row(s)" in output
    assert run(cli, config_file, "verify") == (
        0,
        "verified 3 decisions, 1 heads, 4 purged entries (leaf hash kept)\n",
    )
    with store.engine.begin() as conn:  # a deletion is not a purge
        conn.execute(sa.text("DELETE FROM consent_log WHERE log_index = 5"))
    assert "log_index 5: row deleted" in run(cli, config_file, "verify")[1]
