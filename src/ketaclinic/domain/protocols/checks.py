"""Semantic checks of a typed protocol: vocabularies, ranges, plausibility and cross-field rules.

Run after :mod:`reader` produced a well-typed :class:`Protocol`. Every check logs a problem with the
dotted path of the offending field; none stops at the first problem. Clinical checks on dosing,
series, monitoring and outcomes live in :mod:`checks_care`, :mod:`checks_monitoring` and
:mod:`checks_outcomes`.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from typing import Protocol as TypingProtocol

from ketaclinic.domain.protocols.catalog import (
    KNOWN_INSTRUMENTS,
    KNOWN_ROLES,
    KNOWN_SIGNERS,
    KNOWN_TEST_APPLICABILITY,
)
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.problems import ProblemLog, join_path
from ketaclinic.domain.protocols.sections import Severity, SourceRef

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SEMVER_PATTERN = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
# a source key points into the clinical reference ("§4.3 ...") or a seed ("seed 000 ...")
SOURCE_KEY_PATTERN = re.compile(r"^(§\d+(\.\d+)*\b|seed \d{3}\b)")
AGE_OUTSIDE_POPULATION = "age_outside_population"


class SourcedSection(TypingProtocol):
    """A section dataclass whose numeric defaults each cite a source in ``sources``."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @property
    def sources(self) -> dict[str, SourceRef]: ...


def in_range(
    log: ProblemLog, path: str, value: Decimal | int, low: Decimal | int, high: Decimal | int
) -> bool:
    """Log a problem unless ``low <= value <= high``; return whether it was in range."""
    if low <= value <= high:
        return True
    log.add(path, value, f"a value between {low} and {high}")
    return False


def known(log: ProblemLog, path: str, value: str, vocabulary: frozenset[str], what: str) -> None:
    """Log a problem unless ``value`` is in ``vocabulary``."""
    if value not in vocabulary:
        log.add(path, value, f"a known {what} ({', '.join(sorted(vocabulary))})")


def check_source_key(log: ProblemLog, path: str, key: str) -> None:
    """A source key must cite a clinical.md section (``§4.3 ...``) or a seed (``seed 000 ...``)."""
    if not SOURCE_KEY_PATTERN.match(key):
        log.add(path, key, "a clinical.md source key such as '§4.3 Yip 2022' or 'seed 000 step 3'")


def check_identity(p: Protocol, log: ProblemLog) -> None:
    """Protocol id is a slug, version is semantic (``1.2.0``)."""
    if not ID_PATTERN.match(p.id):
        log.add("id", p.id, "a lower-case slug of letters, digits, '-' or '_'")
    if not SEMVER_PATTERN.match(p.version):
        log.add("version", p.version, "a semantic version such as 1.0.0")


