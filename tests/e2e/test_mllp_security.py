"""Attacks on the MLLP listener, reproduced over real loopback sockets against the real handler,
monitoring service and database (SQLite and PostgreSQL): a forged sender, TLS with and without a
client certificate, connection caps, idle and slow senders, oversized frames and the memory they
may hold, dead-letter bounds, MSH-10 reuse, old HL7 versions and implausible times. Also: an ACK
never precedes its batch's commit, and an alarm raised from a batch reaches a subscribed board.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ketaclinic.adapters.db.infusion.tables import hl7_dead_letters, hl7_messages, vital_readings
from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.adapters.hl7.client import AckTimeout, MllpClient
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.hl7.mllp import START
from ketaclinic.adapters.hl7.server import ListenerLimits
from ketaclinic.domain.infusion.vitals import ReadingSource
from ketaclinic.entrypoints.hl7_listener import exposure_problem
from ketaclinic.services.infusion.demo_sessions import DemoMonitor
from ketaclinic.services.infusion.monitoring import MonitoringService
from ketaclinic.settings import Settings
from tests.conftest import World
from tests.e2e.test_mllp_listener import LoopThread
from tests.infusion_world import pcd01, register_gateway, running_sessions

pytestmark = pytest.mark.both_backends  # the outcome depends on the backend


def msa(ack: bytes) -> list[str]:
    return next(s for s in ack.decode().split("\r") if s.startswith("MSA")).split("|")


def count(world: World, table: Any) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


#: The readings a device sent: the pre-dose checklist's baseline (entered by hand) left out.
DEVICE_READINGS = (
    select(vital_readings).where(vital_readings.c.source != ReadingSource.STAFF.value).subquery()
)


def audit_actions(world: World) -> list[tuple[str, str, str]]:
    with world.services.engine.connect() as conn:
        rows = conn.execute(
            select(audit_events.c.action, audit_events.c.outcome, audit_events.c.detail)
            .where(audit_events.c.action.like("hl7.%"))
            .order_by(audit_events.c.id)
        ).all()
    return [(r.action, r.outcome, r.detail) for r in rows]


def handler_for(world: World, monitoring: MonitoringService | None = None) -> MonitorMessageHandler:
    return MonitorMessageHandler(
        monitoring or world.services.monitoring,
        world.clinic.id,
        naive_tz=ZoneInfo("UTC"),
        clock=world.clock.now,
    )


@pytest.fixture
def monitor(world: World) -> DemoMonitor:
    [running] = running_sessions(world)  # registers the loopback KETASIM gateway
    world.clock.current = datetime.now(UTC).replace(microsecond=0)
    return running


def listen(world: World, limits: ListenerLimits | None = None, **kw: Any) -> Iterator[LoopThread]:
    handler = handler_for(world)
    running = LoopThread(handler, 65_536, limits=limits, on_frame_error=handler.frame_error, **kw)
    try:
        yield running
    finally:
        running.stop()
        handler.close()


@pytest.fixture
def listener(world: World, monitor: DemoMonitor) -> Iterator[LoopThread]:
    yield from listen(world)


def send(port: int, raw: bytes) -> bytes:
    with MllpClient("127.0.0.1", port, timeout_s=10) as client:
        return client.send(raw)


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    sock.settimeout(within_s)
    try:
        while True:
            data = sock.recv(65_536)
            if not data:
                return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True


# --- who may send -------------------------------------------------------------------------


def test_a_sender_outside_the_registry_gets_ar_nothing_stored_and_an_audit_event(
    world: World, monitor: DemoMonitor, listener: LoopThread
) -> None:
    forged = pcd01(monitor, "FORGED-1", world.clock.now(), sbp=230)
    forged = forged.replace(b"|KETASIM^", b"|EVILAPP^", 1)  # MSH-3 no gateway registered
    ack = send(listener.listener.port, forged)
    assert msa(ack)[1] == "AR" and "sender not registered" in ack.decode()
    assert count(world, DEVICE_READINGS) == 0 and count(world, hl7_messages) == 0
    [(action, outcome, detail)] = audit_actions(world)
    assert (action, outcome) == ("hl7.sender_refused", "denied")
    assert "msh3=EVILAPP" in detail and "source=127.0.0.1" in detail
    assert monitor.mrn not in detail  # no patient identifier in the audit detail


def test_a_registered_application_from_an_unregistered_address_is_refused(
    world: World, monitor: DemoMonitor
) -> None:
    with world.services.uow() as uow:  # the only gateway now sits on another network
        [gateway] = uow.gateways.for_clinic(world.clinic.id)
        uow.gateways.remove(world.clinic.id, gateway.id, by=None, at=world.clock.now())
        uow.commit()
    register_gateway(world, source="10.99.0.0/24")
    for running in listen(world):
        ack = send(running.listener.port, pcd01(monitor, "ADDR-1", world.clock.now(), sbp=230))
        assert msa(ack)[1] == "AR"
    assert count(world, DEVICE_READINGS) == 0
    assert [a for a, _o, _d in audit_actions(world)] == ["hl7.sender_refused"]


def test_production_refuses_an_exposed_listener_with_neither_tls_nor_a_gateway() -> None:
    prod = Settings(
        environment="production",
        secret_key="s" * 40,
        audit_key="a" * 40,
        database_url="sqlite://",
    )
    problem = exposure_problem(prod, "0.0.0.0", gateways=0)
    assert problem is not None and "hl7_host" in problem
    assert exposure_problem(prod, "127.0.0.1", gateways=0) is None
    assert exposure_problem(prod, "0.0.0.0", gateways=1) is None
    with_tls = prod.model_copy(update={"hl7_tls_cert": Path("c"), "hl7_tls_key": Path("k")})
    assert exposure_problem(with_tls, "0.0.0.0", gateways=0) is None


# --- TLS ------------------------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""
    d = tmp_path_factory.mktemp("pki")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Test CA",
        cwd=d,
    )
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name in ("server", "client"):
        _openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN=test-{name}",
            cwd=d,
        )
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            cwd=d,
        )
    return d


def _server_tls(pki: Path) -> ssl.SSLContext:
    from ketaclinic.entrypoints.hl7_listener import tls_context

    settings = Settings(
        hl7_tls_cert=pki / "server.pem",
        hl7_tls_key=pki / "server.key",
        hl7_tls_client_ca=pki / "ca.pem",
    )
    context = tls_context(settings)
    assert context is not None
    return context


def _client_tls(pki: Path, *, with_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if with_cert:
        context.load_cert_chain(pki / "client.pem", pki / "client.key")
    return context


def test_mutual_tls_accepts_a_client_certificate_and_refuses_a_client_without_one(
    world: World, monitor: DemoMonitor, pki: Path
) -> None:
    for running in listen(world, tls=_server_tls(pki)):
        port = running.listener.port
        good = _client_tls(pki, with_cert=True)
        with MllpClient("127.0.0.1", port, timeout_s=10, tls=good) as client:
            assert msa(client.send(pcd01(monitor, "TLS-1", world.clock.now())))[1] == "AA"
        with pytest.raises((ssl.SSLError, ConnectionError, AckTimeout)):
            bare = _client_tls(pki, with_cert=False)
            with MllpClient("127.0.0.1", port, timeout_s=5, tls=bare) as client:
                client.send(pcd01(monitor, "TLS-2", world.clock.now()))
        plain = MllpClient("127.0.0.1", port, timeout_s=5)  # plain TCP to a TLS port
        with pytest.raises((AckTimeout, ConnectionError)), plain:
            plain.send(pcd01(monitor, "TLS-3", world.clock.now()))
    with world.services.engine.connect() as conn:
        assert set(conn.execute(select(hl7_messages.c.control_id)).scalars()) == {"TLS-1"}


# --- resource bounds ------------------------------------------------------------------------


def test_connections_beyond_the_per_source_cap_are_closed_at_once(
    world: World, monitor: DemoMonitor
) -> None:
    limits = ListenerLimits(max_connections=50, max_connections_per_source=3)
    for running in listen(world, limits=limits):
        port = running.listener.port
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", port))
        assert closed_by_server(extra, within_s=3)
        assert running.listener.connection_count == 3
        assert not closed_by_server(held[0], within_s=0.3)
        for s in [*held, extra]:
            s.close()


def test_connections_beyond_the_total_cap_are_closed_at_once(
    world: World, monitor: DemoMonitor
) -> None:
    limits = ListenerLimits(max_connections=2, max_connections_per_source=10)
    for running in listen(world, limits=limits):
        held = [socket.create_connection(("127.0.0.1", running.listener.port)) for _ in range(2)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", running.listener.port))
        assert closed_by_server(extra, within_s=3)
        for s in [*held, extra]:
            s.close()


def test_an_idle_connection_is_closed_after_the_idle_timeout(
    world: World, monitor: DemoMonitor
) -> None:
    for running in listen(world, limits=ListenerLimits(idle_timeout_s=0.5)):
        idle = socket.create_connection(("127.0.0.1", running.listener.port))
        started = time.monotonic()
        assert closed_by_server(idle, within_s=5)
        assert 0.4 <= time.monotonic() - started < 4
        idle.close()


def test_a_slow_loris_sender_is_cut_off_by_the_frame_deadline(
    world: World, monitor: DemoMonitor
) -> None:
    limits = ListenerLimits(idle_timeout_s=60, read_timeout_s=1.0)
    for running in listen(world, limits=limits):
        slow = socket.create_connection(("127.0.0.1", running.listener.port))
        slow.sendall(START)
        started = time.monotonic()
        cut = False
        while time.monotonic() - started < 6:
            try:
                slow.sendall(b"M")  # one byte at a time, each well inside any per-read timeout
            except OSError:
                cut = True
                break
            if closed_by_server(slow, within_s=0.2):
                cut = True
                break
        assert cut and time.monotonic() - started < 4
        slow.close()


def test_unterminated_oversized_frames_are_dropped_and_memory_stays_bounded(
    world: World, monitor: DemoMonitor
) -> None:
    limits = ListenerLimits(max_frame_bytes=8192, max_buffered_bytes=64 * 1024)
    for running in listen(world, limits=limits):
        port = running.listener.port
        senders = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        chunk = b"A" * 65_536
        for s in senders:
            s.sendall(START)
        for _ in range(16):  # 1 MB per connection, never terminated
            for s in senders:
                with contextlib.suppress(OSError):
                    s.sendall(chunk)
        time.sleep(0.5)
        assert running.listener.buffered_bytes <= limits.max_buffered_bytes
        # a well-formed message on a fresh connection is still served
        assert msa(send(port, pcd01(monitor, "AFTER-FLOOD", world.clock.now())))[1] == "AA"
        for s in senders:
            s.close()


def test_a_rejected_1_mb_message_is_kept_as_a_bounded_prefix_and_its_digest(
    world: World, monitor: DemoMonitor
) -> None:
    big = b"MSH|^~\\&|KETASIM||||20300101||ORU^R01|BIG-1|P|2.6\rNTE|1||" + b"A" * 1_048_576
    limits = ListenerLimits(max_frame_bytes=65_536)
    for running in listen(world, limits=limits):
        with MllpClient("127.0.0.1", running.listener.port, timeout_s=10) as client:
            ack = client.send(big)
        assert msa(ack)[1] == "AR" and "oversized" in ack.decode()
    with world.services.engine.connect() as conn:
        [letter] = conn.execute(select(hl7_dead_letters)).all()
    assert len(letter.payload) <= 2048 and big.startswith(letter.payload)
    assert letter.payload_bytes == len(big)
    assert letter.payload_sha256 == hashlib.sha256(big).hexdigest()


# --- message content ------------------------------------------------------------------------


def test_msh10_reused_with_other_content_is_refused_and_reported_and_a_resend_is_idempotent(
    world: World, monitor: DemoMonitor, listener: LoopThread
) -> None:
    port = listener.listener.port
    first = pcd01(monitor, "SAME-10", world.clock.now(), sbp=120)
    original = send(port, first)
    assert msa(original)[1] == "AA"
    assert msa(send(port, first)) == msa(original)  # same bytes: the same ACK again
    reused = send(port, pcd01(monitor, "SAME-10", world.clock.now(), sbp=230))
    assert msa(reused)[1] == "AR" and "already used" in reused.decode()
    assert count(world, hl7_messages) == 1
    assert count(world, DEVICE_READINGS) == 8  # one message's readings, once
    with world.services.engine.connect() as conn:
        kinds = list(conn.execute(select(hl7_dead_letters.c.kind)).scalars())
    assert kinds == ["reused"]
    assert [a for a, _o, _d in audit_actions(world)] == ["hl7.control_id_reused"]


def test_an_hl7_2_3_message_is_answered_ae_with_the_reason(
    world: World, monitor: DemoMonitor, listener: LoopThread
) -> None:
    raw = pcd01(monitor, "V23", world.clock.now()).replace(b"|P|2.6", b"|P|2.3", 1)
    ack = send(listener.listener.port, raw)
    assert msa(ack)[1] == "AE" and "2.3" in ack.decode() and "not supported" in ack.decode()
    assert count(world, DEVICE_READINGS) == 0


@pytest.mark.parametrize("year", [1970, 2099])
def test_readings_dated_far_from_now_are_answered_ae(
    world: World, monitor: DemoMonitor, listener: LoopThread, year: int
) -> None:
    at = datetime(year, 1, 1, 12, 0, tzinfo=UTC)
    ack = send(listener.listener.port, pcd01(monitor, f"Y{year}", at))
    assert msa(ack)[1] == "AE" and "observation time" in ack.decode()
    assert count(world, DEVICE_READINGS) == 0 and count(world, hl7_messages) == 0


# --- ACK after commit; board --------------------------------------------------------------


class _CommitFails:
    """A unit of work whose commit fails after the inserts (a crash between insert and commit)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __enter__(self) -> Any:
        uow = self._inner.__enter__()

        def fail() -> None:
            raise RuntimeError("injected: database went away before commit")

        uow.commit = fail
        return uow

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)


