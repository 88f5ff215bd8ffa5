"""``dose calc`` through typer's CliRunner: the documented JSON shape, refusals and exit codes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.cli import dosing as dose
from tests.unit.test_dosing_factories import iv_route, protocol

REQUIRED_KEYS = {
    "dose_mg",
    "mg_per_kg",
    "dosing_weight_kg",
    "weight_basis",
    "capped_by",
    "draw_volume_ml",
    "final_concentration_mg_per_ml",
    "rate_ml_per_h",
    "duration_min",
    "refusals",
}
ADULT = ["--weight-kg", "70", "--height-cm", "175", "--sex", "female", "--age", "40"]


@pytest.fixture
def fake_protocols(monkeypatch: pytest.MonkeyPatch) -> dict[str, Protocol]:
    packs = {
        "test-iv": protocol(),
        "test-teen": protocol(
            {Route.IV: iv_route(max_mg=Decimal(40), max_mg_per_kg=Decimal("0.5"))},
            min_age=12,
            max_age=17,
        ),
    }

    def load(protocol_id: str) -> Protocol:
        if protocol_id not in packs:
            raise NotFound(f"no shipped protocol {protocol_id!r}", field="protocol_id")
        return packs[protocol_id]

    monkeypatch.setattr(dose, "load_protocol", load)
    return packs


def run(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(dose.app, ["calc", *args, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def test_worked_example_at_1_mg_per_ml(fake_protocols: dict[str, Protocol]) -> None:
    code, plan = run(
        "--protocol",
        "test-iv",
        "--route",
        "iv",
        *ADULT,
        "--vial-mg-per-ml",
        "50",
        "--final-volume-ml",
        "35",
    )
    assert code == 0
    assert plan.keys() >= REQUIRED_KEYS
    assert plan["dose_mg"] == 35
    assert plan["mg_per_kg"] == 0.5
    assert plan["dosing_weight_kg"] == 70
    assert plan["weight_basis"] == "actual"
    assert plan["capped_by"] is None
    assert plan["draw_volume_ml"] == 0.7
    assert plan["final_concentration_mg_per_ml"] == 1
    assert plan["rate_ml_per_h"] == 52.5
    assert plan["duration_min"] == 40
    assert plan["refusals"] == []


def test_worked_example_in_100_ml(fake_protocols: dict[str, Protocol]) -> None:
    code, plan = run(
        "--protocol",
        "test-iv",
        "--route",
        "iv",
        *ADULT,
        "--vial-mg-per-ml",
        "50",
        "--final-volume-ml",
        "100",
    )
    assert code == 0
    assert (plan["rate_ml_per_h"], plan["final_concentration_mg_per_ml"]) == (150, 0.35)


def test_adolescent_capped_at_40_mg(fake_protocols: dict[str, Protocol]) -> None:
    code, plan = run(
        "--protocol",
        "test-teen",
        "--route",
        "iv",
        "--weight-kg",
        "90",
        "--height-cm",
        "180",
        "--sex",
        "male",
        "--age",
        "16",
    )
    assert code == 0
    assert (plan["dose_mg"], plan["capped_by"]) == (40, "max_mg")
    assert plan["draw_volume_ml"] is None  # no vial given: dose only


def test_undiluted_100_mg_per_ml_is_refused_with_exit_1(
    fake_protocols: dict[str, Protocol],
) -> None:
    code, plan = run("--protocol", "test-iv", "--route", "iv", *ADULT, "--vial-mg-per-ml", "100")
    assert code == 1
    assert [r["rule_id"] for r in plan["refusals"]] == ["prep.iv_100_mg_per_ml_undiluted"]
    assert plan["refusals"][0]["source"] == "Ketalar PI"


def test_explicit_mg_per_kg_above_ceiling_is_refused_naming_the_rule(
    fake_protocols: dict[str, Protocol],
) -> None:
    code, plan = run("--protocol", "test-iv", "--route", "iv", *ADULT, "--mg-per-kg", "2")
    assert code == 1
    [refusal] = plan["refusals"]
    assert refusal["rule_id"] == "dose.request_above_ceiling"
    assert "requested 140 mg is above the 70.0 mg ceiling" in refusal["message"]
    assert "max_mg_per_kg" in refusal["message"]
    assert refusal["source"] == "clinical.md §2.2"


def test_a_fixed_dose_above_the_max_mg_is_refused_not_capped(
    fake_protocols: dict[str, Protocol],
) -> None:
    teen = ["--weight-kg", "90", "--height-cm", "180", "--sex", "male", "--age", "16"]
    code, plan = run("--protocol", "test-teen", "--route", "iv", *teen, "--fixed-mg", "60")
    assert code == 1
    assert [r["rule_id"] for r in plan["refusals"]] == ["dose.request_above_ceiling"]


def test_the_same_ceiling_check_as_a_signed_order() -> None:
    from ketaclinic.entrypoints.cli import dosing as cli
    from ketaclinic.services.dosing import orders

    assert cli.request_above_ceiling is orders.request_above_ceiling


def test_route_missing_from_protocol_exits_1(fake_protocols: dict[str, Protocol]) -> None:
    code, plan = run("--protocol", "test-iv", "--route", "sl", *ADULT)
    assert code == 1
    assert plan["dose_mg"] is None
    assert plan["refusals"][0]["rule_id"] == "plan.route_not_in_protocol"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--protocol", "nope", "--route", "iv", *ADULT], "protocol_id"),
        (["--protocol", "test-iv", "--route", "iv", *ADULT, "--mg-per-kg", "lots"], "mg_per_kg"),
        (["--protocol", "test-iv", "--route", "iv", *ADULT[:1], "700", *ADULT[2:]], "weight_kg"),
    ],
    ids=["unknown_protocol", "not_a_number", "implausible_weight"],
)
def test_bad_input_is_an_error_naming_the_field(
    fake_protocols: dict[str, Protocol], args: list[str], field: str
) -> None:
    code, body = run(*args)
    assert code == 1
    assert body["field"] == field
    assert body["error"] in {"NotFound", "ValidationFailed"}


def test_shipped_adult_pack_worked_example() -> None:
    code, plan = run(
        "--protocol",
        "adult-iv-induction",
        "--route",
        "iv",
        *ADULT,
        "--vial-mg-per-ml",
        "50",
        "--final-volume-ml",
        "100",
    )
    assert code == 0, plan["refusals"]
    assert (plan["dose_mg"], plan["rate_ml_per_h"]) == (35, 150)
