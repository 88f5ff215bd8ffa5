"""An appointment the patient attended (the visit ended in discharge) is the record of that visit:
the chart's schedule panel and the day view say "Attended" and offer no Move or Cancel, and a
forced move or drop through the API or the page is refused naming schedule.visit_attended, the
appointment unchanged. The next appointment of the series can still be moved."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_board_next_waiting_http import _discharge
from tests.e2e.test_schedule_open_visit_http import _row, _visit_in, forced_move


def test_an_attended_appointment_is_kept_and_cannot_be_moved_or_dropped(
    client: TestClient, world: World
) -> None:
    patient_id, series = _visit_in(world, SessionState.INFUSING)
    first, second = series[0], series[1]
    nurse = world.actor(Role.NURSE)
    [session] = [
        d.session
        for d in world.services.session_workflow.for_patient(nurse, patient_id)
        if d.session.appointment_id == first.id
    ]
    _discharge(world, session.id)
    web_login(client, world, Role.FRONT_DESK)
    panel = client.get(f"/patients/{patient_id}/panels/schedule").text
    row = _row(panel, first.id)
    assert 'data-visit="attended">Attended<' in row and "Confirmed" not in row, row
    assert "kept as the record of the visit" in row
    assert f"/appointments/{first.id}/move" not in row
    assert f"/appointments/{first.id}/drop" not in row
    assert f'action="/appointments/{second.id}/move"' in _row(panel, second.id)
    zone = ZoneInfo(world.clinic.timezone)
    local = first.start_at.astimezone(zone)
    day = client.get(f"/schedule?day={local.date().isoformat()}").text
    slot = day.split(f'data-appointment-id="{first.id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-visit="attended"' in slot and 'data-field="move-link"' not in slot, slot

    desk_api = bearer(client, world, Role.FRONT_DESK)
    dropped = client.post(
        f"/api/v1/schedule/appointments/{first.id}/drop",
        headers=desk_api,
        json={"why": "cancelled", "reason": "tidying the calendar"},
    )
    assert dropped.status_code == 409, dropped.text
    assert "schedule.visit_attended: the patient attended this appointment" in dropped.text
    moved = client.post(
        f"/api/v1/schedule/appointments/{first.id}/move",
        headers=desk_api,
        json={"start_at": (first.start_at + timedelta(days=1)).isoformat(), "reason": "later"},
    )
    assert moved.status_code == 409 and "schedule.visit_attended" in moved.text, moved.text
    forced = forced_move(client, world, first)
    alert = forced.text.split('id="panel-error"', 1)[1].split("</div>", 1)[0]
    assert "the patient attended this appointment" in alert, alert
    after = world.services.schedule.series_of_patient(world.actor(Role.NURSE), patient_id)
    kept = {b.id: b for b in after}[first.id]
    assert kept.start_at == first.start_at and kept.status is first.status
