"""The eligibility engine: run every contraindication rule and return every finding.

``assess_eligibility`` is pure. It never stops at the first finding, never treats missing evidence
as a pass, and refuses loudly (:class:`ProtocolRuleError`) a rule whose condition id has no
predicate or whose params are incomplete, before looking at the patient at all.

Decision (clinical.md §1.1: hard stop vs clinician override with documented reason):

- ``not_eligible`` when any hard stop fires, or evidence needed by any rule is missing ("not
  assessed": a safety-relevant item left blank is reported, never read as a pass), or a
  built-in check fails (age outside the population, a required test or baseline
  instrument not recorded);
- ``eligible_with_overrides`` when only relative findings remain: each needs the rule's override
  role and a written reason at sign-off;
- ``eligible`` otherwise; cautions are still listed and must be acknowledged at sign-off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from ketaclinic.domain.assessments.instruments.model import ScoreResult
from ketaclinic.domain.assessments.instruments.registry import INSTRUMENTS
from ketaclinic.domain.assessments.instruments.scoring import score_instrument
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.evaluation.eligibility.evidence import Context, OutcomeKind, day_text
from ketaclinic.domain.evaluation.eligibility.predicates import PREDICATES
from ketaclinic.domain.evaluation.intake import Evaluation, InstrumentScore
from ketaclinic.domain.evaluation.plausibility import ensure_plausible
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import (
    ContraindicationRule,
    Population,
    RequiredTest,
    Severity,
)

POPULATION_RULE_ID = "population.age"
AGE_CONDITION = "age_outside_population"
BASELINE_BP_TEST = "baseline_bp"  # a required test satisfied by any recorded BP reading


class Decision(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    ELIGIBLE_WITH_OVERRIDES = "eligible_with_overrides"


class ProtocolRuleError(ValidationFailed):
    """The protocol's rule set cannot be run (unknown condition id, missing param...)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason on the eligibility decision.

    ``kind`` is ``hit`` (the condition is present) or ``missing_evidence`` (the rule could not be
    decided because what it needs was not recorded). ``blocking`` findings make the decision
    ``not_eligible``; ``overridable`` ones need an override at sign-off.
    """

    rule: str
    condition: str
    severity: Severity
    kind: OutcomeKind
    evidence: str
    source: str
    title: str = ""
    override_role: str | None = None
    needs_signoff: bool = False

    @property
    def blocking(self) -> bool:
        """Hard stops, and any rule that could not be decided ("not assessed"), block sign-off.

        Missing evidence blocks whatever the rule's severity: a safety-relevant item that was not
        asked must be answered before anyone signs, never read as a pass.
        """
        return self.severity is Severity.HARD_STOP or self.kind is OutcomeKind.MISSING

    @property
    def not_assessed(self) -> bool:
        """The rule could not be decided because what it reads was not recorded."""
        return self.kind is OutcomeKind.MISSING

    @property
    def overridable(self) -> bool:
        return self.kind is OutcomeKind.HIT and self.severity is Severity.RELATIVE

    @property
    def needs_acknowledgement(self) -> bool:
        return self.severity is Severity.CAUTION


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """Every finding, the decision they add up to, and when the assessment ran."""

    decision: Decision
    findings: tuple[Finding, ...]
    assessed_at: datetime
    rules_run: tuple[str, ...]

    def finding(self, rule: str) -> Finding | None:
        """The finding of rule ``rule``, if it produced one."""
        return next((f for f in self.findings if f.rule == rule), None)


def check_rules(rules: Sequence[ContraindicationRule]) -> None:
    """Raise :class:`ProtocolRuleError` naming every rule that cannot be run.

    Unknown condition ids, missing required params, unexpected params, duplicate rule ids, a
    relative rule without an override role, and an age rule weaker than a hard stop are refused.
    The protocol loader should call this when a pack is loaded.
    """
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        path = f"contraindications[{index}]"
        if rule.id in seen:
            errors[f"{path}.id"] = f"duplicate rule id {rule.id!r}"
        seen.add(rule.id)
        problem = _rule_problem(rule)
        if problem is not None:
            errors[f"{path}.{problem[0]}"] = problem[1]
    if errors:
        raise ProtocolRuleError(errors)


def _rule_problem(rule: ContraindicationRule) -> tuple[str, str] | None:
    predicate = PREDICATES.get(rule.condition)
    if predicate is None:
        return "condition", f"rule {rule.id!r}: unknown condition id {rule.condition!r}"
    absent = [p for p in predicate.params if p not in rule.params]
    if absent:
        return "params", f"rule {rule.id!r} needs params {', '.join(absent)}"
    extra = set(rule.params) - set(predicate.params) - set(predicate.optional_params)
    if extra:
        return "params", f"rule {rule.id!r}: unexpected params {', '.join(sorted(extra))}"
    if rule.severity is Severity.RELATIVE and not rule.override_role:
        return "override_role", f"relative rule {rule.id!r} names no override role"
    if rule.condition == AGE_CONDITION and rule.severity is not Severity.HARD_STOP:
        return "severity", f"rule {rule.id!r}: age outside the population must be a hard stop"
    return None


def assess_eligibility(
    evaluation: Evaluation,
    protocol_rules: Sequence[ContraindicationRule],
    population: Population,
    *,
    at: datetime,
    required_tests: Iterable[RequiredTest] = (),
    baseline_instruments: Iterable[str] = (),
    zone: tzinfo | None = None,
) -> EligibilityResult:
    """Run every rule over ``evaluation`` at time ``at`` (timezone-aware) and decide. Evidence
    dates are written as days in ``zone`` (the clinic's; ``at``'s own zone when not given).

    Returns every finding (rule, severity, evidence, source). Besides the protocol's rules it
    always checks the population age (clinical.md §6.1), each required test (present, not older
    than its ``max_age_days``; clinical.md §1.4) and each required baseline instrument.
    """
    if at.tzinfo is None:
        raise ValidationFailed({"at": "must be timezone-aware"})
    ensure_plausible(evaluation, at)
    check_rules(protocol_rules)
    where = zone or at.tzinfo
    assert where is not None
    ctx = Context(at=at, population=population, zone=where)
    findings = [f for rule in protocol_rules if (f := _run_rule(rule, evaluation, ctx))]
    if not any(rule.condition == AGE_CONDITION for rule in protocol_rules):
        findings.extend(_population_findings(evaluation, population))
    findings.extend(_test_findings(evaluation, required_tests, ctx))
    findings.extend(_instrument_findings(evaluation, baseline_instruments, where))
    rules_run = tuple(r.id for r in protocol_rules)
    return EligibilityResult(decide(findings), tuple(findings), at, rules_run)


def assess_protocol(
    evaluation: Evaluation, protocol: Protocol, *, at: datetime, zone: tzinfo | None = None
) -> EligibilityResult:
    """:func:`assess_eligibility` with the rules, population and work-up of ``protocol``."""
    return assess_eligibility(
        evaluation,
        protocol.contraindications,
        protocol.population,
        at=at,
        required_tests=protocol.evaluation.required_tests,
        baseline_instruments=protocol.evaluation.baseline_instruments,
        zone=zone,
    )


def decide(findings: Iterable[Finding]) -> Decision:
    """The decision the findings add up to (see the module docstring)."""
    listed = tuple(findings)
    if any(f.blocking for f in listed):
        return Decision.NOT_ELIGIBLE
    if any(f.overridable for f in listed):
        return Decision.ELIGIBLE_WITH_OVERRIDES
    return Decision.ELIGIBLE


def _run_rule(rule: ContraindicationRule, evaluation: Evaluation, ctx: Context) -> Finding | None:
    outcome = PREDICATES[rule.condition].check(evaluation, rule.params, ctx)
    if outcome.kind is OutcomeKind.CLEAR:
        return None
    return Finding(
        rule=rule.id,
        condition=rule.condition,
        severity=rule.severity,
        kind=outcome.kind,
        evidence=outcome.evidence,
        source=rule.source,
        title=rule.title,
        override_role=rule.override_role,
        needs_signoff=rule.needs_signoff,
    )


def _builtin(rule: str, kind: OutcomeKind, evidence: str, source: str, title: str) -> Finding:
    return Finding(rule, rule, Severity.HARD_STOP, kind, evidence, source, title)


def _population_findings(evaluation: Evaluation, population: Population) -> list[Finding]:
    age = population.age
    if age.contains(evaluation.age_years):
        return []
    evidence = (
        f"age {evaluation.age_years} years; protocol population {age.min_years}-{age.max_years}"
    )
    source = "clinical.md §6.1"
    title = "Age outside the protocol population"
    return [_builtin(POPULATION_RULE_ID, OutcomeKind.HIT, evidence, source, title)]


def _test_findings(
    evaluation: Evaluation, tests: Iterable[RequiredTest], ctx: Context
) -> list[Finding]:
    findings = []
    for test in tests:
        problem = _test_problem(evaluation, test, ctx)
        if problem is not None:
            rule = f"required_test.{test.id}"
            title = f"Required test: {test.title}"
            findings.append(_builtin(rule, OutcomeKind.MISSING, problem, "clinical.md §1.4", title))
    return findings


def _test_problem(evaluation: Evaluation, test: RequiredTest, ctx: Context) -> str | None:
    at = ctx.at
    if test.applies_to == "can_become_pregnant":
        applies = evaluation.reproductive.can_become_pregnant
        if applies is None:
            return f"{test.title}: whether the patient can become pregnant is not recorded"
        if not applies:
            return None
    elif test.applies_to != "all":
        return f"{test.title}: unknown applies_to {test.applies_to!r} in the protocol"
    taken_at = _latest_evidence_at(evaluation, test.id, at)
    if taken_at is None:
        return f"{test.title} not recorded"
    if taken_at < at - timedelta(days=test.max_age_days):
        taken = day_text(taken_at, ctx.zone)
        return f"{test.title} of {taken} older than {test.max_age_days} days"
    return None


def _latest_evidence_at(evaluation: Evaluation, test_id: str, at: datetime) -> datetime | None:
    """When ``test_id`` was last done: a test result, or for ``baseline_bp`` a BP reading."""
    times = [t.at for t in evaluation.tests if t.test == test_id and t.at <= at]
    if test_id == BASELINE_BP_TEST:
        times += [r.at for r in evaluation.blood_pressure_readings() if r.at <= at]
    return max(times, default=None)


def _instrument_findings(
    evaluation: Evaluation, instruments: Iterable[str], zone: tzinfo
) -> list[Finding]:
    """Each required instrument recorded item by item, and every safety item of every one.

    A required instrument typed as a total only, or answered incompletely, is missing evidence:
    the item answers are what eligibility reads (clinical.md §5.1: PHQ-9 item 9, C-SSRS items).
    """
    latest = _latest_itemised(evaluation)
    findings = [
        _builtin(
            f"baseline_instrument.{name}",
            OutcomeKind.MISSING,
            problem,
            "protocol evaluation.baseline_instruments; clinical.md §5.1",
            f"Baseline instrument: {name}",
        )
        for name in instruments
        if (problem := _baseline_problem(evaluation, latest, name)) is not None
    ]
    for name, recorded in latest.items():
        findings.extend(_safety_findings(name, recorded, zone))
    return findings


def _latest_itemised(evaluation: Evaluation) -> dict[str, InstrumentScore]:
    latest: dict[str, InstrumentScore] = {}
    for recorded in sorted(evaluation.baseline_instruments, key=lambda s: s.at):
        if recorded.itemised:
            latest[recorded.instrument] = recorded
    return latest


def _baseline_problem(
    evaluation: Evaluation, latest: dict[str, InstrumentScore], name: str
) -> str | None:
    recorded = latest.get(name)
    if recorded is None:
        typed = any(s.instrument == name for s in evaluation.baseline_instruments)
        if typed:
            return f"baseline {name} typed as a total only; record the questionnaire item by item"
        return f"baseline {name} not recorded"
    result = score_instrument_answers(name, recorded)
    if result is None:
        return f"baseline {name}: not an instrument of the library"
    if not result.scorable:
        return f"baseline {name} incomplete: item(s) {', '.join(result.missing_items)} unanswered"
    return None


def _safety_findings(name: str, recorded: InstrumentScore, zone: tzinfo) -> list[Finding]:
    """A relative finding per safety rule the answers fire (physician review, clinical.md §5.1)."""
    result = score_instrument_answers(name, recorded)
    if result is None:
        return []
    return [
        Finding(
            rule=f"baseline_instrument.{name}.{flag.rule_id}",
            condition="baseline_instrument_safety_item",
            severity=Severity.RELATIVE,
            kind=OutcomeKind.HIT,
            evidence=f"{name} of {day_text(recorded.at, zone)}: {flag.message}",
            source=flag.source,
            title=f"Suicide-risk item positive on the baseline {name}",
            override_role="physician",
            needs_signoff=flag.needs_signoff,
        )
        for flag in result.safety_flags
    ]


def score_instrument_answers(name: str, recorded: InstrumentScore) -> ScoreResult | None:
    """The scored item answers of ``recorded``, or ``None`` for an instrument not in the library.

    The answers were validated when the evaluation was checked (``ensure_plausible``).
    """
    instrument = INSTRUMENTS.get(name)
    if instrument is None:
        return None
    return score_instrument(instrument, recorded.answer_map())
