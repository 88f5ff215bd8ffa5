"""``ketaclinic demo``: seed the synthetic demo clinic once and print its logins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import typer

from ketaclinic.adapters.clock import SeedClock
from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.bootstrap import Services
from ketaclinic.entrypoints.cli.context import services
from ketaclinic.services.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo
from ketaclinic.services.demo_history import (
    HISTORY_DAYS,
    HistoryServices,
    book_demo_boosters,
    seed_demo_history,
)
from ketaclinic.services.demo_pathway import seed_demo_pathway
from ketaclinic.services.demo_stages import seed_demo_stages
from ketaclinic.services.infusion.demo_session_day import DayServices
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY
from ketaclinic.services.scheduling.setup import seed_demo_schedule


def history_services(s: Services) -> HistoryServices:
    """The use cases the demo's history goes through (from the composition root)."""
    day = DayServices(s.clock, s.orders, s.checkins, s.sessions, s.session_workflow, s.monitoring)
    return HistoryServices(s.pathway(), day, s.outcomes, s.maintenance)


def demo() -> None:
    """Create the demo clinic (8 chairs, staff of every role, 40 synthetic patients, months of
    synthetic history) if absent."""
    end = datetime.now(UTC)
    # the clinic opens HISTORY_DAYS ago; its history is seeded forward to now, each step at its time
    clock = SeedClock(end - timedelta(days=HISTORY_DAYS))
    with services(clock=clock) as s:
        packs = shipped_protocols()
        result = seed_demo(s.uow, s.clock, s.staff, s.patients, s.protocols, packs)
        clinic_id = result.clinic.id
        history = seed_demo_history(s.uow, clock, history_services(s), clinic_id, until=end)
        clock.catch_up()
        opened_days = seed_demo_schedule(s.uow, s.clock, clinic_id)
        book_demo_boosters(s.boosters, s.schedule, s.uow, clinic_id, history)
        pathway = seed_demo_pathway(s.uow, s.clock, s.pathway(), clinic_id)
        stages = seed_demo_stages(s.uow, s.clock, s.pathway(), s.outcomes, clinic_id)
        s.gateways.bootstrap_add(clinic_id, SIMULATOR_GATEWAY, by="demo")
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
    for past in history:
        typer.echo(f"demo course with history: {past.given} Demo-History, {past.end}")
    typer.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role in DEMO_STAFF:
        typer.echo(f"  {role.value:<11} {email}")
