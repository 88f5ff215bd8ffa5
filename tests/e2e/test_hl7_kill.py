"""Acceptance: SIGKILL the ``ketaclinic hl7-listen`` process in the middle of a replay; every
reading it acknowledged (AA) is in the database afterwards (the ACK follows the commit)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.infusion.tables import hl7_messages, vital_readings
from ketaclinic.adapters.hl7.client import MllpClient
from ketaclinic.services.infusion.demo_sessions import DemoMonitor
from tests.conftest import PG_URL_ENV, _postgres_database, make_world, require_tier
from tests.infusion_world import pcd01, running_sessions

pytestmark = pytest.mark.both_backends  # the outcome depends on the backend

READINGS_PER_MESSAGE = 8
KILL_AFTER_ACKS = 60


def _start_listener(db_url: str, tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    env = {
        **os.environ,
        "KETACLINIC_DATABASE_URL": db_url,
        "KETACLINIC_ENVIRONMENT": "test",
        "KETACLINIC_SECRET_KEY": "k" * 40,
        "KETACLINIC_VAR_DIR": str(tmp_path),
    }
    cli = Path(sys.executable).with_name("ketaclinic")
    proc = subprocess.Popen(
        [str(cli), "hl7-listen", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "hl7 listener on 127.0.0.1:" in line, line
    return proc, int(line.split(":")[1].split()[0])


def _replay(port: int, monitor: DemoMonitor, acked: list[str], stop: threading.Event) -> None:
    """Send numbered messages one after another, keeping the control ids that got AA."""
    try:
        with MllpClient("127.0.0.1", port, timeout_s=10) as client:
            for n in range(100_000):
                if stop.is_set():
                    return
                control = f"{monitor.device_id}-{n:06d}"
                ack = client.send(pcd01(monitor, control, datetime.now(UTC)))
                if b"MSA|AA|" in ack:
                    acked.append(control)
    except OSError:
        return  # the listener was killed mid-exchange: that message was not acknowledged


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'kill.db').as_posix()}"
        return
    base = os.environ.get(PG_URL_ENV, "")
    require_tier(bool(base), "postgres", f"{PG_URL_ENV} is not set")
    yield from _postgres_database(base)


def test_sigkill_mid_replay_loses_no_acknowledged_reading(
    tmp_path: Path, database_url: str
) -> None:
    """Six monitors send at once, so the listener commits batches of several messages; the
    kill lands while batches are in flight."""
    url = database_url
    engine = make_engine(url)
    migrate.upgrade(engine)
    world = make_world(engine, tmp_path)
    monitors = running_sessions(world, count=6, chairs=6, patients=6)
    proc, port = _start_listener(url, tmp_path)
    acked: list[str] = []
    stop = threading.Event()
    senders = [threading.Thread(target=_replay, args=(port, m, acked, stop)) for m in monitors]
    try:
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 60
        while len(acked) < KILL_AFTER_ACKS and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # mid-replay: the senders are still sending
        proc.wait(timeout=10)
    finally:
        stop.set()
        for sender in senders:
            sender.join(timeout=20)
        if proc.poll() is None:
            proc.kill()
        if proc.stdout is not None:
            proc.stdout.close()
    assert len(acked) >= KILL_AFTER_ACKS
    engine.dispose()
    survivor = make_engine(url)  # a fresh connection recovers the WAL as after a crash
    with survivor.connect() as conn:
        stored = set(conn.execute(select(hl7_messages.c.control_id)).scalars())
        readings = dict(
            conn.execute(
                select(hl7_messages.c.control_id, func.count(vital_readings.c.id))
                .join(vital_readings, vital_readings.c.message_id == hl7_messages.c.id)
                .group_by(hl7_messages.c.control_id)
            ).all()
        )
    survivor.dispose()
    missing = [c for c in acked if c not in stored]
    assert missing == []
    assert all(readings[c] == READINGS_PER_MESSAGE for c in acked)
