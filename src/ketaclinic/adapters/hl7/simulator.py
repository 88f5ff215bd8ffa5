"""Demo monitor simulator: one MLLP connection per chair, a PCD-01 message every
:data:`SEND_EVERY_S` seconds.

A bedside monitor sends the record about one set of values a minute (or one per blood-pressure
cycle), not every few seconds; the simulator sends two a minute, which keeps each chair inside
the packs' allowed gap for continuous SpO2 and heart rate (their ``data-missing`` rules, 60 s)
without flooding the session's record. Values wander around a plausible baseline (seeded,
reproducible). Every ``surge_every_s`` seconds one monitor in turn sends a blood-pressure surge
(SBP >= 200 mmHg for two messages), which the adult IV pack's ``bp-systolic-severe`` rule turns
into a pause alarm on the live board, so a newcomer sees an alarm fire within the first minute.
Synthetic data for the demo clinic only.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from typing import Protocol

from ketaclinic.adapters.hl7.builder import MonitorSnapshot, build_pcd01
from ketaclinic.adapters.hl7.client import MllpClient

log = logging.getLogger(__name__)
#: Seconds between a demo monitor's messages: two a minute per chair.
SEND_EVERY_S = 30.0
#: Seconds between blood-pressure surges (one monitor in turn), and before the first.
SURGE_EVERY_S = 600.0
FIRST_SURGE_S = 15.0


class Monitor(Protocol):
    @property
    def device_id(self) -> str: ...
    @property
    def mrn(self) -> str: ...


def vitals(rng: random.Random, at: datetime, surge: bool) -> MonitorSnapshot:
    """One synthetic snapshot; ``surge`` gives a hypertensive reading (SBP 200-215 mmHg)."""
    sbp = rng.randint(200, 215) if surge else rng.randint(112, 138)
    dbp = rng.randint(95, 108) if surge else rng.randint(68, 86)
    return MonitorSnapshot(
        at=at,
        sbp_mmhg=Decimal(sbp),
        dbp_mmhg=Decimal(dbp),
        map_mmhg=Decimal((sbp + 2 * dbp) // 3),
        hr_per_min=Decimal(rng.randint(62, 94)),
        spo2_pct=Decimal(rng.randint(95, 99)),
        rr_per_min=Decimal(rng.randint(12, 18)),
    )


def simulate(
    host: str,
    port: int,
    monitors: Sequence[Monitor],
    *,
    every_s: float = SEND_EVERY_S,
    duration_s: float | None = None,
    surge_every_s: float = SURGE_EVERY_S,
    first_surge_s: float = FIRST_SURGE_S,
    stop: threading.Event | None = None,
    seed: int = 7,
) -> int:
    """Send until ``duration_s`` or ``stop``; returns the number of messages acknowledged AA."""
    stop = stop or threading.Event()
    rng = random.Random(seed)  # noqa: S311 - synthetic demo values, not security
    clients: dict[str, MllpClient] = {}
    started = time.monotonic()
    ids = count(1)
    acked = 0
    try:
        while not stop.is_set():
            elapsed = time.monotonic() - started
            if duration_s is not None and elapsed >= duration_s:
                break
            surging = _surging(elapsed, len(monitors), every_s, surge_every_s, first_surge_s)
            for index, monitor in enumerate(monitors):
                snap = vitals(rng, datetime.now(UTC), index == surging)
                acked += _send(host, port, clients, monitor, snap, f"SIM{next(ids):08d}")
            stop.wait(every_s)
    finally:
        for client in clients.values():
            client.close()
    return acked


def _surging(elapsed: float, n: int, every_s: float, period_s: float, first_s: float) -> int:
    """Index of the monitor surging now (two messages per surge), or -1."""
    if n == 0 or elapsed < first_s:
        return -1
    since = (elapsed - first_s) % period_s
    return int((elapsed - first_s) // period_s) % n if since < 2 * every_s else -1


def _send(
    host: str,
    port: int,
    clients: dict[str, MllpClient],
    monitor: Monitor,
    snap: MonitorSnapshot,
    control_id: str,
) -> int:
    message = build_pcd01(
        snap,
        control_id=control_id,
        patient_id=monitor.mrn,
        device_eui64=monitor.device_id,
        full=True,
    )
    try:
        client = clients.get(monitor.device_id) or MllpClient(host, port, timeout_s=10)
        clients[monitor.device_id] = client
        ack = client.send(message)
    except OSError as exc:  # listener not up yet or restarted: reconnect next round
        log.warning("simulator.send_failed error=%s", type(exc).__name__)
        stale = clients.pop(monitor.device_id, None)
        if stale is not None:
            stale.close()
        return 0
    return 1 if b"MSA|AA|" in ack else 0
