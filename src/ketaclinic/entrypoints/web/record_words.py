"""A session record entry in words: each kind of record with its own heading and field labels,
values with their units, people by name and role, the dose order by what it orders and who
signed it. No internal record, order or staff numbers; rule ids and sources go behind "Why"."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ketaclinic.domain.assessments.instruments.registry import instrument_name
from ketaclinic.domain.dosing.records import DoseOrder
from ketaclinic.entrypoints.web.aldrete_words import ALDRETE_LABELS, aldrete_option
from ketaclinic.entrypoints.web.plain import (
    field_label,
    local_time,
    plain_number,
    role_words,
    route_name,
    rule_split,
    shown_value,
)

_SOURCE = re.compile(r" \(source [^)]*\)$")

#: Each kind of record as its heading reads.
RECORD_TITLES = {
    "check_in": "Check-in",
    "pre_dose": "Pre-dose checklist",
    "predose_decision": "Pre-dose BP decision",
    "resume_approval": "Approval to resume",
    "iv_placement": "IV placement",
    "administration": "Medication given",
    "scale": "Scale score",
    "adverse_event": "Adverse event",
    "observation": "Observation",
    "aldrete": "Modified Aldrete score",
    "discharge": "Discharge",
}

#: Stored field names as a clinician reads them, with the unit the value is written in.
_LABELS: dict[str, tuple[str, str]] = {
    "identity_confirmed": ("Identity confirmed", ""),
    "escort_name": ("Escort", ""),
    "escort_phone": ("Escort phone", ""),
    "escort_reachable": ("Escort reached", ""),
    "fasting_confirmed": ("Fasting confirmed", ""),
    "pregnancy_test": ("Pregnancy test", ""),
    "checkin_reviewed": ("Between-session check-in reviewed", ""),
    "sbp_mmhg": ("Systolic BP", "mmHg"),
    "dbp_mmhg": ("Diastolic BP", "mmHg"),
    "hr_per_min": ("Heart rate", "/min"),
    "spo2_pct": ("SpO2", "%"),
    "symptom_check": ("Symptom check", ""),
    "order_id": ("Order", ""),
    "recheck_sbp_mmhg": ("Recheck systolic BP", "mmHg"),
    "recheck_dbp_mmhg": ("Recheck diastolic BP", "mmHg"),
    "bp_hold": ("BP hold", ""),
    "bp_hard_stop": ("BP hard stop", ""),
    "decision": ("Decision", ""),
    "reason": ("Reason", ""),
    "pause": ("Pause", ""),
    "paused_at": ("Paused at", ""),
    "site": ("IV site", ""),
    "gauge": ("Gauge", "G"),
    "attempts": ("Attempts", ""),
    "placed_at": ("Placed at", ""),
    "drug": ("Drug", ""),
    "dose_mg": ("Dose", "mg"),
    "route": ("Route", ""),
    "given_at": ("Given at", ""),
    "lot": ("Lot", ""),
    "purpose": ("Purpose", ""),
    "rate_ml_per_h": ("Pump rate", "mL/h"),
    "duration_min": ("Planned duration", "min"),
    "given_by": ("Given by", ""),
    "placed_by": ("Placed by", ""),
    "instrument": ("Scale", ""),
    "total": ("Total", ""),
    "minute": ("Minute of dosing", ""),
    "at": ("Time", ""),
    "kind": ("Kind", ""),
    "severity": ("Severity", ""),
    "intervention": ("Intervention", ""),
    "outcome": ("Outcome", ""),
    "note": ("Note", ""),
    "escort_present": ("Escort present", ""),
    "instructions_given": ("Instructions given", ""),
    "instructions": ("Instructions", ""),
    "override_reason": ("Reason to discharge against an unmet criterion", ""),
    "extended_observation_min": ("Extended observation", "min"),
}

#: People stored as a name beside a role code: shown as "Name (physician)".
_PEOPLE = {
    "decided_by_name": ("Decided by", "decided_by_role"),
    "prescriber_name": ("Prescriber", "prescriber_role"),
    "attending": ("Attending", "attending_role"),
    "prescriber_on_site": ("Prescriber on site", "prescriber_on_site_role"),
    "override_by": ("Discharge signed against unmet criteria by", "override_role"),
}

#: Rule ids, sources and criterion codes: kept one click away.
_BEHIND_WHY = {
    "bp_hold_source": "BP hold rule source",
    "bp_hard_stop_source": "BP hard stop rule source",
    "overridden": "Criteria signed against",
}

#: Fields never shown: an empty field of the checklist, rule ids already behind "Why".
_HIDDEN = frozenset({"prescriber_bp_decision", "vitals_hold_rules", "readings_stored"})

_WORDS: dict[str, dict[str, str]] = {
    "decision": {"proceed": "proceed with dosing", "do_not_dose": "do not dose today"},
    "pregnancy_test": {"not_applicable": "not applicable"},
    "severity": {"life_threatening": "life-threatening"},
    "purpose": {"premedication": "premedication", "ketamine": "ketamine (the signed order)"},
}


#: The order fields are read in (storage keeps them sorted by name): the step's own fields as
#: the form asks them, then the people, then anything else.
_ORDER = {key: i for i, key in enumerate((*ALDRETE_LABELS, "total", *_LABELS, *_PEOPLE))}


@dataclass(frozen=True, slots=True)
class RecordWords:
    """One record in words: its heading, its lines and what sits behind "Why"."""

    title: str
    lines: Sequence[tuple[str, str]]
    why: Sequence[tuple[str, str]]


def record_words(
    kind: Any,
    payload: Mapping[str, Any],
    orders: Sequence[DoseOrder],
    staff_name: Callable[[int | None], str],
    tz: str = "UTC",
    recorded_by: int | None = None,
) -> RecordWords:
    """``kind``'s record as people read it: labels and units per field, the order by what it
    orders (``orders``: the session's and the course's open ones), people by name and role.
    Every ``*_id`` field (records, orders, staff) is left out. ``recorded_by``: who entered it,
    named last ("Recorded by") unless the record already names that person."""
    code = str(getattr(kind, "value", kind))
    lines: list[tuple[str, str]] = []
    why: list[tuple[str, str]] = []
    for key, value in sorted(payload.items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER))):
        if value in (None, "", [], {}) or (value is False and code != "check_in"):
            continue
        if key in _BEHIND_WHY:
            why.append((_BEHIND_WHY[key], shown_value(value, tz)))
        elif key == "vitals_hold" and isinstance(value, list):
            lines.append(("Vital signs hold", "; ".join(_held(r) for r in value)))
            why.append(("Vital signs hold rules", "; ".join(str(r) for r in value)))
        elif key == "order_id":
            lines.append(("Order", _order_text(value, orders, staff_name, tz)))
        elif not (key.endswith(("_id", "_role")) or key in _HIDDEN):
            line = _person_line(key, value, payload) or _field_line(code, key, value, tz)
            if line not in lines:  # one person named once (decided by = prescriber)
                lines.append(line)
    if recorded_by is not None:
        name = staff_name(recorded_by)
        if name and not any(v == name or v.startswith(f"{name} (") for _, v in lines):
            lines.append(("Recorded by", name))
    return RecordWords(_title(code, payload), lines, why)


def _title(code: str, payload: Mapping[str, Any]) -> str:
    """The record's heading; a visit closed without a dose reads as such, whether after a BP
    decision or because the patient declined."""
    if code == "predose_decision" and payload.get("decision") == "do_not_dose":
        return "Not dosed today"
    return RECORD_TITLES.get(code, field_label(code))


def _person_line(key: str, value: Any, payload: Mapping[str, Any]) -> tuple[str, str] | None:
    if key not in _PEOPLE:
        return None
    label, role_key = _PEOPLE[key]
    person = _person(value, payload.get(role_key))
    if key == "prescriber_name" and payload.get("decided_by_name") == value:
        label = "Decided by"  # the prescriber who decided: named once
    return label, person


def _field_line(code: str, key: str, value: Any, tz: str) -> tuple[str, str]:
    if code == "aldrete" and key in ALDRETE_LABELS:
        return ALDRETE_LABELS[key], aldrete_option(key, int(value))
    if code == "aldrete" and key == "total":
        return "Total", f"{value} of 10"
    return _line(key, value, tz)


def _line(key: str, value: Any, tz: str) -> tuple[str, str]:
    label, unit = _LABELS.get(key, (field_label(key), ""))
    if key == "route":
        return label, route_name(value)
    if key == "instrument":
        return label, instrument_name(str(value))
    if key == "pause":
        return label, _ordinal(int(value)) + " pause of this session"
    if key in _WORDS:
        text = str(value)
        return label, _WORDS[key].get(text, text.replace("_", " "))
    text = str(plain_number(value)) if not isinstance(value, bool | list) else ""
    if unit and text:
        return label, f"{text} {unit}" if unit not in ("%", "G", "/min") else f"{text}{unit}"
    return label, shown_value(value, tz)


def _held(reason: Any) -> str:
    """A pre-dose hold reason without its rule id and source (those go behind "Why")."""
    text = rule_split(reason)[1]
    return _SOURCE.sub("", text)


def _person(name: Any, role: Any) -> str:
    words = role_words(role) if role else ""
    return f"{name} ({words})" if words else str(name)


def _order_text(
    order_id: Any, orders: Sequence[DoseOrder], staff_name: Callable[[int | None], str], tz: str
) -> str:
    found = next((o for o in orders if str(o.id) == str(order_id)), None)
    if found is None:
        return "the signed dose order of the course"
    c = found.content
    signed = local_time(found.signed_at, tz, "%-d %b %Y") if found.signed_at else ""
    by = staff_name(found.signed_by) if found.signed_by is not None else ""
    return (
        f"{route_name(c.route)} {c.drug} {plain_number(c.dose_mg)} mg, signed by {by} on {signed}"
    ).replace("signed by  on ", "signed on ")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
