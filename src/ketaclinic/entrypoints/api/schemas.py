"""Pydantic models of the JSON API (the edge only; the domain never sees them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from ketaclinic.domain.patients.people import (
    Measurement,
    Patient,
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
    inches_to_cm,
    pounds_to_kg,
)
from ketaclinic.entrypoints.input_limits import BodyId


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TokenRequest(Strict):
    email: Annotated[StrictStr, Field(max_length=254)]
    password: Annotated[StrictStr, Field(max_length=1024)]
    clinic_id: BodyId | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    clinic_id: int


class GuardianIn(Strict):
    """The JSON shape of a guardian; the rules are the domain's (``validate_related_person``)."""

    name: StrictStr
    relationship: StrictStr
    phone: StrictStr = ""
    email: StrictStr = ""
    legal_authority: StrictBool = True

    def to_domain(self) -> RelatedPersonDetails:
        return RelatedPersonDetails(
            kind=RelationshipKind.GUARDIAN,
            name=self.name,
            relationship=self.relationship,
            phone=self.phone,
            email=self.email,
            legal_authority=self.legal_authority,
        )


class PatientIn(Strict):
    """The JSON shape of :class:`PatientDetails`; the rules are the domain's
    (``validate_patient``, run by the registry service), shared with the register form."""

    given_name: StrictStr
    family_name: StrictStr
    date_of_birth: Annotated[date, Field(strict=False)]
    sex_at_birth: SexAtBirth = Field(strict=False)
    gender_identity: StrictStr = ""
    phone: StrictStr = ""
    email: StrictStr = ""
    address: StrictStr = ""
    preferred_language: StrictStr = "en"
    emergency_contact_name: StrictStr = ""
    emergency_contact_phone: StrictStr = ""
    guardians: list[GuardianIn] = Field(default_factory=list, max_length=4)

    def details(self) -> PatientDetails:
        data = self.model_dump(exclude={"guardians", "version"})
        return PatientDetails(**data)


class PatientUpdate(PatientIn):
    version: int


class RelatedOut(BaseModel):
    id: int
    kind: str
    name: str
    relationship: str
    legal_authority: bool


class PatientOut(BaseModel):
    id: int
    mrn: str
    version: int
    given_name: str
    family_name: str
    date_of_birth: date
    sex_at_birth: str
    gender_identity: str
    phone: str
    email: str
    address: str
    preferred_language: str
    emergency_contact_name: str
    emergency_contact_phone: str

    @classmethod
    def of(cls, p: Patient) -> PatientOut:
        d = p.details
        return cls(
            id=p.id,
            mrn=p.mrn,
            version=p.version,
            given_name=d.given_name,
            family_name=d.family_name,
            date_of_birth=d.date_of_birth,
            sex_at_birth=d.sex_at_birth.value,
            gender_identity=d.gender_identity,
            phone=d.phone,
            email=d.email,
            address=d.address,
            preferred_language=d.preferred_language,
            emergency_contact_name=d.emergency_contact_name,
            emergency_contact_phone=d.emergency_contact_phone,
        )


class PatientRecordOut(PatientOut):
    related: list[RelatedOut]
    bmi: Decimal | None


class MeasurementIn(Strict):
    measured_at: Annotated[datetime, Field(strict=False)]
    weight: Annotated[Decimal, Field(strict=False, gt=0, le=1000)] | None = None
    weight_unit: Literal["kg", "lb"] = "kg"
    height: Annotated[Decimal, Field(strict=False, gt=0, le=400)] | None = None
    height_unit: Literal["cm", "in"] = "cm"

    def to_domain(self) -> Measurement:
        weight = self.weight
        if weight is not None and self.weight_unit == "lb":
            weight = pounds_to_kg(weight)
        height = self.height
        if height is not None and self.height_unit == "in":
            height = inches_to_cm(height)
        return Measurement(
            measured_at=self.measured_at,
            weight_kg=weight.quantize(Decimal("0.01")) if weight is not None else None,
            height_cm=height.quantize(Decimal("0.1")) if height is not None else None,
        )


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    patient_id: int | None
    object_type: str
    object_id: str
    outcome: str
    client: str
