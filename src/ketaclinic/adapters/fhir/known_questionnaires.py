"""Published Questionnaires whose items carry no codes, mapped explicitly to our instruments.

The official HL7 SDC PHQ-9 example (``tests/fixtures/fhir``) uses linkIds ``H1/T1/Q1`` …
``H1/T1/Q9`` and a total ``H1/TS`` with no item codes, so its items can only be matched through
this reviewed table — never by position or wording. Keys are canonical URLs (version stripped)
and the relative references seen in responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class KnownQuestionnaire:
    """A published Questionnaire: which instrument it is and how its linkIds map to items."""

    instrument_id: str
    items: MappingProxyType[str, str]  # linkId -> instrument item id
    total_link_ids: tuple[str, ...]
    source: str


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


def find_known(reference: str | None) -> KnownQuestionnaire | None:
    """The known Questionnaire a canonical URL or reference names (``|version`` ignored)."""
    if not reference:
        return None
    return KNOWN_QUESTIONNAIRES.get(reference.split("|", 1)[0])
