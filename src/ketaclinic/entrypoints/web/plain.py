"""Plain text for people: counts with their nouns, units as written, field names as labels,
rule ids split from reasons, and stored session-record values (times in the clinic's zone, ticks
as "yes") instead of ``True``, ``None``, ``mm[Hg]`` or ``2026-12-07T09:15:00+00:00``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ketaclinic.domain.identity.access import ROLE_LABELS, Role
from ketaclinic.domain.protocols.canonical import decimal_text

#: The one way a page shows a moment: local clinic time, ``Mon 7 Dec 2026 08:00``.
TIME_FORMAT = "%a %-d %b %Y %H:%M"
#: A calendar day in a heading: ``Monday 7 December 2026``.
DAY_FORMAT = "%A %-d %B %Y"
#: A calendar day in a table cell or sentence: ``7 Dec 2026``.
DATE_FORMAT = "%-d %b %Y"


def local_time(value: datetime | None, tz: str = "UTC", fmt: str = TIME_FORMAT) -> str:
    """A stored (UTC) moment in the clinic's time zone, in the one human format; "" for none."""
    if value is None:
        return ""
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def day_words(value: date | None, fmt: str = DATE_FORMAT) -> str:
    """A calendar day as people write it (``7 Dec 2026``; ``DAY_FORMAT`` for headings)."""
    if value is None:
        return ""
    return value.strftime(fmt)


#: Session and appointment states whose words are not just the code with spaces.
_STATE_WORDS = {"recovery": "In recovery", "no_show": "No-show", "infusing": "Dosing"}


def state_words(value: Any) -> str:
    """A stored state or code as plain words: ``checked_in`` -> ``Checked in``, ``recovery`` ->
    ``In recovery``."""
    code = str(getattr(value, "value", value) or "")
    if code in _STATE_WORDS:
        return _STATE_WORDS[code]
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def month_words(value: Any) -> str:
    """A "YYYY-MM" month as words: ``2025-12`` -> ``December 2025``; anything else unchanged."""
    text = str(value or "")
    year, _, month = text.partition("-")
    if len(text) == 7 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return date(int(year), int(month), 1).strftime("%B %Y")
    return text


#: Routes of administration as a prescription reads them.
_ROUTE_WORDS = {"iv": "IV", "im": "IM", "in": "intranasal", "sl": "sublingual", "po": "PO"}


def route_words(value: Any) -> str:
    """A route code as written on an order: ``iv`` -> ``IV``, ``in`` -> ``intranasal``, ``po``
    -> ``PO``, whatever case it was stored in; a route no one codes is shown as written."""
    code = str(getattr(value, "value", value) or "")
    return _ROUTE_WORDS.get(code.strip().lower(), code)


#: Routes of administration in full, with the abbreviation people also use.
_ROUTE_NAMES = {
    "iv": "Intravenous (IV)",
    "im": "Intramuscular (IM)",
    "in": "Intranasal (IN)",
    "sl": "Sublingual (SL)",
    "po": "Oral (PO)",
}


def route_name(value: Any) -> str:
    """A route code as a choice or a record field reads it: ``iv`` -> ``Intravenous (IV)``."""
    code = str(getattr(value, "value", value) or "")
    return _ROUTE_NAMES.get(code.strip().lower(), code)


def plain_number(value: Any) -> Any:
    """A Decimal as plain text with trailing zeros trimmed (``3E+2`` -> ``300``, ``0.50`` ->
    ``0.5``); any other value unchanged. Doses are never shown in scientific notation."""
    if isinstance(value, Decimal) and value.is_finite():
        return decimal_text(value)
    return value


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 appointment``, ``3 appointments``: a count with its noun, never "(s)"."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


#: UCUM units as people write them; any other unit is already plain (``%``, ``mg``, ``mL/h``).
UNIT_LABELS = {"mm[Hg]": "mmHg", "Cel": "°C", "[degF]": "°F", "/min": "/min", "{beats}/min": "/min"}


def unit_label(unit: Any) -> str:
    """A stored UCUM unit as shown (``mm[Hg]`` -> ``mmHg``, ``Cel`` -> ``°C``)."""
    text = str(getattr(unit, "value", unit) or "")
    return UNIT_LABELS.get(text, text)


