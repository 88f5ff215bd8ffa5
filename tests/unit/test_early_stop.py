"""Early stop rules (pure): pump time counts only time infusing; the amount given is rate x pump
time at the ordered concentration for IV, never above the order; other routes keep the dose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ketaclinic.domain.infusion.early_stop import (
    DosingTime,
    early_stop_refusal,
    given_dose,
    infusing_seconds,
    recorded_dose_words,
)
from ketaclinic.domain.infusion.records import SessionTransition
from ketaclinic.domain.infusion.session import SessionState as S
from ketaclinic.domain.protocols.sections import Route

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _move(frm: S, to: S, minute: int) -> SessionTransition:
    return SessionTransition(frm, to, T0 + timedelta(minutes=minute), 1, "")


def test_pump_time_leaves_out_pauses_and_time_after_a_stop() -> None:
    history = [
        _move(S.READY, S.INFUSING, 0),
        _move(S.INFUSING, S.PAUSED, 6),
        _move(S.PAUSED, S.INFUSING, 20),
        _move(S.INFUSING, S.STOPPED, 25),
    ]
    assert infusing_seconds(history, T0 + timedelta(minutes=60)) == 11 * 60
    assert infusing_seconds(history[:3], T0 + timedelta(minutes=22)) == 8 * 60


def _iv(time: DosingTime, route: Route = Route.IV) -> Decimal:
    return given_dose(
        route=route,
        dose_mg=Decimal(35),
        dose_mg_per_kg=Decimal("0.5"),
        rate_ml_per_h=Decimal(150),
        concentration_mg_per_ml=Decimal("0.35"),
        time=time,
    ).dose_mg


def test_the_amount_given_follows_the_pump_and_never_exceeds_the_order() -> None:
    assert _iv(DosingTime(40, 4 * 60)) == Decimal("3.5")
    assert _iv(DosingTime(40, 7 * 60 + 30)) == Decimal("6.6")  # 6.5625 rounds to 0.1 mg
    assert _iv(DosingTime(40, 40 * 60)) == Decimal(35)
    assert _iv(DosingTime(40, 39 * 60 + 59)) <= Decimal(35)
    assert _iv(DosingTime(40, 4 * 60), Route.IM) == Decimal(35)  # given at once


def test_an_early_end_needs_a_reason_naming_planned_and_elapsed_minutes() -> None:
    refusal = early_stop_refusal(DosingTime(40, 4 * 60 + 30), "")
    assert refusal.startswith("dosing.early_stop:") and "planned 40 min, 4 min elapsed" in refusal
    assert early_stop_refusal(DosingTime(40, 4 * 60), "patient asked to stop") == ""
    assert early_stop_refusal(DosingTime(40, 40 * 60), "") == ""


def test_the_words_for_what_an_early_stop_records_follow_the_route() -> None:
    """Only IV speaks of a pump rate; SL, IN and IM record the ordered dose, each in its own
    words."""
    assert "pump rate × elapsed time" in recorded_dose_words(Route.IV)
    for route in (Route.SL, Route.IN, Route.IM):
        words = recorded_dose_words(route)
        assert words.startswith(f"for {route.value.upper()} ") and "pump" not in words
        assert words.endswith("the dose recorded is the ordered dose")
