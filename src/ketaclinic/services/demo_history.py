"""Demo only: months of synthetic clinic history, made through the services at their own times.

The later stages of the adult pathway need courses that lived through an induction series:
completed courses with their outcomes (remitters, responders, non-responders), drop-outs after
session 2 and 4, a course waiting for its reassessment, a course in maintenance (its booster
plan stored; boosters are booked once the demo calendar is open, :func:`book_demo_boosters`)
and a course whose relapse watch met the protocol's rule. Every course is registered, evaluated,
found eligible, consented and taken into induction like a real one (``demo_pathway``); each of
its six induction sessions is walked to discharge (``infusion.demo_session_day``); PHQ-9s are
recorded at baseline (the evaluation's questionnaires, answered the day before, believable
totals from the demo profile ``DEMO_BASELINE_TOTALS``), after each session, at reassessment and
its follow-up (clinical.md §9.2), and the prescriber reassesses and decides with a written
reason (``OutcomeService.decide``).

The courses run side by side: each course is a script that yields the time of its next step, and
:func:`run_scripts` always resumes the earliest, moving the seeding clock forward to it, so every
record and audit event carries its historic time and the clock never goes back. Names are
``<tree> Demo-History``; every person is synthetic.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.response import ScoreKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.demo_pathway import (
    DEMO_BASELINE_TOTALS,
    PathwayServices,
    demo_actors,
    demo_answers,
    prepare_course,
)
from ketaclinic.services.demo_stages import phq9_answers
from ketaclinic.services.infusion.demo_session_day import DayPlan, DayServices, session_day
from ketaclinic.services.outcomes.booster_booking import BoosterBookingService
from ketaclinic.services.outcomes.maintenance import MaintenanceService
from ketaclinic.services.outcomes.reassessment import OutcomeService
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import UnitOfWorkFactory
from ketaclinic.services.scheduling.booking import ScheduleService

HISTORY_FAMILY = "Demo-History"
#: Days before the end of the history at which the first course opens (the seeder's start).
HISTORY_DAYS = 190
#: Days from the course's opening (a Friday) to each induction session: Mon-Wed-Fri twice.
SESSION_DAYS = (3, 5, 7, 10, 12, 14)
REASSESS_DAY, FOLLOWUP_DAYS, THREE_MONTH_DAY, WATCH_EVERY_DAYS = 15, 7, 90, 7


class SeedingClock(Protocol):
    """The clock the seeder moves forward (``adapters.clock.SeedClock``; a fake in tests)."""

    def now(self) -> datetime: ...

    def advance(self, **delta: float) -> None: ...


@dataclass(frozen=True, slots=True)
class HistoryServices:
    pathway: PathwayServices
    day: DayServices
    outcomes: OutcomeService
    maintenance: MaintenanceService


@dataclass(frozen=True, slots=True)
class _Course:
    given: str
    days_ago: int
    phq9: tuple[int, ...]  # baseline, then one total after each session given
    end: str  # completed | dropout | reassessment | maintenance | relapse
    reason: str = ""
    nausea: bool = False
    later: tuple[int, ...] = ()  # relapse watch (weekly) or the three-month PHQ-9


HISTORY: tuple[_Course, ...] = (
    _Course("Aspen", 178, (20, 17, 14, 11, 9, 6, 4), "completed", "remission", True, (3,)),
    _Course("Briar", 164, (18, 16, 15, 12, 10, 9, 8), "completed", "response", later=(9,)),
    _Course("Clover", 150, (22, 21, 20, 19, 19, 18, 18), "completed", "no response", True, (19,)),
    _Course("Dune", 136, (19, 18, 17), "dropout", "stopped attending after session 2"),
    _Course("Ember", 122, (16, 12, 9, 7, 5, 4, 3), "completed", "remission", later=(4,)),
    _Course("Fable", 108, (21, 19, 18, 16, 15, 14, 13), "completed", "partial response only"),
    _Course("Grove", 94, (17, 15, 14, 14, 13), "dropout", "moved away after session 4", True),
    _Course("Heath", 80, (20, 15, 12, 10, 8, 7, 6), "completed", "response"),
    _Course("Isle", 66, (19, 15, 12, 9, 7, 6, 5), "relapse", "response", later=(7, 9, 12, 14)),
    _Course("Juno", 32, (18, 14, 11, 9, 7, 6, 5), "maintenance", "response"),
    _Course("Kestrel", 22, (17, 15, 13, 11, 10, 9, 8), "reassessment"),
)


def baseline_totals(c: _Course) -> dict[str, int]:
    """The course's baseline questionnaires (the demo profile, with the course's own PHQ-9)."""
    return {**DEMO_BASELINE_TOTALS, "phq9": c.phq9[0]}


def reassessment_totals(c: _Course) -> dict[str, int]:
    """GAD-7, PCL-5 and WSAS at reassessment: each baseline total changed in the same
    proportion as the course's PHQ-9 (a believable picture, never a row of zeros)."""
    base, last = c.phq9[0], c.phq9[-1]
    return {i: round(DEMO_BASELINE_TOTALS[i] * last / base) for i in ("gad7", "pcl5", "wsas")}


