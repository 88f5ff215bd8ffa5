"""``/api/v1`` scheduling: book a course's induction series, confirm it, move or drop a session,
take a chair out of service, list appointments; FHIR ``Appointment``/``Slot``/``Schedule``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ketaclinic.adapters.fhir.appointment import (
    export_appointment,
    export_schedule,
    export_slot,
    searchset,
)
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest, MoveRequest

router = APIRouter(tags=["schedule"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.SCHEDULE_READ))]
Writer = Annotated[Actor, Depends(ApiActor(Permission.SCHEDULE_WRITE))]
FHIR_JSON = "application/fhir+json"


class BookingOut(BaseModel):
    id: int
    course_id: int
    patient_id: int
    chair_id: int
    nurse_id: int
    start_at: datetime
    end_at: datetime
    kind: str
    status: str
    session_number: int
    note: str

    @classmethod
    def of(cls, b: Booking) -> BookingOut:
        return cls(
            id=b.id,
            course_id=b.course_id,
            patient_id=b.patient_id,
            chair_id=b.chair_id,
            nurse_id=b.nurse_id,
            start_at=b.start_at,
            end_at=b.end_at,
            kind=b.kind.value,
            status=b.status.value,
            session_number=b.session_number,
            note=b.note,
        )


class MoveIn(BaseModel):
    """The JSON shape of :class:`MoveRequest`; its rules are the model's, shared with the form."""

    model_config = ConfigDict(extra="forbid")
    start_at: datetime
    chair_id: int | None = None
    nurse_id: int | None = None
    reason: str

    def request(self) -> MoveRequest:
        return MoveRequest(
            start_at=self.start_at,
            reason=self.reason,
            chair_id=self.chair_id,
            nurse_id=self.nurse_id,
        )


class DropIn(BaseModel):
    """The JSON shape of :class:`DropRequest`; its rules are the model's, shared with the form."""

    model_config = ConfigDict(extra="forbid")
    why: DropReason
    reason: str


class OutageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_at: AwareDatetime
    end_at: AwareDatetime
    reason: Annotated[str, Field(min_length=1, max_length=500)]


@router.post("/schedule/courses/{course_id}/series", status_code=201)
def book_series(course_id: PathId, request: Request, actor: Writer) -> Any:
    """Propose the whole induction series; 409 with the blocking rule when it cannot be placed."""
    proposal = services_of(request).schedule.book_series(actor, course_id)
    if not proposal.booked:
        why = proposal.explanation
        return JSONResponse(
            {
                "error": "SeriesUnbookable",
                "detail": "the series cannot be booked inside its window",
                "field": "course_id",
                "blocking": [c.value for c in why.blocking] if why else [],
                "reasons": [v.message for v in why.reasons] if why else [],
                "options": [
                    {"minutes_over_window": o.minutes_over_window, "sessions": len(o.appointments)}
                    for o in proposal.options
                ],
            },
            status_code=409,
        )
    return [BookingOut.of(b).model_dump(mode="json") for b in proposal.bookings]


@router.post("/schedule/courses/{course_id}/boosters/{booster_number}", status_code=201)
def book_booster(course_id: PathId, booster_number: int, request: Request, actor: Writer) -> Any:
    """Propose booster ``booster_number`` of the prescriber's stored booster plan (the one
    booster booking path: 409 until a plan is stored; same engine and checks as the series)."""
    result = services_of(request).boosters.book(actor, course_id, booster_number)
    if result.unplaced:
        return JSONResponse(
            {
                "error": "BoosterUnbookable",
                "detail": "the booster cannot be booked in its window",
                "field": "booster_number",
            },
            status_code=409,
        )
    return [BookingOut.of(b).model_dump(mode="json") for b in result.bookings]


@router.post("/schedule/courses/{course_id}/series/confirm")
def confirm_series(course_id: PathId, request: Request, actor: Writer) -> list[BookingOut]:
    return [
        BookingOut.of(b) for b in services_of(request).schedule.confirm_series(actor, course_id)
    ]


@router.post("/schedule/appointments/{appointment_id}/move")
def move(appointment_id: PathId, body: MoveIn, request: Request, actor: Writer) -> Any:
    """Accepted: the moved appointment. Refused: 409 naming every broken rule."""
    outcome = services_of(request).schedule.move(actor, appointment_id, body.request())
    if outcome.accepted:
        return BookingOut.of(outcome.booking).model_dump(mode="json")
    return JSONResponse(
        {
            "error": "MoveRefused",
            "detail": "; ".join(v.message for v in outcome.violations),
            "field": "start_at",
            "rules": sorted({v.rule.value for v in outcome.violations}),
        },
        status_code=409,
    )


