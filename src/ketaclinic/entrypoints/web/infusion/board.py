"""The live board (``/board``): every chair with its session, updated by server-sent events.

``GET /board/events`` streams ``chair`` and ``alarm`` events to an EventSource: first the current
state of every chair, then whatever the fan-out delivers (coalesced per chair; a client that falls
too far behind is dropped and its browser reconnects). A plain GET without
``Accept: text/event-stream`` gets the current state once and the response ends.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ketaclinic.domain.errors import ClinicError, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.vitals import CANONICAL_UNITS
from ketaclinic.entrypoints.guards import WebUser
from ketaclinic.entrypoints.http import audit_seen, services_of
from ketaclinic.entrypoints.input_limits import PathId
from ketaclinic.entrypoints.web import forms
from ketaclinic.entrypoints.web.plain import unit_label
from ketaclinic.entrypoints.web.rendering import mark_web, render
from ketaclinic.services.identity.staff_sessions import StaffSession
from ketaclinic.services.infusion.board import BOARD_PARAMETERS, ChairCard

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
Runner = Annotated[StaffSession, Depends(WebUser(Permission.SESSION_RUN))]
Acker = Annotated[StaffSession, Depends(WebUser(Permission.ALARM_ACK))]
KEEPALIVE_S = 15.0
# Each tile names its unit: the value itself arrives bare over the live stream.
LABELS = {
    "sbp": "SBP mmHg",
    "dbp": "DBP mmHg",
    "hr": "HR /min",
    "spo2": "SpO₂ %",
    "rr": "RR /min",
}


#: The unit each parameter is shown in beside an alarm's latest value ("latest SBP 210 mmHg").
UNITS = {p.value: unit_label(u) for p, u in CANONICAL_UNITS.items()}


def _context(extra: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "parameters": [p.value for p in BOARD_PARAMETERS],
        "labels": LABELS,
        "units": UNITS,
        **extra,
    }


def _patients(cards: Iterable[ChairCard]) -> list[int]:
    """The patients a board shows by name: in a session, or arrived and waiting for a chair."""
    return [s.patient_id for c in cards for s in (c.session or c.waiting,) if s is not None]


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, staff_session: Runner) -> Response:
    cards = services_of(request).board.snapshot(staff_session.actor)
    audit_seen(request, _patients(cards), what="board")
    return render(request, "infusion/board/page.html", _context({"cards": cards}))


@router.get("/board/chairs/{chair_id}", response_class=HTMLResponse)
def chair_card(request: Request, chair_id: PathId, staff_session: Runner) -> Response:
    card = services_of(request).board.card(staff_session.actor, chair_id)
    if card is None:
        raise NotFound("no such chair in this clinic", field="chair_id")
    if card.session is not None or card.waiting is not None:
        audit_seen(request, _patients([card]), what="board_card")
    return render(request, "infusion/board/_card.html", _context({"card": card}))


@router.post("/board/alarms/{alarm_id}/acknowledge", response_class=HTMLResponse)
async def acknowledge(request: Request, alarm_id: PathId, staff_session: Acker) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    action = forms.text(form, "action", errors, 10)
    note = forms.text(form, "note", errors, 2000)
    resolution = forms.text(form, "resolution", errors, 2000)
    services = services_of(request)
    error: ClinicError | None = None
    try:
        if action not in {a.value for a in AckAction}:
            errors["action"] = "choose what was done"
        if errors:
            raise ValidationFailed(errors)
        alarm = services.alarms.acknowledge(
            staff_session.actor, alarm_id, AckAction(action), note, resolution
        )
    except ClinicError as failed:
        if not request.headers.get("hx-request"):
            raise
        error = failed
        return render(request, "infusion/board/_ack_error.html", {"error": error}, status=422)
    chair_id = services.board.chair_of_session(staff_session.actor, alarm.session_id)
    card = services.board.card(staff_session.actor, chair_id)
    return render(request, "infusion/board/_card.html", _context({"card": card}))


def _sse(event: Mapping[str, Any]) -> str:
    return f"event: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n"


@router.get("/board/events")
async def board_events(request: Request, staff_session: Runner) -> Response:
    services = services_of(request)
    actor = staff_session.actor
    streaming = "text/event-stream" in request.headers.get("accept", "")
    # subscribed in one step with the read of the board memory: every event is in one of the two;
    # when the memory does not hold the board, the database read follows the subscription, so
    # nothing committed in between is missed (a chair document sent twice is harmless; the page
    # keys alarms by id)
    subscription, held = (
        services.live.subscribe_with(actor.clinic_id, lambda: services.board.remembered(actor))
        if streaming
        else (None, services.board.remembered(actor))
    )

    def opening() -> str:  # from memory, else database reads (off the event loop)
        initial, shown = held if held is not None else services.board.opening(actor)
        audit_seen(request, shown, what="board_events")
        return "".join(_sse(e) for e in initial)

    try:
        first = opening() if held is not None else await run_in_threadpool(opening)
    except BaseException:
        if subscription is not None:
            services.live.unsubscribe(subscription)
        raise
    if subscription is None:
        return Response(first, media_type="text/event-stream")
    live = subscription

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield f"retry: 2000\n\n{first}".encode()
            while not await request.is_disconnected():
                batch = await live.next_batch(KEEPALIVE_S)
                if batch is None:  # fell too far behind: end; the browser reconnects
                    return
                yield b"".join(e.frame for e in batch) or b": keepalive\n\n"
        finally:
            services.live.unsubscribe(live)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
