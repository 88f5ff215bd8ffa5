"""The auditor's worklist: the clinic's audit events of a period that did not succeed (refused,
denied, unmatched, failed), newest first, with the people named.

A read of the trail only; the audit page (``/audit``) is where each is looked at in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.audit.events import AuditEvent
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import UnitOfWorkFactory

_SUCCEEDED = frozenset({"success", "stored", "ok"})
LIMIT = 2000


@dataclass(frozen=True, slots=True)
class AuditException:
    event: AuditEvent
    actor_name: str  # "" when the event has no signed-in actor


class AuditExceptionService:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    def between(self, actor: Actor, since: datetime, until: datetime) -> list[AuditException]:
        """Events from ``since`` to ``until`` whose outcome is not a success (AUDIT_READ)."""
        require(actor, Permission.AUDIT_READ)
        with self._uow() as uow:
            names = {m.id: m.name for m, _ in uow.staff.list_for_clinic(actor.clinic_id)}
            found = uow.audit.query(AuditQuery(actor.clinic_id, None, None, since, until, LIMIT))
        return [
            AuditException(e, names.get(e.actor_id, "") if e.actor_id is not None else "")
            for _, e in found
            if e.outcome not in _SUCCEEDED
        ]
