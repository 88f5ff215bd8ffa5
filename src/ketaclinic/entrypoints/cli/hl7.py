"""``ketaclinic hl7-listen`` (MLLP listener) and ``ketaclinic simulate-monitors`` (demo monitors).

The listener lives in its own entry point (``ketaclinic.entrypoints.hl7_listener``); like
``serve`` hands uvicorn the app by name, this command loads the listener by name so the entry
points stay independent of each other.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from ketaclinic.adapters.hl7.simulator import SEND_EVERY_S, simulate
from ketaclinic.domain.infusion.monitor_ingest import NewGateway
from ketaclinic.entrypoints.cli.context import clinic_named, services
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY, start_demo_sessions

LISTENER_MODULE = "ketaclinic.entrypoints.hl7_listener"


def hl7_listen(
    host: Annotated[str | None, typer.Option(help="Interface (default: settings.hl7_host)")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default: settings.hl7_port)")] = None,
    clinic: Annotated[str | None, typer.Option(help="Clinic slug (default: the only one)")] = None,
    reuse_port: Annotated[
        bool,
        typer.Option(
            help="Share the port with other hl7-listen processes on PostgreSQL (Linux "
            "SO_REUSEPORT): each monitor connection is served by one of them"
        ),
    ] = False,
) -> None:
    """Receive HL7 v2 ORU^R01 (IHE PCD-01) over MLLP; ACK after each commit. Loopback default."""
    listener = importlib.import_module(LISTENER_MODULE)
    with services() as s:
        found = clinic_named(s, clinic)
        bind_host = host or s.settings.hl7_host
        bind_port = s.settings.hl7_port if port is None else port

        def started(bound: int) -> None:
            typer.echo(f"hl7 listener on {bind_host}:{bound} for clinic {found.slug}")

        try:
            listener.listen_for_clinic(
                s, found.id, bind_host, bind_port, on_started=started, reuse_port=reuse_port
            )
        except ValueError as refused:
            typer.echo(f"error: {refused}", err=True)
            raise typer.Exit(1) from None


def hl7_gateway_add(
    name: Annotated[str, typer.Option(help="A name staff recognise, e.g. 'Ward gateway'")],
    source: Annotated[str, typer.Option(help="Source IP address or network (CIDR)")],
    application: Annotated[str, typer.Option(help="MSH-3 sending application")],
    facility: Annotated[str, typer.Option(help="MSH-4 sending facility ('' = empty)")] = "",
    clinic: Annotated[str | None, typer.Option(help="Clinic slug (default: the only one)")] = None,
) -> None:
    """Register an HL7 gateway allowed to send monitor messages (operator; audited)."""
    with services() as s:
        found = clinic_named(s, clinic)
        gateway = s.gateways.bootstrap_add(
            found.id, NewGateway(name, source, application, facility)
        )
        typer.echo(f"gateway {gateway.id}: {gateway.source} MSH-3 {gateway.sending_application}")


def simulate_monitors(
    host: Annotated[str | None, typer.Option(help="Listener host")] = None,
    port: Annotated[int | None, typer.Option(help="Listener port")] = None,
    clinic: Annotated[str | None, typer.Option(help="Clinic slug (default: the only one)")] = None,
    chairs: Annotated[int, typer.Option(min=1, max=20, help="Monitors to simulate")] = 3,
    every: Annotated[
        float, typer.Option(min=0.2, help="Seconds between a monitor's messages")
    ] = SEND_EVERY_S,
    seconds: Annotated[float, typer.Option(min=0, help="Stop after (0 = run until Ctrl-C)")] = 0,
) -> None:
    """Demo only: put demo adults into infusing sessions and send PCD-01 from fake monitors."""
    with services() as s:
        found = clinic_named(s, clinic)
        s.gateways.bootstrap_add(found.id, SIMULATOR_GATEWAY, by="demo")
        monitors = start_demo_sessions(
            s.uow,
            s.pathway(),
            s.sessions,
            found.id,
            workflow=s.session_workflow,
            count=chairs,
            clock=s.clock,
        )
        typer.echo(f"simulating {len(monitors)} monitor(s) for clinic {found.slug}")
        simulate(
            host or s.settings.hl7_host,
            s.settings.hl7_port if port is None else port,
            monitors,
            every_s=every,
            duration_s=seconds or None,
        )
