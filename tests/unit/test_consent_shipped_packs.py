"""Consent requirements read from the shipped packs (clinical.md §6.3)."""

from __future__ import annotations

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.consent.signatures import SignerRole, required_signatures
from ketaclinic.domain.errors import ValidationFailed


def test_adolescent_pack_needs_guardian_permission_and_assent_for_a_fifteen_year_old() -> None:
    consent = shipped_protocol("adolescent-iv").consent
    signers = {r.signer for r in required_signatures(consent, 15)}
    assert signers == {SignerRole.GUARDIAN, SignerRole.ASSENT}


@pytest.mark.parametrize("protocol_id", ["adult-iv-induction", "kat-holistic"])
def test_adult_packs_need_the_patient_and_cannot_consent_a_minor(protocol_id: str) -> None:
    consent = shipped_protocol(protocol_id).consent
    assert {r.signer for r in required_signatures(consent, 30)} == {SignerRole.PATIENT}
    with pytest.raises(ValidationFailed) as err:
        required_signatures(consent, 15)
    assert set(err.value.errors) == {"consent.documents[guardian]", "consent.documents[assent]"}
