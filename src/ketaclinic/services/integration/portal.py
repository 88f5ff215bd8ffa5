"""The patient's integration portal through an expiring link (no account needed).

Why a link of its own rather than the questionnaire link (services.assessments.links): that link is
single-use and bound to one instrument; the portal is visited many times between sessions (practice
log, own goal ratings), so it is a reusable link bound to one course that expires after
``link_hours`` (the clinic's assessment-link lifetime). As there, the token is stored only as a
SHA-256 hash, it is the credential, and each page carries the link's form token, checked on
submit. The page shows the patient's first name only. Every entry is audited as the patient link.
Sources: seed 000 step 6 (integration between sessions), seed 004 (integration coaching).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.integration.plans import (
    Goal,
    GoalStatus,
    PortalLink,
    PracticeLog,
    validate_practice_log,
    validate_rating,
)
from ketaclinic.domain.scheduling.booking import BookingKind
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.identity.ports import TokenSource
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

PORTAL_ACTOR_LABEL = "patient-portal-link"
PORTAL_UNAVAILABLE = "This link has expired or is not valid. Ask your care team for a new one."


class PortalUnavailable(Conflict):
    """Unknown or expired portal link; ``detail`` is the message for the patient."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class UpcomingVisit:
    """One booked visit as the patient reads it: when, what ("Ketamine session (sublingual)",
    "Integration coaching with Casey Coach") and where (the clinic's name)."""

    at: datetime
    what: str
    where: str


@dataclass(frozen=True, slots=True)
class PortalView:
    link: PortalLink
    first_name: str
    upcoming: Sequence[UpcomingVisit]
    practices: tuple[str, ...]
    goals: Sequence[Goal]
    logs: Sequence[PracticeLog]
    timezone: str = "UTC"  # the clinic's: every time on the portal is shown in it


class PortalService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, tokens: TokenSource, link_hours: int
    ) -> None:
        self._uow, self._clock, self._tokens = uow_factory, clock, tokens
        self._lifetime = timedelta(hours=link_hours)

    def create(self, actor: Actor, course_id: int) -> tuple[PortalLink, str]:
        """A new portal link for the course; the token is returned once, never stored."""
        require(actor, Permission.COACHING_WRITE)
        assert actor.staff_id is not None
        token, form_token = self._tokens.new_token(), self._tokens.new_token()
        now = self._clock.now()
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            link = uow.integration.add_portal_link(
                course,
                _hash(token),
                form_token,
                by=actor.staff_id,
                at=now,
                expires_at=now + self._lifetime,
            )
            record(
                uow,
                self._clock,
                actor,
                "portal.link_create",
                object_type="portal_link",
                object_id=link.id,
                patient_id=course.patient_id,
            )
            uow.commit()
        return link, token

    def open(self, token: str) -> PortalView:
        with self._uow() as uow:
            link = self._usable(uow, token)
            return self._view(uow, link)

    def log_practice(
        self, token: str, form_token: str, practice: str, done: bool, feeling: str, client: str
    ) -> PracticeLog:
        """The patient logs one practice (done / not done, how it felt)."""
        with self._uow() as uow:
            link = self._checked(uow, token, form_token)
            known = self._view(uow, link).practices
            validate_practice_log(practice, known, feeling)
            log = uow.integration.add_practice_log(
                link, practice, done, feeling.strip(), at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                self._actor(link, client),
                "portal.practice_log",
                object_type="practice_log",
                object_id=log.id,
                patient_id=link.patient_id,
            )
            uow.commit()
        return log

    def rate_goal(
        self, token: str, form_token: str, goal_id: int, rating: int, client: str
    ) -> None:
        """The patient's own rating of one of their active goals (0-10)."""
        validate_rating(rating)
        with self._uow() as uow:
            link = self._checked(uow, token, form_token)
            goal = uow.integration.get_goal(link.clinic_id, goal_id)
            if goal is None or goal.course_id != link.course_id:
                raise NotFound("no such goal in your plan", field="goal_id")
            uow.integration.add_rating(
                goal, rating, "patient portal", by=None, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                self._actor(link, client),
                "portal.goal_rate",
                object_type="integration_goal",
                object_id=goal.id,
                patient_id=link.patient_id,
                detail=str(rating),
            )
            uow.commit()

    @staticmethod
    def _actor(link: PortalLink, client: str) -> Actor:
        return Actor(None, None, link.clinic_id, client, label=PORTAL_ACTOR_LABEL)

    def _usable(self, uow: UnitOfWork, token: str) -> PortalLink:
        link = uow.integration.portal_by_hash(_hash(token)) if token else None
        if link is None or not link.usable(self._clock.now()):
            raise PortalUnavailable(PORTAL_UNAVAILABLE, field="token")
        return link

    def _checked(self, uow: UnitOfWork, token: str, form_token: str) -> PortalLink:
        link = self._usable(uow, token)
        if not form_token or not hmac.compare_digest(form_token, link.form_token):
            raise PermissionDenied(
                "this form did not come from your link; reload it", field="form_token"
            )
        return link

    def _view(self, uow: UnitOfWork, link: PortalLink) -> PortalView:
        patient = uow.patients.get(link.clinic_id, link.patient_id)
        clinic = uow.clinics.get(link.clinic_id)
        upcoming = _upcoming(uow, link, self._clock.now(), clinic.name if clinic else "")
        goals = [
            g
            for g in uow.integration.goals(link.clinic_id, link.course_id)
            if g.status is GoalStatus.ACTIVE
        ]
        practices = tuple(
            dict.fromkeys(
                (*_assigned_practices(uow, link), *(p for g in goals for p in g.practices))
            )
        )
        return PortalView(
            link,
            patient.details.given_name if patient else "",
            upcoming,
            practices,
            goals,
            uow.integration.practice_logs(link.clinic_id, link.course_id)[-20:],
            clinic.timezone if clinic else "UTC",
        )


