"""FHIR R4 ``QuestionnaireResponse``: read answers as ordinals, score them, and export responses.

Rules: ordinals come from the Questionnaire (answerOption extensions or its contained
ValueSet) or from the instrument's own answer list; an answer code outside the answer set makes
the response unscorable with a reason naming the item — never guessed from display text; a total
stored in the file is never trusted, only compared (``stored_total_disagrees``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ketaclinic.adapters.fhir.known_questionnaires import (
    KnownQuestionnaire,
    find_known,
    from_clinic_mapping,
)
from ketaclinic.adapters.fhir.questionnaire import (
    CANONICAL_PREFIX,
    LOINC,
    AnswerCode,
    Json,
    QuestionSpec,
    answer_coding,
    canonical_url,
    index_questionnaire,
    instrument_answer_codes,
    walk_items,
)
from ketaclinic.domain.assessments.instruments.model import Instrument, Item, ScoreResult
from ketaclinic.domain.assessments.instruments.registry import (
    INSTRUMENTS,
    find_by_panel_loinc,
    get_instrument,
)
from ketaclinic.domain.assessments.instruments.scoring import score_instrument
from ketaclinic.domain.assessments.questionnaire_mappings import QuestionnaireMapping
from ketaclinic.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class ImportedResponse:
    """Answers read from a QuestionnaireResponse, as item id -> ordinal.

    ``unresolved`` maps ``answers.<item id>`` to why a scored item's answer could not be read;
    ``notes`` lists what was read but ignored (unscored items without ordinals, unknown items).
    """

    instrument_id: str
    answers: dict[str, int]
    unresolved: dict[str, str]
    stored_total: Decimal | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FhirScoreOutcome:
    """The scored import. ``result`` holds whatever could be read (flags included)."""

    imported: ImportedResponse
    result: ScoreResult
    scorable: bool
    stored_total_disagrees: bool
    reasons: tuple[str, ...]
    unreadable_safety_items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Context:
    instrument: Instrument
    known: KnownQuestionnaire | None
    specs: Mapping[str, QuestionSpec]
    own: bool


def score_questionnaire_response(
    response: Json,
    questionnaire: Json | None = None,
    *,
    instrument_id: str | None = None,
    mappings: Sequence[QuestionnaireMapping] = (),
) -> FhirScoreOutcome:
    """Read and score a QuestionnaireResponse (see module docstring for the rules).

    ``mappings`` are the clinic's registered mappings of outside Questionnaires: a response to
    one of their URLs is read through its linkId and answer-code table.
    """
    imported = read_questionnaire_response(
        response, questionnaire, instrument_id=instrument_id, mappings=mappings
    )
    instrument = get_instrument(imported.instrument_id)
    result = score_instrument(instrument, imported.answers)
    reasons = [f"{field}: {reason}" for field, reason in imported.unresolved.items()]
    reasons += [
        f"answers.{item_id}: required item not answered"
        for item_id in result.missing_items
        if f"answers.{item_id}" not in imported.unresolved
    ]
    safety_items = {i for rule in instrument.safety_rules for i in rule.item_ids}
    total = result.total
    return FhirScoreOutcome(
        imported=imported,
        result=result,
        scorable=not reasons,
        stored_total_disagrees=(
            imported.stored_total is not None
            and total is not None
            and imported.stored_total != total
        ),
        reasons=tuple(reasons),
        unreadable_safety_items=tuple(
            sorted(
                f.removeprefix("answers.")
                for f in imported.unresolved
                if f.removeprefix("answers.") in safety_items
            )
        ),
    )


def read_questionnaire_response(
    response: Json,
    questionnaire: Json | None = None,
    *,
    instrument_id: str | None = None,
    mappings: Sequence[QuestionnaireMapping] = (),
) -> ImportedResponse:
    """The answers of ``response`` as ordinals; raises ValidationFailed if it is unusable."""
    if response.get("resourceType") != "QuestionnaireResponse":
        raise ValidationFailed({"resourceType": "expected a QuestionnaireResponse"})
    if questionnaire is not None and questionnaire.get("resourceType") != "Questionnaire":
        raise ValidationFailed({"questionnaire": "expected a Questionnaire resource"})
    clinic = {m.url: from_clinic_mapping(m) for m in mappings}
    context = _context(response, questionnaire, instrument_id, clinic)
    answers: dict[str, int] = {}
    unresolved: dict[str, str] = {}
    notes: list[str] = []
    stored: Decimal | None = None
    for node in walk_items(response.get("item")):
        link_id = str(node.get("linkId", ""))
        if _is_total(context, link_id):
            stored = _stored_total(node.get("answer") or [])
            continue
        if not node.get("answer") and not node.get("item"):
            continue
        _read_node(context, node, link_id, answers, unresolved, notes)
    return ImportedResponse(context.instrument.id, answers, unresolved, stored, tuple(notes))


def _read_node(
    context: _Context,
    node: Json,
    link_id: str,
    answers: dict[str, int],
    unresolved: dict[str, str],
    notes: list[str],
) -> None:
    if not node.get("answer"):
        return
    item = _item_for(context, link_id)
    if item is None:
        notes.append(f"linkId {link_id!r} is not an item of {context.instrument.id}: ignored")
        return
    field = f"answers.{item.id}"
    if item.id in answers or field in unresolved:
        unresolved[field] = f"linkId {link_id!r}: item {item.id} answered more than once"
        return
    value, reason = _resolve(context, item, context.specs.get(link_id), node["answer"])
    if value is not None:
        answers[item.id] = value
    elif item.scored or item.required:
        unresolved[field] = f"linkId {link_id!r}: {reason}"
    else:
        notes.append(f"unscored item {item.id} (linkId {link_id!r}) not read: {reason}")


# --- which instrument, which item -------------------------------------------------------------


def _context(
    response: Json,
    questionnaire: Json | None,
    instrument_id: str | None,
    clinic: Mapping[str, KnownQuestionnaire],
) -> _Context:
    refs = _references(response, questionnaire)
    known = next((k for ref in refs if (k := find_known(ref, clinic))), None)
    own = next((r for r in refs if r.startswith(CANONICAL_PREFIX)), None)
    specs = index_questionnaire(questionnaire) if questionnaire else {}
    if instrument_id is not None:
        instrument = get_instrument(instrument_id)
    elif own is not None:
        instrument = get_instrument(own.removeprefix(CANONICAL_PREFIX).split("|", 1)[0])
    elif known is not None:
        instrument = get_instrument(known.instrument_id)
    else:
        instrument = _by_codes(response, questionnaire, specs)
    is_own = own is not None and own.split("|", 1)[0] == canonical_url(instrument)
    return _Context(instrument, known, specs, is_own)


def _references(response: Json, questionnaire: Json | None) -> list[str]:
    refs = [str(questionnaire.get("url", "")) if questionnaire else ""]
    if questionnaire and questionnaire.get("id"):
        refs.append(f"Questionnaire/{questionnaire['id']}")
    refs.append(str(response.get("questionnaire", "")))
    return [ref for ref in refs if ref]


def _by_codes(
    response: Json, questionnaire: Json | None, specs: Mapping[str, QuestionSpec]
) -> Instrument:
    for coding in (questionnaire or {}).get("code") or []:
        if coding.get("system") in (LOINC, None) and (
            found := find_by_panel_loinc(str(coding.get("code")))
        ):
            return found
    seen = {code for spec in specs.values() for _, code in spec.codes}
    seen |= {str(n.get("linkId", "")).rsplit("/", 1)[-1] for n in walk_items(response.get("item"))}
    for instrument in INSTRUMENTS.values():
        codes = {item.loinc for item in instrument.scored_items}
        if None not in codes and codes <= seen:
            return instrument
    raise ValidationFailed(
        {
            "questionnaire": "cannot tell which instrument this response is for; "
            "supply its Questionnaire or name the instrument"
        }
    )


def _item_for(context: _Context, link_id: str) -> Item | None:
    instrument = context.instrument
    if context.known is not None and link_id in context.known.items:
        return instrument.item(context.known.items[link_id])
    spec = context.specs.get(link_id)
    codes = {code for system, code in (spec.codes if spec else ()) if system in (LOINC, None)}
    codes.add(link_id.rsplit("/", 1)[-1])
    by_code = next((i for i in instrument.items if i.loinc and i.loinc in codes), None)
    if by_code is not None:
        return by_code
    return instrument.item(link_id) if context.own else None


def _is_total(context: _Context, link_id: str) -> bool:
    if context.known is not None and link_id in context.known.total_link_ids:
        return True
    total = context.instrument.loinc_total
    spec = context.specs.get(link_id)
    codes = {code for _, code in (spec.codes if spec else ())} | {link_id.rsplit("/", 1)[-1]}
    return total is not None and total in codes


def _stored_total(answers: list[Json]) -> Decimal | None:
    for answer in answers:
        for key in ("valueQuantity", "valueDecimal", "valueInteger", "valueString"):
            if key in answer:
                raw = answer[key]["value"] if key == "valueQuantity" else answer[key]
                try:
                    return Decimal(str(raw))
                except InvalidOperation:
                    return None
    return None


# --- answers to ordinals ---------------------------------------------------------------------


def _resolve(
    context: _Context, item: Item, spec: QuestionSpec | None, answers: list[Json]
) -> tuple[int | None, str]:
    if len(answers) != 1:
        return None, f"expected one answer, found {len(answers)}"
    answer = answers[0]
    if "valueCoding" in answer:
        coding = answer["valueCoding"]
        mapped = _mapped_ordinal(context, spec, coding)
        if mapped is not None:
            return mapped, ""
        return _resolve_coding(context.instrument, item, spec, coding)
    if "valueInteger" in answer and not isinstance(answer["valueInteger"], bool):
        return int(answer["valueInteger"]), ""
    if "valueBoolean" in answer and item.allowed_values() == {0, 1}:
        return int(bool(answer["valueBoolean"])), ""
    kinds = ", ".join(sorted(k for k in answer if k.startswith("value"))) or "none"
    return None, f"unsupported answer type ({kinds})"


def _resolve_coding(
    instrument: Instrument, item: Item, spec: QuestionSpec | None, coding: Json
) -> tuple[int | None, str]:
    system, code = coding.get("system"), str(coding.get("code", ""))
    label = f"code {code!r}" + (f" (system {system})" if system else "")
    if spec is not None and code in spec.invalid_ordinals:
        return None, f"{label} has a non-integer ordinal value in the Questionnaire"
    own = instrument_answer_codes(instrument, item)
    if spec is not None and spec.answers:
        matches = _match(spec.answers, system, code)
        if not matches:
            return None, f"{label} is not in the Questionnaire's answer set"
        if all(m.ordinal is None for m in matches):
            matches = _match(own, system or matches[0].system, code)
            if not matches:
                return None, f"{label} has no ordinal value in the Questionnaire or instrument"
    else:
        matches = _match(own, system, code)
        if not matches:
            return None, (
                f"{label} is not in the answer list of {instrument.id} "
                "(local codes need the Questionnaire that gives their ordinals)"
            )
    ordinals = {m.ordinal for m in matches if m.ordinal is not None}
    if len(ordinals) != 1:
        return None, f"{label} matches answers with different ordinal values"
    return ordinals.pop(), ""


def _mapped_ordinal(context: _Context, spec: QuestionSpec | None, coding: Json) -> int | None:
    """A clinic mapping's ordinal for the code, unless the Questionnaire itself gives one."""
    if context.known is None or not context.known.answers:
        return None
    system, code = coding.get("system"), str(coding.get("code", ""))
    if spec is not None and any(m.ordinal is not None for m in _match(spec.answers, system, code)):
        return None
    return context.known.ordinal(system, code)


