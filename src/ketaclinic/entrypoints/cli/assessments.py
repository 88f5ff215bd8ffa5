"""``ketaclinic questionnaire``: score a FHIR R4 QuestionnaireResponse from the command line.

``score RESPONSE.json [--questionnaire Q.json] [--instrument ID] --json`` prints
``{"instrument", "total", "band", "subscales", "safety_flags", "complete"}`` (plus
``stored_total`` and ``stored_total_disagrees``) and exits 1 with the reason when the response
is incomplete, invalid or unscorable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from ketaclinic.adapters.fhir.questionnaire_response import (
    FhirScoreOutcome,
    score_questionnaire_response,
)
from ketaclinic.domain.assessments.questionnaire_mappings import check_mapping, parse_mapping
from ketaclinic.domain.errors import ClinicError, ValidationFailed

app = typer.Typer(help="FHIR Questionnaire tools.", no_args_is_help=True)


@app.callback()
def questionnaire() -> None:
    """FHIR Questionnaire and QuestionnaireResponse tools."""


@app.command()
def score(
    response: Annotated[Path, typer.Argument(help="QuestionnaireResponse JSON file")],
    questionnaire_file: Annotated[
        Path | None, typer.Option("--questionnaire", help="Questionnaire JSON giving ordinals")
    ] = None,
    instrument: Annotated[
        str | None, typer.Option("--instrument", help="Instrument id, when not identifiable")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
    mapping_file: Annotated[
        Path | None,
        typer.Option("--mapping", help="Mapping JSON of an outside Questionnaire (linkIds, codes)"),
    ] = None,
) -> None:
    """Score RESPONSE from its answers' ordinal values; a stored total is only compared."""
    try:
        qr = _load(response, "response")
        q = _load(questionnaire_file, "questionnaire") if questionnaire_file else None
        mappings = (
            [check_mapping(parse_mapping(_load(mapping_file, "mapping")))] if mapping_file else []
        )
        outcome = score_questionnaire_response(qr, q, instrument_id=instrument, mappings=mappings)
    except ClinicError as error:
        _fail(error.detail, as_json)
    payload = _payload(outcome)
    if not outcome.scorable:
        _fail("; ".join(_unscorable_reasons(outcome)), as_json, payload)
    typer.echo(json.dumps(payload) if as_json else _text(payload))


def _load(path: Path, field: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed({field: f"cannot read {path}: {error}"}) from error
    if not isinstance(data, dict):
        raise ValidationFailed({field: f"{path} does not hold a JSON object"})
    return data


def _payload(outcome: FhirScoreOutcome) -> dict[str, Any]:
    result = outcome.result
    stored = outcome.imported.stored_total
    return {
        "instrument": result.instrument_id,
        "total": result.total,
        "band": result.band,
        "subscales": result.subscales,
        "safety_flags": [
            {
                "rule_id": f.rule_id,
                "items": list(f.item_ids),
                "urgency": f.urgency.value,
                "message": f.message,
            }
            for f in result.safety_flags
        ],
        "complete": outcome.scorable and result.complete,
        "stored_total": str(stored) if stored is not None else None,
        "stored_total_disagrees": outcome.stored_total_disagrees,
    }


def _unscorable_reasons(outcome: FhirScoreOutcome) -> list[str]:
    reasons = ["unscorable", *outcome.reasons]
    if outcome.unreadable_safety_items:
        items = ", ".join(outcome.unreadable_safety_items)
        reasons.append(f"safety item(s) {items} unreadable: clinician review required")
    return reasons


def _fail(reason: str, as_json: bool, payload: dict[str, Any] | None = None) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({**(payload or {}), "error": reason}))
    typer.echo(f"error: {reason}", err=True)
    raise typer.Exit(code=1)


def _text(payload: dict[str, Any]) -> str:
    lines = [f"{payload['instrument']}: total {payload['total']} ({payload['band']})"]
    lines += [f"  {name}: {value}" for name, value in payload["subscales"].items()]
    lines += [f"  SAFETY [{f['urgency']}] {f['message']}" for f in payload["safety_flags"]]
    if payload["stored_total_disagrees"]:
        lines.append(f"  stored total {payload['stored_total']} disagrees: not used")
    return "\n".join(lines)
