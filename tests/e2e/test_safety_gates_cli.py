"""``ketaclinic dose calc`` applies the same dose-rate check as an order, with or without a vial,
and the shipped adult pack's own titration step-up and ceiling can be ordered (clinical.md §2.1
Pennsylvania 2020 <= 1 mg/kg/h; §2.2 Cusin 2017 0.75 mg/kg over 45 min; ASKP3 up to 1 mg/kg over
40-60 min)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.dosing.preparation import MAX_INFUSION_MIN, infusion_duration_min
from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.protocols.checks_care import titration_levels_mg_per_kg
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.cli import dosing as dose
from ketaclinic.entrypoints.cli.root import build_cli
from tests.unit.test_dosing_factories import iv_route, protocol

ADULT = ["--weight-kg", "70", "--height-cm", "175", "--sex", "female", "--age", "40"]


def calc(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(build_cli(), ["dose", "calc", *args, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


@pytest.fixture
def slow_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack whose dose-rate limit (0.2 mg/kg/h) cannot carry 1 mg/kg within 240 min."""
    pack = protocol({Route.IV: iv_route(max_mg_per_kg_per_h=Decimal("0.2"))})

    def load(protocol_id: str) -> Protocol:
        if protocol_id != "test-slow":
            raise NotFound(f"no shipped protocol {protocol_id!r}", field="protocol_id")
        return pack

    monkeypatch.setattr(dose, "load_protocol", load)


def test_cli_dose_calc_checks_the_dose_rate_without_a_vial(slow_pack: None) -> None:
    code, plan = calc("--protocol", "test-slow", "--route", "iv", *ADULT, "--mg-per-kg", "1.0")
    assert code == 1
    assert [r["rule_id"] for r in plan["refusals"]] == ["prep.dose_rate_above_limit"]
    with_vial = ["--vial-mg-per-ml", "50", "--final-volume-ml", "100"]
    code, plan = calc(
        "--protocol", "test-slow", "--route", "iv", *ADULT, "--mg-per-kg", "1.0", *with_vial
    )
    assert code == 1 and "prep.dose_rate_above_limit" in {r["rule_id"] for r in plan["refusals"]}


@pytest.mark.parametrize(
    ("mg_per_kg", "minutes", "rate_ml_per_h"),
    [("0.5", 40, 150), ("0.75", 45, Decimal("133.3")), ("1.0", 60, 100)],
    ids=["start-40-min", "cusin-step-up-45-min", "ceiling-60-min"],
)
def test_the_adult_packs_start_step_up_and_ceiling_can_be_ordered(
    mg_per_kg: str, minutes: int, rate_ml_per_h: object
) -> None:
    code, plan = calc(
        "--protocol",
        "adult-iv-induction",
        "--route",
        "iv",
        *ADULT,
        "--mg-per-kg",
        mg_per_kg,
        "--vial-mg-per-ml",
        "50",
        "--final-volume-ml",
        "100",
    )
    assert code == 0, plan["refusals"]
    assert plan["duration_min"] == minutes
    assert Decimal(str(plan["rate_ml_per_h"])) == Decimal(str(rate_ml_per_h))
    assert Decimal(str(plan["mg_per_kg_per_h"])) <= Decimal(1)


def test_the_shipped_packs_titration_ladders_fit_their_own_limits() -> None:
    for pack_id in ("adult-iv-induction", "adolescent-iv", "kat-holistic"):
        for rd in shipped_protocol(pack_id).dosing.routes.values():
            for level in titration_levels_mg_per_kg(rd):
                assert infusion_duration_min(rd, level) <= MAX_INFUSION_MIN, (pack_id, level)
