"""Whether a session is on a bedside monitor: the one place that decides it.

A session is monitored when a monitor was assigned to it at the bedside, or when one is
registered on its chair (its readings are then routed to the session in that chair). Without
either, nothing can go silent: the protocol's technical "data missing" rules do not apply, the
page says plainly that vital signs are entered by hand, and the vitals due on the protocol's
interval are what the nurse works to. With a monitor, a monitor that stops sending raises the
"data missing" alarm (clinical.md §4.1).
"""

from __future__ import annotations

from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.services.ports import UnitOfWork


def monitor_of(uow: UnitOfWork, s: InfusionSession) -> str | None:
    """The monitor (EUI-64) the session reads from: its own, else its chair's; None = by hand."""
    if s.monitor_device_id:
        return s.monitor_device_id
    on_chair = sorted(
        d for d, chair in uow.monitors.devices(s.clinic_id).items() if chair == s.chair_id
    )
    return on_chair[0] if on_chair else None
