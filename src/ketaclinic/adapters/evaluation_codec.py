"""Write a domain Evaluation as the documented JSON (``docs/schemas/evaluation.schema.json``).

The inverse of :func:`ketaclinic.adapters.evaluation_json.parse_evaluation`: ``parse(dump(e)) ==
e``. ``None`` (not recorded) is written by leaving the key out, never as a default value, so a
stored evaluation reads back with exactly the gaps it had.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ketaclinic.domain.evaluation.intake import Evaluation


def _value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _object(value)
    return value


def _object(obj: Any) -> dict[str, Any]:
    """Every field that is not ``None``; Decimals become strings (exact; the parser takes them)."""
    return {f.name: _value(v) for f in fields(obj) if (v := getattr(obj, f.name)) is not None}


def dump_evaluation(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as schema JSON (a dict ready for ``json.dumps``)."""
    return _object(evaluation)
