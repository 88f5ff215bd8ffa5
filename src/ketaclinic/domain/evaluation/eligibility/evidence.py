"""What a contraindication predicate answers and reads: the outcome (``HIT`` with the evidence,
``CLEAR`` when recorded absent, ``MISSING`` when the evidence was not recorded, never a pass),
the context besides the evaluation (the time and the population), and the predicate record (its
condition id, required and optional params, and check).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.evaluation.intake import Evaluation
from ketaclinic.domain.evaluation.medications import MedicationReview, review_medications
from ketaclinic.domain.protocols.sections import Population


class OutcomeKind(StrEnum):
    HIT = "hit"
    CLEAR = "clear"
    MISSING = "missing_evidence"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a predicate found, with a human-readable account of the evidence."""

    kind: OutcomeKind
    evidence: str


def hit(evidence: str) -> Outcome:
    return Outcome(OutcomeKind.HIT, evidence)


def clear(evidence: str) -> Outcome:
    return Outcome(OutcomeKind.CLEAR, evidence)


def missing(evidence: str) -> Outcome:
    return Outcome(OutcomeKind.MISSING, evidence)


def day_text(at: datetime, zone: tzinfo) -> str:
    """The calendar day of ``at`` in ``zone`` (the clinic's), as pages write it: "3 Mar 2026"."""
    local = at.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


@dataclass(frozen=True, slots=True)
class Context:
    """Inputs every predicate may use besides the evaluation: the time, the population and the
    zone (the clinic's) in which evidence dates are written."""

    at: datetime
    population: Population
    zone: tzinfo

    def review(self, evaluation: Evaluation) -> MedicationReview | None:
        """The medication review, or ``None`` when the medication list was not recorded."""
        if evaluation.medications is None:
            return None
        return review_medications(evaluation.medications)


Check = Callable[[Evaluation, Mapping[str, Decimal], Context], Outcome]


@dataclass(frozen=True, slots=True)
class Predicate:
    """A condition id, the params it requires, the optional ones, and its check."""

    condition: str
    check: Check
    params: tuple[str, ...] = ()
    optional_params: tuple[str, ...] = ()
