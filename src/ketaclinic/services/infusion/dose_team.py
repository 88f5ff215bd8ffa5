"""Who gives the dose, who attends a non-IV dose and which prescriber is on site: staff, never text.

Starting dosing names three people. Each is chosen by staff id among the active staff of this
clinic and checked here by role, whatever the entry point (web form, JSON API, demo, import):

- ``given_by``: a nurse, physician or APP (the person who administers the dose, written in the
  administration record; clinical.md §8, 21 CFR 1304.22(c)). Left empty, the signed-in user when
  their role may give it.
- ``attending``: for every route but IV, a staff member of a role the protocol names as an
  attendant (``integration.attendant_roles``: physician or coach in the KAT pack; seed 004,
  clinical.md §7).
- ``prescriber_on_site``: a physician or APP of this clinic present during administration
  (clinical.md §4, REMS: a prescriber on site). Never a bare tick: the person is named. Prescribers
  rostered today (a prescriber shift in the clinic's local day) are offered first; a roster is
  not required.

A typed name, a deactivated member, a member of another clinic or of the wrong role is refused
(``ValidationFailed``) naming the field and the rule.

The other bedside steps that name who did them use the same check (:func:`step_person`, fields
in :data:`STEP_PEOPLE`): ``given_by`` of a premedication or other drug and ``placed_by`` of the
IV line, each a nurse, physician or APP of this clinic (the licensed staff who give drugs and
place lines; clinical.md §4, §8), by default the signed-in user when their role may.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import ROLE_LABELS, Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.domain.scheduling.booking import ShiftRole
from ketaclinic.services.audit.trail import record
from ketaclinic.services.ports import Clock, UnitOfWork

#: Roles that may administer a ketamine dose.
GIVER_ROLES = frozenset({Role.NURSE, Role.PHYSICIAN, Role.APP})
#: The rule a dose given by a role other than these breaks.
DOSE_ROLE = "dose.role"
#: Roles that count as a prescriber on site.
PRESCRIBER_ROLES = frozenset({Role.PHYSICIAN, Role.APP})
#: The people a role set is spelled as in a refusal.
_WHO = {
    GIVER_ROLES: "nurse or prescriber (physician or APP)",
    PRESCRIBER_ROLES: "prescriber (physician or APP)",
}
#: Bedside steps other than the start that name a person, by field: the roles that may do it.
STEP_PEOPLE: Mapping[str, frozenset[Role]] = {"given_by": GIVER_ROLES, "placed_by": GIVER_ROLES}


@dataclass(frozen=True, slots=True)
class Person:
    """An active staff member of the clinic as offered or recorded (``rostered``: on a
    prescriber shift today)."""

    staff_id: int
    name: str
    role: Role
    rostered: bool = False

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role.value)


@dataclass(frozen=True, slots=True)
class DoseTeamChoices:
    """Who may be chosen for each of the three fields (the start form's options)."""

    given_by: tuple[Person, ...]
    attending: tuple[Person, ...]
    attending_roles: tuple[str, ...]
    needs_attending: bool
    prescribers: tuple[Person, ...]  # rostered today first
    assigned: int | None = None  # the session's assigned nurse (:func:`assigned_nurse`)


@dataclass(frozen=True, slots=True)
class DoseTeam:
    """The three people of a start of dosing, each checked by role in this clinic."""

    given_by: Person
    attending: Person | None
    prescriber_on_site: Person

    def payload(self) -> dict[str, Any]:
        """Staff ids and names for the administration record (roles for the two checked ones)."""
        a = self.attending
        return {
            "given_by": self.given_by.name,
            "given_by_id": self.given_by.staff_id,
            "attending": a.name if a else "",
            "attending_id": a.staff_id if a else None,
            "attending_role": a.role.value if a else None,
            "prescriber_on_site": self.prescriber_on_site.name,
            "prescriber_on_site_id": self.prescriber_on_site.staff_id,
            "prescriber_on_site_role": self.prescriber_on_site.role.value,
        }


def needs_attending(route: Route) -> bool:
    """Every route but IV is attended by a physician or coach (seed 004, clinical.md §7)."""
    return route is not Route.IV


def assigned_nurse(uow: UnitOfWork, s: InfusionSession) -> int | None:
    """The nurse assigned to the session: its attendant, else the nurse its appointment was
    booked with, while an active member of the clinic; None when neither is known. The start
    form offers this person first (the signed-in user may be someone else, e.g. a colleague at
    the station)."""
    assigned = s.attendant_id
    if assigned is None and s.appointment_id is not None:
        booking = uow.schedule.get(s.clinic_id, s.appointment_id)
        assigned = booking.nurse_id if booking is not None else None
    return assigned if assigned in _active(uow, s.clinic_id) else None


def attendant_at_check_in(
    uow: UnitOfWork, actor: Actor, s: InfusionSession, protocol: Protocol
) -> int:
    """Who attends the session from check-in: the nurse assigned to it (:func:`assigned_nurse`)
    when the protocol lets their role attend, else the member of staff checking the patient in."""
    assert actor.staff_id is not None
    assigned = assigned_nurse(uow, s)
    person = _active(uow, s.clinic_id).get(assigned) if assigned is not None else None
    roles = protocol.integration.attendant_roles
    if person is not None and (not roles or person.role.value in roles):
        return person.staff_id
    return actor.staff_id


def choices(
    uow: UnitOfWork,
    clinic_id: int,
    route: Route,
    protocol: Protocol,
    now: datetime,
    assigned: int | None = None,
) -> DoseTeamChoices:
    """The active staff who may be chosen for each field; prescribers rostered today first.
    ``assigned``: the session's nurse, offered as the default when active in this clinic."""
    staff = _active(uow, clinic_id)
    rostered = _rostered_prescribers(uow, clinic_id, now)
    roles = protocol.integration.attendant_roles
    prescribers = [
        Person(p.staff_id, p.name, p.role, p.staff_id in rostered)
        for p in staff.values()
        if p.role in PRESCRIBER_ROLES
    ]
    prescribers.sort(key=lambda p: (not p.rostered, p.name))
    return DoseTeamChoices(
        given_by=tuple(p for p in staff.values() if p.role in GIVER_ROLES),
        attending=tuple(p for p in staff.values() if p.role.value in roles)
        if needs_attending(route)
        else (),
        attending_roles=roles,
        needs_attending=needs_attending(route),
        prescribers=tuple(prescribers),
        assigned=assigned if assigned in staff else None,
    )


def dose_team(
    uow: UnitOfWork, actor: Actor, route: Route, protocol: Protocol, raw: Mapping[str, Any]
) -> DoseTeam:
    """The three people named in ``raw``, each checked; every bad field refused at once."""
    staff = _active(uow, actor.clinic_id)
    errors: dict[str, str] = {}
    giver = _given_by(staff, actor, raw, errors)
    attending = _attending(staff, route, protocol, raw, errors)
    prescriber = _prescriber(staff, raw, errors)
    if errors:
        raise ValidationFailed(errors)
    assert giver is not None and prescriber is not None
    return DoseTeam(giver, attending, prescriber)


def named_attending(
    uow: UnitOfWork, actor: Actor, route: Route, protocol: Protocol, raw: Mapping[str, Any]
) -> Person | None:
    """The attending person named in ``raw`` when that field alone holds (else None), so the
    dose gate reads who was named even when another field of the start form is refused."""
    errors: dict[str, str] = {}
    attending = _attending(_active(uow, actor.clinic_id), route, protocol, raw, errors)
    return None if errors else attending


def record_team(
    uow: UnitOfWork, clock: Clock, actor: Actor, s: InfusionSession, team: DoseTeam
) -> None:
    """Audit the three people (staff ids, and the prescriber on site by name and role)."""
    a, p = team.attending, team.prescriber_on_site
    record(
        uow,
        clock,
        actor,
        "session.dose_team",
        object_type="session",
        object_id=s.id,
        patient_id=s.patient_id,
        detail=f"given_by={team.given_by.staff_id} attending={a.staff_id if a else None} "
        f"prescriber_on_site={p.staff_id} ({p.name}, {p.role.value})",
    )


def set_attendant(
    uow: UnitOfWork, clock: Clock, actor: Actor, s: InfusionSession, person: Person
) -> InfusionSession:
    """Make ``person`` (checked by :func:`dose_team` against the protocol's attendant roles) the
    session's attendant and audit the change; unchanged when they already attend. The dose gate
    then reads this attendant (``dose_gate.attendant``)."""
    if s.attendant_id == person.staff_id:
        return s
    before = s.attendant_id
    s = uow.sessions.set_people(
        s, attendant_id=person.staff_id, device_id=s.monitor_device_id, at=clock.now()
    )
    record(
        uow,
        clock,
        actor,
        "session.attendant",
        object_type="session",
        object_id=s.id,
        patient_id=s.patient_id,
        detail=f"attendant={person.staff_id} ({person.role.value}) was={before}",
    )
    return s


def _given_by(
    staff: Mapping[int, Person], actor: Actor, raw: Mapping[str, Any], errors: dict[str, str]
) -> Person | None:
    missing = "choose the nurse or prescriber who gives it"
    if actor.role not in GIVER_ROLES:
        missing = f"{DOSE_ROLE}: {_cannot_give(actor.role)} (choose them in Given by)"
    person = _pick(staff, actor, raw, "given_by", GIVER_ROLES, errors, missing)
    chosen = staff.get(_staff_id(raw, "given_by", {}) or 0)
    if person is None and chosen is not None and chosen.role not in GIVER_ROLES:
        errors["given_by"] = f"{DOSE_ROLE}: {_cannot_give(chosen.role)}"
    return person


def _cannot_give(role: Role | None) -> str:
    """Plainly who cannot give a dose, and who can."""
    label = ROLE_LABELS.get(role, role.value).lower() if role is not None else "caller"
    article = "an" if label[:1] in "aeiou" else "a"
    return f"{article} {label} cannot give a dose; a nurse, physician or APP gives it"


def _pick(
    staff: Mapping[int, Person],
    actor: Actor | None,
    raw: Mapping[str, Any],
    field: str,
    roles: frozenset[Role],
    errors: dict[str, str],
    missing: str = "",
) -> Person | None:
    """The active member of one of ``roles`` chosen in ``field``; left empty, the signed-in
    ``actor`` when given and of one of those roles, else refused with ``missing``. Refusals go
    in ``errors`` under ``field``."""
    who = _WHO.get(roles) or " or ".join(sorted(ROLE_LABELS.get(r, r.value) for r in roles))
    chosen = _staff_id(raw, field, errors)
    if field in errors:
        return None
    if chosen is None:
        if actor is None or actor.role not in roles or actor.staff_id is None:
            errors[field] = missing or f"choose the {who} who did it"
            return None
        chosen = actor.staff_id  # the signed-in user did it
    person = staff.get(chosen)
    if person is None or person.role not in roles:
        errors[field] = f"not an active {who} of this clinic"
        return None
    return person


def step_person(uow: UnitOfWork, actor: Actor, field: str, raw: Mapping[str, Any]) -> Person:
    """The person named in ``field`` of a bedside step (:data:`STEP_PEOPLE`), checked by role
    among the active staff of the actor's clinic; refused naming the field."""
    errors: dict[str, str] = {}
    person = _pick(_active(uow, actor.clinic_id), actor, raw, field, STEP_PEOPLE[field], errors)
    if errors or person is None:
        raise ValidationFailed(errors)
    return person


def person_payload(field: str, person: Person) -> dict[str, Any]:
    """The name, staff id and role of a person named in ``field``, for a session record."""
    return {
        field: person.name,
        f"{field}_id": person.staff_id,
        f"{field}_role": person.role.value,
    }


def offered(uow: UnitOfWork, clinic_id: int, field: str) -> tuple[Person, ...]:
    """The active staff who may be named in ``field`` of a bedside step, in name order."""
    roles = STEP_PEOPLE[field]
    return tuple(p for p in _active(uow, clinic_id).values() if p.role in roles)


def _attending(
    staff: Mapping[int, Person],
    route: Route,
    protocol: Protocol,
    raw: Mapping[str, Any],
    errors: dict[str, str],
) -> Person | None:
    chosen = _staff_id(raw, "attending", errors)
    if not needs_attending(route) or "attending" in errors:
        if chosen is not None and "attending" not in errors:
            errors["attending"] = "an IV dose has no separate attendant"
        return None
    roles = protocol.integration.attendant_roles
    allowed = " or ".join(roles) or "none"
    if chosen is None:
        errors["attending"] = f"dose_gate.attendant: choose the attending {allowed} (non-IV route)"
        return None
    person = staff.get(chosen)
    if person is None or person.role.value not in roles:
        errors["attending"] = (
            f"dose_gate.attendant: not an active {allowed} of this clinic "
            "(the protocol's attendant roles)"
        )
        return None
    return person


def _prescriber(
    staff: Mapping[int, Person], raw: Mapping[str, Any], errors: dict[str, str]
) -> Person | None:
    missing = "name the prescriber (physician or APP) on site"
    return _pick(staff, None, raw, "prescriber_on_site", PRESCRIBER_ROLES, errors, missing)


def _staff_id(raw: Mapping[str, Any], name: str, errors: dict[str, str]) -> int | None:
    """A staff id (whole number) or None when empty; a typed name or a tick is refused."""
    value = raw.get(name)
    if value is None or value is False or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or len(text) > 18:
        errors[name] = "choose a staff member of this clinic (a staff id), not typed text"
        return None
    return int(text)


def _active(uow: UnitOfWork, clinic_id: int) -> dict[int, Person]:
    """Active staff of the clinic by id, in name order."""
    return {
        m.id: Person(m.id, m.name, role)
        for m, role in uow.staff.list_for_clinic(clinic_id)
        if m.active
    }


def _rostered_prescribers(uow: UnitOfWork, clinic_id: int, now: datetime) -> frozenset[int]:
    """Staff ids on a prescriber shift in the clinic's local day of ``now``."""
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        return frozenset()
    zone = ZoneInfo(clinic.timezone)
    day = now.astimezone(zone).date()
    start, end = (
        datetime.combine(d, time(), tzinfo=zone).astimezone(UTC)
        for d in (day, day + timedelta(days=1))
    )
    shifts = uow.schedule.shifts(clinic_id, start, end)
    return frozenset(s.staff_id for s in shifts if s.role is ShiftRole.PRESCRIBER)
