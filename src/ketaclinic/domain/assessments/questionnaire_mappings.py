"""A clinic's mapping of an outside FHIR Questionnaire onto one of our instruments.

Peers publish instruments under their own canonical URL, with UUID linkIds and local answer
codes. A clinic registers, once per Questionnaire URL, which instrument it is, which item each
linkId is, and (when the Questionnaire gives no ``ordinalValue``) the ordinal of each answer
code. Responses to that Questionnaire are then scored item by item like our own; nothing is ever
matched by position or wording.

:func:`check_mapping` refuses, naming the field, an unknown instrument or item, a scored item
left unmapped, an item mapped twice, and an ordinal that is not an allowed value of the items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ketaclinic.domain.assessments.instruments.model import Instrument
from ketaclinic.domain.assessments.instruments.registry import INSTRUMENTS
from ketaclinic.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class QuestionnaireMapping:
    """Questionnaire ``url`` (version stripped) is ``instrument_id``; linkIds and answer codes.

    ``answers`` maps an answer code (``system|code``, or ``code`` alone for any system) to its
    ordinal value.
    """

    url: str
    instrument_id: str
    items: Mapping[str, str]  # linkId -> instrument item id
    answers: Mapping[str, int]
    total_link_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredMapping:
    id: int
    clinic_id: int
    mapping: QuestionnaireMapping
    created_by: int
    created_at: datetime


KEYS = {"url", "instrument_id", "items", "answers", "total_link_ids"}


def parse_mapping(data: Any) -> QuestionnaireMapping:
    """A mapping from its JSON document; every shape problem named by field."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "expected a JSON object"})
    errors = {key: "unknown field" for key in data if key not in KEYS}
    url, instrument = data.get("url"), data.get("instrument_id")
    items, answers = data.get("items"), data.get("answers", {})
    totals = data.get("total_link_ids", [])
    if not isinstance(url, str) or not url.strip():
        errors["url"] = "required: the Questionnaire's canonical URL"
    if not isinstance(instrument, str) or not instrument:
        errors["instrument_id"] = "required"
    if not isinstance(items, dict) or not all(isinstance(v, str) for v in items.values()):
        errors["items"] = "required: an object of linkId -> item id"
    if not isinstance(answers, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in answers.values()
    ):
        errors["answers"] = "must be an object of answer code -> integer ordinal"
    if not isinstance(totals, list) or not all(isinstance(t, str) for t in totals):
        errors["total_link_ids"] = "must be a list of linkIds"
    if errors:
        raise ValidationFailed(errors)
    link_items: dict[str, str] = {str(k): str(v) for k, v in (items or {}).items()}
    ordinals: dict[str, int] = {str(k): int(v) for k, v in (answers or {}).items()}
    return QuestionnaireMapping(str(url), str(instrument), link_items, ordinals, tuple(totals))


def canonical(url: str) -> str:
    """``url`` without its ``|version`` suffix and surrounding blanks."""
    return url.split("|", 1)[0].strip()


def check_mapping(mapping: QuestionnaireMapping) -> QuestionnaireMapping:
    """The mapping with its URL made canonical, or :class:`ValidationFailed` naming each field."""
    errors: dict[str, str] = {}
    url = canonical(mapping.url)
    if not url.startswith(("http://", "https://", "urn:")):
        errors["url"] = "must be the Questionnaire's canonical URL (http(s):// or urn:)"
    instrument = INSTRUMENTS.get(mapping.instrument_id)
    if instrument is None:
        errors["instrument_id"] = f"{mapping.instrument_id!r} is not an instrument of the library"
    else:
        errors.update(_item_problems(instrument, mapping))
        errors.update(_answer_problems(instrument, mapping))
    if errors:
        raise ValidationFailed(errors)
    return QuestionnaireMapping(
        url,
        mapping.instrument_id,
        dict(mapping.items),
        dict(mapping.answers),
        tuple(mapping.total_link_ids),
    )


def _item_problems(instrument: Instrument, mapping: QuestionnaireMapping) -> dict[str, str]:
    errors: dict[str, str] = {}
    seen: dict[str, str] = {}
    for link_id, item_id in mapping.items.items():
        if not link_id.strip():
            errors["items"] = "every linkId must be non-blank"
        elif instrument.item(item_id) is None:
            errors[f"items.{link_id}"] = f"{item_id!r} is not an item of {instrument.id}"
        elif item_id in seen:
            errors[f"items.{link_id}"] = f"item {item_id} is already mapped from {seen[item_id]!r}"
        seen.setdefault(item_id, link_id)
    unmapped = [i.id for i in instrument.items if i.scored and i.id not in seen]
    if unmapped and "items" not in errors:
        errors["items"] = f"scored item(s) {', '.join(unmapped)} of {instrument.id} not mapped"
    return errors


def _answer_problems(instrument: Instrument, mapping: QuestionnaireMapping) -> dict[str, str]:
    allowed = {v for item in instrument.items for v in item.allowed_values()}
    return {
        f"answers.{code}": f"ordinal {value} is not an answer value of {instrument.id}"
        for code, value in mapping.answers.items()
        if value not in allowed or not code.strip()
    }
