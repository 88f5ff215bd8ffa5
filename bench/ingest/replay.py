"""MLLP replay: one connection per chair sending PCD-01 (12 OBX) and waiting for each ACK.

``rate_hz`` paces each chair (A1: 1 Hz); ``rate_hz=None`` sends back to back (saturation).
``crossings`` > 0 alternates hypertensive (SBP 210 mmHg) and normal messages on every chair until
that many limit crossings were sent: each crossing raises one ``bp-systolic-severe`` alarm and the
normal reading after it clears the condition (A3).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from bench.ingest.setup import Monitor
from ketaclinic.adapters.hl7.builder import MonitorSnapshot, build_pcd01
from ketaclinic.adapters.hl7.client import MllpClient


@dataclass
class ReplayResult:
    latencies_ms: list[float] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    negative: int = 0
    errors: int = 0
    crossings: int = 0
    elapsed_s: float = 0.0


def _snapshot(surge: bool) -> MonitorSnapshot:
    sbp = 210 if surge else 122
    return MonitorSnapshot(
        at=datetime.now(UTC),
        sbp_mmhg=Decimal(sbp),
        dbp_mmhg=Decimal(78),
        map_mmhg=Decimal((sbp + 156) // 3),
        hr_per_min=Decimal(74),
        spo2_pct=Decimal(98),
        rr_per_min=Decimal(14),
    )


class _Budget:
    def __init__(self, total: int) -> None:
        self._left, self._lock = total, threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def replay(
    host: str,
    port: int,
    monitors: Sequence[Monitor],
    *,
    seconds: float,
    rate_hz: float | None,
    crossings: int = 0,
    tag: str = "A",
) -> ReplayResult:
    """Run one sender thread per monitor for ``seconds``; merge their results."""
    result, lock = ReplayResult(), threading.Lock()
    budget = _Budget(crossings)
    start = time.perf_counter()
    deadline = start + seconds
    threads = [
        threading.Thread(
            target=_chair,
            args=(
                host,
                port,
                m,
                deadline,
                rate_hz,
                budget,
                crossings > 0,
                f"{tag}{m.chair_id}",
                result,
                lock,
                i / len(monitors),
            ),
            daemon=True,
        )
        for i, m in enumerate(monitors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed_s = time.perf_counter() - start
    return result


def _chair(
    host: str,
    port: int,
    monitor: Monitor,
    deadline: float,
    rate_hz: float | None,
    budget: _Budget,
    surging: bool,
    prefix: str,
    result: ReplayResult,
    lock: threading.Lock,
    phase: float,
) -> None:
    mine = ReplayResult()
    try:
        client = MllpClient(host, port, timeout_s=30)
    except OSError:
        with lock:
            result.errors += 1
        return
    # monitors are not synchronised: chair i starts i/N of a period after the first
    next_at = time.perf_counter() + (phase / rate_hz if rate_hz else 0.0)
    with client:
        for n in itertools.count():
            now = time.perf_counter()
            if now >= deadline:
                break
            if rate_hz is not None and now < next_at:
                time.sleep(next_at - now)
            next_at += 1.0 / rate_hz if rate_hz else 0.0
            surge = surging and n % 2 == 0 and budget.take()
            control = f"{prefix}-{n:07d}"
            raw = build_pcd01(
                _snapshot(surge),
                control_id=control,
                patient_id=monitor.mrn,
                device_eui64=monitor.device_id,
                full=True,
                millis=True,  # the board's delivery delay is measured from this time
            )
            t0 = time.perf_counter()
            try:
                ack = client.send(raw)
            except OSError:
                mine.errors += 1
                break
            mine.latencies_ms.append((time.perf_counter() - t0) * 1000)
            if b"MSA|AA|" in ack:
                mine.acked.append(control)
                mine.crossings += surge
            else:
                mine.negative += 1
    with lock:
        result.latencies_ms += mine.latencies_ms
        result.acked += mine.acked
        result.negative += mine.negative
        result.errors += mine.errors
        result.crossings += mine.crossings
