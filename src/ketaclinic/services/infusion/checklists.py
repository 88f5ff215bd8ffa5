"""What staff document on infusion day, validated field by field (no storage here).

Each input names its fields exactly as the forms and the JSON API do, so a
:class:`~ketaclinic.domain.errors.ValidationFailed` points at the field to fix. Payloads are
JSON-compatible (decimals as strings, times as ISO 8601 UTC). Sources: seed 000 steps 4-5,
seed 004 (attended experiential sessions), clinical.md §4 (monitoring, premedication, discharge).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ketaclinic.domain.assessments.instruments.cadss import DISSOCIATION_TOTAL_RANGES
from ketaclinic.domain.dosing.drug_names import names_ketamine
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.discharge import AldreteScore

MAX_TEXT = 2000
PREGNANCY_RESULTS = ("negative", "positive", "not_applicable")
SEVERITIES = ("mild", "moderate", "severe", "life_threatening")
DRUG_PURPOSES = ("premedication", "rescue")  # a drug given before dosing, or as needed
SCALES = {**DISSOCIATION_TOTAL_RANGES, "sedation": (0, 5)}  # inclusive totals


class Fields:
    """Collects every field error of one form; ``done()`` raises them all at once."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw: Mapping[str, Any] = raw
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
        value = str(self.raw.get(name) or "").strip()
        if required and not value:
            self.errors[name] = "required"
        elif len(value) > limit:
            self.errors[name] = f"at most {limit} characters"
        return value

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is True or str(value).lower() in ("true", "on", "yes", "1")

    def decimal(self, name: str, low: Decimal, high: Decimal, *, required: bool = True) -> str:
        raw = str(self.raw.get(name) or "").strip()
        if not raw:
            if required:
                self.errors[name] = "required"
            return ""
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.errors[name] = "must be a number"
            return ""
        if not value.is_finite() or not low <= value <= high:
            self.errors[name] = f"must be between {low} and {high}"
            return ""
        return str(value)

    def integer(self, name: str, low: int, high: int, *, required: bool = True) -> int | None:
        found = self.decimal(name, Decimal(low), Decimal(high), required=required)
        if found and Decimal(found) != Decimal(found).to_integral_value():
            self.errors[name] = "must be a whole number"
            return None
        return int(Decimal(found)) if found else None

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = str(self.raw.get(name) or "").strip()
        if value not in options:
            self.errors[name] = f"one of: {', '.join(options)}"
        return value

    def time(self, name: str, default: datetime) -> str:
        raw = str(self.raw.get(name) or "").strip()
        if not raw:
            return default.isoformat()
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            self.errors[name] = "an ISO 8601 time with its UTC offset"
            return ""
        if at.tzinfo is None:
            self.errors[name] = "give the UTC offset"
            return ""
        if at > default:
            self.errors[name] = "cannot be in the future"
        return at.isoformat()

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(dict(self.errors))


@dataclass(frozen=True, slots=True)
class Documented:
    """A validated step: its payload, ready to store."""

    payload: dict[str, Any]


def check_in(raw: Mapping[str, Any]) -> Documented:
    """Identity, escort (named and reachable), fasting, pregnancy test, check-in reviewed."""
    f = Fields(raw)
    payload = {
        "identity_confirmed": f.flag("identity_confirmed"),
        "escort_name": f.text("escort_name", limit=120),
        "escort_phone": f.text("escort_phone", limit=40),
        "escort_reachable": f.flag("escort_reachable"),
        "fasting_confirmed": f.flag("fasting_confirmed"),
        "pregnancy_test": f.choice("pregnancy_test", PREGNANCY_RESULTS),
        "checkin_reviewed": f.flag("checkin_reviewed"),
    }
    f.done()
    return Documented(payload)


