"""Spec table: the shipped packs' clinical defaults, one row per case, each citing clinical.md."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.protocols.canonical import to_plain
from ketaclinic.domain.protocols.paths import value_at
from ketaclinic.domain.protocols.signoff import signoff_items

# (pack, field path, expected plain value, needs sign-off, source key in clinical.md)
CASES = [
    ("adult-iv-induction", "dosing.iv.start_mg_per_kg", "0.5", False, "§2.1 Sanacora 2017"),
    ("adult-iv-induction", "dosing.iv.duration_min", 40, False, "§2.1 Sanacora 2017"),
    ("adult-iv-induction", "dosing.iv.max_mg_per_kg_per_h", "1", False, "§2.1 Pennsylvania 2020"),
    ("adult-iv-induction", "series.sessions", 6, False, "§3.1 Murrough 2013b"),
    ("adult-iv-induction", "series.min_hours_between", 48, True, "§3.1 UNCONFIRMED"),
    ("adult-iv-induction", "monitoring.vitals_every_min", 10, False, "§4.1 Emory 2018"),
    (
        "adult-iv-induction",
        "monitoring.alert_rules[bp-systolic-pause].threshold",
        "180",
        True,
        "§4.3",
    ),
    ("adult-iv-induction", "monitoring.alert_rules[spo2-low-stop].threshold", "92", True, "§4.3"),
    ("adult-iv-induction", "discharge.aldrete_min_score", 9, False, "§4.6 Aldrete 1995"),
    ("adult-iv-induction", "discharge.min_observation_min", 30, True, "§4.6 UNCONFIRMED"),
    (
        "adult-iv-induction",
        "reassessment.outcomes[phq9].remission_max_score",
        4,
        True,
        "§9.1 SUSTAIN-3",
    ),
    ("adult-iv-induction", "reassessment.outcomes[phq9].response_pct_drop", "50", True, "§9.1"),
    (
        "adult-iv-induction",
        "contraindications[benzodiazepine_load].params.diazepam_eq_mg_per_day",
        "8",
        False,
        "§1.5 Andrashko 2020",
    ),
    (
        "adult-iv-induction",
        "contraindications[uncontrolled_hypertension].params.sbp_mmhg",
        "180",
        False,
        "§1.2 Swiss label",
    ),
    (
        "kat-holistic",
        "contraindications[uncontrolled_hypertension].params.sbp_mmhg",
        "180",
        False,
        "§1.2 Swiss label",
    ),
    ("adolescent-iv", "dosing.iv.max_mg", "40", False, "§2.3 / §6.2 Yale adolescent RCT"),
    # adolescent BP limits of their own, in line with the pack's pre-dose hold (160/100)
    (
        "adolescent-iv",
        "contraindications[uncontrolled_hypertension].params.sbp_mmhg",
        "160",
        True,
        "§6.3 paediatric BP UNCONFIRMED",
    ),
    (
        "adolescent-iv",
        "contraindications[uncontrolled_hypertension].params.dbp_mmhg",
        "100",
        True,
        "§6.3 paediatric BP UNCONFIRMED",
    ),
    (
        "adolescent-iv",
        "contraindications[elevated_blood_pressure].params.sbp_mmhg",
        "130",
        True,
        "§6.3 paediatric BP UNCONFIRMED",
    ),
    ("adolescent-iv", "monitoring.predose_hold_sbp_mmhg", "160", True, "§6.3 UNCONFIRMED"),
    ("adolescent-iv", "monitoring.alert_rules[bp-diastolic-severe].threshold", "110", True, "§6.3"),
    ("kat-holistic", "monitoring.alert_rules[bp-systolic-severe].threshold", "200", True, "§4.3"),
    ("kat-holistic", "monitoring.alert_rules[bp-diastolic-severe].threshold", "120", True, "§4.3"),
    ("adult-iv-induction", "monitoring.alert_rules[spo2-deep-stop].threshold", "90", True, "§4.6"),
    ("adult-iv-induction", "monitoring.alert_rules[hr-extreme-low].threshold", "40", True, "§4.1"),
    (
        "adult-iv-induction",
        "monitoring.alert_rules[spo2-data-missing].threshold",
        "60",
        True,
        "§4.1 allowed gap UNCONFIRMED",
    ),
    (
        "adult-iv-induction",
        "monitoring.alert_rules[predose-spo2-hold].threshold",
        "92",
        True,
        "§4.3 UNCONFIRMED",
    ),
    ("adolescent-iv", "population.age.min_years", 12, True, "§6.2 PHQ-A bound UNCONFIRMED"),
    ("adolescent-iv", "maintenance.relapse_rules[0].threshold", 11, True, "§5.1 Richardson 2010"),
    ("adolescent-iv", "consent.guardian_permission_below_age", 18, False, "§6.3 AAP 2016"),
    ("kat-holistic", "dosing.sl.max_mg", "400", False, "§7.2 CTP; Sage"),
    ("kat-holistic", "dosing.im.max_mg_per_kg", "1.5", True, "§7.2 UNCONFIRMED"),
    ("kat-holistic", "integration.preparatory_sessions_min", 1, False, "seed 004"),
]


def _flagged(pack: str, path: str) -> bool:
    items = {item.path for item in signoff_items(shipped_protocol(pack))}
    return path in items or any(path.startswith(item + ".") for item in items)


@pytest.mark.parametrize(
    ("pack", "path", "expected", "signoff", "source"),
    CASES,
    ids=[f"{c[0]}:{c[1]}" for c in CASES],
)
def test_pack_default(pack: str, path: str, expected: object, signoff: bool, source: str) -> None:
    plain = to_plain(shipped_protocol(pack))
    assert value_at(plain, path) == expected, source
    assert _flagged(pack, path) is signoff, source
    if isinstance(expected, str):
        Decimal(expected)  # every clinical quantity is a Decimal in plain text