_RULE_PREFIX = re.compile(
    r"^([a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*(?:@\d+)?(?::[a-z_]+)?(?:\[[^\]]+\])?): (.+)$", re.S
)


def rule_split(reason: Any) -> tuple[str, str]:
    """``("induction_done", "induction 0 of 6 sessions done")`` from a reason the domain writes
    as ``rule: text``; ``("", reason)`` when it names no rule. The rule goes behind "why"."""
    match = _RULE_PREFIX.match(str(reason))
    return (match.group(1), match.group(2)) if match else ("", str(reason))


#: Words in stored field names as people read them (``sbp_mmhg`` -> ``systolic BP (mmHg)``).
_FIELD_WORDS = {
    "sbp": "systolic BP",
    "dbp": "diastolic BP",
    "hr": "heart rate",
    "spo2": "SpO2",
    "rr": "respiratory rate",
    "bmi": "BMI",
    "iv": "IV",
    "mrn": "MRN",
    "mmhg": "(mmHg)",
    "mg": "(mg)",
    "kg": "(kg)",
    "cm": "(cm)",
    "min": "(minutes)",
    "pct": "(%)",
    "at": "time",
    "id": "",  # an internal id is named by what it points to, never as a number
    "checkin": "check-in",
    "bp": "BP",
}


#: Whole stored names that read better as one phrase than word by word.
_FIELD_NAMES = {
    "staff_id": "staff member",
    "chair_id": "chair",
    "patient_id": "patient",
    "course_id": "course",
    "session_id": "session",
    "order_id": "order",
}


def field_label(name: Any) -> str:
    """A form field's stored name as a label: ``baseline_vitals.sbp_mmhg`` -> ``Baseline vitals:
    systolic BP (mmHg)``, ``readings.0.unit`` -> ``Readings 1: unit``."""
    parts: list[str] = []
    for part in str(name).replace("[", ".").replace("]", "").split("."):
        if part.isdigit() and parts:
            parts[-1] += f" {int(part) + 1}"
            continue
        if part in _FIELD_NAMES:
            parts.append(_FIELD_NAMES[part])
            continue
        words = part.replace("ml_per_h", "(mL/h)").replace("per_min", "(per minute)").split("_")
        parts.append(" ".join(filter(None, (_FIELD_WORDS.get(w, w) for w in words if w))))
    text = ": ".join(p for p in parts if p).replace(": (", " (")
    return text[:1].upper() + text[1:]


def shown_value(value: Any, tz: str = "UTC") -> str:
    """One stored value as text: times local, ticks as "yes", lists and mappings spelled out."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return _local(value, tz)
    if isinstance(value, str):
        return _maybe_time(value, tz)
    if isinstance(value, Mapping):
        return ", ".join(f"{field_label(k).lower()} {shown_value(v, tz)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(shown_value(v, tz) for v in value)
    return str(plain_number(value))


def role_words(value: Any) -> str:
    """A stored role code as people read it (``app`` -> ``nurse practitioner / PA``)."""
    try:
        return ROLE_LABELS[Role(value)]
    except (KeyError, ValueError):
        return str(value)


def _maybe_time(text: str, tz: str) -> str:
    if len(text) >= 16 and text[4:5] == "-" and text[10:11] == "T":
        try:
            return _local(datetime.fromisoformat(text), tz)
        except ValueError:
            return text
    return unit_label(text)


def _local(value: datetime, tz: str) -> str:
    return local_time(value, tz)


#: Language codes (BCP 47 primary subtags) as people name the language.
_LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ar": "Arabic",
    "hi": "Hindi",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "vi": "Vietnamese",
    "tl": "Tagalog",
    "ht": "Haitian Creole",
    "so": "Somali",
    "am": "Amharic",
    "fa": "Persian",
}


def language_name(code: Any) -> str:
    """A stored language code as its name (``en`` -> ``English``, ``es-MX`` -> ``Spanish
    (es-MX)``); an unknown code is shown as it is rather than hidden."""
    text = str(code or "").strip()
    primary = text.split("-", 1)[0].lower()
    name = _LANGUAGES.get(primary)
    if name is None:
        return text
    return name if text.lower() == primary else f"{name} ({text})"
