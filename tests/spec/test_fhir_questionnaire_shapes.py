"""Outside GAD-7 Questionnaires scored item by item, one row per shape (synthetic fixtures).

Items are matched by ``item.code`` or a linkId that is the item's LOINC code (GAD-7 items
69725-0 ... 69736-7, HL7 PHR IG; landscape.md), or through a clinic-registered mapping of the
Questionnaire's canonical URL (UUID linkIds, local answer codes, ordinalValues); never by
position or wording.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.adapters.fhir.questionnaire_response import score_questionnaire_response
from ketaclinic.domain.assessments.instruments import get_instrument
from ketaclinic.domain.assessments.questionnaire_mappings import (
    QuestionnaireMapping,
    check_mapping,
    parse_mapping,
)
from ketaclinic.domain.errors import ValidationFailed

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "fhir"  # synthetic, not public
SOURCE = "landscape.md GAD-7 items (HL7 PHR IG); clinical.md §5.3"


def load(name: str) -> Any:
    return json.loads((SYNTHETIC / name).read_text(encoding="utf-8"))


def peer_mapping() -> QuestionnaireMapping:
    return check_mapping(parse_mapping(load("peer-anxiety-mapping.json")))


def test_gad7_items_carry_their_loinc_codes() -> None:
    codes = [item.loinc for item in get_instrument("gad7").items]
    assert codes == ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]


def test_a_loinc_coded_gad7_is_scored_from_its_item_codes() -> None:
    outcome = score_questionnaire_response(
        load("gad7-loinc-response.json"), load("gad7-loinc-questionnaire.json")
    )
    assert outcome.scorable, outcome.reasons
    assert (outcome.result.instrument_id, outcome.result.total) == ("gad7", 10), SOURCE


def test_a_linkid_that_is_the_loinc_code_matches_the_item() -> None:
    response = load("gad7-loinc-response.json")
    for item, value in zip(response["item"], (1, 2, 0, 3, 1, 2, 1), strict=True):
        item["answer"] = [{"valueInteger": value}]
    outcome = score_questionnaire_response(response, instrument_id="gad7")
    assert outcome.scorable and outcome.result.total == 10, outcome.reasons


def test_a_peer_gad7_without_a_mapping_is_unscorable_even_named() -> None:
    outcome = score_questionnaire_response(
        load("peer-anxiety-response.json"),
        load("peer-anxiety-questionnaire.json"),
        instrument_id="gad7",
    )
    assert not outcome.scorable
    assert "answers.1: required item not answered" in outcome.reasons


@pytest.mark.parametrize(
    "with_questionnaire", [True, False], ids=["ordinal-values", "mapped-codes"]
)
def test_a_peer_gad7_is_scored_through_the_clinic_mapping(with_questionnaire: bool) -> None:
    mapping = peer_mapping()
    if not with_questionnaire:  # no Questionnaire: the mapping gives the answer ordinals
        codes = ("never", "some-days", "most-days", "every-day")
        mapping = check_mapping(
            QuestionnaireMapping(
                mapping.url, "gad7", mapping.items, {c: i for i, c in enumerate(codes)}
            )
        )
    questionnaire = load("peer-anxiety-questionnaire.json") if with_questionnaire else None
    outcome = score_questionnaire_response(
        load("peer-anxiety-response.json"), questionnaire, mappings=[mapping]
    )
    assert outcome.scorable, outcome.reasons
    assert (outcome.result.instrument_id, outcome.result.total) == ("gad7", 10)


BAD_MAPPINGS = (
    ("unknown instrument", {"instrument_id": "gad8"}, "instrument_id"),
    ("item that is not a GAD-7 item", {"items": {"a": "1", "b": "9"}}, "items.b"),
    ("scored items left unmapped", {"items": {"a": "1"}}, "items"),
    ("ordinal outside the answer values", {"answers": {"never": 7}}, "answers.never"),
    ("not a canonical URL", {"url": "anxiety-screen"}, "url"),
)


@pytest.mark.parametrize(
    ("case", "change", "field"), BAD_MAPPINGS, ids=[b[0] for b in BAD_MAPPINGS]
)
def test_a_bad_mapping_is_refused_naming_the_field(
    case: str, change: dict[str, Any], field: str
) -> None:
    document = load("peer-anxiety-mapping.json") | change
    with pytest.raises(ValidationFailed) as caught:
        check_mapping(parse_mapping(document))
    assert field in caught.value.errors, caught.value.errors
