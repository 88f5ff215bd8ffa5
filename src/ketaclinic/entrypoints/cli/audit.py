"""``ketaclinic audit verify`` and ``audit checkpoint``: the tamper-evident audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ketaclinic.adapters.audit_checkpoints import read_checkpoint, write_checkpoint, write_into
from ketaclinic.entrypoints.cli.context import services

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@app.command("verify")
def verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A signed checkpoint file: also catch removal or rewrite before it"),
    ] = None,
) -> None:
    """Print ``audit chain intact: N events`` or name the first broken event and exit 1."""
    with services() as s:
        seen = read_checkpoint(checkpoint) if checkpoint is not None else None
        report = s.audit.verify(seen)
    if report.first_break is not None:
        b = report.first_break
        typer.echo(
            f"audit chain BROKEN at event id {b.event_id} "
            f"(chain {b.chain}, seq {b.seq}): {b.reason}",
            err=True,
        )
        raise typer.Exit(1)
    against = f", matches checkpoint of {seen.at.isoformat()}" if seen is not None else ""
    typer.echo(f"audit chain intact: {report.events} events{against}")


@app.command("checkpoint")
def checkpoint(
    out: Annotated[
        Path | None,
        typer.Option(help="File to write (default: a new file in the checkpoint directory)"),
    ] = None,
) -> None:
    """Sign the head of every audit chain and write it outside the database."""
    with services() as s:
        signed = s.audit.checkpoint()
        path = (
            write_checkpoint(signed, out)
            if out is not None
            else write_into(signed, s.settings.checkpoint_dir)
        )
    typer.echo(f"audit checkpoint written: {path} ({signed.events} events)")
