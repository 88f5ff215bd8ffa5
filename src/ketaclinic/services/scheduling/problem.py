"""The one occupancy source of every scheduling path: the engine's :class:`Problem` of a clinic
over a frame, with everything that holds a chair or a nurse fixed in it.

Series booking, a patient's re-plan, a clinic-wide re-plan, a manual move and booster booking all
build their problem here, so each sees the same occupancy: booked infusion sessions (induction
and boosters), coaching appointments (their room only) and sessions in a chair without an
appointment (``occupancy.chair_holds``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ketaclinic.domain.scheduling import Problem, SeriesRequest
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.calendar import (
    ChairRoutine,
    Frame,
    engine_clinic,
    infusions,
    rooms_only,
    to_engine,
)
from ketaclinic.services.scheduling.occupancy import chair_holds, hold_to_engine


def problem_with(
    uow: UnitOfWork,
    clinic_id: int,
    frame: Frame,
    routine: ChairRoutine,
    *,
    now: datetime,
    fixed: Sequence[Booking],
    requests: Sequence[SeriesRequest] = (),
) -> Problem:
    """A problem over ``frame`` with ``fixed`` bookings and every chair hold held in place.

    Infusion sessions (induction, boosters) are held as appointments; coaching appointments only
    take their room (see :func:`engine_clinic`); a session without an appointment is held as a
    fixed appointment for its chair and attendant nurse (see :func:`hold_to_engine`)."""
    clinic = engine_clinic(uow, clinic_id, frame, routine, rooms_only(fixed))
    held = tuple(to_engine(b, frame) for b in infusions(fixed))
    holds = chair_holds(uow, clinic_id, routine, since=frame.grid.epoch, now=now)
    occupied = tuple(hold_to_engine(h, frame) for h in holds)
    return Problem(frame.grid, clinic, held + occupied, tuple(requests))
