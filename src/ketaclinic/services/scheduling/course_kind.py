"""Whether a course is ketamine-assisted therapy (SL, IN or IM dosing, no infusion), for the
views that name its sessions: "KAT session 2" rather than "Induction session 2".

Appointments store no route: a course's kind comes from its latest dose order, else from its
protocol's routes (:func:`ketaclinic.domain.scheduling.booking.kat_course`)."""

from __future__ import annotations

from collections.abc import Iterable

from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import kat_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published


def course_is_kat(uow: UnitOfWork, course: Course) -> bool:
    """Whether ``course`` is a KAT course (see :func:`kat_course`)."""
    protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
    ordered = sorted(uow.dosing.orders_for_course(course.clinic_id, course.id), key=lambda o: o.id)
    return kat_course([o.content.route for o in ordered], protocol.dosing.routes)


def kat_course_ids(uow: UnitOfWork, clinic_id: int, course_ids: Iterable[int]) -> frozenset[int]:
    """Those of ``course_ids`` (of the clinic) that are KAT courses."""
    found = set()
    for course_id in set(course_ids):
        course = uow.courses.get(clinic_id, course_id)
        if course is not None and course_is_kat(uow, course):
            found.add(course_id)
    return frozenset(found)
