"""``python -m bench.ingest [--quick]``: A1 MLLP replay, A3 alarm fan-out, A4 board fan-out.

Prints one JSON object per line and appends them to ``bench/results/ingest-<date>.jsonl``. See
``bench/README.md`` (A1-A4) for the shapes, goals and the machine the figures came from.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.ingest.replay import ReplayResult, replay
from bench.ingest.servers import serving, sink_serving
from bench.ingest.setup import (
    Monitor,
    machine,
    pg_test_fsync,
    postgres_database,
    postgres_settings,
    seed,
)
from bench.ingest.sink import sink_messages
from bench.ingest.sse import SseClients
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.infusion.tables import alarms, hl7_messages, vital_readings

RESULTS = Path(__file__).resolve().parents[1] / "results"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
A3_MAX_S = 120  # at 50 SQLite chairs 10,000 crossings would take 400 s: capped, and reported


@dataclass(frozen=True)
class Plan:
    chairs_pg: int
    chairs_sqlite: int
    seconds: float
    saturation_s: float
    a3_clients: int
    a3_crossings: int
    a4_clients: int
    a4_chairs: int
    a4_seconds: float
    sse_processes: int
    fsync_s: int
    pg_listeners: int = 1  # hl7-listen processes sharing the MLLP port on PostgreSQL
    # A4: one sign-in per SSE process, its clients reuse the session (1: on, 0: one per client)
    a4_shared_signin: bool = True


FULL = Plan(200, 50, 60, 20, 50, 10_000, 1000, 20, 30, 4, 2)
QUICK = Plan(8, 5, 3, 2, 5, 10, 20, 5, 3, 1, 0)


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Plan]:
    p = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a small run in under a minute")
    p.add_argument("--sqlite-only", action="store_true")
    p.add_argument("--postgres-only", action="store_true")
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "KETACLINIC_BENCH_DATABASE_URL",
            os.environ.get("KETACLINIC_TEST_DATABASE_URL", DEFAULT_PG),
        ),
    )
    p.add_argument("--no-write", action="store_true", help="do not append to bench/results")
    for name in Plan.__dataclass_fields__:
        p.add_argument(f"--{name.replace('_', '-')}", type=float, default=None)
    args = p.parse_args(argv)
    base = QUICK if args.quick else FULL
    overrides = {
        k: type(getattr(base, k))(v)
        for k in Plan.__dataclass_fields__
        if (v := getattr(args, k)) is not None
    }
    return args, Plan(**{**base.__dict__, **overrides})


def pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def integrity(url: str, tag: str, acked: Sequence[str]) -> dict[str, int]:
    """Lost: acknowledged but not stored. Duplicated: a control id stored twice, or a message
    whose readings were stored more or fewer than 8 times."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(hl7_messages.c.control_id, func.count(vital_readings.c.id))
                .outerjoin(vital_readings, vital_readings.c.message_id == hl7_messages.c.id)
                .where(hl7_messages.c.control_id.like(f"{tag}%"))
                .group_by(hl7_messages.c.id, hl7_messages.c.control_id)
            ).all()
    finally:
        engine.dispose()
    stored = Counter(control for control, _n in rows)
    wrong = sum(1 for _c, n in rows if n != 8)
    return {
        "lost": sum(1 for c in acked if c not in stored),
        "duplicated": sum(n - 1 for n in stored.values() if n > 1) + wrong,
    }


def a1_record(
    case: str, backend: str, chairs: int, r: ReplayResult, url: str, tag: str
) -> dict[str, Any]:
    return {
        "case": case,
        "backend": backend,
        "chairs": chairs,
        "messages_per_s": round(len(r.acked) / r.elapsed_s, 1) if r.elapsed_s else 0,
        "ack_p50_ms": pct(r.latencies_ms, 0.50),
        "ack_p99_ms": pct(r.latencies_ms, 0.99),
        "ack_max_ms": round(max(r.latencies_ms), 2) if r.latencies_ms else None,
        "messages": len(r.latencies_ms),
        "negative_acks": r.negative,
        "errors": r.errors,
        **integrity(url, tag, r.acked),
    }


def sink_integrity(url: str, tag: str, acked: Sequence[str]) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = Counter(
                conn.execute(
                    select(sink_messages.c.control_id).where(
                        sink_messages.c.control_id.like(f"{tag}%")
                    )
                ).scalars()
            )
    finally:
        engine.dispose()
    return {
        "lost": sum(1 for c in acked if c not in stored),
        "duplicated": sum(n - 1 for n in stored.values() if n > 1),
    }


