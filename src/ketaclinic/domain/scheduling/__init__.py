"""Induction-series and booster scheduling: calendar model, rules, checker, engines, re-plans.

Services solve through a :class:`Scheduler` (the CP-SAT adapter in production,
:class:`GreedyScheduler` as baseline), :func:`check_schedule` to verify, :func:`soft_cost` to
compare, :func:`validate_move`, :func:`replan_patient` and :func:`replan_clinic` to change plans,
and :func:`explain_unplaceable` / :func:`nearest_options` when a series cannot be booked.
"""

from ketaclinic.domain.scheduling.calendar import (
    Chair,
    Clinic,
    Interval,
    Role,
    StaffShift,
    TimeGrid,
    weekly_opening,
)
from ketaclinic.domain.scheduling.checker import check_schedule
from ketaclinic.domain.scheduling.cost import CostBreakdown, soft_cost
from ketaclinic.domain.scheduling.engine import Scheduler, SolveLimits, SolveResult, SolveStatus
from ketaclinic.domain.scheduling.explain import (
    Infeasibility,
    Option,
    explain_unplaceable,
    nearest_options,
)
from ketaclinic.domain.scheduling.greedy import GreedyScheduler
from ketaclinic.domain.scheduling.model import (
    Appointment,
    AppointmentStatus,
    Constraint,
    Problem,
    Schedule,
    SeriesKind,
    SeriesRequest,
    SessionShape,
    SoftWeights,
    Violation,
)
from ketaclinic.domain.scheduling.replan import (
    ClinicReplan,
    ManualMove,
    MoveDecision,
    PatientReplan,
    ReplanStatus,
    replan_clinic,
    replan_patient,
    validate_move,
)
from ketaclinic.domain.scheduling.rules import (
    booster_request,
    candidate_starts,
    induction_request,
    session_shape,
    signoff_fields,
)

__all__ = [
    "Appointment",
    "AppointmentStatus",
    "Chair",
    "Clinic",
    "ClinicReplan",
    "Constraint",
    "CostBreakdown",
    "GreedyScheduler",
    "Infeasibility",
    "Interval",
    "ManualMove",
    "MoveDecision",
    "Option",
    "PatientReplan",
    "Problem",
    "ReplanStatus",
    "Role",
    "Schedule",
    "Scheduler",
    "SeriesKind",
    "SeriesRequest",
    "SessionShape",
    "SoftWeights",
    "SolveLimits",
    "SolveResult",
    "SolveStatus",
    "StaffShift",
    "TimeGrid",
    "Violation",
    "booster_request",
    "candidate_starts",
    "check_schedule",
    "explain_unplaceable",
    "induction_request",
    "nearest_options",
    "replan_clinic",
    "replan_patient",
    "session_shape",
    "signoff_fields",
    "soft_cost",
    "validate_move",
    "weekly_opening",
]
