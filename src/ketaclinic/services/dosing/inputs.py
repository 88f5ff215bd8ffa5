"""The dosing use cases' inputs, one model each, built by the web forms and the JSON API alike.

Each model validates in its constructor and raises :class:`ValidationFailed` naming every bad
field at once: the form shows the messages next to its fields, the API answers 422 with the same
field names. The edges only turn their wire format (form strings, JSON) into these types. Clinical
limits (ceilings, label and pump refusals) stay with the domain's dose plan; these rules only say
what a well-formed entry is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketaclinic.domain.dosing.weight import ChosenWeight, Sex
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Route

MAX_DIGITS = 12
MAX_DECIMAL_PLACES = 4
MAX_PREMEDICATIONS = 10


def quantity_error(value: Decimal | None) -> str | None:
    """Why ``value`` is not a positive quantity this system stores, or None."""
    if value is None:
        return None
    if not value.is_finite():
        return "must be a number"
    if value <= 0:
        return "must be greater than 0"
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > MAX_DECIMAL_PLACES:
        return f"must have at most {MAX_DECIMAL_PLACES} decimal places"
    if len(value.as_tuple().digits) > MAX_DIGITS:
        return f"must have at most {MAX_DIGITS} digits"
    return None


def _quantities(errors: dict[str, str], **values: Decimal | None) -> None:
    for name, value in values.items():
        if (problem := quantity_error(value)) is not None:
            errors[name] = problem


def _text(errors: dict[str, str], name: str, value: str, limit: int, *, required: str = "") -> None:
    if required and not value.strip():
        errors[name] = required
    elif len(value) > limit:
        errors[name] = f"must be at most {limit} characters"


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """What the prescriber enters. Exactly one of ``mg_per_kg``/``fixed_mg`` for the route's kind;
    ``final_volume_ml`` None runs the drawn drug undiluted; ``premedications`` names the
    protocol premedications to give (mandatory ones are always included)."""

    route: Route
    mg_per_kg: Decimal | None = None
    fixed_mg: Decimal | None = None
    vial_mg_per_ml: Decimal | None = None
    final_volume_ml: Decimal | None = None
    premedications: tuple[str, ...] = ()
    override_reason: str = ""
    sex: Sex | None = None
    chosen_weight_kg: Decimal | None = None  # the prescriber's dosing weight for this order
    chosen_weight_reason: str = ""

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        _quantities(
            errors,
            mg_per_kg=self.mg_per_kg,
            fixed_mg=self.fixed_mg,
            vial_mg_per_ml=self.vial_mg_per_ml,
            final_volume_ml=self.final_volume_ml,
            chosen_weight_kg=self.chosen_weight_kg,
        )
        if len(self.premedications) > MAX_PREMEDICATIONS:
            errors["premedications"] = f"at most {MAX_PREMEDICATIONS} premedications"
        elif any(len(p) > 80 for p in self.premedications):
            errors["premedications"] = "a premedication name must be at most 80 characters"
        _text(errors, "override_reason", self.override_reason, 2000)
        _text(errors, "chosen_weight_reason", self.chosen_weight_reason, 500)
        if errors:
            raise ValidationFailed(errors)

    @property
    def chosen_weight(self) -> ChosenWeight | None:
        if self.chosen_weight_kg is None and not self.chosen_weight_reason.strip():
            return None
        if self.chosen_weight_kg is None:
            raise ValidationFailed({"chosen_weight_kg": "enter the chosen dosing weight in kg"})
        return ChosenWeight(self.chosen_weight_kg, self.chosen_weight_reason)


@dataclass(frozen=True, slots=True)
class BedsideEntry:
    """What the nurse reads: wristband MRN, label drug and concentration, dose, pump rate.

    Whether the order needs a concentration is the order's to say (``OrderService.verify``).
    """

    mrn: str
    drug: str
    route: Route
    concentration_mg_per_ml: Decimal | None  # None when the order has no prepared solution
    dose_mg: Decimal
    rate_ml_per_h: Decimal | None

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        _text(errors, "mrn", self.mrn, 40, required="enter what is in hand")
        _text(errors, "drug", self.drug, 60, required="enter what is in hand")
        _quantities(
            errors,
            concentration_mg_per_ml=self.concentration_mg_per_ml,
            dose_mg=self.dose_mg,
            rate_ml_per_h=self.rate_ml_per_h,
        )
        if errors:
            raise ValidationFailed(errors)
