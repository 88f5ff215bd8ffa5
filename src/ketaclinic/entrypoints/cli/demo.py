"""``ketaclinic demo``: seed the synthetic demo clinic once and print its logins."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import typer

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.entrypoints.cli.context import services
from ketaclinic.services.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo
from ketaclinic.services.demo_pathway import seed_demo_pathway
from ketaclinic.services.demo_stages import seed_demo_stages
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY
from ketaclinic.services.scheduling.setup import seed_demo_schedule


def demo() -> None:
    """Create the demo clinic (8 chairs, staff of every role, 40 synthetic patients) if absent."""
    with services() as s:
        packs = shipped_protocols()
        result = seed_demo(s.uow, s.clock, s.staff, s.patients, s.protocols, packs)
        opened_days = seed_demo_schedule(s.uow, s.clock, result.clinic.id)
        pathway = seed_demo_pathway(s.uow, s.clock, s.pathway(), result.clinic.id)
        stages = seed_demo_stages(s.uow, s.clock, s.pathway(), s.outcomes, result.clinic.id)
        s.gateways.bootstrap_add(result.clinic.id, SIMULATOR_GATEWAY, by="demo")
    state = "created" if result.created else "already present"
    typer.echo(f"demo clinic {state}: {result.clinic.name}")
    if opened_days:
        typer.echo(f"demo calendar: opening hours and staff shifts for {opened_days} days")
    if pathway is not None:
        first = min(pathway.appointments, key=lambda b: b.start_at)
        local = first.start_at.astimezone(ZoneInfo(result.clinic.timezone))
        typer.echo(
            "demo pathway patient: Jordan Demo-Pathway, induction series booked "
            f"(first session {local.isoformat(timespec='minutes')})"  # clinic time, with offset
        )
    for stage in stages:
        typer.echo(f"demo course at stage {stage.stage}: {stage.state.value}")
    typer.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role in DEMO_STAFF:
        typer.echo(f"  {role.value:<11} {email}")
