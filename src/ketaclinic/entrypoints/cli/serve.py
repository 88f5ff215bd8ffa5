"""``ketaclinic serve``: the web UI and API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from ketaclinic.settings import load_settings

APP_FACTORY = "ketaclinic.entrypoints.app:app_from_environment"
MONITORS_FACTORY = "ketaclinic.entrypoints.monitors:app_with_monitors"


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only)")] = 1,
    with_monitors: Annotated[
        bool, typer.Option(help="Also run the MLLP listener and the demo monitor simulator")
    ] = False,
) -> None:
    """Serve the clinic on http://HOST:PORT."""
    settings = load_settings()
    if workers > 1 and settings.is_sqlite:
        typer.echo("error: workers: more than one worker needs PostgreSQL", err=True)
        raise typer.Exit(1)
    if with_monitors and workers > 1:
        typer.echo("error: workers: --with-monitors runs one worker (one MLLP port)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ketaclinic serving on http://{host}:{port}")
    if with_monitors:
        typer.echo(f"hl7 listener on {settings.hl7_host}:{settings.hl7_port} with demo monitors")
    uvicorn.run(
        MONITORS_FACTORY if with_monitors else APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
