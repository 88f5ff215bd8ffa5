"""Patient demographic validation: every bad field is named, hostile input never passes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.patients.people import (
    Measurement,
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
    age_on,
    validate_measurement,
    validate_patient,
    validate_related_person,
)
from ketaclinic.domain.units import body_mass_index as bmi
from ketaclinic.domain.units import inches_to_cm, pounds_to_kg

TODAY = date(2026, 3, 2)


def details(**changes: object) -> PatientDetails:
    base: dict[str, object] = {
        "given_name": "Avery",
        "family_name": "Demo-Alder",
        "date_of_birth": date(1990, 5, 17),
        "sex_at_birth": SexAtBirth.FEMALE,
    }
    return PatientDetails(**{**base, **changes})  # type: ignore[arg-type]


def errors_of(d: PatientDetails) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_patient(d, today=TODAY)
    return caught.value.errors


def test_a_plain_patient_is_valid() -> None:
    validate_patient(details(given_name="Zoë", family_name="O'Brien-Núñez Jr."), today=TODAY)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("given_name", "", "required"),
        ("given_name", "A" * 10_000, "at most 100"),
        ("given_name", "<script>alert(1)</script>", "letters"),
        ("family_name", "x'); DROP TABLE patients;--", "letters"),
        ("family_name", "Robert\x00", "letters"),
        ("date_of_birth", TODAY + timedelta(days=1), "future"),
        ("date_of_birth", date(1890, 1, 1), "over 120"),
        ("email", "not-an-email", "email"),
        ("email", "a@b.c<script>", "email"),
        ("phone", "call me maybe", "phone"),
        ("preferred_language", "english!!", "language"),
        ("address", "<img src=x onerror=alert(1)>", "not allowed"),
        ("gender_identity", "g" * 61, "at most 60"),
    ],
)
def test_bad_field_is_named(field: str, value: object, fragment: str) -> None:
    found = errors_of(details(**{field: value}))
    assert field in found
    assert fragment in found[field]


def test_all_bad_fields_are_reported_together() -> None:
    found = errors_of(details(given_name="", family_name="<b>", date_of_birth=date(2999, 1, 1)))
    assert set(found) == {"given_name", "family_name", "date_of_birth"}


@pytest.mark.parametrize(
    ("born", "on", "years"),
    [
        (date(2011, 3, 2), date(2026, 3, 2), 15),
        (date(2011, 3, 3), date(2026, 3, 2), 14),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_in_completed_years(born: date, on: date, years: int) -> None:
    assert age_on(born, on) == years


def test_bmi_and_unit_conversions() -> None:
    assert bmi(Decimal("70"), Decimal("175")) == Decimal("22.9")
    assert pounds_to_kg(Decimal("154.3236")).quantize(Decimal("0.01")) == Decimal("70.00")
    assert inches_to_cm(Decimal("69")) == Decimal("175.26")


def test_guardian_needs_a_name_and_only_guardians_hold_legal_authority() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_related_person(
            RelatedPersonDetails(RelationshipKind.ESCORT, "", "friend", legal_authority=True)
        )
    assert set(caught.value.errors) == {"name", "legal_authority"}


@pytest.mark.parametrize(
    ("weight", "height", "field"),
    [
        (Decimal("5"), None, "weight_kg"),
        (None, Decimal("400"), "height_cm"),
        (None, None, "weight_kg"),
    ],
)
def test_implausible_measurements_are_refused(
    weight: Decimal | None, height: Decimal | None, field: str
) -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as caught:
        validate_measurement(Measurement(now, weight, height), now=now)
    assert field in caught.value.errors


def test_measurement_from_the_future_is_refused() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as caught:
        validate_measurement(Measurement(now + timedelta(hours=1), Decimal(70), None), now=now)
    assert "measured_at" in caught.value.errors
