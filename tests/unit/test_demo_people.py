"""The demo clinic's people are obviously synthetic and never share a name (same-name charts are a
real hazard at the chair side, and the demo should not teach anyone to ignore it)."""

from __future__ import annotations

from datetime import date

from ketaclinic.domain.patients.people import age_on, validate_patient
from ketaclinic.services.demo import DEMO_ADOLESCENTS, DEMO_PATIENTS, _patient

TODAY = date(2026, 11, 23)


def test_forty_valid_patients_with_distinct_obviously_fake_names() -> None:
    people = [_patient(i, TODAY) for i in range(DEMO_PATIENTS)]
    for p in people:
        validate_patient(p, today=TODAY)
        assert p.family_name.startswith("Demo-")
    assert len({(p.given_name, p.family_name) for p in people}) == DEMO_PATIENTS


def test_the_first_patients_are_adolescents_and_the_rest_adults() -> None:
    ages = [age_on(_patient(i, TODAY).date_of_birth, TODAY) for i in range(DEMO_PATIENTS)]
    assert all(12 <= a <= 17 for a in ages[:DEMO_ADOLESCENTS])
    assert all(a >= 18 for a in ages[DEMO_ADOLESCENTS:])
