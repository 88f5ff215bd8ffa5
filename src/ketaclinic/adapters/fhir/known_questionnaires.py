"""Published Questionnaires whose items carry no codes, mapped explicitly to our instruments.

The official HL7 SDC PHQ-9 example (``tests/fixtures/fhir``) uses linkIds ``H1/T1/Q1`` …
``H1/T1/Q9`` and a total ``H1/TS`` with no item codes, so its items can only be matched through
this reviewed table — never by position or wording. Keys are canonical URLs (version stripped)
and the relative references seen in responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ketaclinic.domain.assessments.questionnaire_mappings import QuestionnaireMapping


@dataclass(frozen=True, slots=True)
class KnownQuestionnaire:
    """A published Questionnaire: which instrument it is and how its linkIds map to items."""

    instrument_id: str
    items: MappingProxyType[str, str]  # linkId -> instrument item id
    total_link_ids: tuple[str, ...]
    source: str
    answers: Mapping[str, int] = field(default_factory=dict)  # "system|code" or code -> ordinal

    def ordinal(self, system: str | None, code: str) -> int | None:
        """The mapped ordinal of an answer code (exact system first, then the bare code)."""
        if system and f"{system}|{code}" in self.answers:
            return self.answers[f"{system}|{code}"]
        return self.answers.get(code)


def from_clinic_mapping(mapping: QuestionnaireMapping) -> KnownQuestionnaire:
    """A clinic-registered mapping (``domain.assessments.questionnaire_mappings``) as a known
    Questionnaire."""
    return KnownQuestionnaire(
        instrument_id=mapping.instrument_id,
        items=MappingProxyType(dict(mapping.items)),
        total_link_ids=tuple(mapping.total_link_ids),
        source=f"clinic mapping of {mapping.url}",
        answers=MappingProxyType(dict(mapping.answers)),
    )


_SDC_PHQ9 = KnownQuestionnaire(
    instrument_id="phq9",
    items=MappingProxyType({f"H1/T1/Q{n}": str(n) for n in range(1, 10)}),
    total_link_ids=("H1/TS",),
    source="HL7/sdc input/examples/questionnaire-sdc-profile-example-PHQ9.json",
)

_SDC = "http://hl7.org/fhir/uv/sdc/Questionnaire/"

KNOWN_QUESTIONNAIRES = MappingProxyType(
    {
        _SDC + "questionnaire-sdc-profile-example-PHQ9": _SDC_PHQ9,
        "Questionnaire/sdc-profile-example-PHQ9": _SDC_PHQ9,
        "Questionnaire/questionnaire-sdc-profile-example-PHQ9": _SDC_PHQ9,
    }
)


def find_known(
    reference: str | None, clinic: Mapping[str, KnownQuestionnaire] | None = None
) -> KnownQuestionnaire | None:
    """The known Questionnaire a canonical URL or reference names (``|version`` ignored).

    ``clinic`` holds the clinic's own registered mappings by canonical URL; they come first.
    """
    if not reference:
        return None
    key = reference.split("|", 1)[0]
    if clinic is not None and key in clinic:
        return clinic[key]
    return KNOWN_QUESTIONNAIRES.get(key)
