"""``/api/v1`` vitals from gateways and staff (JSON or FHIR R4 Observation), alarm acknowledgement.

One pipeline: both routes hand readings to ``services.infusion.monitoring.ingest`` (store, evaluate
the protocol's alert rules, commit). A reading for no running session is refused with 409 naming the
field; bad input is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ketaclinic.adapters.fhir.vital_observation import observation_readings
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import AckAction, StoredAlarm
from ketaclinic.domain.infusion.vitals import (
    Parameter,
    ReadingSource,
    ReadingStatus,
    VitalReading,
    normalise_unit,
)
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import INT4_MAX, BodyId, PathId
from ketaclinic.services.infusion.monitor_messages import IngestResult, VitalsBatch

router = APIRouter(tags=["vitals"])
Writer = Annotated[Actor, Depends(ApiActor(Permission.VITALS_WRITE))]
Acker = Annotated[Actor, Depends(ApiActor(Permission.ALARM_ACK))]
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]


class ReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parameter: Parameter
    value: Annotated[Decimal, Field(allow_inf_nan=False, max_digits=9, decimal_places=3)]
    unit: Annotated[str, Field(min_length=1, max_length=20)]
    at: AwareDatetime
    status: ReadingStatus = ReadingStatus.FINAL


class VitalsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session_id: BodyId | None = None
    device_id: Annotated[str | None, Field(max_length=64)] = None
    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=200)]


class AlarmOut(BaseModel):
    id: int
    session_id: int
    rule_id: str
    severity: str
    action: str
    message: str
    raised_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    ack_action: str | None
    ack_note: str | None
    resolution: str | None

    @classmethod
    def of(cls, a: StoredAlarm) -> AlarmOut:
        return cls(
            id=a.id,
            session_id=a.session_id,
            rule_id=a.rule_id,
            severity=a.severity,
            action=a.action,
            message=a.message,
            raised_at=a.raised_at,
            cleared_at=a.cleared_at,
            acknowledged_at=a.acknowledged_at,
            acknowledged_by=a.acknowledged_by,
            ack_action=a.ack_action.value if a.ack_action else None,
            ack_note=a.ack_note,
            resolution=a.resolution,
        )


class IngestOut(BaseModel):
    session_id: int | None
    stored: int
    rejected: int
    alarms_raised: list[AlarmOut]

    @classmethod
    def of(cls, r: IngestResult) -> IngestOut:
        return cls(
            session_id=r.session_id,
            stored=r.stored,
            rejected=r.rejected,
            alarms_raised=[AlarmOut.of(a) for a in r.raised],
        )


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: AckAction
    note: Annotated[str, Field(max_length=2000)]
    resolution: Annotated[str, Field(max_length=2000)] = ""


def _reading(item: ReadingIn, index: int) -> VitalReading:
    unit = normalise_unit(item.unit)
    if unit is None:
        raise ValidationFailed({f"readings.{index}.unit": "a UCUM or MDC unit such as mm[Hg]"})
    source = ReadingSource.GATEWAY
    return VitalReading(item.parameter, item.value, unit, item.at, source, item.status)


@router.post("/vitals", response_model=IngestOut, status_code=201)
def post_vitals(body: VitalsIn, request: Request, actor: Writer) -> IngestOut:
    if body.session_id is None and not body.device_id:
        raise ValidationFailed({"session_id": "give session_id or device_id"})
    readings = tuple(_reading(r, i) for i, r in enumerate(body.readings))
    batch = VitalsBatch(readings, session_id=body.session_id, device_id=body.device_id)
    return IngestOut.of(services_of(request).monitoring.ingest(actor, batch))


@router.post("/fhir/Observation", response_model=IngestOut, status_code=201)
def post_observation(
    request: Request,
    actor: Writer,
    resource: Annotated[dict[str, Any], Body()],
    session_id: Annotated[int | None, Query(ge=1, le=INT4_MAX)] = None,
) -> IngestOut:
    readings, device = observation_readings(resource)
    if session_id is None and device is None:
        raise ValidationFailed({"device": "name the monitor (device) or pass ?session_id="})
    batch = VitalsBatch(readings, session_id=session_id, device_id=device)
    return IngestOut.of(services_of(request).monitoring.ingest(actor, batch))


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmOut)
def acknowledge(alarm_id: PathId, body: AckIn, request: Request, actor: Acker) -> AlarmOut:
    done = services_of(request).alarms.acknowledge(
        actor, alarm_id, body.action, body.note, body.resolution
    )
    return AlarmOut.of(done)


@router.get("/sessions/{session_id}/alarms", response_model=list[AlarmOut])
def session_alarms(session_id: PathId, request: Request, actor: Reader) -> list[AlarmOut]:
    return [AlarmOut.of(a) for a in services_of(request).alarms.for_session(actor, session_id)]
