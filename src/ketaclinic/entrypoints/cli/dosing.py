"""``ketaclinic dose``: compute a dose plan under a shipped protocol.

``dose calc --protocol ID --route iv|im|in|sl --weight-kg W --height-cm H --sex female|male
--age Y [--vial-mg-per-ml C] [--final-volume-ml V] [--mg-per-kg D] [--fixed-mg M] --json``

The weight is taken as measured now. Without ``--vial-mg-per-ml`` only the dose is computed (the
preparation fields are null); without ``--final-volume-ml`` the drug is taken as undiluted.

JSON output: quantities are JSON numbers, already rounded by the domain to what is measured in
practice (dose to the protocol's rounding step, volumes to 0.01 mL, rates to 0.1 mL/h,
concentrations and mg/kg to 0.001); fields that do not apply are null. ``capped_by`` names the
ceiling that clipped the protocol's start dose (``max_mg`` or ``max_mg_per_kg``) or is null; a
dose asked for with ``--mg-per-kg`` or ``--fixed-mg`` above a ceiling is refused
(``dose.request_above_ceiling``, the check every signed order passes), never capped.
``refusals`` lists ``{rule_id, message, source, needs_signoff}``; a plan with any refusal exits
with status 1.
Bad input (unknown protocol, implausible weight) prints ``{"error", "detail", "field"}`` and
exits 1.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import typer

from ketaclinic.domain.dosing.calculation import request_above_ceiling
from ketaclinic.domain.dosing.plan import DosePlan, DoseRequest, plan_dose
from ketaclinic.domain.dosing.reasons import DosingReason
from ketaclinic.domain.dosing.weight import Sex, WeightMeasurement
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route

app = typer.Typer(help="Dose calculations (decision support: a prescriber signs every order).")


@app.callback()
def dose() -> None:
    """Dose calculations."""


def load_protocol(protocol_id: str) -> Protocol:
    """The shipped protocol ``protocol_id`` (raises ``NotFound`` for an unknown id)."""
    from ketaclinic.adapters.protocol_files import shipped_protocol

    return shipped_protocol(protocol_id)


@app.command("calc")
def calc(
    protocol: str = typer.Option(..., "--protocol", help="shipped protocol id"),
    route: Route = typer.Option(..., "--route", help="iv, im, in or sl"),
    weight_kg: str = typer.Option(..., "--weight-kg", help="measured weight in kg"),
    height_cm: str = typer.Option(..., "--height-cm", help="measured height in cm"),
    sex: Sex = typer.Option(..., "--sex", help="female or male (Devine formula)"),
    age: int = typer.Option(..., "--age", help="age in completed years"),
    vial_mg_per_ml: str | None = typer.Option(None, "--vial-mg-per-ml"),
    final_volume_ml: str | None = typer.Option(None, "--final-volume-ml"),
    mg_per_kg: str | None = typer.Option(None, "--mg-per-kg", help="default: protocol start"),
    fixed_mg: str | None = typer.Option(None, "--fixed-mg", help="a fixed dose instead of mg/kg"),
    as_json: bool = typer.Option(False, "--json", help="print the plan as JSON"),
) -> None:
    """Compute the dose plan; exit 1 when it is refused or the input is invalid."""
    at = datetime.now(UTC)
    try:
        request = DoseRequest(
            route=route,
            sex=sex,
            age_years=age,
            mg_per_kg=_decimal("mg_per_kg", mg_per_kg),
            fixed_mg=_decimal("fixed_mg", fixed_mg),
            vial_mg_per_ml=_decimal("vial_mg_per_ml", vial_mg_per_ml),
            final_volume_ml=_decimal("final_volume_ml", final_volume_ml),
        )
        measured = WeightMeasurement(
            _required("weight_kg", weight_kg), _required("height_cm", height_cm), at
        )
        plan = _refuse_above_ceiling(
            plan_dose(load_protocol(protocol), request, [measured], at=at),
            asked=mg_per_kg is not None or fixed_mg is not None,
        )
    except ClinicError as error:
        _fail(error, as_json=as_json)
    _print(plan_as_dict(plan), as_json=as_json)
    if not plan.accepted:
        raise typer.Exit(1)


def _refuse_above_ceiling(plan: DosePlan, *, asked: bool) -> DosePlan:
    """A dose asked for (``--mg-per-kg`` or ``--fixed-mg``) above a ceiling is refused naming
    ``dose.request_above_ceiling``, the same check a signed order passes; the protocol's own start
    dose, clipped by a ceiling, is shown capped (``capped_by``)."""
    if plan.dose is None:
        return plan
    proposed = None if asked else plan.dose.requested_mg
    above = request_above_ceiling(plan.dose, proposed_mg=proposed)
    return replace(plan, refusals=(*plan.refusals, above)) if above else plan


def plan_as_dict(plan: DosePlan) -> dict[str, Any]:
    """The plan in the documented JSON shape (plus the arithmetic steps and reasons)."""
    dose, weight = plan.dose, plan.dosing_weight
    prep = plan.preparation.preparation if plan.preparation else None
    return {
        "protocol": plan.protocol_ref,
        "route": plan.route.value,
        "dose_mg": _number(dose.dose_mg if dose else None),
        "mg_per_kg": _number(dose.requested_mg_per_kg if dose else None),
        "effective_mg_per_kg": _number(dose.effective_mg_per_kg if dose else None),
        "dosing_weight_kg": _number(weight.weight_kg if weight else None),
        "weight_basis": weight.basis.value if weight else None,
        "capped_by": dose.capped_by.value if dose and dose.capped_by else None,
        "draw_volume_ml": _number(prep.draw_volume_ml if prep else None),
        "diluent_volume_ml": _number(prep.diluent_volume_ml if prep else None),
        "final_volume_ml": _number(prep.final_volume_ml if prep else None),
        "final_concentration_mg_per_ml": _number(
            prep.final_concentration_mg_per_ml if prep else None
        ),
        "rate_ml_per_h": _number(prep.rate_ml_per_h if prep else None),
        "mg_per_kg_per_h": _number(prep.mg_per_kg_per_h if prep else plan.mg_per_kg_per_h),
        "duration_min": plan.duration_min,
        "steps": list((dose.steps if dose else ()) + (prep.steps if prep else ())),
        "reasons": [_reason(r) for r in plan.reasons],
        "refusals": [_reason(r) for r in plan.refusals],
    }


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _reason(reason: DosingReason) -> dict[str, Any]:
    return {
        "rule_id": reason.rule_id,
        "message": reason.message,
        "source": reason.source,
        "needs_signoff": reason.needs_signoff,
    }


def _decimal(name: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ValidationFailed({name: f"{text!r} is not a number"})
    return value


def _required(name: str, text: str) -> Decimal:
    value = _decimal(name, text)
    assert value is not None
    return value


def _print(payload: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    for key, value in payload.items():
        if key in ("steps", "reasons", "refusals"):
            for item in value:
                typer.echo(f"  {key[:-1]}: {item if isinstance(item, str) else item['message']}")
        elif value is not None:
            typer.echo(f"{key}: {value}")


def _fail(error: ClinicError, *, as_json: bool) -> NoReturn:
    body = {"error": type(error).__name__, "detail": error.detail, "field": error.field}
    if as_json:
        typer.echo(json.dumps(body))
    else:
        typer.echo(f"error: {error.detail}", err=True)
    raise typer.Exit(1)
