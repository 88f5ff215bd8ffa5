"""The MLLP listener over a real loopback socket with a stub handler that parses and ACKs."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.adapters.hl7.ack import build_ack, build_rejection_ack
from ketaclinic.adapters.hl7.builder import MonitorSnapshot, build_pcd01
from ketaclinic.adapters.hl7.client import MllpClient
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.hl7.message import Header
from ketaclinic.adapters.hl7.mllp import END, START, frame
from ketaclinic.adapters.hl7.parse import ParsedMessage, parse_or_reject
from ketaclinic.adapters.hl7.server import (
    FrameErrorHook,
    Hl7Listener,
    ListenerLimits,
    serve,
)
from ketaclinic.services.infusion.monitor_messages import IngestResult

pytestmark = pytest.mark.both_backends  # the outcome depends on the backend

AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


class StubHandler:
    """Parses, records the control ids it 'committed', then returns the ACK."""

    def __init__(self) -> None:
        self.committed: list[str] = []

    async def __call__(self, raw: bytes, source: str = "") -> bytes:
        result = parse_or_reject(raw, naive_tz=ZoneInfo("UTC"))
        if not isinstance(result, ParsedMessage):
            return build_rejection_ack(result, at=AT)
        if result.control_id == "EXPLODE":
            raise RuntimeError("simulated commit failure")
        self.committed.append(result.control_id)
        header = Header(result.control_id, "ORU^R01", "2.6", result.sending_application, "")
        return build_ack(header, "AA", at=AT)


class LoopThread:
    """Runs the listener on its own event loop so the synchronous client can talk to it."""

    def __init__(
        self,
        handler: Callable[[bytes, str], Awaitable[bytes]],
        max_frame_bytes: int,
        *,
        limits: ListenerLimits | None = None,
        tls: ssl.SSLContext | None = None,
        on_frame_error: FrameErrorHook | None = None,
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        limits = limits or ListenerLimits(max_frame_bytes=max_frame_bytes)
        future = asyncio.run_coroutine_threadsafe(
            serve("127.0.0.1", 0, handler, limits=limits, tls=tls, on_frame_error=on_frame_error),
            self.loop,
        )
        self.listener: Hl7Listener = future.result(timeout=10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.listener.close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def handler() -> StubHandler:
    return StubHandler()


@pytest.fixture
def listener(handler: StubHandler) -> Iterator[LoopThread]:
    running = LoopThread(handler, max_frame_bytes=4096)
    yield running
    running.stop()


def message(control_id: str, sbp: int = 120) -> bytes:
    snapshot = MonitorSnapshot(
        at=AT,
        sbp_mmhg=Decimal(sbp),
        dbp_mmhg=Decimal(80),
        map_mmhg=Decimal(93),
        hr_per_min=Decimal(70),
        spo2_pct=Decimal(98),
        rr_per_min=Decimal(14),
    )
    return build_pcd01(
        snapshot,
        control_id=control_id,
        patient_id="ZZ-0001",
        device_eui64="00000000000000AA",
        full=True,
    )


def msa(ack: bytes) -> list[str]:
    return ack.split(b"\r")[1].decode("ascii").split("|")


def test_valid_message_gets_aa_after_handler_commits(
    listener: LoopThread, handler: StubHandler
) -> None:
    with MllpClient("127.0.0.1", listener.listener.port) as client:
        ack = client.send(message("CTL-1"))
    assert msa(ack)[:3] == ["MSA", "AA", "CTL-1"]
    assert handler.committed == ["CTL-1"]


def test_garbage_frame_gets_negative_ack_then_valid_message_still_gets_aa(
    listener: LoopThread, handler: StubHandler
) -> None:
    with MllpClient("127.0.0.1", listener.listener.port) as client:
        bad = client.send(b"this is not HL7 \xff\xfe")
        good = client.send(message("CTL-2"))
    assert msa(bad)[1] == "AR"
    assert msa(good)[:3] == ["MSA", "AA", "CTL-2"]
    assert handler.committed == ["CTL-2"]


def test_oversized_and_truncated_frames_get_ar_and_connection_survives(
    listener: LoopThread, handler: StubHandler
) -> None:
    with MllpClient("127.0.0.1", listener.listener.port) as client:
        client.send_raw(frame(b"MSH|" + b"A" * 5000))
        oversized = client.receive()
        client.send_raw(START + b"MSH|^~\\&|cut" + START + message("CTL-3") + END)
        truncated = client.receive()
        good = client.receive()
        client.send_raw(b"\r\nnoise between frames")
        after_noise = client.send(message("CTL-4"))
    assert msa(oversized)[1] == "AR" and "oversized" in msa(oversized)[3]
    assert msa(truncated)[1] == "AR" and "truncated" in msa(truncated)[3]
    assert msa(good)[:3] == ["MSA", "AA", "CTL-3"]
    assert msa(after_noise)[:3] == ["MSA", "AA", "CTL-4"]
    assert handler.committed == ["CTL-3", "CTL-4"]


def test_handler_failure_gets_ar_not_aa_and_connection_survives(
    listener: LoopThread, handler: StubHandler
) -> None:
    with MllpClient("127.0.0.1", listener.listener.port) as client:
        failed = client.send(message("EXPLODE"))
        good = client.send(message("CTL-5"))
    assert msa(failed)[:3] == ["MSA", "AR", "EXPLODE"]
    assert msa(good)[:3] == ["MSA", "AA", "CTL-5"]


def test_many_concurrent_connections_each_get_their_own_acks(
    listener: LoopThread, handler: StubHandler
) -> None:
    results: dict[int, list[str]] = {}

    def chair(number: int) -> None:
        with MllpClient("127.0.0.1", listener.listener.port) as client:
            results[number] = [msa(client.send(message(f"C{number}-{i}")))[2] for i in range(5)]

    threads = [threading.Thread(target=chair, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {n: [f"C{n}-{i}" for i in range(5)] for n in range(20)}
    assert sorted(handler.committed) == sorted(f"C{n}-{i}" for n in range(20) for i in range(5))


def test_clean_shutdown_with_open_connection(handler: StubHandler) -> None:
    running = LoopThread(handler, max_frame_bytes=4096)
    client = MllpClient("127.0.0.1", running.listener.port, timeout_s=5)
    assert msa(client.send(message("CTL-6")))[1] == "AA"
    running.stop()
    assert client._socket.recv(1) == b""  # the server closed the connection
    client.close()


def test_close_lets_a_handler_in_flight_commit_and_ack() -> None:
    """Shutdown while a message is being handled: its ACK still goes out after the commit."""
    entered = threading.Event()
    committed: list[str] = []
    holder: dict[str, Hl7Listener] = {}

    async def slow_handler(raw: bytes, source: str) -> bytes:
        entered.set()
        while not holder["listener"]._closing:  # finish only once shutdown has begun
            await asyncio.sleep(0.01)
        committed.append("CTL-7")
        return build_ack(Header("CTL-7", "ORU^R01", "2.6", "", ""), "AA", at=AT)

    running = LoopThread(slow_handler, max_frame_bytes=4096)
    holder["listener"] = running.listener
    client = MllpClient("127.0.0.1", running.listener.port, timeout_s=5)
    client.send_raw(frame(message("CTL-7")))
    assert entered.wait(timeout=5)
    running.stop()
    assert msa(client.receive())[:3] == ["MSA", "AA", "CTL-7"]
    assert committed == ["CTL-7"]
    client.close()


def test_listener_processes_share_one_port_only_when_asked(handler: StubHandler) -> None:
    async def run() -> None:
        first = await serve("127.0.0.1", 0, handler, reuse_port=True)
        try:
            second = await serve("127.0.0.1", first.port, handler, reuse_port=True)
            assert second.port == first.port
            await second.close()
            with pytest.raises(OSError):
                await serve("127.0.0.1", first.port, handler)
        finally:
            await first.close()

    asyncio.run(run())


class _SlowSweep:
    """Monitoring whose sweep holds until released; every message is stored."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def ingest_messages(self, clinic_id: int, messages: Sequence[object]) -> list[IngestResult]:
        return [IngestResult("stored", "AA") for _ in messages]

    def sweep(self, clinic_id: int) -> Sequence[object]:
        self.release.wait(10)
        return []


def test_a_long_overdue_vitals_sweep_does_not_hold_back_acks() -> None:
    monitoring = _SlowSweep()
    handler = MonitorMessageHandler(monitoring, 1, naive_tz=ZoneInfo("UTC"), clock=lambda: AT)

    async def run() -> bytes:
        sweep = asyncio.create_task(handler.sweep())
        await asyncio.sleep(0.05)  # the sweep is running
        try:
            return await asyncio.wait_for(handler(message("SWEEP-1"), "127.0.0.1"), 5)
        finally:
            monitoring.release.set()
            await sweep

    try:
        ack = asyncio.run(run())
    finally:
        handler.close()
    assert b"MSA|AA|SWEEP-1" in ack
