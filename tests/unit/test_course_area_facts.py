"""Each clinical area reports its typed part of the course facts; merged in order."""

from __future__ import annotations

from datetime import UTC, datetime

from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.evaluation.eligibility.engine import Decision
from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision
from ketaclinic.domain.patients.course import (
    ConsentFacts,
    CourseFacts,
    EligibilityFacts,
    InductionFacts,
    OutcomeFacts,
    merge_facts,
)

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SIGNED = SignedDecision(
    Decision.ELIGIBLE, (), (), frozenset(), "Dr Demo-Signer", "physician", AT, AT
)
COMPLETE = ConsentStatus(missing=(), blocks=())


def test_every_area_fills_only_its_own_fields() -> None:
    base = CourseFacts(protocol_ref="adult-iv-induction@1", open_safety_gates=("task 1",))
    merged = merge_facts(
        base,
        EligibilityFacts(SIGNED),
        ConsentFacts(COMPLETE),
        InductionFacts(sessions_done=4, sessions_planned=6),
        OutcomeFacts(reassessment_recorded=True, maintenance_planned=False),
    )
    assert merged == CourseFacts(
        protocol_ref="adult-iv-induction@1",
        eligibility=SIGNED,
        consent=COMPLETE,
        open_safety_gates=("task 1",),
        induction_sessions_done=4,
        induction_sessions_planned=6,
        reassessment_recorded=True,
        maintenance_planned=False,
    )


def test_a_later_area_report_wins() -> None:
    merged = merge_facts(CourseFacts(), EligibilityFacts(SIGNED), EligibilityFacts(None))
    assert merged.eligibility is None


def test_the_safety_gate_is_not_an_area_fact() -> None:
    merged = merge_facts(CourseFacts(open_safety_gates=("task 1",)), ConsentFacts(COMPLETE))
    assert merged.open_safety_gates == ("task 1",)