@router.post("/schedule/appointments/{appointment_id}/drop")
def drop(appointment_id: PathId, body: DropIn, request: Request, actor: Writer) -> dict[str, Any]:
    out = services_of(request).replans.drop(
        actor, appointment_id, DropRequest(why=body.why, reason=body.reason)
    )
    return {
        "status": out.status.value,
        "appointments": [BookingOut.of(b).model_dump(mode="json") for b in out.bookings],
        "blocking": [c.value for c in out.explanation.blocking] if out.explanation else [],
        "options": [o.minutes_over_window for o in out.options],
    }


@router.post("/schedule/chairs/{chair_id}/out-of-service")
def chair_out(chair_id: PathId, body: OutageIn, request: Request, actor: Writer) -> dict[str, Any]:
    out = services_of(request).replans.chair_out_of_service(
        actor, chair_id, start_at=body.start_at, end_at=body.end_at, reason=body.reason
    )
    return {
        "to_call": [
            {
                "patient_id": c.patient_id,
                "appointment_id": c.before.id,
                "before": c.before.start_at.isoformat(),
                "after": c.after.start_at.isoformat() if c.after else None,
            }
            for c in out.to_call
        ],
        "reassigned": [
            {"patient_id": c.patient_id, "appointment_id": c.before.id} for c in out.reassigned
        ],
    }


@router.post("/schedule/staff/{staff_id}/unavailable")
def staff_off(staff_id: PathId, body: OutageIn, request: Request, actor: Writer) -> dict[str, Any]:
    """A nurse or prescriber off over the span: re-plan and list who must be called."""
    out = services_of(request).replans.staff_unavailable(
        actor, staff_id, start_at=body.start_at, end_at=body.end_at, reason=body.reason
    )
    return {
        "to_call": [
            {
                "patient_id": c.patient_id,
                "appointment_id": c.before.id,
                "after": c.after.start_at.isoformat() if c.after else None,
            }
            for c in out.to_call
        ],
        "reassigned": [c.before.id for c in out.reassigned],
    }


@router.get("/schedule/appointments")
def appointments(
    request: Request, actor: Reader, start: AwareDatetime, days: int = 1
) -> list[BookingOut]:
    if not 1 <= days <= 31:
        raise ValidationFailed({"days": "between 1 and 31 days"})
    found = services_of(request).schedule.between(actor, start, start + timedelta(days=days))
    audit_seen(request, (b.patient_id for b in found), what="appointments")
    return [BookingOut.of(b) for b in found]


def _fhir(resource: dict[str, Any]) -> JSONResponse:
    return JSONResponse(resource, media_type=FHIR_JSON)


@router.get("/fhir/Appointment")
def fhir_appointments(request: Request, actor: Reader, patient: str = "") -> JSONResponse:
    """``?patient=<id>`` (or ``Patient/<id>``): the patient's appointments as a searchset."""
    ident = patient.removeprefix("Patient/")
    if not ident.isdigit():
        raise ValidationFailed({"patient": "must be a patient id of this clinic"})
    services = services_of(request)
    bookings = services.schedule.series_of_patient(actor, int(ident))
    names = services.calendar.directory(actor)
    return _fhir(
        searchset(
            [
                export_appointment(
                    b,
                    chair_name=names.chair_name(b.chair_id),
                    nurse_name=names.staff.get(b.nurse_id, ""),
                )
                for b in bookings
            ]
        )
    )


@router.get("/fhir/Slot")
def fhir_slots(
    request: Request, actor: Reader, start: AwareDatetime, days: int = 1
) -> JSONResponse:
    """Busy slots of every chair over ``days`` days from ``start``."""
    if not 1 <= days <= 31:
        raise ValidationFailed({"days": "between 1 and 31 days"})
    found = services_of(request).schedule.between(actor, start, start + timedelta(days=days))
    return _fhir(searchset([export_slot(b) for b in found]))


@router.get("/fhir/Schedule")
def fhir_schedules(request: Request, actor: Reader) -> JSONResponse:
    """One Schedule per chair over the next 42 days."""
    services = services_of(request)
    chairs = services.calendar.directory(actor).chairs
    now = services.clock.now()
    end = now + timedelta(days=42)
    return _fhir(
        searchset(
            [export_schedule(c.id, c.name, start=now, end=end, active=c.in_service) for c in chairs]
        )
    )
