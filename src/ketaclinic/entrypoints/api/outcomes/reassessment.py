"""``/api/v1`` outcomes: tagged scores, a course's outcome review with what it let pass, the
booster plan, the clinician's decision, the prescriber's outcome and overdue worklists and the
clinic dashboard figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.records import StoredBoosterPlan
from ketaclinic.domain.outcomes.response import OutcomeAssessment
from ketaclinic.domain.outcomes.standing import Overdue
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.services.outcomes.maintenance import BoosterEdit
from ketaclinic.services.outcomes.overdue import CourseStanding
from ketaclinic.services.outcomes.review import CourseReview

router = APIRouter(tags=["outcomes"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]
Recorder = Annotated[Actor, Depends(ApiActor(Permission.ASSESSMENT_RECORD))]
Manager = Annotated[Actor, Depends(ApiActor(Permission.COURSE_MANAGE))]
Analyst = Annotated[Actor, Depends(ApiActor(Permission.OUTCOMES_READ))]
Booker = Annotated[Actor, Depends(ApiActor(Permission.SCHEDULE_WRITE))]


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instrument_id: Annotated[str, Field(min_length=1, max_length=40)]
    answers: dict[Annotated[str, Field(max_length=40)], int]
    kind: Annotated[str, Field(max_length=20)] | None = None  # None: the course timeline tags it
    session_number: int | None = None
    answered_at: datetime | None = None


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int
    target_on: date
    reason: Annotated[str, Field(max_length=500)]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_on: date
    edits: Annotated[list[EditIn], Field(max_length=20)] = []


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Annotated[str, Field(max_length=20)]
    reason: Annotated[str, Field(max_length=2000)]


def _outcome(o: OutcomeAssessment) -> dict[str, Any]:
    change = o.change
    stability = o.stability
    return {
        "instrument": o.instrument,
        "outcome": o.outcome.value,
        "baseline": o.baseline.total if o.baseline else None,
        "latest": o.latest.total if o.latest else None,
        "change_points": change.change_points if change else None,
        "percent_change": str(change.percent_change) if change else None,
        "stability": None
        if stability is None
        else {
            "first": stability.first.total,
            "second": stability.second.total,
            "change_points": stability.change_points,
            "holds": stability.holds,
        },
        "reasons": [
            {"rule_id": r.rule_id, "message": r.message, "source": r.source} for r in o.reasons
        ],
    }


def _plan(p: StoredBoosterPlan | None) -> dict[str, Any] | None:
    if p is None:
        return None
    windows = [
        {
            "number": w.number,
            "target_on": w.target_on.isoformat(),
            "earliest_on": w.earliest_on.isoformat(),
            "latest_on": w.latest_on.isoformat(),
            "interval_days": w.interval_days,
            "edited_reason": w.edited_reason,
        }
        for w in p.plan.windows
    ]
    return {
        "id": p.id,
        "start_on": p.start_on.isoformat(),
        "review_on": p.plan.review_on.isoformat(),
        "windows": windows,
    }


def _review(r: CourseReview) -> dict[str, Any]:
    relapse = r.relapse
    return {
        "course_id": r.course.id,
        "state": r.course.state.value,
        "completed_sessions": r.completed_sessions,
        "reassessment_recorded": r.reassessment_recorded,
        "missing_instruments": list(r.missing_instruments),
        "visits": [
            {
                "after_session": v.after_session,
                "due_on": v.due_on.isoformat(),
                "followup": v.followup,
            }
            for v in r.visits
        ],
        "futility": {
            "status": r.futility.status.value,
            "reasons": [x.message for x in r.futility.reasons],
        },
        "outcome": _outcome(r.outcome),
        "next_step": r.next_step.step.value,
        "plan": _plan(r.plan),
        "relapse": None
        if relapse is None
        else {
            "met": relapse.watch.relapse,
            "next_check_on": relapse.next_check_on.isoformat(),
            "checks": [s.total for s in relapse.checks],
        },
    }


@router.post("/courses/{course_id}/scores", status_code=201)
def record_score(
    course_id: PathId, body: ScoreIn, request: Request, actor: Recorder
) -> dict[str, Any]:
    recorded = services_of(request).outcomes.record_score(
        actor,
        course_id,
        body.instrument_id,
        body.answers,
        kind=body.kind,
        session_number=body.session_number,
        answered_at=body.answered_at,
    )
    review = services_of(request).outcomes.review(actor, course_id)
    tagged = next((t for t in review.scores if t.response_id == recorded.response.id), None)
    return {
        "response_id": recorded.response.id,
        "total": recorded.result.total,
        "kind": tagged.kind.value if tagged else None,
        "session_number": tagged.score.session_number if tagged else None,
    }


def _overdue(items: Sequence[Overdue]) -> dict[str, Any]:
    """What a maintenance course let pass (oldest first): the flag, since when, and each item
    with its last due day and the first day it counted as overdue."""
    return {
        "overdue": bool(items),
        "overdue_since": items[0].since.isoformat() if items else None,
        "overdue_items": [
            {"kind": o.kind.value, "what": o.what, "booster_number": o.booster_number}
            | {"due_on": o.due_on.isoformat(), "overdue_since": o.since.isoformat()}
            for o in items
        ],
    }


def _standing(standing: CourseStanding) -> dict[str, Any]:
    return _overdue(standing.overdue) | {"relapse_review": standing.relapse_review}


@router.get("/courses/{course_id}/outcome")
def outcome(course_id: PathId, request: Request, actor: Reader) -> dict[str, Any]:
    services = services_of(request)
    review = _review(services.outcomes.review(actor, course_id))
    return review | _standing(services.overdue.course(actor, course_id))


@router.post("/courses/{course_id}/booster-plan", status_code=201)
def store_plan(course_id: PathId, body: PlanIn, request: Request, actor: Manager) -> dict[str, Any]:
    edits = [BoosterEdit(e.number, e.target_on, e.reason) for e in body.edits]
    stored = services_of(request).maintenance.store(actor, course_id, body.start_on, edits)
    return _plan(stored) or {}


@router.post("/courses/{course_id}/booster-plan/book", status_code=201)
def book_plan(course_id: PathId, request: Request, actor: Booker) -> dict[str, Any]:
    result = services_of(request).boosters.book(actor, course_id)
    bookings = [
        {"id": b.id, "number": b.session_number, "start_at": b.start_at.isoformat()}
        for b in result.bookings
    ]
    return {"bookings": bookings, "unplaced": list(result.unplaced)}


@router.post("/courses/{course_id}/decision")
def decide(course_id: PathId, body: DecisionIn, request: Request, actor: Manager) -> dict[str, Any]:
    if body.decision not in {s.value for s in CourseState}:
        raise ValidationFailed({"decision": "choose maintenance, completed or discontinued"})
    course = services_of(request).outcomes.decide(
        actor, course_id, CourseState(body.decision), body.reason
    )
    return {"course_id": course.id, "state": course.state.value}


@router.get("/worklist/outcomes")
def worklist(request: Request, actor: Manager) -> list[dict[str, Any]]:
    entries = services_of(request).outcomes.worklist(actor)
    audit_seen(request, (e.patient.id for e in entries), what="outcome_worklist")
    return [
        {"kind": e.kind, "patient_id": e.patient.id, "due_on": e.due_on.isoformat()}
        | _review(e.review)
        for e in entries
    ]


@router.get("/worklist/overdue")
def overdue_worklist(request: Request, actor: Manager) -> list[dict[str, Any]]:
    """Maintenance courses with a missed booster or an overdue relapse-watch check, the longest
    overdue first (the prescriber's Today list)."""
    entries = services_of(request).overdue.worklist(actor)
    audit_seen(request, (e.patient.id for e in entries), what="overdue_worklist")
    return [
        {"patient_id": e.patient.id, "course_id": e.course.id, "state": e.course.state.value}
        | _overdue(e.items)
        for e in entries
    ]


Month = Annotated[str, Query(max_length=7)]


def _rows(items: Sequence[Any]) -> list[dict[str, Any]]:
    """Figure rows as JSON objects; every row carries its denominator field."""
    return [asdict(item) for item in items]


@router.get("/outcomes/dashboard")
def dashboard(
    request: Request, actor: Analyst, from_month: Month, to_month: Month
) -> dict[str, Any]:
    d = services_of(request).dashboard.build(actor, from_month, to_month)
    protocols = [
        {
            "protocol_id": p.protocol_id,
            "courses": p.courses,
            # response and remission are measured at the end of the protocol's own series
            "rates_at_session": p.series_sessions,
            "rates_measured_at": p.measured_at,
            "rates_by_month": _rows(p.rates_by_month),
            "remission": _rows(p.remission),
            "trajectory": _rows(p.trajectory),
            "time_to_response": _rows(p.time_to_response),
            "series_sessions": p.series_sessions,
            "retention": _rows(p.retention),
        }
        for p in d.protocols
    ]
    return {
        "from_month": d.from_month,
        "to_month": d.to_month,
        "sessions_source": d.sessions_source,
        "protocols": protocols,
        "safety": _rows(d.safety),
    }