def _match(codes: tuple[AnswerCode, ...], system: str | None, code: str) -> list[AnswerCode]:
    return [
        c
        for c in codes
        if c.code == code and (system is None or c.system is None or c.system == system)
    ]


# --- export ----------------------------------------------------------------------------------


def export_questionnaire_response(
    instrument: Instrument,
    answers: Mapping[str, int],
    *,
    response_id: str,
    authored: datetime,
    subject_reference: str | None = None,
) -> Json:
    """A completed R4 QuestionnaireResponse holding every item answer as a coding.

    ``answers`` are validated first (ValidationFailed names a bad item); ``authored`` must be
    timezone-aware. No total is written: scores travel as Observations.
    """
    score_instrument(instrument, answers)
    if authored.tzinfo is None:
        raise ValidationFailed({"authored": "datetime must be timezone-aware"})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": f"{canonical_url(instrument)}|{instrument.version}",
        "status": "completed",
        "authored": authored.isoformat(),
        "item": [
            _answer_item(instrument, item, answers[item.id])
            for item in instrument.items
            if item.id in answers
        ],
    }
    if subject_reference:
        resource["subject"] = {"reference": subject_reference}
    return resource


def _answer_item(instrument: Instrument, item: Item, value: int) -> Json:
    option = next(o for o in item.options if o.value == value)
    return {
        "linkId": item.id,
        "text": item.label,
        "answer": [{"valueCoding": answer_coding(instrument, item, option)}],
    }
