"""``ketaclinic demo``: seed the synthetic demo clinic once and print its logins."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import typer

from ketaclinic.adapters.clock import SeedClock
from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.entrypoints.cli.context import services
from ketaclinic.services.demo import DEMO_PASSWORD, DEMO_STAFF
from ketaclinic.services.demo_clinic import demo_clock_start, seed_demo_clinic


def demo() -> None:
    """Create the demo clinic (8 chairs, staff of every role, 40 synthetic patients, months of
    synthetic history) if absent."""
    end = datetime.now(UTC)
    # the clinic opens months ago; its history is seeded forward to now, each step at its time
    clock = SeedClock(demo_clock_start(end))
    with services(clock=clock) as s:
        seeded = seed_demo_clinic(s, clock, shipped_protocols(), until=end)
    result, opened_days, pathway = seeded.result, seeded.opened_days, seeded.pathway
    stages, history = seeded.stages, seeded.history
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
    if seeded.kat_day is not None:
        kat = min(seeded.kat_day.appointments, key=lambda b: b.start_at)
        local = kat.start_at.astimezone(ZoneInfo(result.clinic.timezone))
        arrived = ", arrived: waiting for the nurse's check-in" if seeded.kat_day.session else ""
        typer.echo(
            "demo KAT patient: Sol Demo-KatDay, prepared and consented, sublingual order signed, "
            f"first journey {local.isoformat(timespec='minutes')}{arrived}"
        )
    for past in history:
        typer.echo(f"demo course with history: {past.given} Demo-History, {past.end}")
    typer.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role in DEMO_STAFF:
        typer.echo(f"  {role.value:<11} {email}")
