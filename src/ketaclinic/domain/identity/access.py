"""Roles, permissions and the role -> permission table. Deny by default.

The table is data so that a clinic's compliance officer can read it (``docs/permissions.md`` is
generated from it) and a test can walk every route against it. A staff member holds one role per
clinic they belong to; every check is made for the clinic in use.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PHYSICIAN = "physician"
    APP = "app"  # advanced practice provider: nurse practitioner or physician assistant
    NURSE = "nurse"
    COACH = "coach"
    FRONT_DESK = "front_desk"
    ADMIN = "admin"
    AUDITOR = "auditor"


#: How each role is named to people (the enum value is the stored code).
ROLE_LABELS: dict[Role, str] = {
    Role.PHYSICIAN: "physician",
    Role.APP: "nurse practitioner / PA",
    Role.NURSE: "nurse",
    Role.COACH: "integration coach",
    Role.FRONT_DESK: "front desk",
    Role.ADMIN: "administrator",
    Role.AUDITOR: "auditor",
}


class Permission(StrEnum):
    PATIENT_READ = "patient.read"  # demographics, contacts, guardians, appointments
    CHART_READ = "chart.read"  # the clinical record: scores, evaluation, orders, sessions, notes
    PATIENT_WRITE = "patient.write"
    STAFF_ADMIN = "staff.admin"
    AUDIT_READ = "audit.read"
    PROTOCOL_READ = "protocol.read"
    PROTOCOL_SIGNOFF = "protocol.signoff"
    PROTOCOL_ADOPT = "protocol.adopt"
    ASSESSMENT_RECORD = "assessment.record"
    SAFETY_ASSESS = "safety.assess"
    SAFETY_CLEAR = "safety.clear"  # document "safe to continue": lifts the safety gate
    EVALUATION_WRITE = "evaluation.write"
    ELIGIBILITY_SIGN = "eligibility.sign"
    ELIGIBILITY_OVERRIDE = "eligibility.override"
    CONSENT_COLLECT = "consent.collect"
    COURSE_MANAGE = "course.manage"
    ORDER_WRITE = "order.write"
    ORDER_VERIFY = "order.verify"
    SCHEDULE_READ = "schedule.read"
    SCHEDULE_WRITE = "schedule.write"
    SESSION_CHECK_IN = "session.check_in"  # the patient arrived: open the appointment's session
    SESSION_RUN = "session.run"
    VITALS_WRITE = "vitals.write"
    ALARM_ACK = "alarm.ack"
    DISCHARGE_OVERRIDE = "discharge.override"
    PREDOSE_DECIDE = "predose.decide"  # decide on a pre-dose BP at or above the hold
    COACHING_WRITE = "coaching.write"
    PRIVATE_NOTE_READ = "private_note.read"
    OUTCOMES_READ = "outcomes.read"
    DEVICE_FEED = "device.feed"


_CLINICAL_READ = frozenset(
    {
        Permission.PATIENT_READ,
        Permission.CHART_READ,
        Permission.PROTOCOL_READ,
        Permission.SCHEDULE_READ,
    }
)

_PRESCRIBER = _CLINICAL_READ | {
    Permission.PATIENT_WRITE,
    Permission.ASSESSMENT_RECORD,
    Permission.SAFETY_ASSESS,
    Permission.EVALUATION_WRITE,
    Permission.ELIGIBILITY_SIGN,
    Permission.CONSENT_COLLECT,
    Permission.COURSE_MANAGE,
    Permission.ORDER_WRITE,
    Permission.SCHEDULE_WRITE,
    Permission.SESSION_CHECK_IN,
    Permission.SESSION_RUN,
    Permission.VITALS_WRITE,
    Permission.ALARM_ACK,
    Permission.PREDOSE_DECIDE,
    Permission.OUTCOMES_READ,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PHYSICIAN: frozenset(
        _PRESCRIBER
        | {
            Permission.ELIGIBILITY_OVERRIDE,
            Permission.PROTOCOL_SIGNOFF,
            Permission.PROTOCOL_ADOPT,
            Permission.DISCHARGE_OVERRIDE,
            Permission.SAFETY_CLEAR,
        }
    ),
    Role.APP: frozenset(_PRESCRIBER),
    Role.NURSE: frozenset(
        _CLINICAL_READ
        | {
            Permission.ASSESSMENT_RECORD,
            Permission.CONSENT_COLLECT,
            Permission.ORDER_VERIFY,
            Permission.SESSION_CHECK_IN,
            Permission.SESSION_RUN,
            Permission.VITALS_WRITE,
            Permission.ALARM_ACK,
        }
    ),
    Role.COACH: frozenset(
        _CLINICAL_READ
        | {Permission.ASSESSMENT_RECORD, Permission.COACHING_WRITE, Permission.SESSION_RUN}
    ),
    Role.FRONT_DESK: frozenset(
        {
            Permission.PATIENT_READ,
            Permission.PATIENT_WRITE,
            Permission.SCHEDULE_READ,
            Permission.SCHEDULE_WRITE,
            Permission.SESSION_CHECK_IN,
            Permission.CONSENT_COLLECT,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Permission.STAFF_ADMIN,
            Permission.AUDIT_READ,
            Permission.PROTOCOL_READ,
            Permission.PROTOCOL_ADOPT,
            Permission.SCHEDULE_READ,
            Permission.SCHEDULE_WRITE,
            Permission.OUTCOMES_READ,
            Permission.PATIENT_READ,
            Permission.CHART_READ,
        }
    ),
    Role.AUDITOR: frozenset(
        {Permission.AUDIT_READ, Permission.PATIENT_READ, Permission.CHART_READ}
    ),
}
"""Role -> permissions. A role or permission absent from this table is denied."""

PRESCRIBER_ROLES = frozenset({Role.PHYSICIAN, Role.APP})


def is_allowed(role: Role, permission: Permission) -> bool:
    """True when ``role`` grants ``permission`` (deny by default)."""
    return permission in PERMISSIONS.get(role, frozenset())


#: What each permission lets a person do, in words ("cannot ..." reads after a role).
PERMISSION_ACTIONS: dict[Permission, str] = {
    Permission.PATIENT_READ: "open patient details and appointments",
    Permission.CHART_READ: "read the clinical record",
    Permission.PATIENT_WRITE: "register or change patient details",
    Permission.STAFF_ADMIN: "manage staff accounts",
    Permission.AUDIT_READ: "read the audit trail",
    Permission.PROTOCOL_READ: "read the clinic's protocols",
    Permission.PROTOCOL_SIGNOFF: "sign off a protocol version",
    Permission.PROTOCOL_ADOPT: "adopt a protocol version for the clinic",
    Permission.ASSESSMENT_RECORD: "record questionnaire scores",
    Permission.SAFETY_ASSESS: "record a suicide-risk assessment",
    Permission.SAFETY_CLEAR: "document that it is safe to continue after a safety flag",
    Permission.EVALUATION_WRITE: "write the medical evaluation",
    Permission.ELIGIBILITY_SIGN: "sign eligibility",
    Permission.ELIGIBILITY_OVERRIDE: "override an eligibility exclusion",
    Permission.CONSENT_COLLECT: "collect consent",
    Permission.COURSE_MANAGE: "open or change a treatment course",
    Permission.ORDER_WRITE: "write or sign a dose order",
    Permission.ORDER_VERIFY: "verify a dose order at the bedside",
    Permission.SCHEDULE_READ: "read the schedule",
    Permission.SCHEDULE_WRITE: "book or change appointments",
    Permission.SESSION_CHECK_IN: "check a patient in",
    Permission.SESSION_RUN: "run an infusion session",
    Permission.VITALS_WRITE: "record vital signs",
    Permission.ALARM_ACK: "acknowledge an alarm",
    Permission.DISCHARGE_OVERRIDE: "override the discharge criteria",
    Permission.PREDOSE_DECIDE: "record the pre-dose BP decision",
    Permission.COACHING_WRITE: "write integration coaching notes",
    Permission.PRIVATE_NOTE_READ: "read private coaching notes",
    Permission.OUTCOMES_READ: "read outcomes",
    Permission.DEVICE_FEED: "send monitor readings",
}


def _a(label: str) -> str:
    label = "front desk staff member" if label == ROLE_LABELS[Role.FRONT_DESK] else label
    return f"{'an' if label[:1] in 'aeiou' else 'a'} {label}"


def roles_with(permission: Permission) -> tuple[Role, ...]:
    """The roles the table grants ``permission``, in the order of :class:`Role`."""
    return tuple(r for r in Role if is_allowed(r, permission))


def refusal_words(role: Role, permission: Permission, action: str | None = None) -> str:
    """Why ``role`` is refused ``permission``, in words: "A nurse cannot record the pre-dose BP
    decision: only a physician or a nurse practitioner / PA may". ``action`` names the act
    refused when a permission guards more than one (approving a resume also needs
    PREDOSE_DECIDE)."""
    action = action or PERMISSION_ACTIONS.get(permission, permission.value)
    who = [_a(ROLE_LABELS[r]) for r in roles_with(permission)]
    may = (
        "no role may"
        if not who
        else "only "
        + (" or ".join(who) if len(who) < 3 else ", ".join(who[:-1]) + " or " + who[-1])
        + " may"
    )
    subject = _a(ROLE_LABELS.get(role, role.value))
    return f"{subject[:1].upper()}{subject[1:]} cannot {action}: {may}"
