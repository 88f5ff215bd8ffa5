"""The integration and KAT rules, table-driven (seed 004; kat-holistic and adult IV packs): the
experiential-session decision, plan generation from the protocol section, and input validation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.integration.plans import (
    GivenDose,
    GoalInput,
    JourneyInput,
    NoteContent,
    RiskLevel,
    build_plan,
    experiential_decision,
    validate_goal,
    validate_journey,
    validate_note,
    validate_rating,
)
from ketaclinic.domain.protocols.sections import Route

KAT = shipped_protocol("kat-holistic").integration
ADULT = shipped_protocol("adult-iv-induction").integration
AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)

# (pack section, signed preparatory, previous journey at, signed integration since, blocks, flags)
CASES = [
    (KAT, 0, None, 0, ("kat.preparation",), ()),
    (KAT, 1, None, 0, (), ()),
    (KAT, 1, AT, 0, (), ("kat.integration",)),
    (KAT, 1, AT, 1, (), ()),
    (KAT, 0, AT, 1, ("kat.preparation",), ()),
    (ADULT, 0, AT, 0, (), ()),  # adult IV: no preparatory minimum, no integration-after-each
]


@pytest.mark.parametrize(("section", "prep", "last", "since", "blocks", "flags"), CASES)
def test_experiential_decision(
    section: object,
    prep: int,
    last: datetime | None,
    since: int,
    blocks: tuple[str, ...],
    flags: tuple[str, ...],
) -> None:
    decision = experiential_decision(
        section,  # type: ignore[arg-type]
        signed_preparatory=prep,
        last_experiential_at=last,
        signed_integration_since_last=since,
    )
    assert tuple(b.split(":")[0] for b in decision.blocks) == blocks
    assert tuple(f.split(":")[0] for f in decision.flags) == flags
    assert decision.allowed is (not blocks)


def test_the_root_plan_has_its_four_domains_in_order() -> None:
    plan = build_plan(1, ADULT, ())
    assert plan.framework == "ROOT"
    assert [d.title.split()[0] for d in plan.domains] == [
        "Regulate",
        "Overcome",
        "Open",
        "Transform",
    ]


@pytest.mark.parametrize(
    ("goal", "field"),
    [
        (GoalInput("nowhere", "x"), "domain_id"),
        (GoalInput("regulate", "  "), "text"),
        (GoalInput("regulate", "x", measure="m" * 201), "measure"),
    ],
)
def test_bad_goals_name_the_field(goal: GoalInput, field: str) -> None:
    with pytest.raises(ValidationFailed) as bad:
        validate_goal(goal, ADULT)
    assert field in bad.value.errors


@pytest.mark.parametrize("rating", [-1, 11])
def test_ratings_are_0_to_10(rating: int) -> None:
    with pytest.raises(ValidationFailed):
        validate_rating(rating)
    assert validate_rating(0) == 0 and validate_rating(10) == 10


def test_a_positive_risk_screen_needs_notes() -> None:
    with pytest.raises(ValidationFailed) as bad:
        validate_note(NoteContent("themes", (), "", RiskLevel.MODERATE, ""))
    assert "risk_notes" in bad.value.errors


IM_35 = GivenDose(Route.IM, Decimal("35"), AT)


def test_journey_attendant_must_be_a_protocol_attendant_role() -> None:
    j = JourneyInput(7, 1, "nurse", ("quiet_room",))
    with pytest.raises(ValidationFailed) as bad:
        validate_journey(j, IM_35, KAT, Decimal("150"))
    assert list(bad.value.errors) == ["attendant_id"]
    validate_journey(JourneyInput(7, 1, "coach", ()), IM_35, KAT, Decimal(150))


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        (GivenDose(Route.IV, Decimal("35"), AT), "kat.experiential_route"),
        (GivenDose(Route.SL, Decimal("450"), AT), "dosing.ceiling"),
        (GivenDose(Route.SL, Decimal("0"), AT), "dosing.ceiling"),
    ],
)
def test_the_sessions_dose_must_be_an_experiential_route_within_the_ceiling(
    given: GivenDose, rule: str
) -> None:
    with pytest.raises(ValidationFailed) as bad:
        validate_journey(JourneyInput(7, 1, "coach", ()), given, KAT, Decimal("400"))
    assert list(bad.value.errors) == ["session_id"]
    assert rule in bad.value.errors["session_id"]


def test_a_journey_input_has_no_dose_field() -> None:
    fields = set(JourneyInput.__dataclass_fields__)
    assert not fields & {"route", "dose_mg", "given_at"}
