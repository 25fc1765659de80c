"""The notice archive: each distinct notice stored once under its hash, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from banner.core.consent import Source
from banner.core.notice import document_hash, notice_document
from banner.core.texts import banner_texts
from banner.log.notices import RECHECK_SECONDS, NoticeArchive
from banner.log.schema import notices
from banner.log.service import ConsentService, DecisionRequest
from banner.log.store import ConsentLog
from tests.factories import make_config


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    return database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture
def log(url: str) -> Iterator[ConsentLog]:
    store = ConsentLog(url)
    store.create_schema()
    yield store
    store.dispose()


def statements(log: ConsentLog) -> list[str]:
    """Every SQL statement the log's engine runs from now on."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(log.engine, "before_cursor_execute", note)
    return seen


def decide(service: ConsentService, granted: tuple[str, ...], language: str = "id") -> str:
    request = DecisionRequest("tokodemo", granted, language, source=Source.BANNER)
    return service.record(request).decision.text_hash


def test_a_decision_archives_its_notice_once(log: ConsentLog, url: str) -> None:
    config = make_config(url)
    service = ConsentService(config, log, texts=banner_texts)
    first = decide(service, ("analytics",))
    decide(service, ())
    site = config.sites["tokodemo"]
    document = notice_document(site, "id", banner_texts(site, "id"))
    stored = service.notices.get(first)
    assert stored is not None and stored.document == document
    # the stored text is the canonical JSON the hash was taken over: anyone can check it
    assert hashlib.sha256(stored.text.encode()).hexdigest() == first == document_hash(document)
    with log.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(notices)).scalar() == 1


def test_each_language_is_its_own_notice(log: ConsentLog, url: str) -> None:
    service = ConsentService(make_config(url), log, texts=banner_texts)
    hashes = {decide(service, (), "id"), decide(service, (), "en")}
    assert len(hashes) == 2 and set(service.notices.many(hashes)) == hashes
    texts = {service.notices.many(hashes)[h].document["texts"]["accept_all"] for h in hashes}
    assert texts == {"Accept all", "Terima semua"}


def test_an_archived_notice_costs_no_query(log: ConsentLog, url: str) -> None:
    service = ConsentService(make_config(url), log, texts=banner_texts)
    decide(service, ("analytics",))
    seen = statements(log)
    decide(service, ())
    assert not [s for s in seen if "notices" in s]


def test_the_memory_is_refreshed_so_a_purged_notice_comes_back(log: ConsentLog) -> None:
    now = [0.0]
    archive = NoticeArchive(log.engine, clock=lambda: now[0])
    archive.ensure("a" * 64, {"texts": {"x": "y"}})
    with log.engine.begin() as conn:
        conn.execute(notices.delete())
    archive.ensure("a" * 64, {"texts": {"x": "y"}})
    assert archive.get("a" * 64) is None  # trusted from memory
    now[0] += RECHECK_SECONDS + 1
    archive.ensure("a" * 64, {"texts": {"x": "y"}})
    assert archive.get("a" * 64) is not None


def test_insert_if_missing_never_overwrites_nor_fails(log: ConsentLog) -> None:
    one, other = NoticeArchive(log.engine), NoticeArchive(log.engine)
    one.ensure("b" * 64, {"v": 1})
    other.ensure("b" * 64, {"v": 2})  # another process, same hash: nothing happens
    found = one.get("b" * 64)
    assert found is not None and found.document == {"v": 1}


def test_many_processes_archiving_the_same_notice_at_once(log: ConsentLog) -> None:
    archives = [NoticeArchive(log.engine) for _ in range(6)]
    errors: list[BaseException] = []

    def run(archive: NoticeArchive) -> None:
        try:
            archive.ensure("c" * 64, {"same": True})
        except BaseException as exc:  # pragma: no cover - the failure we look for
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in archives]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and archives[0].get("c" * 64) is not None


def test_unknown_and_hostile_hashes_find_nothing(log: ConsentLog) -> None:
    archive = NoticeArchive(log.engine)
    assert archive.get("0" * 64) is None
    assert archive.many(["' OR 1=1 --", "x" * 5000, ""]) == {}
    assert archive.many(f"{n:064x}" for n in range(1200)) == {}  # several batches


def test_purge_keeps_referenced_and_young_notices(log: ConsentLog, url: str) -> None:
    service = ConsentService(make_config(url), log, texts=banner_texts)
    kept = decide(service, ("analytics",))
    archive = NoticeArchive(log.engine)
    old = datetime.now(UTC) - timedelta(days=400)
    archive.ensure("d" * 64, {"orphan": True})
    archive.ensure("e" * 64, {"young orphan": True})
    with log.engine.begin() as conn:
        conn.execute(notices.update().where(notices.c.hash == "d" * 64).values(first_seen=old))
        conn.execute(notices.update().where(notices.c.hash == kept).values(first_seen=old))
    assert archive.purge_unreferenced(datetime.now(UTC) - timedelta(days=30)) == 1
    assert set(archive.many([kept, "d" * 64, "e" * 64])) == {kept, "e" * 64}


def test_a_retry_keeps_the_first_notice(log: ConsentLog, url: str) -> None:
    config = make_config(url)
    service = ConsentService(config, log, texts=banner_texts)
    request = DecisionRequest(
        "tokodemo",
        ("analytics",),
        "id",
        consent_id="retry-0123456789abcd",
        retry_key="k" * 16,
    )
    first = service.record(request).decision
    again = service.record(replace(request, language="en")).decision
    assert again.text_hash == first.text_hash
    assert service.notices.get(first.text_hash) is not None
