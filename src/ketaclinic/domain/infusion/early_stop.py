"""Ending dosing before the order's planned duration: an early stop (pure).

The planned duration is the signed order's ``duration_min``. Elapsed time is dose time (pump
time for an IV infusion): the minutes the session spent ``infusing`` (paused intervals do not
count) until dosing ended or was stopped. Ending before the planned duration is an early stop:
it needs a written reason (rule ``dosing.early_stop``, refusal naming ``reason``), the response
is recorded as stopped early (read by the next titration), and for an IV infusion the
administration records the amount actually given: pump rate (mL/h) x elapsed time at the
ordered concentration (mg/mL), rounded to 0.1 mg and never more than the ordered dose. A
non-IV dose is given at once, so its amount does not change. Ending at or after the planned
duration records the ordered dose, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from ketaclinic.domain.infusion.records import SessionTransition
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.sections import Route

RULE = "dosing.early_stop"
_TENTH = Decimal("0.1")
_THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class DosingTime:
    """Planned and elapsed minutes of one session's dosing (pump time for IV, dose time for
    SL, IN or IM)."""

    planned_min: int
    elapsed_seconds: int

    @property
    def elapsed_min(self) -> int:
        """Whole minutes of dose time (rounded down)."""
        return self.elapsed_seconds // 60

    @property
    def early(self) -> bool:
        return self.elapsed_seconds < self.planned_min * 60

    def words(self) -> str:
        return f"planned {self.planned_min} min, {self.elapsed_min} min elapsed"


@dataclass(frozen=True, slots=True)
class GivenDose:
    """What the administration records: mg and mg/kg actually given."""

    dose_mg: Decimal
    dose_mg_per_kg: Decimal
    partial: bool  # less than the ordered dose


def infusing_seconds(history: Iterable[SessionTransition], until: datetime) -> int:
    """Whole seconds spent ``infusing`` up to ``until`` (pauses and time after a stop excluded)."""
    total = 0.0
    since: datetime | None = None
    for move in sorted(history, key=lambda m: m.at):
        if move.at > until:
            break
        if since is not None and move.to_state is not SessionState.INFUSING:
            total += (move.at - since).total_seconds()
            since = None
        elif since is None and move.to_state is SessionState.INFUSING:
            since = move.at
    if since is not None:
        total += (until - since).total_seconds()
    return int(total)


def dosing_time(
    planned_min: int, history: Iterable[SessionTransition], until: datetime
) -> DosingTime:
    return DosingTime(planned_min, infusing_seconds(history, until))


def early_stop_refusal(time: DosingTime, reason: str) -> str:
    """The plain refusal when an early end of dosing has no reason ("" when none is needed)."""
    if not time.early or reason.strip():
        return ""
    return (
        f"{RULE}: dosing is ending before the planned duration ({time.words()}); "
        "write why dosing is ending early"
    )


_RECORDED = {
    Route.IV: "for IV the dose recorded is pump rate × elapsed time at the ordered concentration",
    Route.SL: (
        "for SL the whole ordered dose is placed under the tongue at the start, so the dose "
        "recorded is the ordered dose"
    ),
    Route.IN: (
        "for IN the ordered sprays are given at the start, so the dose recorded is the ordered dose"
    ),
    Route.IM: "for IM the injection is given at once, so the dose recorded is the ordered dose",
}


def recorded_dose_words(route: Route) -> str:
    """What an early stop records as given for ``route``, in words (see :func:`given_dose`)."""
    return _RECORDED[route]


def given_dose(
    *,
    route: Route,
    dose_mg: Decimal,
    dose_mg_per_kg: Decimal,
    rate_ml_per_h: Decimal | None,
    concentration_mg_per_ml: Decimal | None,
    time: DosingTime,
) -> GivenDose:
    """The amount actually given (see the module). An IV order without a rate or concentration
    is prorated by elapsed over planned time."""
    if route is not Route.IV or not time.early:
        return GivenDose(dose_mg, dose_mg_per_kg, partial=False)
    hours = Decimal(time.elapsed_seconds) / Decimal(3600)
    if rate_ml_per_h is not None and concentration_mg_per_ml is not None:
        amount = rate_ml_per_h * hours * concentration_mg_per_ml
    elif time.planned_min > 0:
        amount = dose_mg * Decimal(time.elapsed_seconds) / Decimal(time.planned_min * 60)
    else:
        amount = dose_mg
    given = min(dose_mg, amount.quantize(_TENTH, rounding=ROUND_HALF_UP))
    per_kg = (
        (dose_mg_per_kg * given / dose_mg).quantize(_THOUSANDTH, rounding=ROUND_HALF_UP)
        if dose_mg > 0
        else dose_mg_per_kg
    )
    return GivenDose(given, per_kg, partial=given < dose_mg)