def _assigned_practices(uow: UnitOfWork, link: PortalLink) -> tuple[str, ...]:
    """The practices the coach assigned in the course's latest signed coaching note."""
    signed = [
        n
        for n in uow.coaching_notes.for_course(link.clinic_id, link.course_id)
        if n.signed_at is not None
    ]
    if not signed:
        return ()
    latest = max(signed, key=lambda n: (n.session_at, n.signed_at or n.session_at, n.id))
    return latest.content.practices_assigned


def _ketamine_words(uow: UnitOfWork, link: PortalLink) -> str:
    """ "Ketamine session (sublingual)": the route of the course's latest dose order, else the
    protocol's first route (the one dose screening proposes when none is chosen)."""
    orders = uow.dosing.orders_for_course(link.clinic_id, link.course_id)
    if orders:
        route = max(orders, key=lambda o: (o.signed_at, o.id)).content.route
    else:
        course = get_course(uow, link.clinic_id, link.course_id)
        published = load_published(uow, link.clinic_id, course.protocol_version_id).protocol
        routes = tuple(published.dosing.routes)
        if len(routes) != 1:
            return "Ketamine session"
        route = routes[0]
    return f"Ketamine session ({_ROUTE_WORDS.get(route.value, route.value)})"


_ROUTE_WORDS = {"iv": "IV infusion", "im": "intramuscular", "in": "intranasal", "sl": "sublingual"}


def _upcoming(uow: UnitOfWork, link: PortalLink, now: datetime, place: str) -> list[UpcomingVisit]:
    """The course's booked visits from now on, soonest first (a booking and the session opened
    from it are one visit)."""
    names = {m.id: m.name for m, _ in uow.staff.list_for_clinic(link.clinic_id)}
    bookings = [
        b
        for b in uow.schedule.for_course(link.clinic_id, link.course_id)
        if b.active and b.start_at >= now
    ]
    booked_ids = {b.id for b in bookings}
    ketamine = _ketamine_words(uow, link)
    found = [
        UpcomingVisit(
            b.start_at,
            f"Integration coaching with {names.get(b.nurse_id, 'your coach')}"
            if b.kind is BookingKind.COACHING
            else ketamine,
            place,
        )
        for b in bookings
    ]
    found += [
        UpcomingVisit(s.scheduled_for, ketamine, place)
        for s in uow.sessions.for_patient(link.clinic_id, link.patient_id)
        if s.course_id == link.course_id
        and s.state is SessionState.SCHEDULED
        and s.scheduled_for is not None
        and s.scheduled_for >= now
        and s.appointment_id not in booked_ids
    ]
    return sorted(found, key=lambda v: v.at)
