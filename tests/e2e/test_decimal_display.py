"""Doses and vitals are shown as plain decimals with units on every page: never scientific
notation (``3E+2``) and no trailing zeros (``35.0 mg`` is misread as 350 mg; ISMP list of
error-prone dose designations)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.entrypoints.web.plain import plain_number
from ketaclinic.entrypoints.web.rendering import templates


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("3E+2"), "300"),
        (Decimal("35.0"), "35"),
        (Decimal("0.50"), "0.5"),
        (Decimal("12.500"), "12.5"),
        (Decimal("0"), "0"),
        (Decimal("-0.0"), "0"),
        (Decimal("1E-3"), "0.001"),
    ],
)
def test_every_decimal_in_a_template_prints_plain(value: Decimal, shown: str) -> None:
    env = templates().env
    assert env.from_string("{{ dose }} mg").render(dose=value) == f"{shown} mg"
    assert env.from_string("{{ dose | plain }}").render(dose=value) == shown
    assert plain_number(value) == shown


def test_other_values_are_left_alone() -> None:
    env = templates().env
    assert env.from_string("{{ a }} {{ b }} {{ c }}").render(a="3E+2", b=7, c=None) == "3E+2 7 None"
