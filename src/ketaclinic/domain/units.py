"""Unit conversions and body-mass index, shared by demographics and dosing.

Stored values are SI (kg, cm); pounds and inches are converted at the edges with exact factors.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KG_PER_LB = Decimal("0.45359237")
CM_PER_INCH = Decimal("2.54")
_TENTH = Decimal("0.1")


def pounds_to_kg(lb: Decimal) -> Decimal:
    """Pounds to kilograms (exact factor 0.45359237)."""
    return lb * KG_PER_LB


def kg_to_pounds(kg: Decimal) -> Decimal:
    """Kilograms to pounds."""
    return kg / KG_PER_LB


def inches_to_cm(inches: Decimal) -> Decimal:
    """Inches to centimetres (exact factor 2.54)."""
    return inches * CM_PER_INCH


def cm_to_inches(cm: Decimal) -> Decimal:
    """Centimetres to inches."""
    return cm / CM_PER_INCH


def body_mass_index(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """BMI in kg/m², rounded half-up to 0.1 (one rule for the chart and for dosing)."""
    metres = height_cm / Decimal(100)
    return (weight_kg / (metres * metres)).quantize(_TENTH, ROUND_HALF_UP)
