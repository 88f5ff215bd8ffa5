"""What of a maintenance course is past due, and whether a relapse waits for a decision.

Pure rules over the booster plan (:mod:`.maintenance`) and the relapse watch: the one place the
pages, the worklists, the booster booking gate and the course PDF read "overdue" and "relapse
criteria met, decide" from (clinical.md §3.3 maintenance spacing, §3.4 and §9.2 relapse).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from ketaclinic.domain.outcomes.maintenance import BoosterWindow, RelapseWatch


class OverdueKind(StrEnum):
    """What a maintenance course missed: a booster window, or the relapse-watch check."""

    BOOSTER = "booster"
    RELAPSE_CHECK = "relapse_check"


@dataclass(frozen=True, slots=True)
class Overdue:
    """One thing of the maintenance plan that is past due: ``due_on`` is its last day."""

    kind: OverdueKind
    due_on: date
    what: str  # plain words: "Maintenance booster 2", "Relapse-watch check (PHQ-9)"
    booster_number: int | None = None

    @property
    def since(self) -> date:
        """The first day it counted as overdue (the day after ``due_on``)."""
        return self.due_on + timedelta(days=1)


def relapse_check_overdue(next_check_on: date, today: date) -> bool:
    """The check instrument is overdue once its due day has passed unanswered."""
    return next_check_on < today


def overdue_items(
    windows: Sequence[BoosterWindow],
    given: Collection[int],
    next_check_on: date | None,
    *,
    check_label: str,
    today: date,
) -> tuple[Overdue, ...]:
    """Everything of a maintenance course that is past due on ``today`` (clinic local date).

    Contract: a booster is missed when its window's last day is before ``today`` and booster
    ``number`` was not given (``given``: the numbers whose dosing started); the relapse-watch check
    is overdue when ``next_check_on`` is before ``today``. Oldest first. The one rule the pages,
    worklists and the course PDF read (clinical.md §3.3 maintenance spacing, §9.2 regular checks).
    """
    found = [
        Overdue(OverdueKind.BOOSTER, w.latest_on, f"Maintenance booster {w.number}", w.number)
        for w in windows
        if w.latest_on < today and w.number not in given
    ]
    if next_check_on is not None and relapse_check_overdue(next_check_on, today):
        found.append(Overdue(OverdueKind.RELAPSE_CHECK, next_check_on, check_label))
    return tuple(sorted(found, key=lambda o: (o.due_on, o.kind.value)))


def relapse_met_at(watch: RelapseWatch) -> datetime | None:
    """When the relapse criteria were met: the latest score of the runs that met a rule."""
    return max((at for e in watch.met if (at := e.met_at) is not None), default=None)


def relapse_decision_pending(
    watch: RelapseWatch, decided_at: Sequence[datetime], *, known_at: datetime | None = None
) -> bool:
    """A relapse rule is met and no prescriber decision on the course was recorded since.

    Contract: ``decided_at`` holds when each decision of a physician or APP on the course was
    recorded (a course decision with its written reason, a booster plan stored); pending while
    none is at or after the relapse: :func:`relapse_met_at`, or ``known_at`` when later (a score
    answered earlier but entered later: a decision taken before it was entered did not see it).
    Source: clinical.md §3.4 and §9.2 (relapse: the clinician decides re-induction, continued
    boosters or stopping; never automatic).
    """
    met = relapse_met_at(watch)
    if met is None:
        return False
    since = max(met, known_at) if known_at is not None else met
    return not any(at >= since for at in decided_at)
