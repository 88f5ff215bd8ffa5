"""Score Observations (R4) for a scored response, linked to its QuestionnaireResponse.

The total uses the instrument's confirmed LOINC total code when clinical.md §5.3 has one
(PHQ-9 44261-6, GAD-7 70274-6) and a local code otherwise; subscales and the severity band travel
as components. Risk-level instruments (C-SSRS) carry the risk level as a coded value.
"""

from __future__ import annotations

from datetime import datetime

from ketaclinic.adapters.fhir.questionnaire import LOINC, Json
from ketaclinic.domain.assessments.instruments.model import Instrument, ScoreResult
from ketaclinic.domain.errors import ValidationFailed

LOCAL_SCORES = "urn:ketaclinic:scores"
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
        }
    ]
}


def export_score_observations(
    instrument: Instrument,
    result: ScoreResult,
    *,
    response_id: str,
    observation_id: str,
    effective: datetime,
    subject_reference: str | None = None,
) -> list[Json]:
    """The score Observation of ``result`` (one resource; empty list when nothing was scored).

    ``derivedFrom`` points at ``QuestionnaireResponse/<response_id>``. An incomplete response
    without a total produces no Observation: a partial sum is never exported as a score.
    """
    if effective.tzinfo is None:
        raise ValidationFailed({"effective": "datetime must be timezone-aware"})
    if result.total is None and result.band is None:
        return []
    observation: Json = {
        "resourceType": "Observation",
        "id": observation_id,
        "status": "final",
        "category": [SURVEY],
        "code": _total_code(instrument),
        "effectiveDateTime": effective.isoformat(),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response_id}"}],
    }
    if subject_reference:
        observation["subject"] = {"reference": subject_reference}
    observation.update(_value(instrument, result))
    components = _components(instrument, result)
    if components:
        observation["component"] = components
    return [observation]


def _total_code(instrument: Instrument) -> Json:
    if instrument.loinc_total:
        return {
            "coding": [{"system": LOINC, "code": instrument.loinc_total}],
            "text": f"{instrument.title} total score",
        }
    return {
        "coding": [{"system": LOCAL_SCORES, "code": f"{instrument.id}.total"}],
        "text": f"{instrument.title} total score",
    }


def _value(instrument: Instrument, result: ScoreResult) -> Json:
    if result.total is not None:
        return {"valueInteger": result.total}
    return {"valueCodeableConcept": _band_concept(instrument, result)}


def _band_concept(instrument: Instrument, result: ScoreResult) -> Json:
    return {
        "coding": [
            {
                "system": f"{LOCAL_SCORES}:{instrument.id}:band",
                "code": result.band,
                "display": result.band_label,
            }
        ],
        "text": result.band_label,
    }


def _components(instrument: Instrument, result: ScoreResult) -> list[Json]:
    components: list[Json] = [
        {
            "code": {
                "coding": [{"system": LOCAL_SCORES, "code": f"{instrument.id}.{subscale_id}"}]
            },
            "valueInteger": value,
        }
        for subscale_id, value in result.subscales.items()
    ]
    if result.total is not None and result.band is not None:
        components.append(
            {
                "code": {"coding": [{"system": LOCAL_SCORES, "code": f"{instrument.id}.band"}]},
                "valueCodeableConcept": _band_concept(instrument, result),
            }
        )
    return components
