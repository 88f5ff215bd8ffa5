"""The clinic's registry of HL7 gateways: who may send monitor messages to the listener.

Admins add and remove gateways (source address or network plus MSH-3/MSH-4) in the web UI; the
operator's CLI and the demo seed go through the same :meth:`GatewayService._add`. Every change is
audited in its own transaction. The listener reads the active rows when it admits a message
(``MonitoringService.ingest_messages``), so a removal takes effect on the next batch.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.domain.errors import Conflict, NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor, Chair
from ketaclinic.domain.infusion.monitor_ingest import Gateway, NewGateway, check_gateway
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion.sessions import eui64
from ketaclinic.services.ports import Clock, UnitOfWorkFactory


class GatewayService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def list(self, actor: Actor) -> Sequence[Gateway]:
        """Active gateways of the actor's clinic (admin only)."""
        require(actor, Permission.STAFF_ADMIN)
        with self._uow() as uow:
            return uow.gateways.for_clinic(actor.clinic_id)

    def add(self, actor: Actor, new: NewGateway) -> Gateway:
        """Register a gateway (admin only); the same source and MSH-3/MSH-4 twice is a 409."""
        require(actor, Permission.STAFF_ADMIN)
        return self._add(actor, new)

    def bootstrap_add(self, clinic_id: int, new: NewGateway, *, by: str = "cli") -> Gateway:
        """Register a gateway from the operator's command line or the demo seed (idempotent)."""
        actor = Actor(None, None, clinic_id, by, label="operator")
        checked = check_gateway(new)
        with self._uow() as uow:
            for existing in uow.gateways.for_clinic(clinic_id):
                if _same(existing, checked):
                    return existing
        return self._add(actor, checked)

    def remove(self, actor: Actor, gateway_id: int) -> None:
        """Stop accepting messages from a gateway (admin only); the row is kept for the audit."""
        require(actor, Permission.STAFF_ADMIN)
        with self._uow() as uow:
            if not uow.gateways.remove(
                actor.clinic_id, gateway_id, by=actor.staff_id, at=self._clock.now()
            ):
                raise NotFound("no such active gateway in this clinic", field="gateway_id")
            record(
                uow,
                self._clock,
                actor,
                "hl7_gateway.remove",
                object_type="hl7_gateway",
                object_id=gateway_id,
            )
            uow.commit()

    def devices(self, actor: Actor) -> Sequence[tuple[str, Chair | None]]:
        """Registered bedside monitors (EUI-64) and their chairs (admin only)."""
        require(actor, Permission.STAFF_ADMIN)
        with self._uow() as uow:
            chairs = {c.id: c for c in uow.clinics.chairs(actor.clinic_id)}
            found = uow.monitors.devices(actor.clinic_id)
        return [(device, chairs.get(chair)) for device, chair in sorted(found.items())]

    def chairs(self, actor: Actor) -> Sequence[Chair]:
        require(actor, Permission.STAFF_ADMIN)
        with self._uow() as uow:
            return uow.clinics.chairs(actor.clinic_id)

    def add_device(self, actor: Actor, device_id: str, chair_id: int) -> None:
        """Register a bedside monitor at a chair (admin only); its messages route to that chair."""
        require(actor, Permission.STAFF_ADMIN)
        device = eui64(device_id)
        with self._uow() as uow:
            if chair_id not in {c.id for c in uow.clinics.chairs(actor.clinic_id)}:
                raise ValidationFailed({"chair_id": "choose a chair of this clinic"})
            uow.monitors.assign(actor.clinic_id, device, chair_id, at=self._clock.now())
            record(
                uow,
                self._clock,
                actor,
                "monitor_device.add",
                object_type="monitor_device",
                object_id=device,
                detail=f"chair={chair_id}",
            )
            uow.commit()

    def remove_device(self, actor: Actor, device_id: str) -> None:
        """Unregister a bedside monitor (admin only); its messages no longer route to a chair."""
        require(actor, Permission.STAFF_ADMIN)
        device = eui64(device_id)
        with self._uow() as uow:
            if not uow.monitors.unassign(actor.clinic_id, device):
                raise NotFound("no such monitor in this clinic", field="device_id")
            record(
                uow,
                self._clock,
                actor,
                "monitor_device.remove",
                object_type="monitor_device",
                object_id=device,
            )
            uow.commit()

    def _add(self, actor: Actor, new: NewGateway) -> Gateway:
        checked = check_gateway(new)
        with self._uow() as uow:
            if any(_same(g, checked) for g in uow.gateways.for_clinic(actor.clinic_id)):
                raise Conflict("this source and MSH-3/MSH-4 are already registered", field="source")
            gateway = uow.gateways.add(
                actor.clinic_id, checked, by=actor.staff_id, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                actor,
                "hl7_gateway.add",
                object_type="hl7_gateway",
                object_id=gateway.id,
                detail=f"source={gateway.source} msh3={gateway.sending_application} "
                f"msh4={gateway.sending_facility}",
            )
            uow.commit()
        return gateway


def _same(g: Gateway, new: NewGateway) -> bool:
    return (g.source, g.sending_application, g.sending_facility) == (
        new.source,
        new.sending_application,
        new.sending_facility,
    )
