"""``ketaclinic db upgrade`` and ``db status``."""

from __future__ import annotations

import typer

from ketaclinic.adapters.db import migrate
from ketaclinic.entrypoints.cli.context import services

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration."""
    with services() as s:
        migrate.upgrade(s.engine)
        typer.echo(f"database at {', '.join(sorted(migrate.database_heads(s.engine)))}")


@app.command("status")
def status() -> None:
    """Say whether migrations are current; exit 1 when some are pending."""
    with services() as s:
        if not migrate.is_current(s.engine):
            typer.echo("migrations pending: run `ketaclinic db upgrade`", err=True)
            raise typer.Exit(1)
        typer.echo("migrations current")
