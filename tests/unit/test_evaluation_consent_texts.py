"""The shipped consent texts: one per document the packs reference, each with every required
section (risks, benefits, alternatives, off-label, what it is not, driving, escort), rendered
without holes and hashed stably.
"""

from __future__ import annotations

import pytest

from ketaclinic.adapters.consent_texts import SHIPPED, ShippedConsentLibrary
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.consent.documents import missing_sections, render_document
from ketaclinic.domain.consent.signatures import hash_document
from ketaclinic.domain.errors import ValidationFailed

PACKS = ("adult-iv-induction", "adolescent-iv", "kat-holistic")
VALUES = {"patient_name": "Sam Demo-Cedar", "programme": "Synthetic programme", "clinic_name": "X"}


@pytest.mark.parametrize("pack", PACKS)
def test_every_document_a_pack_references_has_a_text(pack: str) -> None:
    library = ShippedConsentLibrary()
    for document in shipped_protocol(pack).consent.documents:
        assert library.get(document.id, document.version) is not None, document.id


@pytest.mark.parametrize("key", sorted(SHIPPED), ids=lambda k: f"{k[0]}@{k[1]}")
def test_each_text_has_every_required_section_and_renders_fully(key: tuple[str, str]) -> None:
    template = SHIPPED[key]
    assert missing_sections(template) == ()
    rendered = render_document(template, VALUES)
    assert "{" not in rendered.text and "Sam Demo-Cedar" in rendered.text
    assert "next day" in rendered.text and "off-label" in rendered.text
    assert rendered.hash == hash_document(rendered.text)


def test_adult_text_states_what_the_programme_is_not() -> None:
    text = render_document(SHIPPED[("iv-ketamine-informed-consent", "1")], VALUES).text
    for phrase in (
        "not at-home ketamine",
        "not self-directed dosing",
        "not a one-time psychedelic experience",
        "not a replacement for comprehensive mental health care",
        "responsible adult",
    ):
        assert phrase in text


def test_a_missing_value_is_refused_rather_than_shown_with_a_hole() -> None:
    with pytest.raises(ValidationFailed):
        render_document(
            SHIPPED[("iv-ketamine-informed-consent", "1")], {**VALUES, "patient_name": " "}
        )
