"""``banner keys new-log-key``, ``log_key_file``, proof bundles and the ISO 27560 export."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from banner.cli.commands import main
from banner.core.config import load_config
from banner.core.notice import document_hash
from banner.log.notices import NoticeArchive
from banner.log.store import ConsentLog
from tests.log import rfc9162_verifier as rfc
from tests.log.seeding import decision, seed

NOTICE = {"language": "en", "texts": {"banner_title": "We use cookies — “really”"}}


@pytest.fixture
def store(config_file: Path) -> Iterator[ConsentLog]:
    log = ConsentLog(load_config(config_file, env={}).database_url)
    log.create_schema()
    NoticeArchive(log.engine).ensure(document_hash(NOTICE), NOTICE)
    seed(log, 9, make=lambda n: decision(n % 3, text_hash=document_hash(NOTICE)))
    yield log
    log.dispose()


def _with_key(config_file: Path, line: str) -> None:
    text = config_file.read_text().replace("[banner]\n", f"[banner]\n{line}\n", 1)
    config_file.write_text(text)


def test_new_log_key_is_a_private_ed25519_pem_never_overwritten(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "log.pem"
    made = cli.invoke(main, ["keys", "new-log-key", "--output", str(path)])
    assert made.exit_code == 0, made.output
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert hashlib.sha256(raw).hexdigest()[:16] in made.output
    before = path.read_bytes()
    again = cli.invoke(main, ["keys", "new-log-key", "--output", str(path)])
    assert again.exit_code == 1 and "never overwritten" in again.output
    assert path.read_bytes() == before


def test_the_configured_key_signs_heads(
    cli: CliRunner, config_file: Path, store: ConsentLog, tmp_path: Path
) -> None:
    cli.invoke(main, ["keys", "new-log-key", "--output", str(tmp_path / "k.pem")])
    _with_key(config_file, 'log_key_file = "k.pem"')  # relative to the config's folder
    head = json.loads(
        cli.invoke(main, ["log", "head", "--site", "tokodemo", "--config", str(config_file)]).output
    )
    key = serialization.load_pem_private_key((tmp_path / "k.pem").read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert rfc.head_ok(head, raw) and head["tree_size"] == 9


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "banner.log_key_file: expected an existing file"),
        (b"not a key", "banner.log_key_file: "),
        ("rsa", "a RSA key, not Ed25519"),
    ],
)
def test_a_bad_log_key_file_is_one_line_naming_file_and_key(
    cli: CliRunner, config_file: Path, tmp_path: Path, content: bytes | str | None, expected: str
) -> None:
    path = tmp_path / "bad.pem"
    if content == "rsa":
        rsa = generate_private_key(65537, 2048)
        content = rsa.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    if isinstance(content, bytes):
        path.write_bytes(content)
    _with_key(config_file, f'log_key_file = "{path}"')
    result = cli.invoke(main, ["log", "head", "--site", "tokodemo", "--config", str(config_file)])
    assert result.exit_code == 1
    assert expected in result.output and str(config_file) in result.output
    assert "Traceback" not in result.output


def _bundle(cli: CliRunner, config_file: Path, tmp_path: Path, consent_id: str) -> Path:
    out = tmp_path / "proof.json"
    args = ["log", "proof", "--site", "tokodemo", "--id", consent_id, "--output", str(out)]
    result = cli.invoke(main, [*args, "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    return out


def test_a_bundle_verifies_offline_and_independently(
    cli: CliRunner, config_file: Path, store: ConsentLog, tmp_path: Path
) -> None:
    out = _bundle(cli, config_file, tmp_path, decision(1).consent_id)
    bundle = json.loads(out.read_text())
    assert [e["log_index"] for e in bundle["entries"]] == [1, 4, 7]
    assert len(bundle["rows"]) == 3 and len(bundle["notices"]) == 1
    notice = bundle["notices"][0]
    assert hashlib.sha256(notice["document"].encode()).hexdigest() == notice["hash"]
    key = rfc.key_of(bundle["public_key"])
    assert rfc.head_ok(bundle["head"], key)
    root = bytes.fromhex(bundle["head"]["root_hash"])
    for entry in bundle["entries"]:
        path = [bytes.fromhex(h) for h in entry["audit_path"]]
        assert rfc.inclusion_ok(entry["log_index"], 9, entry["leaf"].encode(), path, root)
    checked = cli.invoke(main, ["log", "verify-proof", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "3 decision(s) of" in checked.output


def _tamper_row(b: dict[str, Any]) -> None:
    b["rows"][0]["granted"] = ["analytics", "functional"]


def _tamper_leaf(b: dict[str, Any]) -> None:
    b["entries"][1]["leaf"] = b["entries"][1]["leaf"].replace('"id"', '"en"')


def _tamper_path(b: dict[str, Any]) -> None:
    b["entries"][2]["audit_path"][0] = "00" * 32


def _tamper_head(b: dict[str, Any]) -> None:
    b["head"]["tree_size"] += 1


def _tamper_notice(b: dict[str, Any]) -> None:
    b["notices"][0]["document"] = b["notices"][0]["document"].replace("really", "maybe")


def _tamper_key(b: dict[str, Any]) -> None:
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    b["public_key"]["public_key"] = base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_tamper_row, "log_index 1: the row is not the leaf"),
        (_tamper_leaf, "log_index 4: inclusion proof fails"),
        (_tamper_path, "log_index 7: inclusion proof fails"),
        (_tamper_head, "head of tree size 10: bad signature"),
        (_tamper_notice, "log_index 1: the notice does not match its hash"),
        (_tamper_key, "key_id is not the bundle's public key"),
        (lambda b: b.pop("head"), "malformed bundle"),
        (lambda b: b.update(format="other"), "not a proof bundle"),
    ],
)
def test_a_changed_bundle_fails(
    cli: CliRunner,
    config_file: Path,
    store: ConsentLog,
    tmp_path: Path,
    tamper: Any,
    expected: str,
) -> None:
    out = _bundle(cli, config_file, tmp_path, decision(1).consent_id)
    bundle = json.loads(out.read_text())
    tamper(bundle)
    out.write_text(json.dumps(bundle))
    checked = cli.invoke(main, ["log", "verify-proof", str(out)])
    assert checked.exit_code == 1 and expected in checked.output, checked.output


def test_verify_proof_of_garbage_is_one_line(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    result = cli.invoke(main, ["log", "verify-proof", str(tmp_path / "x.json")])
    assert result.exit_code == 1 and "not a JSON proof bundle" in result.output


def test_proof_of_an_unknown_id_says_so(
    cli: CliRunner, config_file: Path, store: ConsentLog, tmp_path: Path
) -> None:
    args = [
        "log",
        "proof",
        "--site",
        "tokodemo",
        "--id",
        "nobody-0000000000000",
        "--output",
        str(tmp_path / "p"),
    ]
    result = cli.invoke(main, [*args, "--config", str(config_file)])
    assert result.exit_code == 1 and "no logged decision" in result.output


def test_iso27560_export_one_record_per_decision(
    cli: CliRunner, config_file: Path, store: ConsentLog, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    seed(store, 1, start=9, make=lambda n: decision(n, action="withdraw", recorded_at=now))
    seed(store, 1, start=10, make=lambda n: decision(n, recorded_at=now, policy_version=0))
    seed(store, 1, start=11, make=lambda n: decision(n, recorded_at=now - timedelta(days=200)))
    out = tmp_path / "iso.jsonl"
    args = ["log", "export", "--site", "tokodemo", "--format", "iso27560", "--output", str(out)]
    result = cli.invoke(main, [*args, "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 12
    by_id = {r["pii_principal_id"]: r for r in records}
    assert records[0] is by_id[decision(11).consent_id]  # oldest first: 200 days ago
    first = by_id[decision(0).consent_id]
    assert first["jurisdiction"] == "ID" and first["retention_period"] == "P180D"
    assert first["privacy_notice"]["hash"] == document_hash(NOTICE)
    assert first["controller"]["name"] == "Toko Demo"
    assert first["withdrawal_method"] == "/s/tokodemo/preferences"
    assert [first["event_state"], by_id[decision(1).consent_id]["event_state"]] == [
        "refused",
        "given",
    ]
    last = [by_id[decision(n).consent_id] for n in (9, 10, 11)]
    assert [r["event_state"] for r in last] == ["withdrawn", "invalidated", "lapsed"]
    assert last[0]["event_type"] == "withdrawn"
    assert {p["purpose"] for p in first["purposes"]} >= {"essential"}