def test_a_batch_that_fails_between_insert_and_commit_gets_no_aa_and_stores_nothing(
    world: World, monitor: DemoMonitor
) -> None:
    failing = MonitoringService(
        lambda: _CommitFails(world.services.uow()), world.clock, world.services.live
    )
    handler = handler_for(world, failing)
    running = LoopThread(handler, 65_536)
    try:
        ack = send(running.listener.port, pcd01(monitor, "FAULT-1", world.clock.now(), sbp=230))
    finally:
        running.stop()
        handler.close()
    assert msa(ack)[1] == "AR" and "resend" in ack.decode()
    assert count(world, DEVICE_READINGS) == 0 and count(world, hl7_messages) == 0


def test_an_alarm_raised_from_a_batch_reaches_a_subscribed_board(
    world: World, monitor: DemoMonitor, listener: LoopThread
) -> None:
    async def subscribe() -> Any:
        return world.services.live.subscribe(world.clinic.id)

    loop = listener.loop
    subscription = asyncio.run_coroutine_threadsafe(subscribe(), loop).result(timeout=5)
    try:
        port = listener.listener.port
        assert msa(send(port, pcd01(monitor, "BRD-1", world.clock.now(), sbp=121)))[1] == "AA"
        world.clock.advance(seconds=30)
        assert msa(send(port, pcd01(monitor, "BRD-2", world.clock.now(), sbp=207)))[1] == "AA"
        deadline = time.monotonic() + 10
        kinds: list[str] = []
        while "alarm" not in " ".join(kinds) and time.monotonic() < deadline:
            batch = asyncio.run_coroutine_threadsafe(subscription.next_batch(1.0), loop).result(5)
            kinds += [e.kind for e in batch or []]
        assert any("alarm" in k for k in kinds), kinds
    finally:
        world.services.live.unsubscribe(subscription)
        world.services.live.close()  # stop the PostgreSQL LISTEN thread before the DB goes


def test_the_clock_window_follows_the_injected_clock(world: World, monitor: DemoMonitor) -> None:
    handler = handler_for(world)
    old = world.clock.now() - timedelta(hours=25)
    assert msa(handler.handle(pcd01(monitor, "OLD-1", old)))[1] == "AE"
    assert msa(handler.handle(pcd01(monitor, "NOW-1", world.clock.now())))[1] == "AA"
