"""Every read of patient data is audited (HIPAA 164.312(b); IHE BALP "patient read/query").

The edge reports each patient-data read once (the route, the ids in its path and query, and any
patients a list or search returned); :func:`record_reads` resolves the ids to patients and appends
one audit event per patient seen in one unit of work. Each event says who (staff id and role,
client), what patient, what resource or page (type and id), when, the action (``phi.read``,
``phi.query`` for lists and searches, ``phi.export`` for files, FHIR and calendars) and the
outcome. Search text is never stored: a query event names the patients returned, not the query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.audit.group_commit import GroupCommit
from ketaclinic.services.audit.trail import record
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

READ, QUERY, EXPORT = "phi.read", "phi.query", "phi.export"


@dataclass(frozen=True, slots=True)
class PatientRead:
    """One read as the edge saw it: the page or resource and the patients it showed."""

    action: str
    object_type: str
    object_id: str
    patient_ids: tuple[int, ...] = ()


def _patient_of(found: object) -> int | None:
    value = getattr(found, "patient_id", None)
    return int(value) if isinstance(value, int) else None


Lookup = Callable[[UnitOfWork, int, int], object]
#: the largest id a stored row can have (PostgreSQL ``integer``)
ID_MAX = 2**31 - 1

# a path or query id -> the object it names (its ``patient_id`` is the patient read)
LOOKUPS: Mapping[str, Lookup] = {
    "course_id": lambda uow, clinic, i: uow.courses.get(clinic, i),
    "session_id": lambda uow, clinic, i: uow.sessions.get(clinic, i),
    "order_id": lambda uow, clinic, i: uow.dosing.get_order(clinic, i),
    "note_id": lambda uow, clinic, i: uow.coaching_notes.get(clinic, i),
    "response_id": lambda uow, clinic, i: uow.assessments.get(clinic, i),
    "task_id": lambda uow, clinic, i: uow.safety_tasks.get(clinic, i),
    "appointment_id": lambda uow, clinic, i: uow.schedule.get(clinic, i),
    "consent_id": lambda uow, clinic, i: uow.consents.get(clinic, i),
}


def patients_named(uow: UnitOfWork, clinic_id: int, ids: Mapping[str, int]) -> set[int]:
    """The patients of this clinic that the ids of a request name (others are ignored)."""
    found: set[int] = set()
    for name, value in ids.items():
        if not 1 <= value <= ID_MAX:  # no stored row has it (the route refuses it as well)
            continue
        if name == "patient_id":
            if uow.patients.get(clinic_id, value) is not None:
                found.add(value)
        elif name in LOOKUPS:
            patient = _patient_of(LOOKUPS[name](uow, clinic_id, value))
            if patient is not None:
                found.add(patient)
    return found


class ReadAuditService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, appends: GroupCommit | None = None
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        # read events of concurrent requests are committed together (see ``group_commit``)
        self._appends = appends or GroupCommit(uow_factory)

    def record_reads(
        self,
        actor: Actor,
        reads: Sequence[PatientRead],
        *,
        ids: Mapping[str, int],
        outcome: str,
    ) -> int:
        """Append one audit event per (read, patient) in one unit of work; the count written.

        ``ids`` are the request's path and query ids; the patients they name are added to every
        read. A read that names no patient of the clinic writes nothing.
        """

        def append(uow: UnitOfWork) -> int:
            written = 0
            named = patients_named(uow, actor.clinic_id, ids)
            for read in reads:
                for patient_id in sorted(named | set(read.patient_ids)):
                    record(
                        uow,
                        self._clock,
                        actor,
                        read.action,
                        object_type=read.object_type,
                        object_id=read.object_id,
                        patient_id=patient_id,
                        outcome=outcome,
                    )
                    written += 1
            return written

        return self._appends.run(append)

    def record_refusal(
        self,
        actor: Actor,
        object_type: str,
        object_id: str,
        *,
        ids: Mapping[str, int],
        status: int,
        detail: str,
    ) -> int:
        """A change the signed-in person asked for and was refused (HIPAA 164.312(b): failed
        attempts are audited too): one ``request.refused`` event per patient the request named
        (or one naming none). ``detail`` carries the error kind, field and rule ids only, never
        the values typed."""
        with self._uow() as uow:
            named: list[int | None] = [*sorted(patients_named(uow, actor.clinic_id, ids))]
            named = named or [None]
            for patient_id in named:
                record(
                    uow,
                    self._clock,
                    actor,
                    "request.refused",
                    object_type=object_type,
                    object_id=object_id,
                    patient_id=patient_id,
                    outcome="refused",
                    detail=f"status={status} {detail}".strip()[:300],
                )
            uow.commit()
        return len(named)
