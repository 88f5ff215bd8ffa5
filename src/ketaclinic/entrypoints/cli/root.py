"""Assembles the ``ketaclinic`` command from its groups."""

from __future__ import annotations

import typer

from ketaclinic.entrypoints.cli import audit, db, demo, serve
from ketaclinic.entrypoints.cli import identity as users


def build_cli() -> typer.Typer:
    app = typer.Typer(
        help="ketaclinic: run a ketamine clinic's treatment protocol end to end.",
        no_args_is_help=True,
        add_completion=False,
    )
    app.add_typer(db.app, name="db")
    app.add_typer(users.app, name="user")
    app.add_typer(users.clinic_app, name="clinic")
    app.add_typer(audit.app, name="audit")
    app.command("demo")(demo.demo)
    app.command("serve")(serve.serve)
    for name, group in _area_groups():
        app.add_typer(group, name=name)
    from ketaclinic.entrypoints.cli import hl7

    app.command("hl7-listen")(hl7.hl7_listen)
    app.command("hl7-gateway-add")(hl7.hl7_gateway_add)
    app.command("simulate-monitors")(hl7.simulate_monitors)
    return app


def _area_groups() -> list[tuple[str, typer.Typer]]:
    """The clinical areas' command groups."""
    from ketaclinic.entrypoints.cli import arrivals
    from ketaclinic.entrypoints.cli import assessments as questionnaire
    from ketaclinic.entrypoints.cli import dosing as dose
    from ketaclinic.entrypoints.cli import evaluation as eligibility
    from ketaclinic.entrypoints.cli import infusion as alarms
    from ketaclinic.entrypoints.cli import protocols as protocol

    return [
        ("protocol", protocol.app),
        ("questionnaire", questionnaire.app),
        ("eligibility", eligibility.app),
        ("dose", dose.app),
        ("alarms", alarms.app),
        ("arrivals", arrivals.app),
    ]
