"""Who may run a session's steps: the one check every documented step and every move passes.

Nurses and prescribers run every session. Any other role that holds ``SESSION_RUN`` (a coach)
runs only the sessions of a protocol that names it as an attendant: a KAT journey attended by a
coach, never an IV infusion. Even there the coach attends (dissociation scores, observations,
adverse events, pausing or stopping for safety); the nursing steps stay with a nurse, physician or
APP (:data:`NURSING_RULE`): checking the patient in (identity, escort, fasting, pregnancy test),
recording the start and the end of dosing (the administration record is kept by who gave the
drug or saw it given), the Aldrete score and discharge. Source: clinical.md §7 (KAT sessions
attended by a physician or coach, with the same vital-sign and discharge rules as in-office
dosing, §4; §8.1 the administration record); seed 004.
"""

from __future__ import annotations

from ketaclinic.domain.errors import PermissionDenied
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published

RULE = "session.runner_role"
NURSING_RULE = "session.nursing_step"
CLINICAL_RUNNERS = frozenset({Role.NURSE, Role.PHYSICIAN, Role.APP})


def ensure_session_runner(
    uow: UnitOfWork, actor: Actor, s: InfusionSession, protocol: Protocol | None = None
) -> None:
    """Refuse, naming the rule, a role that may not run this session (e.g. a coach on an IV
    infusion). Called inside the caller's unit of work before any check, record or move."""
    if actor.role in CLINICAL_RUNNERS:
        return
    if protocol is None:
        course = get_course(uow, s.clinic_id, s.course_id)
        protocol = load_published(uow, s.clinic_id, course.protocol_version_id).protocol
    if may_run_session(actor, protocol):
        return
    attendants = protocol.integration.attendant_roles
    role = actor.role.value if actor.role is not None else "caller"
    raise PermissionDenied(
        f"{RULE}: a {role} may not run the steps of this session; nurses and prescribers may, "
        f"and this protocol's attendants ({', '.join(attendants) or 'none'})",
        field="session_id",
    )


def ensure_clinical(actor: Actor, rule: str, what: str) -> None:
    """Refuse, naming ``rule``, a signed-in role other than nurse, physician or APP for a step
    only licensed clinical staff do (``what``: e.g. "give a dose or record a drug given"). The
    coach attends a KAT session but never gives a drug or clears the patient for dosing."""
    if actor.role in CLINICAL_RUNNERS:
        return
    role = actor.role.value if actor.role is not None else "caller"
    raise PermissionDenied(
        f"{rule}: a {role} cannot {what}; a nurse, physician or APP does", field="session_id"
    )


def may_run_session(actor: Actor, protocol: Protocol) -> bool:
    """Whether ``actor`` may run the steps of a session of ``protocol`` (pages show the steps
    only then; :func:`ensure_session_runner` is the check)."""
    if actor.role in CLINICAL_RUNNERS:
        return True
    return actor.role is not None and actor.role.value in protocol.integration.attendant_roles
