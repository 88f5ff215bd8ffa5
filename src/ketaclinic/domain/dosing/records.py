"""What the dosing area stores: signed orders, bedside checks, administrations and check-ins.

These are the records the services read back to build the next session's recommendation: the
previous sessions' doses and responses come from :class:`Administration` (until infusion sessions
record them), the between-session answers from :class:`StoredCheckIn`. Quantities are ``Decimal``
with their unit in the field name; times are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.dosing.checkin import BetweenSessionCheckIn, TitrationOutcome
from ketaclinic.domain.dosing.sessions import (
    AdverseEvent,
    DissociationInstrument,
    PreviousSession,
    SessionAlarm,
)
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import Route, WeightBasis

KETAMINE = "ketamine"


class OrderStatus(StrEnum):
    """signed -> verified (second-person check passed) -> administered."""

    SIGNED = "signed"
    VERIFIED = "verified"
    ADMINISTERED = "administered"


@dataclass(frozen=True, slots=True)
class PremedicationOrder:
    """A premedication from the protocol, with its dose and route as the protocol gives them."""

    drug: str
    dose_mg: Decimal
    route: str
    source: str
    needs_signoff: bool


@dataclass(frozen=True, slots=True)
class OrderContent:
    """Everything a prescriber signs: dose, weight basis, preparation, premedications, and the
    recommendation it was written from with every reason and arithmetic step."""

    session_number: int
    route: Route
    drug: str
    dose_mg: Decimal
    requested_mg_per_kg: Decimal | None
    effective_mg_per_kg: Decimal
    dosing_weight_kg: Decimal
    weight_basis: WeightBasis
    weight_formula: str
    vial_mg_per_ml: Decimal | None
    draw_volume_ml: Decimal | None
    final_volume_ml: Decimal | None
    final_concentration_mg_per_ml: Decimal | None
    rate_ml_per_h: Decimal | None
    mg_per_kg_per_h: Decimal | None
    duration_min: int
    premedications: tuple[PremedicationOrder, ...]
    recommendation: TitrationOutcome
    recommended_dose_mg: Decimal | None
    override_reason: str
    reasons: tuple[str, ...]
    steps: tuple[str, ...]

    @property
    def overrides(self) -> bool:
        """True when the signed dose departs from the recommendation (a reason was required)."""
        return self.recommended_dose_mg is None or self.recommended_dose_mg != self.dose_mg

    @property
    def concentration_mg_per_ml(self) -> Decimal | None:
        """What the nurse reads on the bag or syringe: the final concentration."""
        return self.final_concentration_mg_per_ml


@dataclass(frozen=True, slots=True)
class DoseOrder:
    """A signed order and where it is in its life (see :class:`OrderStatus`)."""

    id: int
    clinic_id: int
    patient_id: int
    course_id: int
    protocol_version_id: int
    content: OrderContent
    status: OrderStatus
    signed_by: int
    signed_at: datetime
    verified_by: int | None = None
    verified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VerificationRecord:
    """One bedside check attempt: who, when, and every mismatch (empty when verified)."""

    id: int
    order_id: int
    by_staff: int
    at: datetime
    mismatches: tuple[str, ...]

    @property
    def verified(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True, slots=True)
class SessionResponse:
    """What a session recorded about the patient's response (read by the next titration)."""

    dissociation_instrument: DissociationInstrument | None = None
    dissociation_peak_total: int | None = None
    excessive_sedation: bool = False
    alarms: tuple[SessionAlarm, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    stopped_early: bool = False

    def __post_init__(self) -> None:
        if (self.dissociation_instrument is None) != (self.dissociation_peak_total is None):
            raise ValidationFailed(
                {"dissociation_peak_total": "give the instrument and the peak total together"}
            )
        total, instrument = self.dissociation_peak_total, self.dissociation_instrument
        if total is None or instrument is None:
            return
        low, high = instrument.total_range
        if not low <= total <= high:
            raise ValidationFailed({"dissociation_peak_total": f"must be between {low} and {high}"})


@dataclass(frozen=True, slots=True)
class Administration:
    """A dose given under a verified order, with the response the session recorded."""

    id: int
    clinic_id: int
    course_id: int
    order_id: int
    session_number: int
    given_at: datetime
    dose_mg: Decimal
    dose_mg_per_kg: Decimal
    recorded_by: int
    response: SessionResponse

    def as_previous(self) -> PreviousSession:
        """The titration rules' view of this session."""
        r = self.response
        return PreviousSession(
            session_number=self.session_number,
            given_at=self.given_at,
            dose_mg=self.dose_mg,
            dose_mg_per_kg=self.dose_mg_per_kg,
            dissociation_instrument=r.dissociation_instrument,
            dissociation_peak_total=r.dissociation_peak_total,
            excessive_sedation=r.excessive_sedation,
            alarms=r.alarms,
            adverse_events=r.adverse_events,
            stopped_early=r.stopped_early,
        )


@dataclass(frozen=True, slots=True)
class StoredCheckIn:
    """A between-session check-in as stored; ``recorded_by_staff`` None for a patient's answer."""

    id: int
    clinic_id: int
    patient_id: int
    course_id: int
    recorded_by_staff: int | None
    checkin: BetweenSessionCheckIn
