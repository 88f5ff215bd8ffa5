"""``ketaclinic hl7-listen`` (MLLP listener) and ``ketaclinic simulate-monitors`` (demo monitors).

The listener lives in its own entry point (``ketaclinic.entrypoints.hl7_listener``); like
``serve`` hands uvicorn the app by name, this command loads the listener by name so the entry
points stay independent of each other.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from ketaclinic.adapters.hl7.simulator import simulate
from ketaclinic.entrypoints.cli.context import clinic_named, services
from ketaclinic.services.demo_sessions import start_demo_sessions

LISTENER_MODULE = "ketaclinic.entrypoints.hl7_listener"


def hl7_listen(
    host: Annotated[str | None, typer.Option(help="Interface (default: settings.hl7_host)")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default: settings.hl7_port)")] = None,
    clinic: Annotated[str | None, typer.Option(help="Clinic slug (default: the only one)")] = None,
) -> None:
    """Receive HL7 v2 ORU^R01 (IHE PCD-01) over MLLP; ACK after each commit. Loopback default."""
    listener = importlib.import_module(LISTENER_MODULE)
    with services() as s:
        found = clinic_named(s, clinic)
        bind_host = host or s.settings.hl7_host
        bind_port = s.settings.hl7_port if port is None else port

        def started(bound: int) -> None:
            typer.echo(f"hl7 listener on {bind_host}:{bound} for clinic {found.slug}")

        listener.listen_for_clinic(s, found.id, bind_host, bind_port, on_started=started)


def simulate_monitors(
    host: Annotated[str | None, typer.Option(help="Listener host")] = None,
    port: Annotated[int | None, typer.Option(help="Listener port")] = None,
    clinic: Annotated[str | None, typer.Option(help="Clinic slug (default: the only one)")] = None,
    chairs: Annotated[int, typer.Option(min=1, max=20, help="Monitors to simulate")] = 3,
    every: Annotated[float, typer.Option(min=0.2, help="Seconds between messages")] = 3.0,
    seconds: Annotated[float, typer.Option(min=0, help="Stop after (0 = run until Ctrl-C)")] = 0,
) -> None:
    """Demo only: put demo adults into infusing sessions and send PCD-01 from fake monitors."""
    with services() as s:
        found = clinic_named(s, clinic)
        monitors = start_demo_sessions(
            s.uow, s.pathway(), s.sessions, found.id, count=chairs, clock=s.clock
        )
        typer.echo(f"simulating {len(monitors)} monitor(s) for clinic {found.slug}")
        simulate(
            host or s.settings.hl7_host,
            s.settings.hl7_port if port is None else port,
            monitors,
            every_s=every,
            duration_s=seconds or None,
        )