def sink_record(
    case: str, backend: str, chairs: int, r: ReplayResult, url: str, tag: str
) -> dict[str, Any]:
    return {
        "case": case,
        "backend": backend,
        "chairs": chairs,
        "messages_per_s": round(len(r.acked) / r.elapsed_s, 1) if r.elapsed_s else 0,
        "ack_p50_ms": pct(r.latencies_ms, 0.50),
        "ack_p99_ms": pct(r.latencies_ms, 0.99),
        "messages": len(r.latencies_ms),
        "negative_acks": r.negative,
        "errors": r.errors,
        **sink_integrity(url, tag, r.acked),
    }


def with_ratios(
    record: dict[str, Any], sink_1hz: dict[str, Any], sink_sat: dict[str, Any]
) -> dict[str, Any]:
    """Each figure also as a ratio to the reference sink at the same load (throughput to the
    sink's saturation)."""

    def ratio(a: Any, b: Any) -> float | None:
        return round(float(a) / float(b), 3) if a is not None and b else None

    saturation = record["case"].endswith("saturation")
    sink = sink_sat if saturation else sink_1hz
    return {
        **record,
        "ratio_to_sink": {
            "messages_per_s": ratio(record["messages_per_s"], sink_sat["messages_per_s"]),
            "ack_p50_ms": ratio(record["ack_p50_ms"], sink["ack_p50_ms"]),
            "ack_p99_ms": ratio(record["ack_p99_ms"], sink["ack_p99_ms"]),
        },
    }


