"""``/api/v1`` instrument responses, self-report links, outcome status and the safety worklist."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from ketaclinic.domain.assessments.records import AssessmentResponse
from ketaclinic.domain.assessments.safety import (
    Disposition,
    RiskLevel,
    SafetyAssessment,
    SafetyTask,
)
from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import BodyId, PathId, QueryId

router = APIRouter(tags=["assessments"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]
Recorder = Annotated[Actor, Depends(ApiActor(Permission.ASSESSMENT_RECORD))]
Assessor = Annotated[Actor, Depends(ApiActor(Permission.SAFETY_ASSESS))]


class RecordResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instrument_id: Annotated[str, Field(min_length=1, max_length=40)]
    answers: dict[Annotated[str, Field(max_length=40)], int]
    course_id: int | None = None
    answered_at: datetime | None = None


class ResponseOut(BaseModel):
    id: int
    patient_id: int
    course_id: int | None
    instrument_id: str
    instrument_version: str
    answers: dict[str, int]
    total: int | None
    band: str | None
    subscales: dict[str, int]
    safety_flags: list[str]
    complete: bool
    answered_by: str
    source: str
    answered_at: datetime
    recorded_by: int | None

    @classmethod
    def of(cls, r: AssessmentResponse) -> ResponseOut:
        return cls(
            id=r.id,
            patient_id=r.patient_id,
            course_id=r.course_id,
            instrument_id=r.instrument_id,
            instrument_version=r.instrument_version,
            answers=r.answers,
            total=r.total,
            band=r.band,
            subscales=r.subscales,
            safety_flags=list(r.safety_flags),
            complete=r.complete,
            answered_by=r.answered_by.value,
            source=r.source.value,
            answered_at=r.answered_at,
            recorded_by=r.recorded_by,
        )


class RecordedOut(ResponseOut):
    safety_task_ids: list[int]


class StatusOut(BaseModel):
    patient_id: int
    instrument_id: str
    baseline: int | None
    baseline_at: datetime | None
    latest: int
    latest_at: datetime
    change: int | None
    percent_change: Decimal | None
    classification: str | None
    reason: str
    source: str


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instrument_id: Annotated[str, Field(min_length=1, max_length=40)]
    course_id: BodyId | None = None


class LinkOut(BaseModel):
    id: int
    url: str
    expires_at: datetime
    guardian_informed: bool


class TaskOut(BaseModel):
    id: int
    patient_id: int
    urgency: str
    rule_id: str
    reason: str
    opened_at: datetime
    open: bool
    risk_level: str | None
    disposition: str | None

    @classmethod
    def of(cls, t: SafetyTask) -> TaskOut:
        return cls(
            id=t.id,
            patient_id=t.patient_id,
            urgency=t.urgency.value,
            rule_id=t.rule_id,
            reason=t.reason,
            opened_at=t.opened_at,
            open=t.open,
            risk_level=t.risk_level.value if t.risk_level else None,
            disposition=t.disposition.value if t.disposition else None,
        )


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    risk_level: RiskLevel
    plan: Annotated[str, Field(max_length=4000)]
    disposition: Disposition


@router.post("/patients/{patient_id}/assessments", response_model=RecordedOut, status_code=201)
def record(
    patient_id: PathId, body: RecordResponse, request: Request, actor: Recorder
) -> RecordedOut:
    recorded = services_of(request).assessments.record(
        actor,
        patient_id,
        body.instrument_id,
        body.answers,
        course_id=body.course_id,
        answered_at=body.answered_at,
    )
    base = ResponseOut.of(recorded.response).model_dump()
    return RecordedOut(**base, safety_task_ids=[t.id for t in recorded.tasks])


@router.get("/patients/{patient_id}/assessments", response_model=list[ResponseOut])
def responses(
    patient_id: PathId, request: Request, actor: Reader, instrument_id: str | None = None
) -> list[ResponseOut]:
    found = services_of(request).assessments.responses(actor, patient_id, instrument_id)
    return [ResponseOut.of(r) for r in found]


@router.get("/patients/{patient_id}/instruments/{instrument_id}/status", response_model=StatusOut)
def status(
    patient_id: PathId,
    instrument_id: str,
    request: Request,
    actor: Reader,
    course_id: QueryId | None = None,
) -> StatusOut:
    """Baseline, latest, change, percent change and classification per the course's protocol."""
    t = services_of(request).assessments.trajectory(actor, patient_id, instrument_id, course_id)
    if t.summary is None:
        raise NotFound("no scored response for this instrument yet", field="instrument_id")
    s = t.summary
    return StatusOut(
        patient_id=patient_id,
        instrument_id=instrument_id,
        baseline=s.baseline.total if s.baseline else None,
        baseline_at=s.baseline.at if s.baseline else None,
        latest=s.latest.total,
        latest_at=s.latest.at,
        change=s.change,
        percent_change=s.percent_change,
        classification=s.status.value if s.status else None,
        reason=s.reason,
        source=s.source,
    )


@router.post("/patients/{patient_id}/assessment-links", response_model=LinkOut, status_code=201)
def create_link(patient_id: PathId, body: LinkIn, request: Request, actor: Recorder) -> LinkOut:
    created = services_of(request).links.create(
        actor, patient_id, body.instrument_id, body.course_id
    )
    url = f"{str(request.base_url).rstrip('/')}/link/{created.token}"
    link = created.link
    return LinkOut(
        id=link.id, url=url, expires_at=link.expires_at, guardian_informed=link.guardian_informed
    )


@router.get("/safety/tasks", response_model=list[TaskOut])
def worklist(request: Request, actor: Reader) -> list[TaskOut]:
    """Open safety tasks of the clinic, urgent first."""
    tasks = services_of(request).safety.worklist(actor)
    audit_seen(request, (t.patient_id for t in tasks), what="safety_worklist")
    return [TaskOut.of(t) for t in tasks]


@router.post("/safety/tasks/{task_id}/assessment", response_model=TaskOut)
def assess(task_id: PathId, body: AssessmentIn, request: Request, actor: Assessor) -> TaskOut:
    assessment = SafetyAssessment(body.risk_level, body.plan, body.disposition)
    return TaskOut.of(services_of(request).safety.assess(actor, task_id, assessment))
