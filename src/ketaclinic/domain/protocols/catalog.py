"""What a protocol pack may name: instruments, roles, signers, vital-sign parameters and units.

These are the vocabularies the validator checks a pack against, with the physiological plausibility
bounds used to reject thresholds that cannot be meant (a typo such as an SBP limit of 1800 mmHg).
The bounds are sanity limits for data entry, not clinical recommendations.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketaclinic.domain.assessments.instruments.cadss import DISSOCIATION_TOTAL_RANGES

# instrument id -> (lowest total score, highest total score); ranges from clinical.md §5.1 / §4.5
INSTRUMENT_SCORE_RANGES: dict[str, tuple[int, int]] = {
    "phq9": (0, 27),
    "phq-a": (0, 27),
    "gad7": (0, 21),
    "pcl5": (0, 80),
    "qids-sr16": (0, 27),
    "madrs": (0, 60),
    "cssrs-screen": (0, 6),
    **DISSOCIATION_TOTAL_RANGES,
    "wsas": (0, 40),
    "aldrete": (0, 10),
}
KNOWN_INSTRUMENTS: frozenset[str] = frozenset(INSTRUMENT_SCORE_RANGES)

# staff roles a pack may name as override role or attendant
KNOWN_ROLES: frozenset[str] = frozenset(
    {"physician", "app", "nurse", "coach", "therapist", "administrator"}
)
# who signs a consent document
KNOWN_SIGNERS: frozenset[str] = frozenset({"patient", "guardian", "assent"})
# to whom a required test applies
KNOWN_TEST_APPLICABILITY: frozenset[str] = frozenset({"all", "can_become_pregnant"})
KNOWN_RELAPSE_BASES: frozenset[str] = frozenset({"remission", "response"})
KNOWN_FRAMEWORKS: frozenset[str] = frozenset({"ROOT", "KAT", "family"})


@dataclass(frozen=True, slots=True)
class Plausible:
    """Inclusive plausibility bounds for one vital-sign parameter, in ``unit``."""

    unit: str
    low: Decimal
    high: Decimal


# parameter -> unit and plausibility bounds of an alert threshold
ALERT_PARAMETERS: dict[str, Plausible] = {
    "sbp": Plausible("mmHg", Decimal(60), Decimal(260)),
    "dbp": Plausible("mmHg", Decimal(30), Decimal(160)),
    "map": Plausible("mmHg", Decimal(40), Decimal(200)),
    "hr": Plausible("bpm", Decimal(20), Decimal(250)),
    "spo2": Plausible("%", Decimal(50), Decimal(100)),
    "rr": Plausible("/min", Decimal(4), Decimal(60)),
    "overdue": Plausible("min", Decimal(1), Decimal(120)),
}

# seconds without a reading a data_missing rule may wait (inclusive)
DATA_MISSING_SECONDS: tuple[Decimal, Decimal] = (Decimal(5), Decimal(600))

# highest plausible per-kg dose or ceiling for any route (mg/kg); brief: ceilings above 5 rejected
MAX_PLAUSIBLE_MG_PER_KG = Decimal(5)
MAX_PLAUSIBLE_MG = Decimal(1000)
MAX_PLAUSIBLE_MG_PER_ML = Decimal(100)  # strongest marketed ketamine vial, clinical.md §2.4

# field-name suffix -> the unit a quantity string for that field must carry (longest suffix first)
FIELD_UNITS: tuple[tuple[str, str], ...] = (
    ("_mg_per_kg_per_h", "mg/kg/h"),
    ("_mg_per_kg", "mg/kg"),
    ("_mg_per_ml", "mg/mL"),
    ("_ml_per_h", "mL/h"),
    ("_mmhg", "mmHg"),
    ("_mg", "mg"),
    ("_min", "min"),
    ("_days", "d"),
    ("_hours", "h"),
    ("_years", "y"),
    ("_pct_drop_below", "%"),
    ("_pct_drop", "%"),
    ("_bmi", "kg/m2"),
)


def unit_of_field(name: str) -> str | None:
    """The unit implied by a field name's suffix (``duration_min`` -> ``min``), or None."""
    for suffix, unit in FIELD_UNITS:
        if name.endswith(suffix) or name == suffix.lstrip("_"):
            return unit
    return None
