"""FHIR R4 ``Questionnaire``: export an instrument, and read a Questionnaire's answer ordinals.

Ordinals are read, in this order, from the ``ordinalValue`` / ``itemWeight`` extensions on an
item's ``answerOption`` (or on its ``valueCoding``), and from the concepts of a *contained*
ValueSet named by ``answerValueSet`` (``compose.include.concept`` or ``expansion.contains``).
Codes a Questionnaire lists without an ordinal are kept (with ``ordinal=None``) so a reader can
tell "unknown code" from "known code without a score". Nothing is ever read from display text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ketaclinic.domain.assessments.instruments.model import AnswerOption, Instrument, Item

Json = dict[str, Any]

LOINC = "http://loinc.org"
ORDINAL_URLS = frozenset(
    {
        "http://hl7.org/fhir/StructureDefinition/ordinalValue",
        "http://hl7.org/fhir/StructureDefinition/itemWeight",
        "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value",
    }
)
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
CANONICAL_PREFIX = "urn:ketaclinic:questionnaire:"


@dataclass(frozen=True, slots=True)
class AnswerCode:
    """One code of an item's answer set and its ordinal (None when the source gives none)."""

    system: str | None
    code: str
    ordinal: int | None


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """What a Questionnaire says about one item: its codes and its answer set."""

    link_id: str
    codes: tuple[tuple[str | None, str], ...]
    answers: tuple[AnswerCode, ...]
    invalid_ordinals: tuple[str, ...] = ()


def canonical_url(instrument: Instrument) -> str:
    """The canonical URL this system gives the Questionnaire of ``instrument``."""
    return f"{CANONICAL_PREFIX}{instrument.id}"


def local_answer_system(instrument: Instrument, item: Item) -> str:
    """The local code system of one item's answers (used where no LOINC answer is confirmed)."""
    return f"urn:ketaclinic:answers:{instrument.id}:{item.id}"


def instrument_answer_codes(instrument: Instrument, item: Item) -> tuple[AnswerCode, ...]:
    """The instrument's own answer list: confirmed LOINC codes and this system's local codes."""
    local = local_answer_system(instrument, item)
    loinc = tuple(AnswerCode(LOINC, o.loinc, o.value) for o in item.options if o.loinc)
    return (*loinc, *(AnswerCode(local, str(o.value), o.value) for o in item.options))


# --- export -------------------------------------------------------------------------------


def export_questionnaire(instrument: Instrument) -> Json:
    """The instrument as an R4 Questionnaire: choice items with ordinalValue on every option."""
    resource: Json = {
        "resourceType": "Questionnaire",
        "id": f"ketaclinic-{instrument.id}",
        "url": canonical_url(instrument),
        "version": instrument.version,
        "name": "".join(part.capitalize() for part in instrument.id.replace("-", " ").split()),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": [_export_item(instrument, item) for item in instrument.items],
    }
    if instrument.loinc_panel:
        resource["code"] = [{"system": LOINC, "code": instrument.loinc_panel}]
    return resource


def _export_item(instrument: Instrument, item: Item) -> Json:
    exported: Json = {
        "linkId": item.id,
        "text": item.label,
        "type": "choice",
        "required": item.required,
        "answerOption": [_export_option(instrument, item, option) for option in item.options],
    }
    if item.loinc and item.loinc_confirmed:
        exported["code"] = [{"system": LOINC, "code": item.loinc}]
    if item.asked_when is not None:
        parent = instrument.item(item.asked_when.item_id)
        assert parent is not None, "skip logic names an item of the instrument"
        option = next(o for o in parent.options if o.value == item.asked_when.value)
        exported["enableWhen"] = [
            {
                "question": parent.id,
                "operator": "=",
                "answerCoding": answer_coding(instrument, parent, option),
            }
        ]
    return exported


def answer_coding(instrument: Instrument, item: Item, option: AnswerOption) -> Json:
    """The coding this system writes for one answer: LOINC when confirmed, else local."""
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label}
    system = local_answer_system(instrument, item)
    return {"system": system, "code": str(option.value), "display": option.label}


def _export_option(instrument: Instrument, item: Item, option: AnswerOption) -> Json:
    return {
        "valueCoding": answer_coding(instrument, item, option),
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
    }


# --- reading a Questionnaire -----------------------------------------------------------------


def walk_items(items: list[Json] | None) -> Iterator[Json]:
    """Every item of a Questionnaire or QuestionnaireResponse, depth first, groups included."""
    for item in items or []:
        yield item
        yield from walk_items(item.get("item"))
        for answer in item.get("answer") or []:
            yield from walk_items(answer.get("item"))


def index_questionnaire(questionnaire: Json) -> dict[str, QuestionSpec]:
    """Every item of ``questionnaire`` by linkId, with its codes and answer set."""
    contained = {
        resource.get("id"): resource
        for resource in questionnaire.get("contained") or []
        if resource.get("resourceType") == "ValueSet"
    }
    return {
        item["linkId"]: _spec(item, contained)
        for item in walk_items(questionnaire.get("item"))
        if "linkId" in item
    }


def _spec(item: Json, contained: dict[Any, Json]) -> QuestionSpec:
    codes = tuple((c.get("system"), c["code"]) for c in item.get("code") or [] if "code" in c)
    answers: list[AnswerCode] = []
    invalid: list[str] = []
    for option in item.get("answerOption") or []:
        coding = option.get("valueCoding")
        if coding and "code" in coding:
            _append(answers, invalid, coding, [*_ext(option), *_ext(coding)])
    reference = item.get("answerValueSet")
    if isinstance(reference, str) and reference.startswith("#"):
        for system, concept in _valueset_concepts(contained.get(reference[1:])):
            _append(answers, invalid, {"system": system, **concept}, _ext(concept))
    return QuestionSpec(item["linkId"], codes, tuple(answers), tuple(invalid))


def _ext(element: Json) -> list[Json]:
    return list(element.get("extension") or [])


def _append(
    answers: list[AnswerCode], invalid: list[str], coding: Json, extensions: list[Json]
) -> None:
    ordinal: int | None = None
    for extension in extensions:
        if extension.get("url") in ORDINAL_URLS:
            raw = extension.get("valueDecimal", extension.get("valueInteger"))
            value = Decimal(str(raw)) if raw is not None else None
            if value is None or value != value.to_integral_value():
                invalid.append(str(coding["code"]))
                return
            ordinal = int(value)
    answers.append(AnswerCode(coding.get("system"), str(coding["code"]), ordinal))


def _valueset_concepts(valueset: Json | None) -> Iterator[tuple[str | None, Json]]:
    if valueset is None:
        return
    for include in (valueset.get("compose") or {}).get("include") or []:
        for concept in include.get("concept") or []:
            yield include.get("system"), concept
    for contains in (valueset.get("expansion") or {}).get("contains") or []:
        yield contains.get("system"), contains
