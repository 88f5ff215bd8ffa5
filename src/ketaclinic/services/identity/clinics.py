"""Creating clinics (an operator task, from the command line or the demo seed)."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

from ketaclinic.domain.errors import Conflict, ValidationFailed
from ketaclinic.domain.identity.staff import Actor, Clinic
from ketaclinic.services.audit.trail import record
from ketaclinic.services.ports import Clock, UnitOfWorkFactory

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
_PREFIX = re.compile(r"^[A-Z]{1,6}$")


def create_clinic(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    slug: str,
    name: str,
    timezone: str,
    mrn_prefix: str,
) -> Clinic:
    """Create a clinic; ``timezone`` must be an IANA zone (times are shown in it)."""
    errors: dict[str, str] = {}
    if not _SLUG.fullmatch(slug):
        errors["slug"] = "lowercase letters, digits and hyphens, 2-40 characters"
    if not name.strip() or len(name) > 200 or "<" in name:
        errors["name"] = "is required, at most 200 characters, no markup"
    if timezone not in available_timezones():
        errors["timezone"] = "must be an IANA time zone such as America/Chicago"
    if not _PREFIX.fullmatch(mrn_prefix):
        errors["mrn_prefix"] = "1-6 capital letters"
    if errors:
        raise ValidationFailed(errors)
    with uow_factory() as uow:
        if uow.clinics.by_slug(slug) is not None:
            raise Conflict(f"a clinic with slug {slug!r} exists", field="slug")
        clinic = uow.clinics.add(slug, name.strip(), timezone, mrn_prefix, at=clock.now())
        operator = Actor(None, None, clinic.id, "cli", label="operator")
        record(uow, clock, operator, "clinic.create", object_type="clinic", object_id=clinic.id)
        uow.commit()
    return clinic
