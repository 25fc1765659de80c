"""The group commit's write statements, run on the driver itself.

Every batch runs the same few statements (its numbering, the rows' insert, the
roll-ups' zones and upsert), so each is compiled once per dialect with
SQLAlchemy: its SQL text, the order of its parameters and the bind processors
of their types (a time as SQLite stores it, a boolean as an integer). It is
then run on the connection's own driver cursor, in the transaction the
SQLAlchemy connection began. A driver error is wrapped as SQLAlchemy wraps it
(:meth:`sqlalchemy.exc.DBAPIError.instance`, so the log's
:class:`~banner.log.store.StoreUnavailable` comes from it as from any other
statement) and a connection found dead is invalidated. What is skipped is all
of SQLAlchemy's execution machinery, its ``before_cursor_execute`` events
included: even :meth:`~sqlalchemy.engine.Connection.exec_driver_sql` cost a
batch of four decisions about a quarter of its CPU (issue 24). The SQL sent is
the SQL SQLAlchemy would send.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.sql.compiler import Compiled

Values = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Ready:
    sql: str
    #: a select's column names, and the result processor of each (``None``: as read)
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    #: parameter names in the order of the SQL's placeholders; ``None``: named placeholders
    order: tuple[str, ...] | None
    processors: dict[str, Callable[[Any], Any]]
    #: ``order``, and the place of each parameter with a processor, with it
    names: tuple[str, ...] = ()
    processed: tuple[tuple[int, Callable[[Any], Any]], ...] = ()


class Direct:
    """``statement`` compiled once per dialect, run with ``exec_driver_sql``.

    :param statement: a Core statement whose parameters are all given at each run.
    :param keys: the columns of an insert's rows (the statement's parameters then).
    """

    def __init__(self, statement: sa.Executable, keys: Sequence[str] = ()) -> None:
        self.statement, self.keys = statement, list(keys)
        self._ready: dict[tuple[str, str], _Ready] = {}

    def _for(self, dialect: Dialect) -> _Ready:
        found = self._ready.get((dialect.name, dialect.driver))
        if found is None:
            compiled: Compiled = self.statement.compile(  # type: ignore[attr-defined]
                dialect=dialect, column_keys=self.keys or None
            )
            processors = {}
            for name, bind in compiled.binds.items():  # type: ignore[attr-defined]
                process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    processors[name] = process
            positional = getattr(compiled, "positional", False)
            order = tuple(compiled.positiontup or ()) if positional else None  # type: ignore[attr-defined]
            processed = tuple(
                (n, processors[name]) for n, name in enumerate(order or ()) if name in processors
            )
            found = self._ready[(dialect.name, dialect.driver)] = _Ready(
                compiled.string,
                _columns(self.statement, dialect),
                order,
                processors,
                order or (),
                processed,
            )
        return found

    def run(self, conn: sa.Connection, values: Values | Sequence[Values]) -> Ran:
        """Run with ``values`` (one mapping, or several for ``executemany``) on the driver.

        :raises sqlalchemy.exc.DBAPIError: the driver's error, as SQLAlchemy wraps it.
        """
        ready = self._for(conn.dialect)
        many = not isinstance(values, Mapping)
        params: Any = (
            [_params(ready, v) for v in values] if many else _params(ready, values)  # type: ignore[arg-type]
        )
        return _on_driver(conn, ready.sql, params, many)

    def mappings(self, conn: sa.Connection, values: Values) -> list[dict[str, Any]]:
        """A select's rows as ``{column: value}``, its columns' types applied as SQLAlchemy does."""
        ready = self._for(conn.dialect)
        names = [name for name, _ in ready.columns]
        steps = [(n, process) for n, (_, process) in enumerate(ready.columns) if process]
        found = []
        for row in self.run(conn, values).rows:
            values_of = list(row)
            for n, process in steps:
                values_of[n] = process(values_of[n])
            found.append(dict(zip(names, values_of, strict=True)))
        return found


def _columns(
    statement: Any, dialect: Dialect
) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """The names and result processors of a select's columns (none for other statements)."""
    selected = getattr(statement, "selected_columns", None)
    if selected is None:
        return ()
    return tuple(
        (column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
        for column in selected
    )


@dataclass(frozen=True, slots=True)
class Ran:
    """The rows a statement run on the driver returned (none for most writes)."""

    rows: list[tuple[Any, ...]]

    def scalar(self) -> Any:
        """The first column of the first row, or ``None``."""
        return self.rows[0][0] if self.rows else None

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


def _on_driver(conn: sa.Connection, sql: str, params: Any, many: bool) -> Ran:
    """``sql`` on ``conn``'s driver cursor, in its transaction; errors as SQLAlchemy's."""
    dialect = conn.dialect
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        rows = [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    except dialect.loaded_dbapi.Error as exc:
        dead = dialect.is_disconnect(exc, raw, cursor)
        if dead:
            conn.invalidate(exc)
        raise sa.exc.DBAPIError.instance(
            sql,
            params,
            exc,
            dialect.loaded_dbapi.Error,
            connection_invalidated=dead,
            dialect=dialect,
            ismulti=many,
        ) from exc
    finally:
        with contextlib.suppress(Exception):  # a dead connection's cursor may not close
            cursor.close()
    return Ran(rows)


def _params(ready: _Ready, values: Values) -> Any:
    processors = ready.processors
    if ready.order is None:
        named = dict(values)
        for name, process in processors.items():
            named[name] = process(named[name])
        return named
    if not ready.processed:
        return tuple([values[name] for name in ready.names])
    params = [values[name] for name in ready.names]
    for n, process in ready.processed:
        params[n] = process(params[n])
    return tuple(params)


class InList:
    """A statement with a list parameter (``column IN (...)``), built once per list length.

    SQLAlchemy's expanding parameter renders the statement's SQL again at every
    execution (9% of a batch's CPU for three statements); here a list of up to
    ``most`` items runs a statement of its own length, built and compiled once
    (its items are ``name_0``, ``name_1`` ...). A longer list takes the
    expanding parameter. Types and results are SQLAlchemy's as before.

    :param build: the statement, given what goes in its ``IN``: a list of bound
        parameters, or the expanding one.
    :param name: the list parameter's name.
    :param kind: the type of its items (the column's: PostgreSQL's SQL casts to it).
    :param most: the longest list given a statement of its own.
    """

    def __init__(
        self,
        build: Callable[[Any], sa.Executable],
        name: str,
        kind: sa.types.TypeEngine[Any],
        most: int = 64,
    ) -> None:
        self.build, self.name, self.kind, self.most = build, name, kind, most
        self.expanding = build(sa.bindparam(name, expanding=True, type_=kind))
        self._by_length: dict[int, sa.Executable] = {}
        self._direct: dict[int, Direct] = {}

    def statement(self, length: int) -> sa.Executable:
        """The statement for a list of ``length`` items."""
        if length > self.most:
            return self.expanding
        found = self._by_length.get(length)
        if found is None:
            items: list[sa.BindParameter[Any]] = [
                sa.bindparam(f"{self.name}_{n}", type_=self.kind) for n in range(length)
            ]
            found = self._by_length[length] = self.build(items)
        return found

    def run(
        self, conn: sa.Connection, items: Sequence[Any], values: Values | None = None
    ) -> CursorResult[Any]:
        """Run with ``items`` in the list, and ``values`` for the other parameters."""
        params = dict(values or {})
        if len(items) > self.most:
            params[self.name] = list(items)
        else:
            params.update((f"{self.name}_{n}", item) for n, item in enumerate(items))
        return conn.execute(self.statement(len(items)), params)

    def run_direct(
        self, conn: sa.Connection, items: Sequence[Any], values: Values | None = None
    ) -> list[tuple[Any, ...]]:
        """:meth:`run` through :class:`Direct`: rows as the driver gives them.

        For statements whose result columns need no conversion (text, integers):
        SQLAlchemy's result types are not applied.
        """
        if not items or len(items) > self.most:
            return [tuple(row) for row in self.run(conn, items, values)]
        params = dict(values or {})
        params.update((f"{self.name}_{n}", item) for n, item in enumerate(items))
        return self._direct_of(len(items)).run(conn, params).rows

    def mappings_direct(
        self, conn: sa.Connection, items: Sequence[Any], values: Values | None = None
    ) -> list[dict[str, Any]]:
        """:meth:`run` through :meth:`Direct.mappings`: rows as mappings, typed."""
        if not items or len(items) > self.most:
            return [dict(row._mapping) for row in self.run(conn, items, values)]
        params = dict(values or {})
        params.update((f"{self.name}_{n}", item) for n, item in enumerate(items))
        return self._direct_of(len(items)).mappings(conn, params)

    def _direct_of(self, length: int) -> Direct:
        direct = self._direct.get(length)
        if direct is None:
            direct = self._direct[length] = Direct(self.statement(length))
        return direct
