"""A pack's contraindication rules checked against the eligibility engine's condition catalogue.

The protocol domain cannot import :mod:`ketaclinic.domain.evaluation.eligibility` (eligibility reads
the protocol model, so the two packages would depend on each other). This check therefore runs where
both are known: when a pack file is loaded (``adapters.protocol_files``) and when a clinic adopts a
changed copy (:mod:`ketaclinic.services.protocols.publishing`). A rule naming a condition id that no
predicate implements would never fire, silently letting a contraindicated patient through; it is
refused. Source: clinical.md §1.2/§1.3 (the contraindications the predicates implement).
"""

from __future__ import annotations

import re

from ketaclinic.domain.evaluation.eligibility import (
    KNOWN_CONDITIONS,
    ProtocolRuleError,
    check_rules,
)
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.problems import ProtocolInvalid, ProtocolProblem

_INDEXED = re.compile(r"^contraindications\[(\d+)\]\.(\w+)$")


def rule_set_problems(protocol: Protocol) -> list[ProtocolProblem]:
    """Every contraindication rule the eligibility engine cannot run, named by its field path.

    Paths use the rule id (``contraindications[pregnancy].condition``) like the other validation
    messages; an unknown condition id lists the known ones.
    """
    try:
        check_rules(protocol.contraindications)
    except ProtocolRuleError as refused:
        return [_problem(protocol, path, message) for path, message in refused.errors.items()]
    return []


def _problem(protocol: Protocol, path: str, message: str) -> ProtocolProblem:
    match = _INDEXED.match(path)
    if match is None:
        return ProtocolProblem(path, None, message)
    rule = protocol.contraindications[int(match.group(1))]
    field = match.group(2)
    named = f"contraindications[{rule.id}].{field}"
    if field == "condition":
        known = ", ".join(sorted(KNOWN_CONDITIONS))
        return ProtocolProblem(
            named, rule.condition, f"a condition id the eligibility engine knows ({known})"
        )
    value = getattr(rule, field, None)
    return ProtocolProblem(named, dict(value) if isinstance(value, dict) else value, message)


def ensure_runnable_rules(protocol: Protocol, *, source_name: str) -> Protocol:
    """``protocol`` unchanged, or :class:`ProtocolInvalid` listing every rule that cannot run."""
    problems = rule_set_problems(protocol)
    if problems:
        raise ProtocolInvalid(source_name, problems)
    return protocol
