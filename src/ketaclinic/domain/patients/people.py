"""Patients, the people related to them, and their dated body measurements.

Validation here is the one place a patient's demographic data is checked; every edge (form, JSON
API, FHIR, CLI, demo seed) goes through :func:`validate_patient`. All field errors are collected
and returned together, so nothing is stored partially.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.units import inches_to_cm as inches_to_cm
from ketaclinic.domain.units import pounds_to_kg as pounds_to_kg

MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254  # RFC 5321 path limit; the column's size
MAX_AGE_YEARS = 120
_NAME_PUNCTUATION = frozenset(" '-.’")
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class SexAtBirth(StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


class RelationshipKind(StrEnum):
    GUARDIAN = "guardian"
    ESCORT = "escort"
    EMERGENCY_CONTACT = "emergency_contact"


@dataclass(frozen=True, slots=True)
class PatientDetails:
    """Demographics as entered; ``mrn`` is assigned by the clinic on registration."""

    given_name: str
    family_name: str
    date_of_birth: date
    sex_at_birth: SexAtBirth
    gender_identity: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    preferred_language: str = "en"
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""


@dataclass(frozen=True, slots=True)
class RelatedPersonDetails:
    kind: RelationshipKind
    name: str
    relationship: str
    phone: str = ""
    email: str = ""
    legal_authority: bool = False


@dataclass(frozen=True, slots=True)
class Measurement:
    """A dated weight (kg) and/or height (cm). Stored in SI units; converted at the edges."""

    measured_at: datetime
    weight_kg: Decimal | None
    height_cm: Decimal | None


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years of age on ``on``."""
    years = on.year - date_of_birth.year
    return years - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def name_error(value: str) -> str | None:
    """Why ``value`` is not an acceptable personal name, or None."""
    if not value.strip():
        return "is required"
    if len(value) > MAX_NAME_CHARS:
        return f"must be at most {MAX_NAME_CHARS} characters"
    for char in value:
        if char in _NAME_PUNCTUATION:
            continue
        if not unicodedata.category(char).startswith(("L", "M")):
            return "may contain letters, spaces, apostrophes, hyphens and periods only"
    return None


def _optional(pattern: re.Pattern[str], value: str, message: str) -> str | None:
    return None if not value or pattern.fullmatch(value) else message


def _email_error(value: str) -> str | None:
    if len(value) > MAX_EMAIL_CHARS:
        return f"must be at most {MAX_EMAIL_CHARS} characters"
    return _optional(_EMAIL, value, "is not a valid email address")


def _free_text_error(value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"must be at most {limit} characters"
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value) or "<" in value:
        return "contains characters that are not allowed"
    return None


def validate_patient(details: PatientDetails, *, today: date) -> None:
    """Raise :class:`ValidationFailed` with every field error, or return None when valid."""
    errors: dict[str, str] = {}
    for field_name in ("given_name", "family_name"):
        if (problem := name_error(getattr(details, field_name))) is not None:
            errors[field_name] = problem
    if details.date_of_birth > today:
        errors["date_of_birth"] = "must not be in the future"
    elif age_on(details.date_of_birth, today) > MAX_AGE_YEARS:
        errors["date_of_birth"] = f"implies an age over {MAX_AGE_YEARS} years"
    checks = {
        "email": _email_error(details.email),
        "phone": _optional(_PHONE, details.phone, "is not a valid phone number"),
        "emergency_contact_phone": _optional(
            _PHONE, details.emergency_contact_phone, "is not a valid phone number"
        ),
        "preferred_language": _optional(
            _LANGUAGE, details.preferred_language, "must be a language tag such as en or es-MX"
        ),
        "gender_identity": _free_text_error(details.gender_identity, 60),
        "address": _free_text_error(details.address, 300),
    }
    if details.emergency_contact_name and (p := name_error(details.emergency_contact_name)):
        checks["emergency_contact_name"] = p
    errors.update({k: v for k, v in checks.items() if v is not None})
    if errors:
        raise ValidationFailed(errors)


def validate_related_person(person: RelatedPersonDetails) -> None:
    """Raise :class:`ValidationFailed` naming each bad field of a guardian, escort or contact."""
    errors: dict[str, str] = {}
    if (problem := name_error(person.name)) is not None:
        errors["name"] = problem
    if (problem := name_error(person.relationship)) is not None:
        errors["relationship"] = problem
    if person.phone and not _PHONE.fullmatch(person.phone):
        errors["phone"] = "is not a valid phone number"
    if (problem := _email_error(person.email)) is not None:
        errors["email"] = problem
    if person.legal_authority and person.kind is not RelationshipKind.GUARDIAN:
        errors["legal_authority"] = "only a guardian can hold legal authority"
    if errors:
        raise ValidationFailed(errors)


def validate_measurement(m: Measurement, *, now: datetime) -> None:
    """Plausible adult and adolescent ranges; a measurement from the future is refused."""
    errors: dict[str, str] = {}
    if m.weight_kg is None and m.height_cm is None:
        errors["weight_kg"] = "a weight or a height is required"
    if m.weight_kg is not None and not Decimal(20) <= m.weight_kg <= Decimal(350):
        errors["weight_kg"] = "must be between 20 and 350 kg"
    if m.height_cm is not None and not Decimal(100) <= m.height_cm <= Decimal(250):
        errors["height_cm"] = "must be between 100 and 250 cm"
    if m.measured_at > now:
        errors["measured_at"] = "must not be in the future"
    if errors:
        raise ValidationFailed(errors)


@dataclass(frozen=True, slots=True)
class Patient:
    """A registered patient of one clinic."""

    id: int
    clinic_id: int
    mrn: str
    details: PatientDetails
    version: int

    @property
    def display_name(self) -> str:
        return f"{self.details.family_name}, {self.details.given_name}"


@dataclass(frozen=True, slots=True)
class RelatedPerson:
    id: int
    patient_id: int
    details: RelatedPersonDetails


@dataclass(frozen=True, slots=True)
class Allergy:
    id: int
    patient_id: int
    substance: str
    reaction: str
    severity: str
    recorded_at: datetime
