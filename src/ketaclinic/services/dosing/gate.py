"""The ketamine dose gate: the one check every ketamine dose passes, on every route.

A dose (IV, SL, IN or IM; the KAT experiential "journey" included) is given only when the course
is eligible and consented, the suicide-risk safety gates are clear, the dose order is signed and
verified at the bedside, the dose is given in a session with an attendant of a role the protocol
permits, the protocol's pre-dose vitals are recorded, and the course's previous dose started at
least the protocol's minimum interval between sessions ago (``dose_gate.interval``, whatever the
schedule says: a walk-in dose and the booked session after it are still that far apart).
:func:`ensure_dose_allowed` checks all of them from storage and refuses with every reason, each
prefixed ``dose_gate.<item>``. Sources: seed 000 steps 4-5 and seed 004 (attended experiential
sessions), clinical.md §3.1 (the minimum interval, a signed-off clinic setting), §4.1 and §7.2 (the
same vital-sign rules for in-office dosing on every route), §6.3 (consent).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.dosing.records import DoseOrder, OrderStatus
from ketaclinic.domain.errors import Conflict, NotFound, SafetyBlock
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.integration.plans import GivenDose
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.assessments.safety import open_reasons
from ketaclinic.services.infusion.facts import latest
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.ports import UnitOfWork

#: Course states in which a dose may be given: eligible, consented and not ended.
DOSING_COURSE_STATES = frozenset(
    {
        CourseState.CONSENTED,
        CourseState.INDUCTION,
        CourseState.REASSESSMENT,
        CourseState.MAINTENANCE,
    }
)
PREDOSE_VITALS = ("sbp_mmhg", "dbp_mmhg", "hr_per_min", "spo2_pct")


def dose_refusals(
    uow: UnitOfWork,
    course: Course,
    consent: ConsentStatus | None,
    s: InfusionSession | None,
    order: DoseOrder | None,
    protocol: Protocol,
    at: datetime,
) -> tuple[str, ...]:
    """Every reason a ketamine dose may not be given at ``at`` (empty when it may)."""
    reasons: list[str] = []
    if course.state not in DOSING_COURSE_STATES:
        reasons.append(
            f"dose_gate.course: the course is {course.state.value}; a dose needs an eligible "
            "and consented course"
        )
    if consent is None or not consent.complete:
        missing = consent.reasons if consent else ("consent not recorded",)
        reasons += [f"dose_gate.consent: {r}" for r in missing]
    reasons += [
        f"dose_gate.safety_gates: {r}"
        for r in open_reasons(uow, course.clinic_id, course.patient_id)
    ]
    reasons += _order(course, order)
    reasons += _session(uow, course, s, protocol)
    reasons += _interval(uow, course, s, protocol, at)
    return tuple(reasons)


def _interval(
    uow: UnitOfWork,
    course: Course,
    s: InfusionSession | None,
    protocol: Protocol,
    at: datetime,
) -> list[str]:
    """``dose_gate.interval``: the course's latest earlier dose (the start of dosing of another of
    its sessions) too recent at ``at``. Appointments are booked at least the protocol's
    ``series.min_hours_between`` apart, and a dose starts anywhere within its visit's chair time
    (``series.session_minutes``): the next dose may start once the interval less one visit's
    chair time has passed since the last one started (a dose in a booked series always may; a
    walk-in dose and the booked session the next morning may not)."""
    started = [
        o.dosing_started_at
        for o in uow.sessions.for_patient(course.clinic_id, course.patient_id)
        if o.course_id == course.id
        and (s is None or o.id != s.id)
        and o.dosing_started_at is not None
        and o.dosing_started_at <= at
    ]
    series = protocol.series
    if not started or series.min_hours_between <= 0:
        return []
    last = max(started)
    earliest = last + timedelta(hours=series.min_hours_between, minutes=-series.session_minutes)
    if at >= earliest:
        return []
    clinic = uow.clinics.get(course.clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    ago = int((at - last).total_seconds() // 3600)
    return [
        f"dose_gate.interval: the last dose of this course started "
        f"{last.astimezone(zone):%a %-d %b %H:%M} ({ago} h ago); the protocol keeps "
        f"{series.min_hours_between} h between sessions, so the next dose may start from "
        f"{earliest.astimezone(zone):%a %-d %b %H:%M}"
    ]


def ensure_dose_allowed(
    uow: UnitOfWork,
    course: Course,
    consent: ConsentStatus | None,
    s: InfusionSession | None,
    order: DoseOrder | None,
    protocol: Protocol,
    at: datetime,
) -> None:
    """Raise :class:`SafetyBlock` (field ``dose_gate``) naming every unmet precondition."""
    reasons = dose_refusals(uow, course, consent, s, order, protocol, at)
    if reasons:
        raise SafetyBlock(
            "no ketamine dose may be given or recorded", reasons=reasons, field="dose_gate"
        )


def _order(course: Course, order: DoseOrder | None) -> list[str]:
    if order is None or order.course_id != course.id:
        return ["dose_gate.order: no signed dose order of this course"]
    if order.status is not OrderStatus.VERIFIED:
        return [f"dose_gate.order: the order is {order.status.value}, not verified at the bedside"]
    return []


def _session(
    uow: UnitOfWork, course: Course, s: InfusionSession | None, protocol: Protocol
) -> Sequence[str]:
    if s is None or s.course_id != course.id:
        return ["dose_gate.session: a dose is given only in a session of this course"]
    reasons: list[str] = []
    roles = protocol.integration.attendant_roles
    role = _role(uow, course.clinic_id, s.attendant_id)
    if role is None:
        reasons.append("dose_gate.attendant: no attendant recorded for the session")
    elif roles and role not in roles:
        reasons.append(
            f"dose_gate.attendant: a {role} may not attend alone; the protocol permits "
            + ", ".join(roles)
        )
    records = uow.session_records.for_session(s.clinic_id, s.id)
    predose = latest(records, RecordKind.PRE_DOSE)
    missing = [v for v in PREDOSE_VITALS if not (predose and predose.payload.get(v))]
    if missing:
        reasons.append("dose_gate.vitals: pre-dose vitals not recorded: " + ", ".join(missing))
    return reasons


def _mg(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _role(uow: UnitOfWork, clinic_id: int, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    return next(
        (m.role.value for m in uow.staff.memberships(staff_id) if m.clinic_id == clinic_id), None
    )


def journey_dose(uow: UnitOfWork, course: Course, session_id: int) -> GivenDose:
    """The dose a KAT journey record describes: the ketamine administration recorded when the
    session of ``course`` started dosing through the dose gate (its verified order's route and
    dose). One journey per session. Raises NotFound, SafetyBlock (field ``dose_gate``) or
    Conflict (``session_id``)."""
    s = uow.sessions.get(course.clinic_id, session_id)
    if s is None or s.course_id != course.id:
        raise NotFound("no such session of this course", field="session_id")
    records = uow.session_records.for_session(s.clinic_id, s.id)
    given = next(
        (
            r
            for r in records
            if r.kind is RecordKind.ADMINISTRATION and r.payload.get("purpose") == "ketamine"
        ),
        None,
    )
    dose = _mg(given.payload.get("dose_mg")) if given else None
    if given is None or dose is None:
        raise SafetyBlock(
            "no ketamine dose may be given or recorded",
            reasons=(
                "dose_gate.session: no dose was started through the dose gate in this "
                "session (order, consent, safety gates, attendant, vitals)",
            ),
            field="dose_gate",
        )
    if any(x.session_id == s.id for x in uow.integration.journeys(course.clinic_id, course.id)):
        raise Conflict(JOURNEY_TAKEN, field="session_id")
    return GivenDose(Route(str(given.payload.get("route"))), dose, _given_at(given))


def _given_at(r: SessionRecord) -> datetime:
    raw = r.payload.get("given_at")
    return datetime.fromisoformat(raw) if isinstance(raw, str) and raw else r.recorded_at


JOURNEY_TAKEN = "this session already has its journey record (one per session)"
