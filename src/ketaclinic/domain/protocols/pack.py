"""Build a validated, hashed :class:`Protocol` from the plain form of a pack."""

from __future__ import annotations

from collections.abc import Callable

from ketaclinic.domain.protocols.canonical import with_hash
from ketaclinic.domain.protocols.checks import (
    check_consent,
    check_contraindications,
    check_evaluation,
    check_identity,
    check_population,
    check_unique_rule_ids,
)
from ketaclinic.domain.protocols.checks_care import check_discharge, check_dosing, check_series
from ketaclinic.domain.protocols.checks_monitoring import check_monitoring
from ketaclinic.domain.protocols.checks_outcomes import (
    check_integration,
    check_maintenance,
    check_reassessment,
)
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.problems import ProblemLog, ProtocolInvalid, ProtocolProblem
from ketaclinic.domain.protocols.reader import read_protocol

CHECKS: tuple[Callable[[Protocol, ProblemLog], None], ...] = (
    check_identity,
    check_population,
    check_evaluation,
    check_contraindications,
    check_consent,
    check_dosing,
    check_series,
    check_monitoring,
    check_discharge,
    check_reassessment,
    check_maintenance,
    check_integration,
    check_unique_rule_ids,
)


def validate_protocol(protocol: Protocol) -> list[ProtocolProblem]:
    """Every semantic problem of an already typed protocol (empty when it is valid)."""
    log = ProblemLog()
    for check in CHECKS:
        check(protocol, log)
    return log.problems


def build_protocol(data: object, *, source_name: str) -> Protocol:
    """Read, check and hash the plain form of a pack (a parsed YAML/JSON mapping).

    Raises :class:`ProtocolInvalid` listing every problem, each with its field path, when the data
    has unknown or missing keys, wrong types or units, or fails a semantic check.
    """
    log = ProblemLog()
    protocol = read_protocol(data, log)
    if protocol is None:
        raise ProtocolInvalid(source_name, log.problems)
    problems = validate_protocol(protocol)
    if problems:
        raise ProtocolInvalid(source_name, problems)
    return with_hash(protocol)
