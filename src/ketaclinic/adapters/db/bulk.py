"""Many rows into one table through the driver at once (SQLite's batch writes).

SQLAlchemy's ``execute(insert(t), [dict, ...])`` builds and processes a parameter dictionary
per row in Python, which costs more than SQLite's own work for a monitor batch (hundreds of
readings). Here the INSERT is compiled by SQLAlchemy once per (dialect, table, columns) and each
value goes through its column type's bind processor (the one SQLAlchemy itself applies, so what
is stored is identical: UTC-aware times checked and written in the dialect's format, decimals
and booleans as the dialect keeps them); the rows then go to the driver as plain tuples.

Every column the rows fill is named; nothing here applies Python-side column defaults, so the
tables written this way have none on the columns left out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, insert

Processor = Callable[[Any], Any]
_MISSING = object()
MAX_VARIABLES = 30_000  # below SQLite's bound on variables in one statement (32,766)


@dataclass(frozen=True, slots=True)
class _Compiled:
    head: str  # INSERT INTO t (columns) VALUES
    row: str  # (?, ...)
    tail: str  # RETURNING ..., or empty
    order: tuple[int, ...]  # for each statement parameter, its index among the given columns
    steps: tuple[tuple[int, Processor], ...]  # (statement position, bind processor)


_compiled: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], _Compiled] = {}
_lock = threading.Lock()


def _compile(
    conn: Connection, table: Table, columns: Sequence[str], returning: Sequence[str]
) -> _Compiled:
    dialect = conn.dialect
    if dialect.paramstyle != "qmark":
        raise ValueError(f"bulk insert supports qmark drivers only, not {dialect.paramstyle}")
    key = (dialect.name, table.name, tuple(columns), tuple(returning))
    with _lock:
        found = _compiled.get(key)
    if found is not None:
        return found
    stmt = insert(table)
    if returning:
        stmt = stmt.returning(*(table.c[c] for c in returning))
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
    names = list(compiled.positiontup or ())
    if sorted(names) != sorted(columns):
        raise ValueError(f"bulk insert into {table.name}: columns {names} != {list(columns)}")
    sql = str(compiled)
    start = sql.index(" VALUES (") + len(" VALUES ")
    end = sql.index(")", start) + 1
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    found = _Compiled(
        sql[:start],
        sql[start:end],
        sql[end:],
        tuple(columns.index(n) for n in names),
        tuple((i, p) for i, p in enumerate(processors) if p is not None),
    )
    with _lock:
        _compiled[key] = found
    return found


def _processed(compiled: _Compiled, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Each row's values in statement order through their bind processors; a time repeated
    across rows (a batch's receipt time, a message's observation time) is processed once."""
    order, steps = compiled.order, compiled.steps
    times: dict[tuple[int, datetime], Any] = {}  # per column: columns may process differently
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row[i] for i in order]
        for i, process in steps:
            value = values[i]
            if type(value) is datetime:
                done = times.get((i, value), _MISSING)
                if done is _MISSING:
                    done = times[(i, value)] = process(value)
                values[i] = done
            else:
                values[i] = process(value)
        out.append(tuple(values))
    return out


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in ``columns`` order) with one executemany."""
    if not rows:
        return
    compiled = _compile(conn, table, columns, ())
    conn.exec_driver_sql(compiled.head + compiled.row, _processed(compiled, rows))


def insert_returning(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str],
) -> list[Row[Any]]:
    """Insert ``rows`` in multi-row INSERT statements (as few as the variable bound allows) and
    return ``returning`` of every inserted row, in no particular order (SQLite does not promise
    one): match them to the rows by a unique key among ``returning``. The returned values are
    as the driver gives them (no result processing): return plain columns (ids, text)."""
    if not rows:
        return []
    compiled = _compile(conn, table, columns, returning)
    processed = _processed(compiled, rows)
    per_statement = max(1, MAX_VARIABLES // max(1, len(columns)))
    found: list[Row[Any]] = []
    for start in range(0, len(processed), per_statement):
        chunk = processed[start : start + per_statement]
        sql = compiled.head + ", ".join([compiled.row] * len(chunk)) + compiled.tail
        found += conn.exec_driver_sql(sql, tuple(v for row in chunk for v in row)).all()
    return found