def alarm_raises(url: str) -> set[tuple[int, int]]:
    """Every (alarm id, repeat) raised so far: an alarm whose condition came back before anyone
    acknowledged it is raised again under the same id (``repeat_count``)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(alarms.c.id, alarms.c.repeat_count)).all()
            return {(int(i), r) for i, n in rows for r in range(1, int(n or 1) + 1)}
    finally:
        engine.dispose()


def run_a3(
    backend: str, base: str, port: int, url: str, monitors: list[Monitor], plan: Plan
) -> dict[str, Any]:
    before = alarm_raises(url)
    per_s = max(len(monitors) / 2, 1)  # every other message of every chair is a crossing
    crossings = min(plan.a3_crossings, int(per_s * A3_MAX_S))
    seconds = crossings / per_s + 3
    clients = SseClients(base, plan.a3_clients, plan.sse_processes)
    connected = clients.wait_connected(120)  # every stream open before the first crossing
    load = replay(
        "127.0.0.1", port, monitors, seconds=seconds, rate_hz=1.0, crossings=crossings, tag="A3"
    )
    results = clients.results(grace_s=3)
    raised = alarm_raises(url) - before
    delays, missed, duplicated = [], 0, 0
    for client in results:
        ids = Counter(i for i, _d in client["alarms"] if i in raised)
        missed += len(raised - set(ids))
        duplicated += sum(n - 1 for n in ids.values() if n > 1)
        delays += [d for i, d in client["alarms"] if i in raised]
    return {
        **a1_record("A3", backend, len(monitors), load, url, "A3"),
        "sse_clients": plan.a3_clients,
        "sse_connected": connected,
        "crossings_sent": load.crossings,
        "alarms_raised": len(raised),
        "alarm_p50_ms": pct(delays, 0.5),
        "alarm_p99_ms": pct(delays, 0.99),
        "alarm_p999_ms": pct(delays, 0.999),
        "missed": missed,
        "duplicated_alarms": duplicated,
        "dropped_streams": sum(c["dropped"] for c in results),
    }


def run_a4(
    backend: str, base: str, port: int, url: str, monitors: list[Monitor], plan: Plan
) -> dict[str, Any]:
    started = time.monotonic()
    clients = SseClients(base, plan.a4_clients, plan.sse_processes, shared=plan.a4_shared_signin)
    connected = clients.wait_connected(180)
    connect_s = round(time.monotonic() - started, 1)
    load = replay("127.0.0.1", port, monitors, seconds=plan.a4_seconds, rate_hz=1.0, tag="A4")
    results = clients.results(grace_s=2)
    delays = [d for c in results for d in c["chairs"]]
    return {
        **a1_record("A4", backend, len(monitors), load, url, "A4"),
        "sse_clients": plan.a4_clients,
        "sse_connected": connected,
        "connect_s": connect_s,
        "shared_signin": plan.a4_shared_signin,
        "chair_events": len(delays),
        "delivery_p50_ms": pct(delays, 0.5),
        "delivery_p99_ms": pct(delays, 0.99),
        "dropped_streams": sum(c["dropped"] for c in results),
        "refused_attempts": sum(c["refused"] for c in results),
        "clients_failed": sum(c["failed"] for c in results),
        "clients_with_events": sum(1 for c in results if c["chairs"]),
    }


@contextmanager
def database(backend: str, args: argparse.Namespace, var_dir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{(var_dir / 'ingest.db').as_posix()}"
        return
    with postgres_database(args.database_url) as url:
        yield url


def bench_backend(backend: str, args: argparse.Namespace, plan: Plan) -> list[dict[str, Any]]:
    chairs = plan.chairs_sqlite if backend == "sqlite" else plan.chairs_pg
    with (
        tempfile.TemporaryDirectory(prefix="kc-bench-ingest-") as tmp,
        database(backend, args, Path(tmp)) as url,
    ):
        secret = secrets.token_urlsafe(32)
        monitors = seed(url, Path(tmp), secret, max(chairs, plan.a4_chairs))
        if len(monitors) < max(chairs, plan.a4_chairs):
            raise RuntimeError(f"only {len(monitors)} bench sessions could be started")
        extra = postgres_settings(url) if backend == "postgres" else {"synchronous": "FULL"}
        records: list[dict[str, Any]] = [{"case": "setup", "backend": backend, **extra}]
        n = len(monitors[:chairs])
        with sink_serving(url, Path(tmp)) as sink_port:
            calm = replay(
                "127.0.0.1",
                sink_port,
                monitors[:chairs],
                seconds=plan.seconds,
                rate_hz=1.0,
                tag="S1",
            )
            sink_1hz = sink_record("reference-sink-1hz", backend, n, calm, url, "S1")
            full = replay(
                "127.0.0.1",
                sink_port,
                monitors[:chairs],
                seconds=plan.saturation_s,
                rate_hz=None,
                tag="SS",
            )
            sink_sat = sink_record("reference-sink", backend, n, full, url, "SS")
        records += [sink_1hz, sink_sat]
        listeners = plan.pg_listeners if backend == "postgres" else 1
        records[0]["listeners"] = listeners
        with serving(backend, url, Path(tmp), secret, listeners) as (base, port):
            run = replay(
                "127.0.0.1", port, monitors[:chairs], seconds=plan.seconds, rate_hz=1.0, tag="A1"
            )
            a1 = a1_record("A1", backend, n, run, url, "A1")
            records.append(with_ratios(a1, sink_1hz, sink_sat))
            sat = replay(
                "127.0.0.1",
                port,
                monitors[:chairs],
                seconds=plan.saturation_s,
                rate_hz=None,
                tag="SAT",
            )
            saturated = a1_record("A1-saturation", backend, n, sat, url, "SAT")
            records.append(with_ratios(saturated, sink_1hz, sink_sat))
            records.append(run_a3(backend, base, port, url, monitors[:chairs], plan))
            records.append(run_a4(backend, base, port, url, monitors[: plan.a4_chairs], plan))
        return records


def postgres_available(url: str) -> bool:
    try:
        engine = make_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args, plan = parse(argv)
    backends = [] if args.postgres_only else ["sqlite"]
    if not args.sqlite_only and postgres_available(args.database_url):
        backends.append("postgres")
    records: list[dict[str, Any]] = [{"case": "machine", "plan": plan.__dict__, **machine()}]
    _emit(records[0])
    if plan.fsync_s and "postgres" in backends:
        with tempfile.TemporaryDirectory(prefix="kc-fsync-") as tmp:
            records.append(
                {"case": "pg_test_fsync", "output": pg_test_fsync(plan.fsync_s, Path(tmp))}
            )
        _emit(records[-1])
    for backend in backends:
        for record in bench_backend(backend, args, plan):
            records.append(record)
            _emit(record)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        with (RESULTS / f"ingest-{datetime.now(UTC).date().isoformat()}.jsonl").open("a") as out:
            out.writelines(json.dumps(r) + "\n" for r in records)
    failed = any(r.get("lost") or r.get("duplicated") for r in records)
    return 1 if failed else 0


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    sys.exit(main())
