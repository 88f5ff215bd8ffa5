"""Engine construction: SQLite pragmas (WAL, busy timeout, foreign keys) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

# Connection execution option set by a read-only unit of work (``SqlUnitOfWork.read_only``).
READ_ONLY_OPTION = "ketaclinic_read_only"


def _read_only(conn: Any) -> bool:
    return bool(conn.get_execution_options().get(READ_ONLY_OPTION))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for ``url``. SQLite files get WAL, a busy timeout and IMMEDIATE writes."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if _read_only(conn):
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if _read_only(conn):
            # a reader takes no lock at BEGIN (WAL readers never wait for the writer) and may
            # not write: query_only makes any write fail with "attempt to write a readonly ..."
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql("PRAGMA query_only = ON")
            return
        # IMMEDIATE takes the write lock at the start, so two writers never deadlock on upgrade.
        conn.exec_driver_sql("PRAGMA query_only = OFF")
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
