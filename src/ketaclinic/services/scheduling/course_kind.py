"""Whether a course is ketamine-assisted therapy (SL, IN or IM dosing, no infusion), for the
views that name its sessions: "KAT session 2" rather than "Induction session 2".

Appointments store no route: a course's kind comes from its latest dose order, else from its
protocol's routes (:func:`ketaclinic.domain.scheduling.booking.kat_course`)."""

from __future__ import annotations

from collections.abc import Iterable

from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.domain.scheduling.booking import kat_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published


def course_is_kat(uow: UnitOfWork, course: Course) -> bool:
    """Whether ``course`` is a KAT course (see :func:`kat_course`)."""
    return course.id in kat_course_ids(uow, course.clinic_id, (course.id,))


def kat_course_ids(uow: UnitOfWork, clinic_id: int, course_ids: Iterable[int]) -> frozenset[int]:
    """Those of ``course_ids`` (of the clinic) that are KAT courses, read for the whole set at
    once: the latest order's route of every course in one read; the courses without an order
    in one more, each by its protocol's routes (one protocol read per protocol version)."""
    wanted = frozenset(course_ids)
    if not wanted:
        return frozenset()
    ordered = uow.dosing.latest_routes(clinic_id, wanted)
    found = {c for c, route in ordered.items() if kat_course((route,), ())}
    protocol_routes: dict[int, tuple[Route, ...]] = {}
    for course in uow.courses.get_many(clinic_id, wanted - ordered.keys()):
        version = course.protocol_version_id
        if version not in protocol_routes:
            protocol = load_published(uow, clinic_id, version).protocol
            protocol_routes[version] = tuple(protocol.dosing.routes)
        if kat_course((), protocol_routes[version]):
            found.add(course.id)
    return frozenset(found)
