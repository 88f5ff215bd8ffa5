"""An infusion session as a FHIR R4 ``Bundle`` (collection), validated with fhir.resources.R4B.

- ``Encounter``: ambulatory (v3 ActCode ``AMB``), period from check-in to discharge.
- ``MedicationAdministration``: every drug given (ketamine and others), dose and pump rate in UCUM,
  route as text, who gave it as ``performer``; the lot is ``Medication.batch.lotNumber`` of a
  contained Medication (R4 keeps the lot on the Medication). Drugs coded by text only (see
  ``medication.py``: RxNorm codes are not confirmed).
- ``Observation``: each stored vital sign, category ``vital-signs``, LOINC-coded (US Core vital
  signs profile, the codes of ``vital_observation.py``).
- ``AdverseEvent``: kind, severity (``adverse-event-severity``), intervention and outcome (text).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ketaclinic.adapters.fhir.medication import quantity
from ketaclinic.adapters.fhir.vital_observation import LOINC, LOINC_PARAMETERS
from ketaclinic.domain.infusion.records import InfusionSession, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.workflow import SessionDay

Json = dict[str, Any]
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
#: parameter -> LOINC (SpO2 as 59408-5, the US Core pulse-oximetry code)
PARAMETER_LOINC = {p: code for code, p in reversed(LOINC_PARAMETERS.items())}
_STATUS = {
    SessionState.SCHEDULED: "planned",
    SessionState.DISCHARGED: "finished",
    SessionState.CANCELLED: "cancelled",
    SessionState.NO_SHOW: "cancelled",
}


def encounter(s: InfusionSession) -> Json:
    period: Json = {}
    if s.checked_in_at is not None:
        period["start"] = s.checked_in_at.isoformat()
    if s.discharged_at is not None:
        period["end"] = s.discharged_at.isoformat()
    resource: Json = {
        "resourceType": "Encounter",
        "id": f"session-{s.id}",
        "status": _STATUS.get(s.state, "in-progress"),
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"text": "ketamine infusion session"}],
        "subject": {"reference": f"Patient/{s.patient_id}"},
    }
    if period:
        resource["period"] = period
    return resource


def medication_administration(s: InfusionSession, r: SessionRecord) -> Json:
    p = r.payload
    dosage: Json = {"route": {"text": p["route"]}, "dose": quantity(Decimal(p["dose_mg"]), "mg")}
    if p.get("rate_ml_per_h"):
        dosage["rateQuantity"] = quantity(Decimal(p["rate_ml_per_h"]), "mL/h")
    performer = [{"actor": {"display": p["given_by"]}}]
    if p.get("attending"):
        performer.append({"function": {"text": "attending"}, "actor": {"display": p["attending"]}})
    return {
        "resourceType": "MedicationAdministration",
        "id": f"session-{s.id}-given-{r.id}",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "med",
                "code": {"text": p["drug"]},
                "batch": {"lotNumber": p["lot"]},
            }
        ],
        "status": "completed",
        "medicationReference": {"reference": "#med"},
        "subject": {"reference": f"Patient/{s.patient_id}"},
        "context": {"reference": f"Encounter/session-{s.id}"},
        "effectiveDateTime": p["given_at"],
        "performer": performer,
        "dosage": dosage,
    }


def vital_observation(s: InfusionSession, stored: StoredReading) -> Json:
    reading = stored.reading
    code = PARAMETER_LOINC[reading.parameter]
    return {
        "resourceType": "Observation",
        "id": f"session-{s.id}-vital-{stored.id}",
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": code}], "text": reading.parameter.value},
        "subject": {"reference": f"Patient/{s.patient_id}"},
        "encounter": {"reference": f"Encounter/session-{s.id}"},
        "effectiveDateTime": reading.at.isoformat(),
        "valueQuantity": quantity(reading.value, reading.unit),
    }


def adverse_event(s: InfusionSession, r: SessionRecord) -> Json:
    p = r.payload
    severity = "severe" if p["severity"] == "life_threatening" else p["severity"]
    return {
        "resourceType": "AdverseEvent",
        "id": f"session-{s.id}-ae-{r.id}",
        "actuality": "actual",
        "subject": {"reference": f"Patient/{s.patient_id}"},
        "encounter": {"reference": f"Encounter/session-{s.id}"},
        "event": {"text": p["kind"]},
        "date": p["at"],
        "severity": {"coding": [{"system": AE_SEVERITY, "code": severity}], "text": p["severity"]},
        "outcome": {"text": f"{p['outcome']} (intervention: {p['intervention']})"},
    }


def session_bundle(day: SessionDay) -> Json:
    """The session's Encounter, administrations, plausible vital signs and adverse events."""
    s = day.session
    resources: list[Mapping[str, Any]] = [encounter(s)]
    resources += [
        medication_administration(s, r) for r in day.records if r.kind is RecordKind.ADMINISTRATION
    ]
    resources += [
        vital_observation(s, r)
        for r in day.readings
        if r.plausible and r.reading.parameter in PARAMETER_LOINC
    ]
    resources += [adverse_event(s, r) for r in day.records if r.kind is RecordKind.ADVERSE_EVENT]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:ketaclinic:{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
