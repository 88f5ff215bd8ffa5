"""Treatment-course state machine: the table, its guards, and the adolescent consent gate."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from ketaclinic.domain.consent.signatures import (
    SignerRole,
    Withdrawal,
    consent_status,
    required_signatures,
)
from ketaclinic.domain.errors import InvalidTransition
from ketaclinic.domain.evaluation.eligibility import (
    Override,
    SignedDecision,
    assess_eligibility,
    sign_eligibility,
)
from ketaclinic.domain.evaluation.intake import Evaluation, Status
from ketaclinic.domain.patients.course import (
    TERMINAL,
    TRANSITIONS,
    CourseFacts,
    CourseState,
    allowed_targets,
    failed_guards,
    transition,
)
from ketaclinic.domain.protocols.sections import Population
from tests.unit.test_consent import ADOLESCENT_DOCS, T0, sign
from tests.unit.test_eligibility_fixtures import (
    ADOLESCENTS,
    ADULTS,
    AT,
    RULES,
    amend,
    healthy_adult,
)

S = CourseState
SIGNED_AT = AT + timedelta(minutes=10)
TEEN = amend(healthy_adult(), age_years=15)
REQUIRED = required_signatures(ADOLESCENT_DOCS, 15)
BOTH = consent_status(
    REQUIRED, [sign("permission", SignerRole.GUARDIAN), sign("assent", SignerRole.ASSENT)]
)


def _signed(evaluation: Evaluation = TEEN, population: Population = ADOLESCENTS) -> SignedDecision:
    result = assess_eligibility(evaluation, RULES, population, at=AT)
    return sign_eligibility(result, signed_by="app-0001", signer_role="app", at=SIGNED_AT)


ELIGIBLE = _signed()
NOT_ELIGIBLE = _signed(TEEN, ADULTS)  # adolescent on the adult population
FACTS = CourseFacts(protocol_ref="adolescent-iv@1.0.0", eligibility=ELIGIBLE, consent=BOTH)


def _reasons(state: CourseState, to: CourseState, facts: CourseFacts) -> tuple[str, ...]:
    with pytest.raises(InvalidTransition) as err:
        transition(state, to, facts)
    assert err.value.field == "state"
    return err.value.reasons


def test_transitions_table_is_plain_strings_for_diagrams() -> None:
    assert all(isinstance(part, str) for row in TRANSITIONS for part in row)
    states = {s.value for s in CourseState}
    assert {src for src, _, _ in TRANSITIONS} | {dst for _, dst, _ in TRANSITIONS} == states
    assert (
        "eligible",
        "consented",
        "eligibility signed: eligible and consent and assent present",
    ) in TRANSITIONS


def test_terminal_states_have_no_way_out() -> None:
    for state in TERMINAL:
        assert allowed_targets(state) == ()


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        pytest.param(a, b, id=f"{a.value}->{b.value}")
        for a, b in itertools.product(CourseState, CourseState)
        if b not in allowed_targets(a)
    ],
)
def test_moves_outside_the_table_are_refused(src: CourseState, dst: CourseState) -> None:
    assert _reasons(src, dst, FACTS) == (f"no transition from {src.value} to {dst.value}",)


def test_adolescent_walks_from_referral_to_completion() -> None:
    facts = replace(
        FACTS, induction_sessions_planned=6, induction_sessions_done=6, reassessment_recorded=True
    )
    state = S.REFERRED
    for target in (S.EVALUATING, S.ELIGIBLE, S.CONSENTED, S.INDUCTION, S.REASSESSMENT, S.COMPLETED):
        state = transition(state, target, facts)
    assert state is S.COMPLETED


def test_consented_needs_signed_eligibility_and_every_signature() -> None:
    reasons = _reasons(S.ELIGIBLE, S.CONSENTED, CourseFacts(protocol_ref="p@1"))
    assert reasons == (
        "eligibility_signed_eligible: eligibility decision not signed",
        "consent_complete: consent not recorded",
    )


def test_fifteen_year_old_permission_without_assent_is_refused() -> None:
    only_permission = consent_status(REQUIRED, [sign("permission", SignerRole.GUARDIAN)])
    reasons = _reasons(S.ELIGIBLE, S.CONSENTED, replace(FACTS, consent=only_permission))
    assert reasons == (
        "consent_complete: consent incomplete: assent@1:assent: assent signature missing",
    )


def test_fifteen_year_old_assent_without_permission_is_refused() -> None:
    only_assent = consent_status(REQUIRED, [sign("assent", SignerRole.ASSENT)])
    reasons = _reasons(S.ELIGIBLE, S.CONSENTED, replace(FACTS, consent=only_assent))
    assert reasons == (
        "consent_complete: consent incomplete: permission@1:guardian: guardian signature missing",
    )


def test_fifteen_year_old_with_permission_and_assent_is_consented() -> None:
    assert transition(S.ELIGIBLE, S.CONSENTED, FACTS) is S.CONSENTED


def test_not_eligible_decision_cannot_reach_eligible_but_reaches_ineligible() -> None:
    facts = replace(FACTS, eligibility=NOT_ELIGIBLE)
    assert _reasons(S.EVALUATING, S.ELIGIBLE, facts) == (
        "eligibility_signed_eligible: signed eligibility decision is not eligible",
    )
    assert transition(S.EVALUATING, S.INELIGIBLE, facts) is S.INELIGIBLE


def test_decision_signed_with_overrides_permits_eligible() -> None:
    result = assess_eligibility(
        amend(TEEN, psychiatric__mania=Status.PAST), RULES, ADOLESCENTS, at=AT
    )
    override = Override("ci.mania_history", "physician", "single drug-induced episode 2019", "dr-1")
    signed = sign_eligibility(
        result, signed_by="dr-1", signer_role="physician", at=SIGNED_AT, overrides=[override]
    )
    assert transition(S.EVALUATING, S.ELIGIBLE, replace(FACTS, eligibility=signed)) is S.ELIGIBLE


def test_induction_is_blocked_by_open_safety_gate_and_by_withdrawal() -> None:
    withdrawn = consent_status(
        REQUIRED,
        [sign("permission", SignerRole.GUARDIAN), sign("assent", SignerRole.ASSENT)],
        [Withdrawal(SignerRole.ASSENT, T0 + timedelta(days=1), document_id="assent")],
    )
    facts = replace(FACTS, consent=withdrawn, open_safety_gates=("PHQ-A item 9 positive",))
    reasons = _reasons(S.CONSENTED, S.INDUCTION, facts)
    assert len(reasons) == 2
    assert reasons[0].startswith(
        "consent_complete: consent incomplete: assent@1:assent: consent withdrawn"
    )
    assert reasons[1] == "safety_gate_clear: open safety gate: PHQ-A item 9 positive"


def test_reassessment_needs_the_planned_series_done() -> None:
    facts = replace(FACTS, induction_sessions_planned=6, induction_sessions_done=4)
    assert _reasons(S.INDUCTION, S.REASSESSMENT, facts) == (
        "induction_done: induction 4 of 6 sessions done "
        "(a prescriber may end induction early with a written reason)",
    )


def test_a_prescriber_ends_induction_early_only_with_a_written_reason() -> None:
    facts = replace(FACTS, induction_sessions_planned=6, induction_sessions_done=3)
    assert failed_guards(S.INDUCTION, S.REASSESSMENT, replace(facts, reason="  ")) != ()
    ended = replace(facts, reason="no response after three sessions: futility review")
    assert transition(S.INDUCTION, S.REASSESSMENT, ended) is S.REASSESSMENT


@pytest.mark.parametrize("state", [s for s in CourseState if s not in TERMINAL], ids=str)
def test_discontinuation_from_any_open_state_needs_a_reason(state: CourseState) -> None:
    assert failed_guards(state, S.DISCONTINUED, replace(FACTS, reason=" ")) == (
        "reason_given: a written reason is required",
    )
    assert transition(state, S.DISCONTINUED, replace(FACTS, reason="moved away")) is S.DISCONTINUED
