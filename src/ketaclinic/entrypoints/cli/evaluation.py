"""``ketaclinic eligibility check``: run a protocol's eligibility rules over a JSON evaluation.

Nothing is stored. ``--json`` prints ``{"decision", "findings": [{"rule", "severity", "evidence",
"source", "not_assessed"}]}`` (``not_assessed``: what the rule reads was not recorded); without
it a readable table. Exit code 0 when the evaluation was assessed (whatever the decision), 1 on
bad input (an invalid evaluation, an unknown protocol, an impossible or future-dated value).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from ketaclinic.adapters.evaluation_json import parse_evaluation
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.evaluation.eligibility import EligibilityResult, assess_protocol

app = typer.Typer(help="Eligibility rules over an evaluation, without storing anything.")


@app.callback()
def eligibility() -> None:
    """Eligibility rules over an evaluation."""


def result_document(result: EligibilityResult) -> dict[str, Any]:
    """The JSON document ``check --json`` prints."""
    return {
        "decision": result.decision.value,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "evidence": f.evidence,
                "source": f.source,
                "not_assessed": f.not_assessed,
            }
            for f in result.findings
        ],
    }


@app.command()
def check(
    evaluation: Annotated[Path, typer.Argument(help="Evaluation JSON (docs/schemas).")],
    protocol: Annotated[str, typer.Option("--protocol", help="Shipped protocol id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Assessment time, ISO 8601 with offset (default: now)."),
    ] = None,
) -> None:
    """Assess EVALUATION against PROTOCOL's rules and print the decision and every finding."""
    try:
        moment = _moment(at)
        pack = shipped_protocol(protocol)
        parsed = parse_evaluation(_read_json(evaluation))
        result = assess_protocol(parsed, pack, at=moment)
    except ClinicError as err:
        _fail(err)
    if as_json:
        typer.echo(json.dumps(result_document(result), indent=2, ensure_ascii=False))
    else:
        _print_table(result)


def _moment(at: str | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise ValidationFailed({"--at": "not an ISO 8601 date-time"}) from None
    if moment.tzinfo is None:
        raise ValidationFailed({"--at": "must include a UTC offset"})
    return moment.astimezone(UTC)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationFailed({"evaluation": f"file not found: {path}"}) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"evaluation": f"not valid JSON: {exc}"}) from None


def _fail(err: ClinicError) -> NoReturn:
    errors = err.errors if isinstance(err, ValidationFailed) else {err.field or "": err.detail}
    document = {"error": type(err).__name__, "detail": err.detail, "errors": errors}
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False), err=True)
    raise typer.Exit(code=1)


def _print_table(result: EligibilityResult) -> None:
    console = Console()
    console.print(f"Decision: [bold]{result.decision.value}[/bold]")
    table = Table("rule", "severity", "kind", "evidence", "source")
    for f in result.findings:
        table.add_row(f.rule, f.severity.value, f.kind.value, f.evidence, f.source)
    console.print(table)
