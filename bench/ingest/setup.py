"""Bench clinic: migrated database, a signed-off adult IV pack, N chairs with infusing sessions and
fake monitors (through the real services, demo attestations), and a nurse who signs in to the
board. Synthetic data only."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from glob import glob
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.bootstrap import build
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY, start_demo_sessions
from ketaclinic.settings import Environment, Settings

PASSWORD = "copper-meadow-lantern"
NURSE = "nurse@bench.ketaclinic.test"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Monitor:
    chair_id: int
    device_id: str
    mrn: str


def settings_for(url: str, var_dir: Path, secret: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        var_dir=var_dir,
        database_url=url,
        secret_key=SecretStr(secret),
    )


def seed(url: str, var_dir: Path, secret: str, chairs: int) -> list[Monitor]:
    """Create the bench clinic with ``chairs`` infusing sessions; return their monitors."""
    services = build(settings_for(url, var_dir, secret))
    try:
        migrate.upgrade(services.engine)
        clock = services.clock
        clinic = create_clinic(services.uow, clock, "bench", "Bench Clinic", "UTC", "BN")
        staff = {
            role: services.staff.bootstrap_create(
                clinic, NewStaff(email, f"Bench {role.value}", role, PASSWORD), by="bench"
            )
            for email, role in ((NURSE, Role.NURSE), ("md@bench.ketaclinic.test", Role.PHYSICIAN))
        }
        physician = Actor(staff[Role.PHYSICIAN].id, Role.PHYSICIAN, clinic.id, "bench")
        desk = Actor(staff[Role.NURSE].id, Role.NURSE, clinic.id, "bench")
        for published in services.protocols.publish(
            clinic.id, [shipped_protocol("adult-iv-induction")]
        ):
            items = services.protocols.signoff_items(physician, published.id)
            services.protocols.sign_off(physician, published.id, [i.path for i in items])
        with services.uow() as uow:
            for n in range(chairs):
                uow.clinics.add_chair(clinic.id, f"Chair {n + 1}", ("monitor",))
            uow.commit()
        _patients(services, desk, clinic.id, chairs)
        services.gateways.bootstrap_add(clinic.id, SIMULATOR_GATEWAY, by="bench")
        monitors = start_demo_sessions(
            services.uow,
            services.pathway(),
            services.sessions,
            clinic.id,
            workflow=services.session_workflow,
            count=chairs,
            clock=clock,
        )
        return [Monitor(m.session.chair_id, m.device_id, m.mrn) for m in monitors]
    finally:
        services.close()


def _patients(services: Any, actor: Actor, clinic_id: int, n: int) -> None:
    with services.uow() as uow:
        for i in range(n):
            given = "Bench" + LETTERS[i % 26] + LETTERS[(i // 26) % 26]
            born = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
            sex = SexAtBirth.FEMALE if i % 2 else SexAtBirth.MALE
            details = PatientDetails(given, "Demo-Ingest", born, sex)
            uow.patients.add(clinic_id, f"BN{i + 1:06d}", details, at=services.clock.now())
        uow.commit()


@contextlib.contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A throw-away database on the server of ``base_url``, dropped afterwards."""
    name = f"kc_bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_settings(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: str(conn.execute(text(f"SHOW {name}")).scalar_one())
                for name in ("synchronous_commit", "fsync", "wal_sync_method", "server_version")
            }
    finally:
        engine.dispose()


def machine() -> dict[str, Any]:
    cpu = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in info.read_text().splitlines()
                if ln.startswith("model name")
            ),
            "unknown",
        )
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def pg_test_fsync(seconds: int, directory: Path) -> str:
    """``pg_test_fsync -s N`` output (the disk's sync rate bounds durable commits per second)."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_test_fsync"))
    if not found:
        return "pg_test_fsync not found"
    result = subprocess.run(
        [found[-1], "-s", str(seconds), "-f", str(directory / "fsync.test")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.stdout + result.stderr
