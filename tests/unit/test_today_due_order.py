"""Every worklist of the Today pages reads by due time, oldest first, ties by patient name;
items without a time come last; safety tasks keep their urgency first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.entrypoints.web.today import in_due_order

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _due(session_id: int, name: str, minutes: int | None, urgency: str) -> Any:
    at = None if minutes is None else T0 + timedelta(minutes=minutes)
    return SimpleNamespace(
        session=SimpleNamespace(id=session_id), patient_name=name, at=at, urgency=urgency
    )


def test_due_now_reads_by_time_then_patient_name() -> None:
    items = [
        _due(1, "Zed Test", 30, "overdue"),
        _due(2, "Ann Test", None, "waiting"),
        _due(3, "Bea Test", 5, "timer"),
        _due(4, "Abe Test", 30, "due"),
        _due(5, "Cy Test", -10, "due"),
    ]
    ordered = in_due_order({"due": items})["due"]
    assert [d.patient_name for d in ordered] == [
        "Cy Test",
        "Bea Test",
        "Abe Test",  # same time as Zed: by name
        "Zed Test",
        "Ann Test",  # nothing timed: last
    ]


def test_bookings_alarms_and_decisions_read_oldest_first_ties_by_name() -> None:
    def booking(booking_id: int, name: str, minutes: int) -> Any:
        start = T0 + timedelta(minutes=minutes)
        return SimpleNamespace(
            booking=SimpleNamespace(id=booking_id, start_at=start), patient_name=name
        )

    def alarm(alarm_id: int, name: str, minutes: int) -> Any:
        raised = T0 + timedelta(minutes=minutes)
        return SimpleNamespace(
            alarm=SimpleNamespace(id=alarm_id, raised_at=raised), patient_name=name
        )

    context = {
        "to_sign": [booking(1, "Zed Test", 60), booking(2, "Abe Test", 60), booking(3, "Cy", 0)],
        "arrivals": [booking(4, "Bo Test", 30), booking(5, "Al Test", 30)],
        "alarms": [alarm(1, "New Test", 20), alarm(2, "Old Test", 0)],
        "names": {7: "Ann Test", 8: "Bob Test"},
        "decisions": [
            SimpleNamespace(session=SimpleNamespace(id=1, patient_id=8, checked_in_at=T0)),
            SimpleNamespace(session=SimpleNamespace(id=2, patient_id=7, checked_in_at=T0)),
        ],
    }
    ordered = in_due_order(context)
    assert [o.patient_name for o in ordered["to_sign"]] == ["Cy", "Abe Test", "Zed Test"]
    assert [a.patient_name for a in ordered["arrivals"]] == ["Al Test", "Bo Test"]
    assert [o.patient_name for o in ordered["alarms"]] == ["Old Test", "New Test"]
    assert [d.session.patient_id for d in ordered["decisions"]] == [7, 8]


def test_safety_tasks_keep_urgency_first_then_time_then_name() -> None:
    def task(urgency: Urgency, minutes: int, name: str) -> Any:
        opened = T0 + timedelta(minutes=minutes)
        return (
            SimpleNamespace(urgency=urgency, opened_at=opened),
            SimpleNamespace(display_name=name),
        )

    tasks = [
        task(Urgency.ROUTINE, 0, "Old Routine"),
        task(Urgency.URGENT, 50, "Zed Urgent"),
        task(Urgency.URGENT, 50, "Abe Urgent"),
    ]
    ordered = in_due_order({"safety": tasks})["safety"]
    assert [p.display_name for _, p in ordered] == ["Abe Urgent", "Zed Urgent", "Old Routine"]
