"""``ketaclinic audit verify``: re-hash every audit chain."""

from __future__ import annotations

import typer

from ketaclinic.entrypoints.cli.context import services

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Print ``audit chain intact: N events`` or name the first broken event and exit 1."""
    with services() as s:
        report = s.audit.verify()
    if report.first_break is not None:
        b = report.first_break
        typer.echo(
            f"audit chain BROKEN at event id {b.event_id} "
            f"(chain {b.chain}, seq {b.seq}): {b.reason}",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {report.events} events")
