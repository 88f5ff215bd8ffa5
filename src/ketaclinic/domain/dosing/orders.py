"""The nurse's bedside check of a dose order against what is in hand, before administration.

Before administration a nurse verifies the order against the patient, drug, concentration,
dose and rate (a second-person check is recorded by the service). Every mismatch is listed, not
only the first, so the nurse sees everything that is wrong at once. Quantities are compared as exact
``Decimal`` values after normalising the exponent (``35`` equals ``35.0``): a pump rate of 52.5 is
not "close enough" to 52.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketaclinic.domain.dosing.calculation import DoseCalculation
from ketaclinic.domain.dosing.reasons import CLINICAL_2_4, DosingReason
from ketaclinic.domain.dosing.titration import TitrationRecommendation
from ketaclinic.domain.protocols.sections import Route


@dataclass(frozen=True, slots=True)
class OrderToVerify:
    """The signed order as the nurse's screen shows it. ``rate_ml_per_h`` None for non-infused."""

    order_id: str
    patient_id: str
    drug: str
    route: Route
    concentration_mg_per_ml: Decimal | None  # None for a dose without a prepared solution (SL)
    dose_mg: Decimal
    rate_ml_per_h: Decimal | None


@dataclass(frozen=True, slots=True)
class ObservedAdministration:
    """What the nurse reads: wristband, bag or syringe label, and the programmed pump rate."""

    patient_id: str
    drug: str
    route: Route
    concentration_mg_per_ml: Decimal | None
    dose_mg: Decimal
    rate_ml_per_h: Decimal | None


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One field where the order and the observation differ, both values as text."""

    field: str
    ordered: str
    observed: str
    reason: DosingReason


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """``verified`` only when nothing differs; ``mismatches`` lists every difference."""

    order_id: str
    mismatches: tuple[Mismatch, ...]

    @property
    def verified(self) -> bool:
        return not self.mismatches


#: Why a patient mismatch blocks: the dose is given only to the patient it was ordered for.
RIGHT_PATIENT = "the right patient is confirmed at the bedside before administration"
_FIELDS = ("patient_id", "drug", "route", "concentration_mg_per_ml", "dose_mg", "rate_ml_per_h")


def verify_order(order: OrderToVerify, observed: ObservedAdministration) -> VerificationResult:
    """Compare patient, drug, route, concentration, dose and rate; list every mismatch.

    Drug names compare case- and space-insensitively; quantities exactly. A missing pump rate on
    either side of an infused order is a mismatch. Source: clinical.md §2.4 (a wrong concentration
    changes the delivered dose).
    """
    mismatches = tuple(
        _mismatch(name, getattr(order, name), getattr(observed, name))
        for name in _FIELDS
        if not _same(getattr(order, name), getattr(observed, name))
    )
    return VerificationResult(order.order_id, mismatches)


def _same(ordered: object, observed: object) -> bool:
    if isinstance(ordered, Decimal) and isinstance(observed, Decimal):
        return ordered.normalize() == observed.normalize()
    if isinstance(ordered, str) and isinstance(observed, str):
        return _normalise_text(ordered) == _normalise_text(observed)
    return ordered == observed


def _normalise_text(value: str) -> str:
    return " ".join(value.lower().split())


#: Each compared field as the bedside check names it, with the unit its values are written in.
_FIELD_WORDS = {
    "drug": ("Drug", ""),
    "route": ("Route", ""),
    "concentration_mg_per_ml": ("Concentration", " mg/mL"),
    "dose_mg": ("Dose", " mg"),
    "rate_ml_per_h": ("Pump rate", " mL/h"),
}


def _mismatch(name: str, ordered: object, observed: object) -> Mismatch:
    ordered_text, observed_text = _text(ordered), _text(observed)
    if name == "patient_id":  # never a patient's internal number: the order is someone else's
        message = "Patient: the order is for another patient than the one at the bedside"
    else:
        label, unit = _FIELD_WORDS.get(name, (name.replace("_", " ").capitalize(), ""))
        shown = [t if t == "none" else f"{t}{unit}" for t in (ordered_text, observed_text)]
        if name == "route":
            shown = [t.upper() for t in shown]
        message = f"{label}: ordered {shown[0]}, found {shown[1]}"
    reason = DosingReason(
        f"verify.{name}_mismatch",
        message,
        CLINICAL_2_4 if name != "patient_id" else RIGHT_PATIENT,
    )
    return Mismatch(name, ordered_text, observed_text, reason)


def _text(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True, slots=True)
class PrescriptionReview:
    """Whether a prescriber's chosen dose may be signed: ``overrides`` when it departs from the
    recommendation, and every refusal (empty when it may be signed)."""

    overrides: bool
    refusals: tuple[DosingReason, ...]

    @property
    def signable(self) -> bool:
        return not self.refusals


def review_prescribed_dose(
    recommendation: TitrationRecommendation, chosen: DoseCalculation, *, override_reason: str
) -> PrescriptionReview:
    """Check the dose a prescriber chose against the recommendation before signing.

    A dose other than the proposed one, or any dose when the recommendation is to postpone or to
    hold and review, needs a written ``override_reason``. Ceilings are never overridable: the
    chosen dose must come from :func:`calculate_dose` (so it is already within them) and a chosen
    dose with its own refusals cannot be signed. Source: clinical.md §2.2.
    """
    proposed = recommendation.proposed
    overrides = proposed is None or proposed.dose_mg != chosen.dose_mg
    refusals = list(chosen.refusals)
    if chosen.dose_mg > chosen.ceiling_mg:
        refusals.append(
            DosingReason("order.above_ceiling", "dose above a ceiling", "clinical.md §2.2")
        )
    if overrides and not override_reason.strip():
        refusals.append(
            DosingReason(
                "order.override_needs_reason",
                f"recommendation was {recommendation.outcome.value}"
                + (f" at {proposed.dose_mg} mg" if proposed else "")
                + f"; {chosen.dose_mg} mg needs a written reason",
                "clinical.md §2.2",
            )
        )
    return PrescriptionReview(overrides, tuple(refusals))
