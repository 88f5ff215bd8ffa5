"""W1: patient chart page and patient search with 10,000 patients under 50 concurrent users.

Usage: ``python -m bench.web [--quick] [--database-url postgresql://...] [--patients N]
[--users N] [--requests N] [--results-dir DIR]``

For each backend (SQLite always; PostgreSQL when ``--database-url`` or
``KETACLINIC_TEST_DATABASE_URL`` is given) it migrates a fresh database, seeds the synthetic
clinic, starts the real app in a separate uvicorn process, signs every user in through the sign-in
form, then measures each case with all users requesting at once. Prints one JSON object per case
(``{"bench", "backend", "case", "page", "patients", "users", "requests", "errors", "p50_ms",
"p95_ms", "p99_ms", "max_ms", "throughput_rps", "audit_events", "audited"}``; ``page`` is
``case``, ``audited`` is true when the case left at least one committed patient audit event per
request made) plus one ``dataset`` line per backend, and appends them to
``bench/results/web-<date>.jsonl``. Exits 1 when any request failed, returned a wrong page or
went unaudited.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from bench.web.load import Case, run_case, signed_in_client
from bench.web.seed import PASSWORD, BenchClinic, seed
from bench.web.server import serving
from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.bootstrap import build
from ketaclinic.settings import Environment, Settings

RESULTS = Path(__file__).resolve().parents[1] / "results"
PG_ENV = "KETACLINIC_TEST_DATABASE_URL"
FOUND_ROW = '<tr><td><a href="/patients/'  # a search that finds nobody counts as an error


@dataclass(frozen=True, slots=True)
class Plan:
    patients: int
    users: int
    requests: int
    warmup: int


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Plan]:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 patients, fewer requests")
    parser.add_argument("--patients", type=int, help="patients to seed (default 10,000)")
    parser.add_argument("--users", type=int, help="concurrent signed-in users (default 50)")
    parser.add_argument("--requests", type=int, help="timed requests per user per case")
    parser.add_argument("--database-url", default=os.environ.get(PG_ENV, ""))
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    base = Plan(1_000, 50, 10, 2) if args.quick else Plan(10_000, 50, 50, 3)
    plan = Plan(
        args.patients or base.patients,
        args.users or base.users,
        args.requests or base.requests,
        base.warmup,
    )
    return args, plan


def cases(bench: BenchClinic) -> list[Case]:
    ids, families = bench.patient_ids, bench.family_names

    def chart(client: httpx.Client, rng: random.Random) -> httpx.Response:
        return client.get(f"/patients/{rng.choice(ids)}")

    def search(client: httpx.Client, rng: random.Random) -> httpx.Response:
        return client.get("/patients", params={"q": rng.choice(families).lower()})

    def search_live(client: httpx.Client, rng: random.Random) -> httpx.Response:
        q = rng.choice(families).removeprefix("Demo-")
        return client.get("/patients", params={"q": q}, headers={"hx-request": "true"})

    return [
        Case("chart", chart, 'data-field="mrn"'),
        Case("search", search, FOUND_ROW),
        Case("search_live", search_live, FOUND_ROW),
    ]


def patient_audit_events(engine: Engine) -> int:
    """Audit events naming a patient, as the database holds them (committed only)."""
    with engine.connect() as conn:
        found = conn.execute(
            select(func.count())
            .select_from(audit_events)
            .where(audit_events.c.patient_id.isnot(None))
        )
        return int(found.scalar_one())


def machine() -> dict[str, Any]:
    cpu = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A throw-away database on the server of ``base_url``, dropped afterwards."""
    name = f"kc_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, var_dir: Path, secret: str, plan: Plan) -> tuple[BenchClinic, float]:
    """Migrate and seed; returns the clinic and the seed time in seconds.

    Seeding runs with test-strength argon2 parameters: the hash carries its parameters, so the
    server verifies the 20 sign-ins quickly too. Sign-in is not what this benchmark measures.
    """
    settings = Settings(
        environment=Environment.TEST,
        var_dir=var_dir,
        database_url=url,
        secret_key=SecretStr(secret),
    )
    services = build(settings)
    try:
        migrate.upgrade(services.engine)
        t0 = time.perf_counter()
        bench = seed(services, plan.patients, plan.users)
        return bench, time.perf_counter() - t0
    finally:
        services.close()


def bench_backend(backend: str, url: str, var_dir: Path, plan: Plan) -> list[dict[str, Any]]:
    secret = secrets.token_urlsafe(48)
    bench, seed_s = prepare(url, var_dir, secret, plan)
    head = {"bench": "web", "backend": backend, "patients": plan.patients}
    records: list[dict[str, Any]] = []
    audit = make_engine(url)
    with serving(url, var_dir, secret) as base:
        t0 = time.perf_counter()
        clients = [signed_in_client(base, email, PASSWORD) for email in bench.logins]
        signin_s = time.perf_counter() - t0
        try:
            for n, case in enumerate(cases(bench)):
                before = patient_audit_events(audit)
                result = run_case(clients, case, plan.requests, plan.warmup, seed=n + 1)
                written = patient_audit_events(audit) - before
                made = len(clients) * (plan.requests + plan.warmup)
                # every page read names at least one patient, so it leaves at least one event
                audited = {"page": case.name, "audit_events": written, "audited": written >= made}
                records.append({**head, **result, **audited})
        finally:
            for client in clients:
                client.close()
            audit.dispose()
    dataset = {"seed_s": round(seed_s, 2), "signin_s": round(signin_s, 2), **machine()}
    records.insert(0, {**head, "case": "dataset", "users": plan.users, **dataset})
    return records


def backends(args: argparse.Namespace) -> list[str]:
    return ["sqlite"] if args.sqlite_only or not args.database_url else ["sqlite", "postgres"]


def run_backend(backend: str, args: argparse.Namespace, plan: Plan) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="kc-bench-web-") as tmp:
        var_dir = Path(tmp)
        if backend == "sqlite":
            return bench_backend(backend, f"sqlite:///{var_dir / 'bench.db'}", var_dir, plan)
        with postgres_database(args.database_url) as url:
            return bench_backend(backend, url, var_dir, plan)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print and record one JSON line per case; 1 when any request failed."""
    args, plan = parse(argv)
    out = args.results_dir / f"web-{datetime.now(UTC).date().isoformat()}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    failed = 0
    for backend in backends(args):
        for record in run_backend(backend, args, plan):
            line = json.dumps(record)
            print(line, flush=True)
            with out.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
            failed += int(record.get("errors", 0))
            failed += int(record.get("audited") is False)
    if failed:
        print(
            f"web benchmark: {failed} requests failed, returned a wrong page or went unaudited",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
