"""The MLLP listener entry point: serves one clinic's monitors over HL7 v2.

The server itself (connections, framing, ACK after the handler commits, resource caps) is
``adapters.hl7.server``; this entry point wires it to the clinic: the monitoring service's
message handler, the clinic's time zone, the listener limits and TLS from the settings (mutual
TLS when a client CA is configured), and the production refusal to expose a listener with
neither TLS nor a registered gateway. Who may send is checked per message against the clinic's
gateway registry by the monitoring service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.hl7.server import FrameErrorHook, Handler, ListenerLimits, serve
from ketaclinic.bootstrap import Services
from ketaclinic.settings import Environment, Settings

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def run(
    host: str,
    port: int,
    handler: Handler,
    *,
    limits: ListenerLimits | None = None,
    tls: ssl.SSLContext | None = None,
    on_frame_error: FrameErrorHook | None = None,
    on_started: Callable[[int], None] | None = None,
    tick: Callable[[], Awaitable[None]] | None = None,
    tick_every_s: float = 60.0,
    reuse_port: bool = False,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM via asyncio.run cancellation).

    ``tick`` runs every ``tick_every_s`` seconds beside the listener (e.g. the overdue-vitals
    sweep); a failing tick is logged and the next one runs as planned.
    """

    async def main() -> None:
        listener = await serve(
            host,
            port,
            handler,
            limits=limits,
            tls=tls,
            on_frame_error=on_frame_error,
            reuse_port=reuse_port,
        )
        if on_started is not None:
            on_started(listener.port)
        if tick is not None:
            ticker = asyncio.create_task(_every(tick, tick_every_s))
            listener.background = ticker
        try:
            await listener.serve_forever()
        finally:
            await listener.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


async def _every(tick: Callable[[], Awaitable[None]], seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await tick()
        except Exception as exc:  # the listener outlives a failed sweep
            log.error("hl7.tick.failed error=%s", type(exc).__name__)


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The server TLS context from the certificate settings (TLS 1.2+); with a client CA file,
    every client must present a certificate that CA signed (mutual TLS)."""
    if settings.hl7_tls_cert is None or settings.hl7_tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.hl7_tls_cert, settings.hl7_tls_key)
    if settings.hl7_tls_client_ca is not None:
        context.load_verify_locations(cafile=str(settings.hl7_tls_client_ca))
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def limits_from(settings: Settings) -> ListenerLimits:
    return ListenerLimits(
        max_connections=settings.hl7_max_connections,
        max_connections_per_source=settings.hl7_max_connections_per_source,
        idle_timeout_s=settings.hl7_idle_timeout_s,
        read_timeout_s=settings.hl7_read_timeout_s,
        max_frame_bytes=settings.hl7_max_frame_bytes,
        max_buffered_bytes=settings.hl7_max_buffered_bytes,
    )


def exposure_problem(settings: Settings, host: str, gateways: int) -> str | None:
    """Why production must not start this listener: a non-loopback interface with neither TLS
    nor a registered gateway (allow-list). None when it may start."""
    if settings.environment is not Environment.PRODUCTION or host in LOOPBACK_HOSTS:
        return None
    if settings.hl7_tls or gateways > 0:
        return None
    return (
        f"hl7_host: refusing to listen on {host} in production with neither TLS "
        "(hl7_tls_cert/hl7_tls_key) nor a registered HL7 gateway"
    )


def listen_for_clinic(
    services: Services,
    clinic_id: int,
    host: str,
    port: int,
    *,
    on_started: Callable[[int], None] | None = None,
    reuse_port: bool = False,
) -> None:
    """Serve one clinic's monitors until interrupted: parse, ingest and commit, then ACK.

    Naive HL7 times are read in the clinic's time zone. Several listeners (one per clinic or
    gateway, or several on one port with ``reuse_port``) may run against one PostgreSQL
    database: each session's ingest lock and readings version keep their batches apart. Used
    by ``ketaclinic hl7-listen`` and by ``ketaclinic serve --with-monitors`` (which runs it on
    a background thread).
    """
    with services.uow() as uow:
        clinic = uow.clinics.get(clinic_id)
        gateways = len(uow.gateways.for_clinic(clinic_id)) if clinic is not None else 0
    if clinic is None:
        raise ValueError(f"no clinic with id {clinic_id}")
    problem = exposure_problem(services.settings, host, gateways)
    if problem is not None:
        raise ValueError(problem)
    try:
        primed = services.monitoring.prime(clinic_id)
        log.info("hl7.listener.primed sessions=%d", primed)
    except Exception as exc:  # only a head start: the first batches read what they need
        log.warning("hl7.listener.prime_failed error=%s", type(exc).__name__)
    handler = MonitorMessageHandler(
        services.monitoring, clinic_id, naive_tz=ZoneInfo(clinic.timezone), clock=services.clock.now
    )
    try:
        run(
            host,
            port,
            handler,
            limits=limits_from(services.settings),
            tls=tls_context(services.settings),
            on_frame_error=handler.frame_error,
            on_started=on_started,
            tick=handler.sweep,
            reuse_port=reuse_port,
        )
    finally:
        handler.close()
