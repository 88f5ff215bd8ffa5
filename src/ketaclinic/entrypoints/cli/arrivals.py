"""``ketaclinic arrivals list|check-in``: today's arrivals and checking a booked appointment in.

The command signs in as a staff member (email and password, with the same lockout as the web) and
goes through ``services.infusion.session_opening`` like the web and the API: the appointment's
session opens for its course, session number and chair; a second check-in exits 1 naming
``appointment_id``. The password comes from a prompt or ``--password-file``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from ketaclinic.bootstrap import Services
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.cli.context import clinic_named, services

app = typer.Typer(help="Arrivals: check a booked appointment in.", no_args_is_help=True)
CLIENT = "cli"

Email = Annotated[str, typer.Option(help="Your sign-in email")]
PasswordFile = Annotated[
    Path | None, typer.Option(help="Read your password from this file instead of a prompt")
]
Clinic = Annotated[str | None, typer.Option(help="Clinic slug (default: the only clinic)")]


@contextmanager
def signed_in(
    s: Services, email: str, password_file: Path | None, clinic: str | None
) -> Iterator[Actor]:
    """A short-lived bearer token for this command, revoked when it ends."""
    if password_file is not None:
        password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True)
    target = clinic_named(s, clinic)
    issued = s.identity.issue_token(email, password, client=CLIENT, clinic_id=target.id)
    try:
        yield s.identity.bearer(issued.access_token, client=CLIENT)
    finally:
        s.identity.revoke_token(issued.access_token)


@app.command("check-in")
def check_in(
    appointment_id: Annotated[int, typer.Argument(help="The booked appointment's id")],
    email: Email,
    password_file: PasswordFile = None,
    clinic: Clinic = None,
) -> None:
    """The patient arrived: open the appointment's session (front desk, nurse, prescriber)."""
    with services() as s, signed_in(s, email, password_file, clinic) as actor:
        opened = s.arrivals.check_in(actor, appointment_id)
    typer.echo(
        f"session {opened.id} opened: appointment {appointment_id}, "
        f"session number {opened.session_number}, chair {opened.chair_id}"
    )


@app.command("list")
def list_arrivals(
    email: Email,
    password_file: PasswordFile = None,
    clinic: Clinic = None,
    day: Annotated[str, typer.Option(help="Local day YYYY-MM-DD (default: today)")] = "",
) -> None:
    """A day's infusion appointments with their sessions."""
    with services() as s, signed_in(s, email, password_file, clinic) as actor:
        zone = ZoneInfo(clinic_named(s, clinic).timezone)
        wanted = date.fromisoformat(day) if day else s.clock.now().astimezone(zone).date()
        found = s.arrivals.arrivals(actor, wanted)
    for a in found:
        when = a.booking.start_at.astimezone(zone).strftime("%H:%M")
        session = f"session {a.session.id} ({a.session.state.value})" if a.session else "not in"
        typer.echo(f"{a.booking.id}\t{when}\t{a.chair_name}\t{a.visit}\t{session}")
