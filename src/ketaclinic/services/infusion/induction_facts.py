"""Course facts about the induction series: how many sessions were completed of how many planned.

A session counts once the patient is discharged from it (a session stopped early for safety goes
through recovery to discharge, and counts as given). The planned number is the pinned protocol's
``series.sessions`` (seed 000 step 3: six infusions).
"""

from __future__ import annotations

from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.patients.course import InductionFacts
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.ports import UnitOfWork


def induction_facts(uow: UnitOfWork, course: Course, protocol: Protocol) -> InductionFacts:
    """``induction_sessions_done`` and ``induction_sessions_planned`` for the course guards."""
    sessions = uow.sessions.for_patient(course.clinic_id, course.patient_id)
    done = sum(
        1 for s in sessions if s.course_id == course.id and s.state is SessionState.DISCHARGED
    )
    return InductionFacts(sessions_done=done, sessions_planned=protocol.series.sessions)