def _is_number(value: object) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def numeric_leaves(obj: DataclassInstance, prefix: str = "") -> dict[str, object]:
    """Numeric fields of a section (and its nested sections), as relative dotted paths."""
    leaves: dict[str, object] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = join_path(prefix, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            leaves.update(numeric_leaves(value, name))
        elif _is_number(value) or (isinstance(value, tuple) and value and _is_number(value[0])):
            leaves[name] = value
    return leaves


def check_sources(log: ProblemLog, path: str, section: SourcedSection) -> None:
    """Every numeric default of ``section`` names its source; every source names a real field."""
    sources = section.sources
    leaves = numeric_leaves(section)
    for name, ref in sources.items():
        source_path = join_path(join_path(path, "sources"), name)
        check_source_key(log, source_path, ref.key)
        if not any(leaf == name or leaf.startswith(name + ".") for leaf in leaves):
            log.add(
                source_path, ref.key, f"a numeric field of {path} ({', '.join(sorted(leaves))})"
            )
    for leaf in leaves:
        covered = any(leaf == name or leaf.startswith(name + ".") for name in sources)
        if not covered:
            log.add(join_path(path, leaf), leaves[leaf], "a source key in sources (clinical.md §)")


def check_population(p: Protocol, log: ProblemLog) -> None:
    """Age bounds in whole years 0-120, lower not above upper; at least one condition."""
    age = p.population.age
    in_range(log, "population.age.min_years", age.min_years, 0, 120)
    in_range(log, "population.age.max_years", age.max_years, 0, 120)
    if age.min_years > age.max_years:
        log.add("population.age.min_years", age.min_years, f"<= max_years ({age.max_years})")
    if not p.population.conditions:
        log.add("population.conditions", [], "at least one condition")
    check_sources(log, "population", p.population)


def check_evaluation(p: Protocol, log: ProblemLog) -> None:
    """Known baseline instruments; required tests with known applicability and a freshness limit."""
    ev = p.evaluation
    if not ev.baseline_instruments:
        log.add("evaluation.baseline_instruments", [], "at least one instrument")
    for index, instrument in enumerate(ev.baseline_instruments):
        path = f"evaluation.baseline_instruments[{index}]"
        known(log, path, instrument, KNOWN_INSTRUMENTS, "instrument")
    for test in ev.required_tests:
        path = f"evaluation.required_tests[{test.id}]"
        known(log, f"{path}.applies_to", test.applies_to, KNOWN_TEST_APPLICABILITY, "applicability")
        in_range(log, f"{path}.max_age_days", test.max_age_days, 1, 365)
    in_range(log, "evaluation.max_weight_age_days", ev.max_weight_age_days, 1, 365)
    check_sources(log, "evaluation", ev)


def check_contraindications(p: Protocol, log: ProblemLog) -> None:
    """Each rule: slug id, known override role matching its severity, a source, sane params."""
    if not p.contraindications:
        log.add("contraindications", [], "at least one contraindication rule")
    for rule in p.contraindications:
        path = f"contraindications[{rule.id}]"
        if not ID_PATTERN.match(rule.condition):
            log.add(f"{path}.condition", rule.condition, "a condition id (lower-case slug)")
        check_source_key(log, f"{path}.source", rule.source)
        _check_override_role(log, path, rule.severity, rule.override_role)
        for name, value in rule.params.items():
            if value < 0:
                log.add(f"{path}.params.{name}", value, "a value >= 0")
            if name.endswith("_mmhg"):
                in_range(log, f"{path}.params.{name}", value, 30, 260)
    conditions = {rule.condition: rule for rule in p.contraindications}
    age_rule = conditions.get(AGE_OUTSIDE_POPULATION)
    if age_rule is None or age_rule.severity is not Severity.HARD_STOP:
        log.add(
            "contraindications", sorted(conditions), f"a hard_stop {AGE_OUTSIDE_POPULATION} rule"
        )


def _check_override_role(log: ProblemLog, path: str, severity: Severity, role: str | None) -> None:
    if severity is Severity.HARD_STOP and role is not None:
        log.add(f"{path}.override_role", role, "null: a hard_stop cannot be overridden")
    elif severity is Severity.RELATIVE and role is None:
        log.add(f"{path}.override_role", role, "the role allowed to override a relative rule")
    elif role is not None:
        known(log, f"{path}.override_role", role, KNOWN_ROLES, "role")


def check_consent(p: Protocol, log: ProblemLog) -> None:
    """Known signers; guardian permission and assent documents when minors are in the population."""
    consent = p.consent
    if not consent.documents:
        log.add("consent.documents", [], "at least one consent document")
    for doc in consent.documents:
        known(log, f"consent.documents[{doc.id}].signer", doc.signer, KNOWN_SIGNERS, "signer")
    in_range(
        log, "consent.guardian_permission_below_age", consent.guardian_permission_below_age, 0, 25
    )
    signers = {doc.signer for doc in consent.documents}
    if p.population.age.min_years < consent.guardian_permission_below_age:
        for needed in ("guardian", "assent"):
            if needed not in signers:
                log.add("consent.documents", sorted(signers), f"a document signed by '{needed}'")
    check_sources(log, "consent", consent)


def check_unique_rule_ids(p: Protocol, log: ProblemLog) -> None:
    """Rule ids are unique across contraindication and alert rules (reasons cite them)."""
    seen: set[str] = {rule.id for rule in p.contraindications}
    for rule in p.monitoring.alert_rules:
        if rule.id in seen:
            log.add(
                f"monitoring.alert_rules[{rule.id}].id", rule.id, "a rule id unique in the pack"
            )
        seen.add(rule.id)
    for rule_id in seen:
        if not ID_PATTERN.match(rule_id):
            log.add("rule id", rule_id, "a lower-case slug of letters, digits, '-' or '_'")
