"""Signing the eligibility decision: overrides, acknowledgements and the open safety gate.

Rules (architecture.md principle 1; clinical.md §1.1):

- only a physician or an APP signs;
- a hard stop, and missing evidence for a hard-stop or relative rule, can never be overridden:
  the evidence has to be recorded and the assessment run again;
- a relative finding needs an override by the rule's ``override_role`` with a non-empty reason;
- every caution must be acknowledged;
- an open safety gate (for example a positive PHQ-9 item 9 without a documented assessment)
  blocks signing a decision that lets treatment go ahead.

``sign_eligibility`` either returns a :class:`SignedDecision` or raises :class:`SignOffRefused`
carrying every reason at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.evaluation.eligibility.engine import Decision, EligibilityResult, Finding
from ketaclinic.domain.evaluation.eligibility.evidence import OutcomeKind
from ketaclinic.domain.protocols.sections import Severity

SIGNING_ROLES = frozenset({"physician", "app"})


class SignOffRefused(SafetyBlock):
    """The eligibility decision cannot be signed; ``reasons`` lists every reason."""


@dataclass(frozen=True, slots=True)
class Override:
    """An override of one relative finding: who, in which role, and the written reason."""

    rule: str
    role: str
    reason: str
    by: str


@dataclass(frozen=True, slots=True)
class SignedDecision:
    """A signed eligibility decision with everything that was weighed."""

    decision: Decision
    findings: tuple[Finding, ...]
    overrides: tuple[Override, ...]
    acknowledged: frozenset[str]
    signed_by: str
    signer_role: str
    signed_at: datetime
    assessed_at: datetime

    @property
    def permits_treatment(self) -> bool:
        return self.decision is not Decision.NOT_ELIGIBLE


def sign_eligibility(
    result: EligibilityResult,
    *,
    signed_by: str,
    signer_role: str,
    at: datetime,
    overrides: Iterable[Override] = (),
    acknowledged: Iterable[str] = (),
    open_safety_gates: Iterable[str] = (),
) -> SignedDecision:
    """Sign ``result`` or raise :class:`SignOffRefused` with every reason.

    ``acknowledged`` holds the rule ids of acknowledged cautions; ``open_safety_gates`` the
    descriptions of open safety gates (empty when clear). ``at`` is timezone-aware.
    """
    given = tuple(overrides)
    acks = frozenset(acknowledged)
    reasons = _signer_problems(result, signed_by, signer_role, at)
    reasons += _override_problems(result, given)
    reasons += _not_assessed(result)
    if result.decision is not Decision.NOT_ELIGIBLE:
        reasons += _missing_overrides(result, given)
        reasons += _missing_acknowledgements(result, acks)
        reasons += [f"open safety gate: {gate}" for gate in open_safety_gates]
    if reasons:
        raise SignOffRefused(
            "eligibility decision cannot be signed", reasons=tuple(reasons), field="decision"
        )
    return SignedDecision(
        result.decision,
        result.findings,
        given,
        acks,
        signed_by,
        signer_role,
        at,
        result.assessed_at,
    )


def _signer_problems(
    result: EligibilityResult, signed_by: str, signer_role: str, at: datetime
) -> list[str]:
    reasons = []
    if signer_role not in SIGNING_ROLES:
        reasons.append(f"role {signer_role!r} cannot sign eligibility (physician or APP)")
    if not signed_by.strip():
        reasons.append("signer not identified")
    if at.tzinfo is None:
        reasons.append("signing time must be timezone-aware")
    elif at < result.assessed_at:
        reasons.append("signing time is before the assessment")
    return reasons


def _override_problems(result: EligibilityResult, overrides: tuple[Override, ...]) -> list[str]:
    reasons = []
    seen: set[str] = set()
    for override in overrides:
        finding = result.finding(override.rule)
        if override.rule in seen:
            reasons.append(f"{override.rule}: overridden more than once")
        seen.add(override.rule)
        if finding is None:
            reasons.append(f"{override.rule}: no such finding to override")
        elif not finding.overridable:
            reasons.append(f"{override.rule}: {_why_not_overridable(finding)}")
        else:
            reasons.extend(_override_content_problems(finding, override))
    return reasons


def _why_not_overridable(finding: Finding) -> str:
    if finding.kind is OutcomeKind.MISSING:
        return "missing evidence cannot be overridden; record it and assess again"
    if finding.severity is Severity.HARD_STOP:
        return "a hard stop cannot be overridden"
    return "a caution is acknowledged, not overridden"


def _override_content_problems(finding: Finding, override: Override) -> list[str]:
    reasons = []
    if override.role != finding.override_role:
        reasons.append(
            f"{finding.rule}: override needs role {finding.override_role!r}, not {override.role!r}"
        )
    if not override.reason.strip():
        reasons.append(f"{finding.rule}: override needs a written reason")
    if not override.by.strip():
        reasons.append(f"{finding.rule}: override author not identified")
    return reasons


def _missing_overrides(result: EligibilityResult, overrides: tuple[Override, ...]) -> list[str]:
    done = {o.rule for o in overrides}
    return [
        f"{f.rule}: relative finding needs an override by {f.override_role} with a reason"
        for f in result.findings
        if f.overridable and f.rule not in done
    ]


def _not_assessed(result: EligibilityResult) -> list[str]:
    """Every "not assessed" finding blocks signing until it is answered.

    The one exception: a hard stop that fired decides the course whatever else is unknown, so a
    ``not_eligible`` decision on it may be signed.
    """
    if any(f.severity is Severity.HARD_STOP and f.kind is OutcomeKind.HIT for f in result.findings):
        return []
    return [
        f"{f.rule}: not assessed ({f.evidence}); record it and assess again before signing"
        for f in result.findings
        if f.not_assessed
    ]


def _missing_acknowledgements(result: EligibilityResult, acks: frozenset[str]) -> list[str]:
    return [
        f"{f.rule}: caution not acknowledged"
        for f in result.findings
        if f.needs_acknowledgement and f.rule not in acks
    ]
