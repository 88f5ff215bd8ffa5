"""Infusion-session moves read what was documented, one row per case with its clinical source.

Three tables: the approval to resume after a pause (rule ``resume_approved``: a signed-in
prescriber's record bound to the current pause; clinical.md §4.4), the checklist facts derived
from the documented records (``services.infusion.facts.derive_facts``; seed 000 step 4,
clinical.md §4.1-§4.2) and the dose ceiling every dose asked for meets
(``domain.dosing.calculation.request_above_ceiling``; clinical.md §2.2).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.dosing.calculation import (
    REQUEST_ABOVE_CEILING,
    calculate_dose,
    request_above_ceiling,
)
from ketaclinic.domain.dosing.weight import Sex, WeightMeasurement, determine_dosing_weight
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState, guard_failures
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.infusion.facts import derive_facts, resume_approver
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord

AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
ADULT = shipped_protocol("adult-iv-induction")
S44 = "clinical.md §4.4 resume only once cleared, approved by a prescriber"


def _record(n: int, kind: RecordKind, **payload: Any) -> SessionRecord:
    return SessionRecord(n, 1, 1, 1, kind, payload, AT, 9)


def _session(state: SessionState) -> InfusionSession:
    return InfusionSession(1, 1, 1, 1, 1, state, None, 9, None, None, AT)


APPROVED = {"prescriber_name": "Dr Demo-Ash", "prescriber_role": "physician", "reason": "ok"}

#: (case, session state, records, pauses so far, approver expected, source)
RESUME_CASES = [
    ("no approval recorded", SessionState.PAUSED, [], 1, "", S44),
    (
        "approval of this pause",
        SessionState.PAUSED,
        [_record(1, RecordKind.RESUME_APPROVAL, pause=1, **APPROVED)],
        1,
        "Dr Demo-Ash",
        S44,
    ),
    (
        "approval of an earlier pause does not carry over",
        SessionState.PAUSED,
        [_record(1, RecordKind.RESUME_APPROVAL, pause=1, **APPROVED)],
        2,
        "",
        S44,
    ),
    (
        "a pre-dose BP decision is no approval to resume",
        SessionState.PAUSED,
        [_record(1, RecordKind.PREDOSE_DECISION, decision="proceed", **APPROVED)],
        1,
        "",
        "clinical.md §4.3 vs §4.4: separate decisions",
    ),
    (
        "not paused: nothing to approve",
        SessionState.INFUSING,
        [_record(1, RecordKind.RESUME_APPROVAL, pause=1, **APPROVED)],
        1,
        "",
        S44,
    ),
]


@pytest.mark.parametrize(
    ("case", "state", "records", "pauses", "approver", "source"),
    RESUME_CASES,
    ids=[c[0] for c in RESUME_CASES],
)
def test_resume_approval_case(
    case: str,
    state: SessionState,
    records: list[SessionRecord],
    pauses: int,
    approver: str,
    source: str,
) -> None:
    assert resume_approver(records, _session(state), pauses) == approver, source


CHECK_IN = {
    "identity_confirmed": True,
    "escort_name": "Sam Demo-Escort",
    "escort_phone": "555-0100",
    "escort_reachable": True,
    "fasting_confirmed": True,
    "pregnancy_test": "negative",
    "checkin_reviewed": True,
}

#: (case, records, failing check-in guard checks, source)
CHECK_IN_CASES = [
    (
        "nothing documented: every item fails",
        [],
        (
            "identity_confirmed",
            "escort_named",
            "escort_reachable",
            "fasting_confirmed",
            "checkin_reviewed",
        ),
        "seed 000 step 4",
    ),
    (
        "a complete check-in form",
        [_record(1, RecordKind.CHECK_IN, **CHECK_IN)],
        (),
        "seed 000 step 4; clinical.md §4.2",
    ),
    (
        "an escort named without a phone is not named",
        [_record(1, RecordKind.CHECK_IN, **{**CHECK_IN, "escort_phone": ""})],
        ("escort_named",),
        "clinical.md §4.6 responsible adult",
    ),
    (
        "the latest correction wins",
        [
            _record(1, RecordKind.CHECK_IN, **CHECK_IN),
            _record(2, RecordKind.CHECK_IN, **{**CHECK_IN, "fasting_confirmed": False}),
        ],
        ("fasting_confirmed",),
        "clinical.md §4.2 fasting",
    ),
]


@pytest.mark.parametrize(
    ("case", "records", "failing", "source"), CHECK_IN_CASES, ids=[c[0] for c in CHECK_IN_CASES]
)
def test_check_in_facts_come_from_the_records(
    case: str, records: list[SessionRecord], failing: tuple[str, ...], source: str
) -> None:
    facts = derive_facts(records, None, ADULT, can_be_pregnant=False)
    failures = guard_failures(SessionState.SCHEDULED, SessionState.CHECKED_IN, facts)
    assert tuple(f.split(":", 1)[0] for f in failures) == failing, source


#: (case, weight kg, mg/kg asked, fixed mg asked, proposal, refused, source)
CEILING_CASES = [
    ("at the max mg/kg", "70", "1.0", None, False, False, "clinical.md §2.2 site max mg/kg"),
    ("above the max mg/kg, asked", "70", "1.2", None, False, True, "clinical.md §2.2 no override"),
    (
        "above the max mg, asked as a fixed dose",
        "70",
        None,
        "120",
        False,
        True,
        "clinical.md §2.2 site max mg",
    ),
    (
        "the protocol's own proposal clipped by the max mg",
        "130",
        "1.0",
        None,
        True,
        False,
        "clinical.md §2.4 worked example: the cap applies",
    ),
]


@pytest.mark.parametrize(
    ("case", "weight", "mg_per_kg", "fixed_mg", "proposal", "refused", "source"),
    CEILING_CASES,
    ids=[c[0] for c in CEILING_CASES],
)
def test_dose_ceiling_case(
    case: str,
    weight: str,
    mg_per_kg: str | None,
    fixed_mg: str | None,
    proposal: bool,
    refused: bool,
    source: str,
) -> None:
    route = ADULT.dosing.routes[Route.IV]
    measured = WeightMeasurement(Decimal(weight), Decimal(200), AT)
    dosing = determine_dosing_weight(route, [measured], Sex.MALE, at=AT, max_weight_age_days=30)
    assert dosing.dosing_weight is not None
    dose = calculate_dose(
        route,
        dosing.dosing_weight,
        mg_per_kg=Decimal(mg_per_kg) if mg_per_kg else None,
        fixed_mg=Decimal(fixed_mg) if fixed_mg else None,
    )
    proposed = dose.requested_mg if proposal else None
    found = request_above_ceiling(dose, proposed_mg=proposed)
    assert (found is not None) is refused, source
    if found is not None:
        assert found.rule_id == REQUEST_ABOVE_CEILING and found.source == "clinical.md §2.2"
