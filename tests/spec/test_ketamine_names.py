"""Ketamine is recognised under any name a person might type, and ordinary drugs are not.

One row per case with its source (``domain.dosing.drug_names.names_ketamine``; clinical.md §8:
every ketamine or esketamine dose is recorded against its order).
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.dosing.drug_names import names_ketamine

S8 = "clinical.md §8 Schedule III: every dose against its order"
BRANDS = "clinical.md §0 source key Ketalar PI; SPRAVATO PI"

CASES = (
    ("ketamine", True, S8),
    ("Ketamine HCl 50 mg/mL", True, S8),
    ("Ketalar", True, BRANDS),
    ("Spravato (esket.)", True, BRANDS),
    ("esketamine", True, BRANDS),
    ("S-Ketamin", True, S8),
    ("ket\u0430mine", True, "Cyrillic а in place of a Latin a"),
    ("k e t a m i n e", True, "spaced out"),
    ("keta-mine HCl", True, "punctuation"),
    ("k3t4mine", True, "digits for letters"),
    ("ＫＥＴＡＭＩＮＥ", True, "full-width letters"),
    ("Ketanest S", True, BRANDS),
    ("Calypsol", True, "brand name outside the US"),
    ("Ketaject 50", True, "brand name outside the US"),
    ("KETAMAX", True, "brand name outside the US"),
    ("Ketavet (veterinary)", True, "veterinary brand name"),
    ("CI-581", True, "development code of ketamine"),
    ("c i 5 8 1", True, "development code, spaced out"),
    ("2-(2-chlorophenyl)-2-(methylamino)cyclohexanone", True, "chemical name"),
    ("ketorolac", False, "an NSAID, not ketamine (Ketolar is)"),
    ("ketoconazole", False, "an antifungal"),
    ("cimetidine", False, "not a development code"),
    ("ondansetron", False, "premedication, clinical.md §4.5"),
    ("midazolam", False, "rescue drug, clinical.md §4.6"),
    ("labetalol", False, "BP rescue"),
    ("acetaminophen", False, "analgesic"),
    ("lorazepam", False, "rescue drug"),
)


@pytest.mark.parametrize(("text", "ketamine", "source"), CASES, ids=[c[0] for c in CASES])
def test_ketamine_name_case(text: str, ketamine: bool, source: str) -> None:
    assert source
    assert names_ketamine(text) is ketamine
