"""``ketaclinic db upgrade``, ``db status`` and ``db heads``."""

from __future__ import annotations

import typer

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.entrypoints.cli.context import services

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration (as ``KETACLINIC_MIGRATION_DATABASE_URL`` when set)."""
    with services() as s:
        owner_url = s.settings.migration_database_url
        engine = make_engine(owner_url) if owner_url else s.engine
        try:
            migrate.upgrade(engine, app_role=s.settings.database_app_role or None)
            typer.echo(f"database at {', '.join(sorted(migrate.database_heads(engine)))}")
        finally:
            if engine is not s.engine:
                engine.dispose()


@app.command("status")
def status() -> None:
    """Say where the database is and whether it is current; exit 1 when migrations are pending."""
    with services() as s:
        applied = ", ".join(sorted(migrate.database_heads(s.engine))) or "nothing applied"
        typer.echo(f"database at {applied}")
        typer.echo(f"code head {', '.join(sorted(migrate.script_heads()))}")
        if not migrate.is_current(s.engine):
            typer.echo("migrations pending: run `ketaclinic db upgrade`", err=True)
            raise typer.Exit(1)
        typer.echo("migrations current")


@app.command("heads")
def heads() -> None:
    """The head revision(s) of the migrations shipped with this version (one when merged)."""
    for head in sorted(migrate.script_heads()):
        typer.echo(head)
