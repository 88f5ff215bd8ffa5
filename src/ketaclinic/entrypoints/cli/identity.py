"""``ketaclinic user create|list`` and ``ketaclinic clinic create|list``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.cli.context import clinic_named, services
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff

app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
clinic_app = typer.Typer(help="Clinics served by this deployment.", no_args_is_help=True)


@app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Sign-in email")],
    role: Annotated[Role, typer.Option(help="Role in the clinic")],
    name: Annotated[str, typer.Option(help="Full name")],
    password_file: Annotated[
        Path | None, typer.Option(help="Read the password from this file instead of a prompt")
    ] = None,
    clinic: Annotated[
        str | None, typer.Option(help="Clinic slug (default: the only clinic)")
    ] = None,
) -> None:
    """Create a staff account with a role in a clinic."""
    if password_file is not None:
        password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with services() as s:
        target = clinic_named(s, clinic)
        member = s.staff.bootstrap_create(target, NewStaff(email, name, role, password))
    typer.echo(f"created staff {member.id} <{member.email}> as {role.value} in {target.slug}")


@app.command("list")
def list_users(
    clinic: Annotated[
        str | None, typer.Option(help="Clinic slug (default: the only clinic)")
    ] = None,
) -> None:
    """List the clinic's staff with their roles."""
    with services() as s:
        target = clinic_named(s, clinic)
        for member, role in s.staff.list_all(target):
            state = "active" if member.active else "disabled"
            typer.echo(f"{member.id}\t{member.email}\t{role.value}\t{state}\t{member.name}")


@clinic_app.command("create")
def create_clinic_cmd(
    slug: Annotated[str, typer.Option(help="Short id, e.g. northside")],
    name: Annotated[str, typer.Option(help="Display name")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. America/Chicago")],
    mrn_prefix: Annotated[str, typer.Option(help="Prefix of medical record numbers")] = "KC",
) -> None:
    """Create a clinic."""
    with services() as s:
        made = create_clinic(s.uow, s.clock, slug, name, timezone, mrn_prefix)
    typer.echo(f"created clinic {made.id} {made.slug}")


@clinic_app.command("list")
def list_clinics() -> None:
    with services() as s, s.uow() as uow:
        for c in uow.clinics.list():
            typer.echo(f"{c.id}\t{c.slug}\t{c.timezone}\t{c.name}")
