"""The driver-level bulk insert (SQLite batch writes) stores exactly what SQLAlchemy's own INSERT
stores: the same bind processing of times, decimals and booleans, any column order; naive times
are refused; RETURNING gives every row back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    text,
)

from ketaclinic.adapters.db.bulk import MAX_VARIABLES, insert_returning, insert_rows
from ketaclinic.adapters.db.types import UTCDateTime

meta = MetaData()
things = Table(
    "bulk_things",
    meta,
    Column("id", Integer, primary_key=True),
    Column("tag", String(20), nullable=False),
    Column("value", Numeric(9, 3), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("note", String(20), nullable=True),
)
# given in an order other than the table's, to show values are matched to their columns
COLUMNS = ("note", "at", "tag", "ok", "value")
AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
ROWS: list[tuple[Any, ...]] = [
    (None, AT, "a", True, Decimal("120")),
    ("n", AT.astimezone(timezone(timedelta(hours=-5))), "b", False, Decimal("36.85")),
    ("x", AT + timedelta(seconds=1), "c", True, Decimal("0.001")),
]


def _raw(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return list(
            conn.execute(text("SELECT tag, value, at, ok, note FROM bulk_things ORDER BY tag"))
        )


def _engine() -> Any:
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    return engine


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them() -> None:
    reference, bulk = _engine(), _engine()
    with reference.begin() as conn:
        conn.execute(insert(things), [dict(zip(COLUMNS, row, strict=True)) for row in ROWS])
    with bulk.begin() as conn:
        insert_rows(conn, things, COLUMNS, ROWS)
    assert _raw(bulk) == _raw(reference)
    assert len(_raw(bulk)) == len(ROWS)


def test_bulk_returning_gives_every_row_back() -> None:
    engine = _engine()
    with engine.begin() as conn:
        found = insert_returning(conn, things, COLUMNS, ROWS, ("id", "tag"))
        assert sorted(r.tag for r in found) == ["a", "b", "c"]
        assert len({r.id for r in found}) == len(ROWS)
    reference = _engine()
    with reference.begin() as conn:
        conn.execute(insert(things), [dict(zip(COLUMNS, row, strict=True)) for row in ROWS])
    assert _raw(engine) == _raw(reference)


def test_bulk_returning_splits_past_the_variable_bound() -> None:
    engine = _engine()
    count = MAX_VARIABLES // len(COLUMNS) + 7
    rows = [(None, AT, f"t{i}", True, Decimal(i)) for i in range(count)]
    with engine.begin() as conn:
        found = insert_returning(conn, things, COLUMNS, rows, ("id", "tag"))
    assert len({r.tag for r in found}) == count


def test_bulk_insert_refuses_a_naive_time() -> None:
    engine = _engine()
    naive = [(None, AT.replace(tzinfo=None), "a", True, Decimal(1))]
    with engine.begin() as conn, pytest.raises(ValueError, match="naive datetime refused"):
        insert_rows(conn, things, COLUMNS, naive)
    assert _raw(engine) == []


def test_bulk_insert_names_every_column_it_fills() -> None:
    engine = _engine()
    with engine.begin() as conn, pytest.raises(ValueError, match="columns"):
        insert_rows(conn, things, ("tag", "tag"), [("a", "b")])