def pre_dose(raw: Mapping[str, Any]) -> Documented:
    """Baseline vitals (mmHg, /min, %), symptom check, the verified order, the BP decision."""
    f = Fields(raw)
    payload = {
        "sbp_mmhg": f.decimal("sbp_mmhg", Decimal(40), Decimal(300)),
        "dbp_mmhg": f.decimal("dbp_mmhg", Decimal(20), Decimal(200)),
        "hr_per_min": f.decimal("hr_per_min", Decimal(20), Decimal(250)),
        # any SpO2 above 0 is believed (a deep desaturation must reach the pre-dose hold)
        "spo2_pct": f.decimal("spo2_pct", Decimal(1), Decimal(100)),
        "symptom_check": f.text("symptom_check"),
        "order_id": f.integer("order_id", 1, 2**31 - 1),
        "recheck_sbp_mmhg": f.decimal(
            "recheck_sbp_mmhg", Decimal(40), Decimal(300), required=False
        ),
        "recheck_dbp_mmhg": f.decimal(
            "recheck_dbp_mmhg", Decimal(20), Decimal(200), required=False
        ),
        "prescriber_bp_decision": f.text("prescriber_bp_decision", required=False),
    }
    if "order_id" in f.errors:  # the order is chosen from the list, never typed as a number
        f.errors["order_id"] = "choose the signed order for today"
    f.done()
    return Documented(payload)


def iv_placement(raw: Mapping[str, Any], now: datetime) -> Documented:
    """IV site, gauge (14-26 G), attempts (1-10), when (who placed it: ``.dose_team``)."""
    f = Fields(raw)
    payload = {
        "site": f.text("site", limit=80),
        "gauge": f.integer("gauge", 14, 26),
        "attempts": f.integer("attempts", 1, 10),
        "placed_at": f.time("placed_at", now),
    }
    f.done()
    return Documented(payload)


def administration(raw: Mapping[str, Any], now: datetime) -> Documented:
    """Any drug given (premedication or other): drug, dose mg, route, time, lot (who gave it:
    checked by ``.dose_team``)."""
    f = Fields(raw)
    payload = {
        "drug": f.text("drug", limit=80),
        "dose_mg": f.decimal("dose_mg", Decimal("0.001"), Decimal(1000)),
        "route": f.text("route", limit=20),
        "given_at": f.time("given_at", now),
        "lot": f.text("lot", limit=40),
        "purpose": f.text("purpose", required=False, limit=40) or "premedication",
    }
    if payload["purpose"] not in DRUG_PURPOSES:
        f.errors["purpose"] = f"one of: {', '.join(DRUG_PURPOSES)}"
    if names_ketamine(f"{payload['drug']} {payload['purpose']}"):
        f.errors["drug"] = (
            "dose_gate.order: ketamine (by any name: Ketalar, esketamine, Spravato...) is given "
            "only against the verified order (start dosing)"
        )
    f.done()
    return Documented(payload)


def scale(raw: Mapping[str, Any], now: datetime) -> Documented:
    """A scale total at a time: CADSS-6, CADSS (bounds in ``instruments.cadss``) or sedation
    level (0-5)."""
    f = Fields(raw)
    name = f.choice("instrument", tuple(SCALES))
    low, high = SCALES.get(name, (0, 0))
    payload = {
        "instrument": name,
        "total": f.integer("total", low, high) if name in SCALES else None,
        "minute": f.integer("minute", 0, 600, required=False),
        "at": f.time("at", now),
    }
    f.done()
    return Documented(payload)


def adverse_event(raw: Mapping[str, Any], now: datetime) -> Documented:
    """Kind, severity, intervention and outcome of an adverse event."""
    f = Fields(raw)
    payload = {
        "kind": f.text("kind", limit=80),
        "severity": f.choice("severity", SEVERITIES),
        "intervention": f.text("intervention"),
        "outcome": f.text("outcome"),
        "at": f.time("at", now),
    }
    f.done()
    return Documented(payload)


def observation(raw: Mapping[str, Any], now: datetime) -> Documented:
    """A free-text observation (kept in the record, never logged)."""
    f = Fields(raw)
    payload = {"note": f.text("note"), "at": f.time("at", now)}
    f.done()
    return Documented(payload)


ALDRETE_ITEMS = ("activity", "respiration", "circulation", "consciousness", "spo2")


def aldrete(raw: Mapping[str, Any]) -> AldreteScore:
    """The five modified Aldrete items, each 0, 1 or 2 (Aldrete 1995; clinical.md §4.6)."""
    f = Fields(raw)
    items = {name: f.integer(name, 0, 2) for name in ALDRETE_ITEMS}
    f.done()
    return AldreteScore(**{k: int(v or 0) for k, v in items.items()})
