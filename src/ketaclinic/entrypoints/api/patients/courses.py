"""``/api/v1`` courses: open on a signed-off protocol version, read with next steps, move."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import BodyId, PathId
from ketaclinic.services.patients.courses import CourseView

router = APIRouter(tags=["courses"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.PATIENT_READ))]
Manager = Annotated[Actor, Depends(ApiActor(Permission.COURSE_MANAGE))]


class OpenCourse(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    protocol_version_id: BodyId


class MoveCourse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: CourseState
    reason: Annotated[str, Field(max_length=2000)] = ""


class CourseOut(BaseModel):
    id: int
    patient_id: int
    state: str
    protocol: str
    protocol_hash: str
    opened_at: datetime
    open_safety_gates: list[str]
    next_steps: dict[str, list[str]]

    @classmethod
    def of(cls, v: CourseView) -> CourseOut:
        return cls(
            id=v.course.id,
            patient_id=v.course.patient_id,
            state=v.course.state.value,
            protocol=v.published.ref,
            protocol_hash=v.published.hash,
            opened_at=v.course.opened_at,
            open_safety_gates=list(v.facts.open_safety_gates),
            next_steps={k.value: list(r) for k, r in v.next_steps.items()},
        )


@router.post("/patients/{patient_id}/courses", response_model=CourseOut, status_code=201)
def open_course(
    patient_id: PathId, body: OpenCourse, request: Request, actor: Manager
) -> CourseOut:
    services = services_of(request)
    course = services.courses.open(actor, patient_id, body.protocol_version_id)
    return CourseOut.of(services.courses.view(actor, course.id))


@router.get("/patients/{patient_id}/courses", response_model=list[CourseOut])
def patient_courses(patient_id: PathId, request: Request, actor: Reader) -> list[CourseOut]:
    services = services_of(request)
    return [
        CourseOut.of(services.courses.view(actor, c.id))
        for c in services.courses.for_patient(actor, patient_id)
    ]


@router.get("/courses/{course_id}", response_model=CourseOut)
def read_course(course_id: PathId, request: Request, actor: Reader) -> CourseOut:
    return CourseOut.of(services_of(request).courses.view(actor, course_id))


@router.post("/courses/{course_id}/move", response_model=CourseOut)
def move_course(course_id: PathId, body: MoveCourse, request: Request, actor: Manager) -> CourseOut:
    services = services_of(request)
    services.courses.move(actor, course_id, body.to, reason=body.reason)
    return CourseOut.of(services.courses.view(actor, course_id))
