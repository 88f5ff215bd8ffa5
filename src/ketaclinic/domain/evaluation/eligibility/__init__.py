"""Eligibility: contraindication predicates, the engine that runs them, and sign-off."""

from __future__ import annotations

from ketaclinic.domain.evaluation.eligibility.engine import (
    POPULATION_RULE_ID,
    Decision,
    EligibilityResult,
    Finding,
    ProtocolRuleError,
    assess_eligibility,
    assess_protocol,
    check_rules,
    decide,
)
from ketaclinic.domain.evaluation.eligibility.evidence import OutcomeKind
from ketaclinic.domain.evaluation.eligibility.predicates import KNOWN_CONDITIONS, PREDICATES
from ketaclinic.domain.evaluation.eligibility.signoff import (
    SIGNING_ROLES,
    Override,
    SignedDecision,
    SignOffRefused,
    sign_eligibility,
)

__all__ = [
    "KNOWN_CONDITIONS",
    "POPULATION_RULE_ID",
    "PREDICATES",
    "SIGNING_ROLES",
    "Decision",
    "EligibilityResult",
    "Finding",
    "OutcomeKind",
    "Override",
    "ProtocolRuleError",
    "SignOffRefused",
    "SignedDecision",
    "assess_eligibility",
    "assess_protocol",
    "check_rules",
    "decide",
    "sign_eligibility",
]
