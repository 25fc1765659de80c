"""Statements compiled once (banner.log.direct) give what SQLAlchemy's own execution gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from banner.log.direct import Direct, InList

ITEMS = sa.Table(
    "direct_items",
    sa.MetaData(),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("flag", sa.Boolean, nullable=False),
    sa.Column("n", sa.BigInteger, nullable=False),
)
AT = datetime(2026, 12, 7, 13, 5, 9, 123456, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, database_url: str) -> Iterator[sa.Engine]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    found = sa.create_engine(url)
    ITEMS.create(found)
    yield found
    found.dispose()


def rows(n: int) -> list[dict[str, object]]:
    return [
        {
            "name": f"item-{i}",
            "at": AT,
            "day": date(2026, 12, i % 28 + 1),
            "flag": i % 2 == 0,
            "n": i,
        }
        for i in range(n)
    ]


def test_an_insert_stores_what_sqlalchemys_insert_stores(engine: sa.Engine) -> None:
    direct = Direct(ITEMS.insert(), [c.key for c in ITEMS.c])
    # as the database holds them (SQLite keeps times and days as text)
    texts = sa.select(sa.cast(ITEMS.c.at, sa.String), sa.cast(ITEMS.c.day, sa.String))
    with engine.begin() as conn:
        direct.run(conn, rows(3))  # several rows: executemany
        direct.run(conn, {**rows(4)[3]})  # one row
        stored = [dict(r._mapping) for r in conn.execute(sa.select(ITEMS).order_by(ITEMS.c.n))]
        stored_texts = conn.execute(texts.order_by(ITEMS.c.n)).all()
        conn.execute(ITEMS.delete())
        conn.execute(ITEMS.insert(), rows(4))
        expected = [dict(r._mapping) for r in conn.execute(sa.select(ITEMS).order_by(ITEMS.c.n))]
        assert stored_texts == conn.execute(texts.order_by(ITEMS.c.n)).all()
        assert stored == expected and len(stored) == 4
        assert [type(r["flag"]) for r in stored] == [bool] * 4


def test_a_statement_with_returning_gives_its_value(engine: sa.Engine) -> None:
    bump = Direct(
        ITEMS.update()
        .where(ITEMS.c.name == sa.bindparam("which"))
        .values(n=ITEMS.c.n + sa.bindparam("by", type_=sa.BigInteger))
        .returning(ITEMS.c.n)
    )
    with engine.begin() as conn:
        conn.execute(ITEMS.insert(), rows(2))
        assert bump.run(conn, {"which": "item-1", "by": 5}).scalar() == 6
        assert bump.run(conn, {"which": "nothing", "by": 5}).scalar() is None


@pytest.mark.parametrize("length", [0, 1, 3, 64, 65, 130])
def test_a_list_of_any_length_finds_what_the_expanding_parameter_finds(
    engine: sa.Engine, length: int
) -> None:
    by_name = InList(
        lambda names: (
            sa.select(ITEMS.c.name, ITEMS.c.at)
            .where(ITEMS.c.name.in_(names), ITEMS.c.n >= sa.bindparam("least"))
            .order_by(ITEMS.c.n)
        ),
        "names",
        ITEMS.c.name.type,
    )
    with engine.begin() as conn:
        conn.execute(ITEMS.insert(), rows(140))
        names = [f"item-{i}" for i in range(0, 2 * length, 2)]  # some of them not stored
        found = by_name.run(conn, names, {"least": 2}).all()
        expected = conn.execute(by_name.expanding, {"names": names, "least": 2}).all()
        wanted = [f"item-{i}" for i in range(2, min(2 * length, 140), 2)]
        assert [r.name for r in found] == [r.name for r in expected] == wanted
        assert all(r.at.replace(tzinfo=UTC) == AT for r in found)
    assert (by_name.statement(length) is by_name.expanding) == (length > 64)


def test_a_driver_error_is_sqlalchemys_and_the_log_answers_it(engine: sa.Engine) -> None:
    """A statement run on the driver fails as through SQLAlchemy: the same exception class."""
    from banner.log.store import StoreUnavailable, translate_error

    direct = Direct(ITEMS.insert(), [c.key for c in ITEMS.c])
    with engine.connect() as conn:
        with conn.begin():
            direct.run(conn, rows(1))
        with pytest.raises(sa.exc.IntegrityError) as raised, conn.begin():
            direct.run(conn, rows(1))  # the same primary key again
        assert raised.value.orig is not None and "item-0" in str(raised.value.params)
        with pytest.raises(sa.exc.IntegrityError) as through, conn.begin():
            conn.execute(ITEMS.insert(), rows(1))
        assert type(through.value) is type(raised.value)
        assert isinstance(translate_error(raised.value), StoreUnavailable)
        with conn.begin():  # the connection goes on after its transaction rolled back
            assert conn.execute(sa.select(sa.func.count()).select_from(ITEMS)).scalar() == 1


def test_the_zones_of_a_list_come_back_as_driver_rows(engine: sa.Engine) -> None:
    by_name = InList(
        lambda names: sa.select(ITEMS.c.name, ITEMS.c.n).where(ITEMS.c.name.in_(names)),
        "names",
        ITEMS.c.name.type,
    )
    with engine.begin() as conn:
        conn.execute(ITEMS.insert(), rows(5))
        found = sorted(by_name.run_direct(conn, ["item-1", "item-3", "nothing"]))
        assert found == [("item-1", 1), ("item-3", 3)]
        assert by_name.run_direct(conn, []) == []


@pytest.mark.parametrize("length", [1, 3, 70])
def test_typed_rows_on_the_driver_equal_sqlalchemys(engine: sa.Engine, length: int) -> None:
    """Times, days, booleans and integers come back as SQLAlchemy's own select gives them."""
    by_name = InList(
        lambda names: sa.select(ITEMS).where(ITEMS.c.name.in_(names)).order_by(ITEMS.c.n),
        "names",
        ITEMS.c.name.type,
    )
    with engine.begin() as conn:
        conn.execute(ITEMS.insert(), rows(80))
        names = [f"item-{i}" for i in range(length)]
        found = by_name.mappings_direct(conn, names)
        expected = [dict(r._mapping) for r in conn.execute(by_name.expanding, {"names": names})]
    assert found == expected and len(found) == length
    assert all(type(r["flag"]) is bool and type(r["at"]) is datetime for r in found)
