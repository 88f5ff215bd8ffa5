"""Which bookings a course's state allows: the one decision the chart's scheduling panel (what it
offers) and the booking service (what it accepts) both read.

An induction series is booked for a course that has not passed induction (referred, evaluating,
eligible, consented, in induction); a course in reassessment or maintenance gets boosters from its
stored plan, and an ineligible, completed or discontinued course gets no new series. Consent in
force and the safety gate are checked when booking (``ScheduleService.ensure_may_book``).
Source: the course lifecycle (`domain.patients.course`) and the protocol's series and maintenance.
"""

from __future__ import annotations

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.treatment import Course

RULE_INDUCTION_STAGE = "schedule.induction_stage"
_NO_SERIES: dict[CourseState, str] = {
    CourseState.INELIGIBLE: "the patient was found not eligible",
    CourseState.REASSESSMENT: "the course is past induction (in reassessment)",
    CourseState.MAINTENANCE: "the course is past induction (in maintenance); book boosters",
    CourseState.COMPLETED: "the course is completed",
    CourseState.DISCONTINUED: "the course is discontinued",
}


def induction_refusal(course: Course) -> str | None:
    """Why ``course`` may not have an induction series booked (with the rule id), or None."""
    why = _NO_SERIES.get(course.state)
    return (
        None
        if why is None
        else f"{RULE_INDUCTION_STAGE}: No induction series for this course: {why}"
    )


def may_book_induction(course: Course) -> bool:
    """Whether the course's state allows booking an induction series."""
    return induction_refusal(course) is None


def ensure_induction_bookable(course: Course) -> None:
    """Refuse (naming the rule and ``course_id``) an induction series the state does not allow."""
    why = induction_refusal(course)
    if why is not None:
        raise Conflict(why, field="course_id")
