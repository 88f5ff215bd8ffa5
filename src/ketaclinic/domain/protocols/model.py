"""A versioned clinic protocol: the composition of its sections."""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.protocols.sections import (
    Consent,
    ContraindicationRule,
    Discharge,
    Dosing,
    Evaluation,
    Integration,
    Maintenance,
    Monitoring,
    Population,
    Reassessment,
    Series,
)


@dataclass(frozen=True, slots=True)
class Protocol:
    """One published protocol version. Immutable; identified by ``id``, ``version`` and ``hash``.

    ``hash`` is the SHA-256 of the canonical form of the pack, computed by the loader; a treatment
    course pins it so that later versions never change a running course's rules.
    """

    id: str
    version: str
    title: str
    hash: str
    population: Population
    evaluation: Evaluation
    contraindications: tuple[ContraindicationRule, ...]
    consent: Consent
    dosing: Dosing
    series: Series
    monitoring: Monitoring
    discharge: Discharge
    reassessment: Reassessment
    maintenance: Maintenance
    integration: Integration
    base: str | None = None  # "id@version" this version was adopted from, if any

    @property
    def name(self) -> str:
        """What staff call the protocol (:func:`protocol_name`), never its ``id``."""
        return protocol_name(self.title)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def protocol_name(title: str) -> str:
    """A protocol's name as staff read it: its title without the parenthesised detail
    ("Adult IV ketamine induction (6 infusions, ROOT integration)" -> "Adult IV ketamine
    induction")."""
    return title.split(" (", 1)[0].strip() or title
