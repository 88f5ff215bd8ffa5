"""The evaluation form <-> the documented evaluation JSON, so one parser checks both edges.

Form fields are named by their JSON path (``medical.blood_pressures[0].sbp_mmhg``); the JSON
parser (``adapters.evaluation_json``) reports errors by the same paths, so every error lands next
to its input. Empty rows are dropped; an empty history item stays "not recorded" (never a silent
"no"). Times are typed in the clinic's time zone and stored in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ketaclinic.adapters.evaluation_codec import dump_evaluation
from ketaclinic.domain.evaluation.intake import Evaluation

_PART = re.compile(r"([a-z_]+)(?:\[(\d{1,2})\])?")
MAX_VALUE_CHARS = 2000
INTEGER_FIELDS = {"total", "response_id"}
BOOLEAN_FIELDS = {
    "can_become_pregnant",
    "pregnant",
    "breastfeeding",
    "family_history_psychosis",
    "imminent_suicide_risk",
}
TIME_FIELDS = {"at"}
SKIPPED = {"csrf_token", "primary_diagnosis", "age_years", "sex_at_birth", "evaluation_version"}
LIST_SECTIONS = (
    "diagnoses",
    "allergies",
    "medications",
    "prior_treatments",
    "baseline_instruments",
    "tests",
)
ROW_KEYS = {"instrument", "test", "system"}  # filled in by the form itself, not by the user


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    node: Any = tree
    parts = [_PART.fullmatch(p) for p in path.split(".")]
    if not parts or any(m is None for m in parts):
        return
    for i, m in enumerate(parts):
        assert m is not None
        name, index = m.group(1), m.group(2)
        last = i == len(parts) - 1
        if index is None:
            if last:
                node[name] = value
            else:
                node = node.setdefault(name, {})
            continue
        items = node.setdefault(name, {})
        if last:
            items[int(index)] = value
        else:
            node = items.setdefault(int(index), {})


def _convert(name: str, raw: str, path: str, tz: ZoneInfo, errors: dict[str, str]) -> Any:
    if name in INTEGER_FIELDS:
        if not re.fullmatch(r"\d{1,4}", raw):
            errors[path] = "must be a whole number"
            return None
        return int(raw)
    if name in BOOLEAN_FIELDS:
        return {"yes": True, "no": False}.get(raw)
    if name in TIME_FIELDS:
        try:
            local = datetime.fromisoformat(raw)
        except ValueError:
            errors[path] = "must be a date and time"
            return None
        return local.replace(tzinfo=tz).isoformat() if local.tzinfo is None else local.isoformat()
    return raw


def _lists(node: Any, path: str, moved: dict[str, str]) -> Any:
    """Turn ``{index: row}`` dicts into lists in index order, dropping rows the user left empty.

    ``moved`` records ``json path -> form path`` for rows whose index changed, so that errors
    reported on the list can be shown next to the inputs the user typed in.
    """
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(k, int) for k in node):
        kept = [k for k in sorted(node) if not _empty_row(node[k])]
        for new, old in enumerate(kept):
            if new != old:
                moved[f"{path}[{new}]"] = f"{path}[{old}]"
        return [_lists(node[k], f"{path}[{k}]", moved) for k in kept]
    return {k: _lists(v, f"{path}.{k}" if path else k, moved) for k, v in node.items()}


def form_errors(errors: Mapping[str, str], moved: Mapping[str, str]) -> dict[str, str]:
    """Parser errors keyed by the form's field names (undoing dropped-row renumbering)."""
    out = {}
    for path, message in errors.items():
        for json_prefix, form_prefix in moved.items():
            if path == json_prefix or path.startswith((json_prefix + ".", json_prefix + "[")):
                path = form_prefix + path[len(json_prefix) :]
                break
        out[path] = message
    return out


def _empty_row(row: Any) -> bool:
    if isinstance(row, dict):
        return all(v in (None, "", False) for k, v in row.items() if k not in ROW_KEYS)
    return row in (None, "")


def evaluation_data(
    form: Mapping[str, Any], *, age_years: int, sex_at_birth: str, tz: str
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The evaluation JSON from the form, the conversion errors, and the moved-row map."""
    zone = ZoneInfo(tz)
    errors: dict[str, str] = {}
    tree: dict[str, Any] = {"psychiatric": {}, "medical": {}, "reproductive": {}}
    for path, value in form.items():
        if not isinstance(value, str) or path in SKIPPED or path.endswith(("_none", ".primary")):
            continue
        if len(value) > MAX_VALUE_CHARS:
            errors[path] = f"must be at most {MAX_VALUE_CHARS} characters"
            continue
        raw = value.strip()
        if not raw:
            continue
        converted = _convert(path.rsplit(".", 1)[-1], raw, path, zone, errors)
        if converted is not None:
            _set(tree, path, converted)
    moved: dict[str, str] = {}
    data: dict[str, Any] = _lists(tree, "", moved)
    _special_fields(form, data)
    data["age_years"], data["sex_at_birth"] = age_years, sex_at_birth
    data.setdefault("diagnoses", [])
    return data, errors, moved


def _special_fields(form: Mapping[str, Any], data: dict[str, Any]) -> None:
    """The "none" checkboxes, the primary diagnosis radio and the suicide-attempt dates."""
    for section in ("allergies", "medications"):
        if form.get(f"{section}_none") == "on":
            data.setdefault(section, [])
    psychiatric = data["psychiatric"]
    if form.get("psychiatric.substance_use_none") == "on":
        psychiatric.setdefault("substance_use", [])
    dates = psychiatric.pop("suicide_attempt_dates", None)
    if isinstance(dates, str):
        text = dates.strip().lower()
        psychiatric["suicide_attempt_dates"] = (
            [] if text == "none" else [d.strip() for d in text.split(",") if d.strip()]
        )
    primary = form.get("primary_diagnosis")
    for i, diagnosis in enumerate(data.get("diagnoses", [])):
        diagnosis["primary"] = str(i) == primary


def form_values(evaluation: Evaluation, tz: str) -> dict[str, str]:
    """Flat ``path -> text`` values to fill the form from a stored evaluation."""
    out: dict[str, str] = {}
    _flatten(dump_evaluation(evaluation), "", out, ZoneInfo(tz))
    for i, d in enumerate(evaluation.diagnoses):
        if d.primary:
            out["primary_diagnosis"] = str(i)
    for section in ("allergies", "medications"):
        if getattr(evaluation, section) == ():
            out[f"{section}_none"] = "on"
    if evaluation.psychiatric.substance_use == ():
        out["psychiatric.substance_use_none"] = "on"
    dates = evaluation.psychiatric.suicide_attempt_dates
    if dates is not None:
        out["psychiatric.suicide_attempt_dates"] = ", ".join(d.isoformat() for d in dates) or "none"
    return out


def _flatten(node: Any, prefix: str, out: dict[str, str], zone: ZoneInfo) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, f"{prefix}.{k}" if prefix else k, out, zone)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _flatten(v, f"{prefix}[{i}]", out, zone)
    elif isinstance(node, bool):
        out[prefix] = "yes" if node else "no"
    elif prefix.endswith(".at") and isinstance(node, str):
        out[prefix] = datetime.fromisoformat(node).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    elif node is not None:
        out[prefix] = str(node)
