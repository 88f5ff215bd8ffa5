"""Who signs on the shipped adolescent pack, by age, one row per case (clinical.md §6.3).

Below 18: the guardian's permission (with the family plan) and the adolescent's own assent.
From 18, on the same course: the patient's own consent only; permission and assent no longer
stand in for it.
"""

from __future__ import annotations

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.consent.signatures import SignerRole, required_signatures

G, A, P = SignerRole.GUARDIAN, SignerRole.ASSENT, SignerRole.PATIENT
CASES = (
    (
        15,
        [
            ("guardian-permission-iv-ketamine", G),
            ("adolescent-assent-iv-ketamine", A),
            ("family-involvement-plan", G),
        ],
    ),
    (
        17,
        [
            ("guardian-permission-iv-ketamine", G),
            ("adolescent-assent-iv-ketamine", A),
            ("family-involvement-plan", G),
        ],
    ),
    (18, [("adult-consent-iv-ketamine", P)]),
    (19, [("adult-consent-iv-ketamine", P)]),
)


@pytest.mark.parametrize(("age", "needed"), CASES, ids=[f"age {c[0]}" for c in CASES])
def test_adolescent_pack_signers_by_age(age: int, needed: list[tuple[str, SignerRole]]) -> None:
    consent = shipped_protocol("adolescent-iv").consent
    found = [(r.document_id, r.signer) for r in required_signatures(consent, age)]
    assert found == needed, "clinical.md §6.3 AAP 2016"
