"""``ketaclinic alarms evaluate``: a stream of readings against a pack's monitoring rules.

Nothing is stored. The stream (``docs/schemas/vitals-stream.schema.json``) is evaluated as of its
``now`` by the same path as live ingest (``services.infusion.vitals_evaluation``), data-missing
rules included. ``--json`` prints ``{"alarms": [{"rule", "parameter", "severity", "action",
"reason"}]}``; readings refused as patient values are listed on stderr. Exit 0 when the stream
was evaluated (whatever it raised), 1 on bad input naming the field (or an unknown protocol).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.adapters.vitals_stream_json import parse_stream
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.infusion.alarms import AlarmDecision
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.infusion.vitals_evaluation import evaluate_stream

app = typer.Typer(help="Alarm rules over a stream of vital-sign readings, without storing.")


@app.callback()
def alarms() -> None:
    """Alarm rules over a stream of readings."""


def alarms_document(decision: AlarmDecision) -> dict[str, Any]:
    """The JSON document ``evaluate --json`` prints."""
    return {
        "alarms": [
            {
                "rule": a.rule_id,
                "parameter": a.parameter,
                "severity": a.severity.value,
                "action": a.action.value,
                "reason": a.message,
            }
            for a in decision.raised
        ]
    }


@app.command()
def evaluate(
    stream: Annotated[Path, typer.Argument(help="Readings JSON (docs/schemas).")],
    protocol: Annotated[str, typer.Option("--protocol", help="Shipped protocol id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Evaluate STREAM against PROTOCOL's monitoring rules as of the stream's ``now``."""
    try:
        pack = _protocol(protocol)
        parsed = parse_stream(_read_json(stream))
        decision = evaluate_stream(pack, parsed.phase, parsed.readings, now=parsed.now)
    except ClinicError as err:
        _fail(err)
    for verdict in decision.rejected:
        typer.echo(f"refused as a patient value: {'; '.join(verdict.reasons)}", err=True)
    if as_json:
        typer.echo(json.dumps(alarms_document(decision), indent=2, ensure_ascii=False))
    else:
        _print_table(decision)


def _protocol(reference: str) -> Protocol:
    protocol_id, _, version = reference.partition("@")
    pack = shipped_protocol(protocol_id)
    if version and version != pack.version:
        raise ValidationFailed({"--protocol": f"{protocol_id}@{version} is not shipped"})
    return pack


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationFailed({"stream": f"file not found: {path}"}) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"stream": f"not valid JSON: {exc}"}) from None


def _fail(err: ClinicError) -> NoReturn:
    errors = err.errors if isinstance(err, ValidationFailed) else {err.field or "": err.detail}
    document = {"error": type(err).__name__, "detail": err.detail, "errors": errors}
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False), err=True)
    raise typer.Exit(code=1)


def _print_table(decision: AlarmDecision) -> None:
    console = Console()
    table = Table("rule", "parameter", "priority", "action", "reason", "source")
    for a in decision.raised:
        table.add_row(a.rule_id, a.parameter, a.severity.value, a.action.value, a.message, a.source)
    console.print(table if decision.raised else "No alarm.")
