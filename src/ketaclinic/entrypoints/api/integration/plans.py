"""``/api/v1`` integration and KAT coaching: plans, goal ratings, coaching notes (the private part
only through its own audited endpoint), journey records and the coach's caseload."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.integration.plans import (
    CoachingNote,
    JourneyInput,
    JourneyRecord,
    NoteContent,
    NoteKind,
    RiskLevel,
)
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import BodyId, PathId
from ketaclinic.services.integration.plans import PlanView

router = APIRouter(tags=["integration"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.CHART_READ))]
Coach = Annotated[Actor, Depends(ApiActor(Permission.COACHING_WRITE))]
Runner = Annotated[Actor, Depends(ApiActor(Permission.SESSION_RUN))]
Text = Annotated[str, Field(max_length=4000)]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Annotated[int, Field(ge=0, le=10)]
    comment: Annotated[str, Field(max_length=500)] = ""


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: NoteKind
    session_at: AwareDatetime
    themes: Annotated[str, Field(min_length=1, max_length=4000)]
    practices_assigned: list[Annotated[str, Field(max_length=200)]] = Field([], max_length=20)
    homework: Text = ""
    risk: RiskLevel
    risk_notes: Text = ""
    private_text: Annotated[str, Field(max_length=20_000)] = ""


class JourneyIn(BaseModel):
    """No route, dose or time: they are the session's verified order as given (a body that
    sends them is refused, extra fields being forbidden)."""

    model_config = ConfigDict(extra="forbid")
    session_id: BodyId
    attendant_id: BodyId
    setting: list[Annotated[str, Field(max_length=40)]] = Field([], max_length=10)
    observations: Text = ""


def plan_out(view: PlanView) -> dict[str, Any]:
    plan = view.plan
    return {
        "course_id": plan.course_id,
        "framework": plan.framework,
        "sessions": {
            "preparatory_min": plan.sessions.preparatory_min,
            "integration_after_each": plan.sessions.integration_after_each,
            "family_sessions": plan.sessions.family_sessions,
            "attendant_roles": list(plan.sessions.attendant_roles),
        },
        "domains": [
            {
                "id": d.id,
                "title": d.title,
                "protocol_practices": list(d.protocol_practices),
                "goals": [
                    {
                        "id": g.id,
                        "text": g.text,
                        "status": g.status.value,
                        "practices": list(g.practices),
                        "measure": g.measure,
                        "ratings": [
                            {"rating": r.rating, "at": r.at.isoformat(), "comment": r.comment}
                            for r in view.ratings.get(g.id, ())
                        ],
                    }
                    for g in d.goals
                ],
            }
            for d in plan.domains
        ],
        "kat": {"blocks": list(view.kat.blocks), "flags": list(view.kat.flags)},
    }


def note_out(n: CoachingNote) -> dict[str, Any]:
    return {
        "id": n.id,
        "course_id": n.course_id,
        "kind": n.kind.value,
        "session_at": n.session_at.isoformat(),
        "author_id": n.author_id,
        "themes": n.content.themes,
        "practices_assigned": list(n.content.practices_assigned),
        "homework": n.content.homework,
        "risk": n.content.risk.value,
        "risk_notes": n.content.risk_notes,
        "has_private": n.has_private,
        "signed_at": n.signed_at.isoformat() if n.signed_at else None,
    }


def journey_out(j: JourneyRecord) -> dict[str, Any]:
    return {
        "id": j.id,
        "course_id": j.course_id,
        "session_id": j.session_id,
        "route": j.route.value,
        "dose_mg": decimal_text(j.dose_mg),
        "given_at": j.given_at.isoformat(),
        "attendant_id": j.attendant_id,
        "setting": list(j.setting),
        "observations": j.observations,
        "reflection": j.reflection,
    }


@router.get("/courses/{course_id}/integration-plan")
def get_plan(request: Request, course_id: PathId, actor: Reader) -> dict[str, Any]:
    return plan_out(services_of(request).integration.plan(actor, course_id))


@router.post("/courses/{course_id}/integration-plan", status_code=201)
def generate_plan(request: Request, course_id: PathId, actor: Coach) -> dict[str, Any]:
    services = services_of(request)
    services.integration.generate_plan(actor, course_id)
    return plan_out(services.integration.plan(actor, course_id))


@router.post("/integration/goals/{goal_id}/ratings", status_code=201)
def rate_goal(request: Request, goal_id: PathId, body: RatingIn, actor: Coach) -> dict[str, Any]:
    r = services_of(request).integration.rate_goal(actor, goal_id, body.rating, body.comment)
    return {"id": r.id, "goal_id": r.goal_id, "rating": r.rating, "at": r.at.isoformat()}


@router.get("/courses/{course_id}/coaching-notes")
def list_notes(request: Request, course_id: PathId, actor: Reader) -> list[dict[str, Any]]:
    return [note_out(n) for n in services_of(request).coaching.notes(actor, course_id)]


@router.post("/courses/{course_id}/coaching-notes", status_code=201)
def record_note(request: Request, course_id: PathId, body: NoteIn, actor: Coach) -> dict[str, Any]:
    content = NoteContent(
        body.themes, tuple(body.practices_assigned), body.homework, body.risk, body.risk_notes
    )
    note = services_of(request).coaching.record_note(
        actor, course_id, body.kind, body.session_at.astimezone(UTC), content, body.private_text
    )
    return note_out(note)


@router.post("/coaching-notes/{note_id}/sign")
def sign_note(request: Request, note_id: PathId, actor: Coach) -> dict[str, Any]:
    return note_out(services_of(request).coaching.sign(actor, note_id))


@router.get("/coaching-notes/{note_id}/private")
def private_part(request: Request, note_id: PathId, actor: Reader) -> dict[str, Any]:
    """The private part: its author or a granted role only; every request is audited."""
    text = services_of(request).coaching.private_part(actor, note_id)
    return {"note_id": note_id, "private_text": text}


@router.post("/courses/{course_id}/journeys", status_code=201)
def record_journey(
    request: Request, course_id: PathId, body: JourneyIn, actor: Runner
) -> dict[str, Any]:
    j = JourneyInput(body.session_id, body.attendant_id, "", tuple(body.setting), body.observations)
    rec = services_of(request).journeys.record(actor, course_id, j)
    return journey_out(rec)


def _session_url(session_id: int | None, pattern: str) -> str | None:
    return None if session_id is None else pattern.format(session_id)


@router.get("/worklist/coaching")
def caseload(request: Request, actor: Coach) -> list[dict[str, Any]]:
    """The coach's worklist. A session row carries its session (id and API record) once the
    patient has arrived; ``today`` marks the rows of the Today page's "Today's sessions"."""
    services = services_of(request)
    items = services.caseload.caseload(actor)
    today = {id(i) for i in services.caseload.sessions_today(actor, items)}
    audit_seen(request, (i.patient.id for i in items), what="coaching_caseload")
    return [
        {
            "course_id": i.course.id,
            "patient_id": i.patient.id,
            "kind": i.kind,
            "detail": i.detail,
            "state": i.state,
            "due_at": i.due_at.isoformat() if i.due_at else None,
            "attended": i.attended,
            "today": id(i) in today,
            "session_id": i.session_id,
            "session_url": _session_url(i.session_id, "/api/v1/sessions/{}/record"),
            "session_page": _session_url(i.session_id, "/sessions/{}"),
        }
        for i in items
    ]
