"""``ketaclinic serve --with-monitors``: the app plus the MLLP listener and the demo simulator.

The uvicorn factory :func:`app_with_monitors` builds ONE composition root and shares it with a
background listener thread (so its board events reach this process's live board) and, when the
demo clinic exists, a simulator thread that puts a few demo adults into infusing sessions and
sends PCD-01 messages twice a minute per chair with an occasional blood-pressure surge (demo
only; see ``services.infusion.demo_sessions`` and ``adapters.hl7.simulator``). One worker
only: the listener binds one port.
"""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from ketaclinic.adapters.hl7.simulator import SEND_EVERY_S, simulate
from ketaclinic.bootstrap import Services, build
from ketaclinic.entrypoints.app import create_app
from ketaclinic.entrypoints.hl7_listener import listen_for_clinic
from ketaclinic.services.demo import DEMO_SLUG
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY, start_demo_sessions
from ketaclinic.settings import load_settings

log = logging.getLogger(__name__)
DEMO_CHAIRS_LIVE = 3


def app_with_monitors() -> FastAPI:
    """The uvicorn factory used by ``serve --with-monitors``."""
    services = build(load_settings())
    return create_app(services=services, extra=start_monitors, checkpoints=True)


def start_monitors(_app: FastAPI, services: Services) -> None:
    """Start the listener (and the demo simulator) on daemon threads sharing ``services``."""
    with services.uow() as uow:
        clinics = list(uow.clinics.list())
    clinic = next((c for c in clinics if c.slug == DEMO_SLUG), clinics[0] if clinics else None)
    if clinic is None:
        log.warning("monitors.no_clinic: run `ketaclinic demo` first")
        return
    host, port = services.settings.hl7_host, services.settings.hl7_port
    ready = threading.Event()
    threading.Thread(
        target=listen_for_clinic,
        args=(services, clinic.id, host, port),
        kwargs={"on_started": lambda _port: ready.set()},
        name="hl7-listener",
        daemon=True,
    ).start()
    if clinic.slug == DEMO_SLUG:
        threading.Thread(
            target=_simulate_demo,
            args=(services, clinic.id, host, port, ready),
            name="monitor-simulator",
            daemon=True,
        ).start()


def _simulate_demo(
    services: Services, clinic_id: int, host: str, port: int, ready: threading.Event
) -> None:
    if not ready.wait(timeout=30):
        log.warning("monitors.listener_not_ready")
        return
    try:
        services.gateways.bootstrap_add(clinic_id, SIMULATOR_GATEWAY, by="demo")
        monitors = start_demo_sessions(
            services.uow,
            services.pathway(),
            services.sessions,
            clinic_id,
            workflow=services.session_workflow,
            count=DEMO_CHAIRS_LIVE,
            clock=services.clock,
        )
    except Exception as exc:  # the demo must not take the server down
        log.warning("monitors.demo_sessions_failed error=%s", type(exc).__name__)
        return
    log.info("monitors.simulating count=%d", len(monitors))
    simulate(host, port, monitors, every_s=SEND_EVERY_S)
