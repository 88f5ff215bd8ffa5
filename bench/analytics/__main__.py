"""D1: the outcome dashboard's six queries on PostgreSQL (plain SQL and rollups) and DuckDB.

Usage: ``python -m bench.analytics [--quick] [--keep] [--url postgresql://...]``

Prints one JSON object per query per engine ({"query", "engine", "rows", "p50_ms", "p95_ms", ...})
plus one for the rollup cost per score insert, and appends them to
``bench/results/analytics-<date>.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from bench.analytics.cohort import CohortFiles, generate
from ketaclinic.adapters.analytics import queries, schema
from ketaclinic.adapters.analytics.queries import DashboardFilter, Source
from ketaclinic.domain.outcomes.analytics import ScoreFact
from ketaclinic.domain.protocols.sections import OutcomeDefinition

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "bench_d1"
PHQ9 = OutcomeDefinition("phq9", Decimal(50), Decimal(25), 4, "SUSTAIN-3")
# The dashboard's two typical views: the whole network over 3 years, and a 5-clinic group's year.
SCOPES = {
    "network-3y": DashboardFilter("2023-01", "2025-12", PHQ9, min_courses=20),
    "5-clinics-12m": DashboardFilter(
        "2025-01", "2025-12", PHQ9, (3, 11, 19, 27, 35), min_courses=20
    ),
}
RESULTS = Path(__file__).resolve().parents[1] / "results"


def pg_executor(conn: psycopg.Connection[Any]) -> schema.Executor:
    def execute(sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        sql = re.sub(r"(?<![:\w]):([a-z_][a-z0-9_]*)", r"%(\1)s", sql.replace("%", "%%"))
        used = {k: v for k, v in params.items() if f"%({k})s" in sql}
        cur = conn.execute(sql, used)
        return cur.fetchall() if cur.description else []

    return execute


def duck_executor(con: duckdb.DuckDBPyConnection) -> schema.Executor:
    def execute(sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        sql = queries.to_duckdb(sql)
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        cur = con.execute(sql, used)
        return cur.fetchall() if cur.description else []

    return execute


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def emit(record: dict[str, Any], out: list[dict[str, Any]]) -> None:
    print(json.dumps(record), flush=True)
    out.append(record)


def time_query(run: Callable[[], int], repeats: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    rows = run()
    cold = (time.perf_counter() - t0) * 1000
    run()
    laps = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        laps.append((time.perf_counter() - t0) * 1000)
    return {
        "rows": rows,
        "p50_ms": round(statistics.median(laps), 2),
        "p95_ms": round(percentile(laps, 95), 2),
        "max_ms": round(max(laps), 2),
        "first_run_ms": round(cold, 2),
        "runs": repeats,
    }


def load_postgres(conn: psycopg.Connection[Any], files: CohortFiles) -> dict[str, float]:
    execute = pg_executor(conn)
    conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
    conn.execute(f"CREATE SCHEMA {PG_SCHEMA}")
    schema.create_tables(execute, f"{PG_SCHEMA}.", indexes=False)
    timings = {}
    for table, path in (("courses", files.courses_csv), ("scores", files.scores_csv)):
        t0 = time.perf_counter()
        sql = f"COPY {PG_SCHEMA}.{table} FROM STDIN (FORMAT csv)"
        with conn.cursor().copy(sql) as copy, path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        timings[f"copy_{table}_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    schema.create_indexes(execute, f"{PG_SCHEMA}.")
    timings["indexes_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    schema.refresh_rollups(execute, f"{PG_SCHEMA}.")
    timings["rollups_s"] = time.perf_counter() - t0
    conn.commit()
    t0 = time.perf_counter()
    conn.autocommit = True  # VACUUM cannot run in a transaction block
    for table in schema.TABLES:  # visibility map + statistics, so autovacuum does not interfere
        conn.execute(f"VACUUM (ANALYZE) {PG_SCHEMA}.{table}")
    conn.autocommit = False
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in timings.items()}


def load_duckdb(files: CohortFiles) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    execute = duck_executor(con)
    schema.create_tables(execute, "", indexes=False)
    for table, path in (("courses", files.courses_parquet), ("scores", files.scores_parquet)):
        con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{path}')")
    return con


def bench_queries(
    execute: schema.Executor,
    engine: str,
    source: Source,
    prefix: str,
    f: DashboardFilter,
    scope: str,
    repeats: int,
    out: list[dict[str, Any]],
) -> None:
    for name in queries.QUERY_NAMES:

        def run(name: str = name) -> int:
            return queries.run_query(execute, name, f, source=source, prefix=prefix)[1]

        emit({"query": name, "engine": engine, "scope": scope, **time_query(run, repeats)}, out)


def bench_insert_cost(
    conn: psycopg.Connection[Any], courses: int, inserts: int, out: list[dict[str, Any]]
) -> None:
    """Per score insert: time of the insert alone and of the two rollup upserts, each committed."""
    execute = pg_executor(conn)
    rng = random.Random(3)
    base, added, total = [], [], []
    for _ in range(inserts):
        score = ScoreFact(rng.randrange(1, courses + 1), "phq9", None, rng.randrange(76, 400), 9)
        params = schema.score_params(score)
        t0 = time.perf_counter()
        execute(schema.format_sql(schema.INSERT_SCORE, f"{PG_SCHEMA}."), params)
        t1 = time.perf_counter()
        schema.maintain_rollups(execute, f"{PG_SCHEMA}.", params)
        t2 = time.perf_counter()
        conn.commit()
        t3 = time.perf_counter()
        base.append((t1 - t0) * 1000)
        added.append((t2 - t1) * 1000)
        total.append((t3 - t0) * 1000)
    for label, laps in (
        ("insert_only", base),
        ("rollup_added", added),
        ("insert_rollup_commit", total),
    ):
        emit(
            {
                "query": f"score_insert:{label}",
                "engine": "postgres-rollup",
                "rows": inserts,
                "p50_ms": round(statistics.median(laps), 3),
                "p95_ms": round(percentile(laps, 95), 3),
                "p99_ms": round(percentile(laps, 99), 3),
            },
            out,
        )


def machine() -> dict[str, Any]:
    cpu = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "loadavg_before": os.getloadavg(),  # the box is shared: contention shows here
    }


def run_engines(
    conn: psycopg.Connection[Any], files: CohortFiles, quick: bool
) -> list[dict[str, Any]]:
    """Queries on PostgreSQL (plain and rollup), then DuckDB, then the rollup write cost."""
    repeats, inserts = (5, 200) if quick else (20, 2_000)
    out: list[dict[str, Any]] = []
    pg = pg_executor(conn)
    for scope, f in SCOPES.items():
        for engine, source in (("postgres-plain", Source.RAW), ("postgres-rollup", Source.ROLLUP)):
            bench_queries(pg, engine, source, f"{PG_SCHEMA}.", f, scope, repeats, out)
    conn.commit()
    duck = load_duckdb(files)
    for scope, f in SCOPES.items():
        bench_queries(duck_executor(duck), "duckdb", Source.RAW, "", f, scope, repeats, out)
    duck.close()
    bench_insert_cost(conn, files.courses, inserts, out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics")
    parser.add_argument("--quick", action="store_true", help="small cohort, few runs (< 1 min)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    parser.add_argument(
        "--url", default=os.environ.get("KETACLINIC_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="d1-") as tmp:
        t0 = time.perf_counter()
        files = generate(Path(tmp), patients=3_000 if args.quick else 100_000, clinics=50)
        setup: dict[str, float] = {"rows": files.scores, "courses": files.courses}
        setup["generate_s"] = round(time.perf_counter() - t0, 2)
        with psycopg.connect(args.url) as conn:
            for setting in ("SET work_mem = '256MB'", *schema.POSTGRES_SESSION_SETTINGS):
                conn.execute(setting)
            load = load_postgres(conn, files)
            emit({"query": "dataset", "engine": "setup", **setup, **load, **machine()}, out)
            out += run_engines(conn, files, args.quick)
            if not args.keep:
                conn.execute(f"DROP SCHEMA {PG_SCHEMA} CASCADE")
                conn.commit()
    out.append({"query": "load_after", "engine": "setup", "rows": 0, "loadavg": os.getloadavg()})
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    with (RESULTS / f"analytics-{stamp:%Y-%m-%d}.jsonl").open("a") as fh:
        for record in out:
            fh.write(json.dumps({**record, "at": stamp.isoformat(), "quick": args.quick}) + "\n")


if __name__ == "__main__":
    main()