@dataclass(frozen=True, slots=True)
class HistoryCourse:
    given: str
    patient_id: int
    course_id: int
    end: str


@dataclass(frozen=True, slots=True)
class _Context:
    uow: UnitOfWorkFactory
    clock: SeedingClock
    s: HistoryServices
    clinic_id: int
    chairs: tuple[int, ...]
    until: datetime
    actors: dict[Role, Actor]


def seed_demo_history(
    uow_factory: UnitOfWorkFactory,
    clock: SeedingClock,
    s: HistoryServices,
    clinic_id: int,
    *,
    until: datetime,
) -> list[HistoryCourse]:
    """Seed the history once, from ``clock.now()`` forward to ``until`` (an empty list when it is
    already there). The clock must stand at least ``HISTORY_DAYS`` before ``until``."""
    with uow_factory() as uow:
        if uow.patients.search(PatientSearch(clinic_id, text=HISTORY_FAMILY)):
            return []
        chairs = tuple(c.id for c in uow.clinics.chairs(clinic_id) if c.in_service)
    first = min(_days(until, c, n).at(0, -120) for n, c in enumerate(HISTORY))
    if clock.now() > first:
        raise ClinicError(
            f"the demo history starts {(until - first).days} days before it ends: start the "
            f"seeding clock {HISTORY_DAYS} days before",
            field="clock",
        )
    ctx = _Context(
        uow_factory, clock, s, clinic_id, chairs, until, demo_actors(uow_factory, clinic_id)
    )
    seeded: list[HistoryCourse] = []
    run_scripts(clock, [_script(ctx, c, n, seeded) for n, c in enumerate(HISTORY)])
    _advance_to(clock, until)
    return sorted(seeded, key=lambda h: h.course_id)


def run_scripts(clock: SeedingClock, scripts: Sequence[Iterator[datetime]]) -> None:
    """Resume the script whose next step is earliest, with the clock moved to that step."""
    waiting: list[tuple[datetime, int]] = []
    for n, script in enumerate(scripts):
        first = next(script, None)
        if first is not None:
            heapq.heappush(waiting, (first, n))
    while waiting:
        at, n = heapq.heappop(waiting)
        _advance_to(clock, at)
        following = next(scripts[n], None)
        if following is not None:
            heapq.heappush(waiting, (max(following, at), n))


def _advance_to(clock: SeedingClock, at: datetime) -> None:
    gap = (at - clock.now()).total_seconds()
    if gap > 0:
        clock.advance(seconds=gap)


def _opening(until: datetime, days_ago: int) -> date:
    """The Friday on or before ``days_ago`` days before ``until``."""
    day = (until - timedelta(days=days_ago)).date()
    return day - timedelta(days=(day.weekday() - 4) % 7)


@dataclass(frozen=True, slots=True)
class _Days:
    """A course's calendar: the day it opened (a Friday) and its hour of the day (UTC)."""

    opened: date
    hour: time

    def at(self, day: int, minutes: int = 0) -> datetime:
        start = datetime.combine(self.opened + timedelta(days=day), self.hour)
        return start + timedelta(minutes=minutes)


def _days(until: datetime, c: _Course, n: int) -> _Days:
    """Course ``n`` opens on a Friday; its visits are in the morning to midday, clinic time."""
    return _Days(_opening(until, c.days_ago), time(14 + 2 * (n % 3), tzinfo=UTC))


def _script(ctx: _Context, c: _Course, n: int, seeded: list[HistoryCourse]) -> Iterator[datetime]:
    """One course from registration to its last step (yields the time of each next step)."""
    days = _days(ctx.until, c, n)
    yield days.at(0, -120)
    desk = ctx.actors[Role.FRONT_DESK]
    born = date(ctx.until.year - 30 - n * 3, 1 + n, 3 + n)
    sex = SexAtBirth.FEMALE if n % 2 else SexAtBirth.MALE
    patient = ctx.s.pathway.patients.register(
        desk, PatientDetails(c.given, HISTORY_FAMILY, born, sex)
    )
    # the evaluation's questionnaires are the course's baseline (its PHQ-9 the course's first)
    course_id, order_id = prepare_course(
        ctx.uow, ctx.clock, ctx.s.pathway, ctx.clinic_id, patient.id, baseline_totals(c)
    )
    seeded.append(HistoryCourse(c.given, patient.id, course_id, c.end))
    chair = ctx.chairs[n % len(ctx.chairs)]
    for number, total in enumerate(c.phq9[1:], start=1):
        plan = DayPlan(
            course_id,
            patient.mrn,
            chair,
            ctx.actors[Role.PHYSICIAN],
            ctx.actors[Role.NURSE],
            days.at(SESSION_DAYS[number - 1]),
            number,
            order_id=order_id if number == 1 else None,
            nausea=c.nausea and number == 1,
        )
        yield from session_day(ctx.s.day, plan)
        yield ctx.clock.now() + timedelta(minutes=10)
        _phq9(ctx, course_id, total, number)
    yield from _after_series(ctx, c, course_id, days)


