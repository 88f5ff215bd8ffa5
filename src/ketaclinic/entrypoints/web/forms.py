"""Turning HTML form fields into domain objects, collecting every field error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.patients.people import (
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
    validate_patient,
)

MAX_FIELD_CHARS = 1000
WIRE_TEXT_CHARS = 10_000  # a transport bound only; the input model holds the field's own limit

Model = TypeVar("Model")


def build(make: Callable[[], Model], errors: dict[str, str]) -> Model:
    """Build a use case's input model from parsed form values.

    ``errors`` holds what the form itself could not parse (a date, a number); the model adds its
    own field rules. Every field error is raised at once, the form's taking precedence.
    """
    try:
        model = make()
    except ValidationFailed as failed:
        raise ValidationFailed({**failed.errors, **errors}) from None
    if errors:
        raise ValidationFailed(errors)
    return model


def text(form: Mapping[str, object], name: str, errors: dict[str, str], limit: int = 300) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        errors[name] = "must be text"
        return ""
    if len(value) > limit:
        errors[name] = f"must be at most {limit} characters"
        return ""
    return value.strip()


def parse_date(value: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a date (YYYY-MM-DD)"
        return None


def parse_decimal(value: str, name: str, errors: dict[str, str]) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        errors[name] = "must be a number"
        return None
    if not number.is_finite():
        errors[name] = "must be a number"
        return None
    return number


def patient_details(form: Mapping[str, object], *, today: date) -> PatientDetails:
    """The register/edit form as :class:`PatientDetails`; raises with every field error at once."""
    errors: dict[str, str] = {}
    values = {
        name: text(form, name, errors, WIRE_TEXT_CHARS)  # the domain holds each field's limit
        for name in (
            "given_name",
            "family_name",
            "gender_identity",
            "phone",
            "email",
            "address",
            "preferred_language",
            "emergency_contact_name",
            "emergency_contact_phone",
        )
    }
    dob = parse_date(text(form, "date_of_birth", errors, 10), "date_of_birth", errors)
    sex = text(form, "sex_at_birth", errors, 10)
    if sex not in {s.value for s in SexAtBirth}:
        errors["sex_at_birth"] = "choose one of the options"
    values["preferred_language"] = values["preferred_language"] or "en"
    details = PatientDetails(
        date_of_birth=dob or today,
        sex_at_birth=SexAtBirth(sex) if "sex_at_birth" not in errors else SexAtBirth.UNKNOWN,
        **values,
    )
    try:
        validate_patient(details, today=today)
    except ValidationFailed as failed:
        errors = {**failed.errors, **errors}
    if errors:
        raise ValidationFailed(errors)
    return details


def guardian_details(form: Mapping[str, object]) -> RelatedPersonDetails | None:
    """The optional guardian block of the register form (None when left empty)."""
    errors: dict[str, str] = {}
    name = text(form, "guardian_name", errors, WIRE_TEXT_CHARS)
    relationship = text(form, "guardian_relationship", errors, WIRE_TEXT_CHARS)
    phone = text(form, "guardian_phone", errors, WIRE_TEXT_CHARS)
    if errors:
        raise ValidationFailed({f"guardian.{k}": v for k, v in errors.items()})
    if not (name or relationship or phone):
        return None
    return RelatedPersonDetails(
        kind=RelationshipKind.GUARDIAN,
        name=name,
        relationship=relationship,
        phone=phone,
        legal_authority=form.get("guardian_legal_authority") == "on",
    )