def _after_series(ctx: _Context, c: _Course, course_id: int, days: _Days) -> Iterator[datetime]:
    """Drop-out, or reassessment, the physician's decision and what follows it."""
    physician = ctx.actors[Role.PHYSICIAN]
    if c.end == "dropout":
        yield days.at(SESSION_DAYS[len(c.phq9) - 2] + 4)
        ctx.s.pathway.courses.move(physician, course_id, CourseState.DISCONTINUED, reason=c.reason)
        return
    yield days.at(REASSESS_DAY)
    ctx.s.pathway.courses.move(physician, course_id, CourseState.REASSESSMENT)
    if c.end == "reassessment":
        return
    yield from _reassess(ctx, c, course_id, days.at(REASSESS_DAY, 30))
    yield days.at(REASSESS_DAY + FOLLOWUP_DAYS, 60)
    _decide(ctx, physician, c, course_id)
    yield from _later(ctx, c, course_id, days)


def _reassess(ctx: _Context, c: _Course, course_id: int, when: datetime) -> Iterator[datetime]:
    """Reassessment the day after the series and its follow-up a week later (clinical.md §9.2)."""
    yield when
    _phq9(ctx, course_id, c.phq9[-1])
    for instrument, total in reassessment_totals(c).items():
        answers = {a.item: a.value for a in demo_answers(instrument, total)}
        ctx.s.outcomes.record_score(ctx.actors[Role.NURSE], course_id, instrument, answers)
    yield when + timedelta(days=FOLLOWUP_DAYS)
    _phq9(ctx, course_id, c.phq9[-1])


def _decide(ctx: _Context, physician: Actor, c: _Course, course_id: int) -> None:
    if c.end == "completed":
        reason = f"{c.reason} after six sessions: course complete"
        ctx.s.outcomes.decide(physician, course_id, CourseState.COMPLETED, reason)
        return
    ctx.s.maintenance.store(physician, course_id, ctx.clock.now().date())
    reason = f"{c.reason} after six sessions: maintenance boosters"
    ctx.s.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, reason)


def _later(ctx: _Context, c: _Course, course_id: int, days: _Days) -> Iterator[datetime]:
    """After the decision: the weekly relapse watch, or the three-month PHQ-9."""
    decided = REASSESS_DAY + FOLLOWUP_DAYS
    if c.end == "relapse":
        when = [decided + WATCH_EVERY_DAYS * (k + 1) for k in range(len(c.later))]
    else:
        when = [THREE_MONTH_DAY] * len(c.later)
    for day, total in zip(when, c.later, strict=True):
        if days.at(day, 90) >= ctx.until:
            return
        yield days.at(day, 90)
        _phq9(ctx, course_id, total)


def _phq9(ctx: _Context, course_id: int, total: int, session: int = 0) -> None:
    """A PHQ-9 on the course; the timeline tags it (baseline, reassessment, relapse watch),
    except the score after session n, which is charted as session n's."""
    kind = ScoreKind.SESSION.value if session else None
    ctx.s.outcomes.record_score(
        ctx.actors[Role.NURSE],
        course_id,
        "phq9",
        phq9_answers(total),
        kind=kind,
        session_number=session or None,
    )


def book_demo_boosters(
    boosters: BoosterBookingService,
    schedule: ScheduleService,
    uow_factory: UnitOfWorkFactory,
    clinic_id: int,
    history: Sequence[HistoryCourse],
) -> list[Booking]:
    """The front desk books and confirms the boosters of the course in maintenance (the demo
    calendar must be open: run after ``seed_demo_schedule``)."""
    desk = demo_actors(uow_factory, clinic_id)[Role.FRONT_DESK]
    confirmed: list[Booking] = []
    for h in history:
        if h.end == "maintenance" and boosters.book(desk, h.course_id).bookings:
            confirmed += schedule.confirm_series(desk, h.course_id)
    return confirmed
