"""Printed consents and course reports show names in any shipped script exactly as typed.

The text is read back out of the PDF bytes (pypdf) and compared character for character, so a
font that drew "?ukasz W?sowski" or dropped a Vietnamese tone mark fails here.
"""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from ketaclinic.adapters.pdf.consent import ConsentPrint, consent_pdf
from ketaclinic.adapters.pdf.report import render_course_report
from ketaclinic.adapters.pdf.typeface import covered_code_points, printable
from ketaclinic.domain.consent.documents import RenderedDocument
from ketaclinic.domain.consent.signatures import Signature, SignerRole
from ketaclinic.domain.evaluation.records import StoredSignature
from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.integration.test_outcome_service import responder_in_reassessment

NAMES = {
    "polish": "Łukasz Wąsowski",
    "russian": "Наталья Иванова",
    "vietnamese": "Nguyễn Thị Minh Khai",
    "greek": "Γεώργιος Παπαδόπουλος",
}
CONSENT_TEXT = (
    "Consent to ketamine infusion treatment\n"
    "I understand the risks described in § 2 — dissociation, nausea, raised blood pressure.\n"
    "Body surface: 1.9 m²; “questions answered” ‘in person’."
)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def consent_for(name: str) -> bytes:
    signature = Signature(
        document_id="ketamine-iv",
        document_version="1.0.0",
        document_hash="0" * 64,
        signer=SignerRole.PATIENT,
        signer_name=name,
        signed_at=datetime(2031, 3, 4, 15, 30, tzinfo=UTC),
        witness_name=name,
    )
    stored = StoredSignature(
        id=1,
        clinic_id=1,
        course_id=7,
        patient_id=3,
        signature=signature,
        related_person_id=None,
        image_png="",
        collected_by=2,
    )
    document = RenderedDocument("ketamine-iv", "1.0.0", "Consent", CONSENT_TEXT, "0" * 64)
    info = ConsentPrint("Demo Clinic", "Europe/Warsaw", name, "DEMO-0003", "adult-iv@1.0.0", 7)
    return consent_pdf(stored, document, info)


@pytest.mark.parametrize("script", sorted(NAMES))
def test_consent_prints_the_name_exactly(script: str) -> None:
    name = NAMES[script]
    text = pdf_text(consent_for(name))
    assert f"Patient {name} (MRN DEMO-0003)" in text
    assert f"Name typed: {name}" in text
    assert f"Witness: {name}" in text
    assert "?" not in text


def test_consent_prints_the_signed_text_without_substitutions() -> None:
    text = pdf_text(consent_for(NAMES["polish"]))
    for line in CONSENT_TEXT.split("\n"):
        assert line in text


def test_shipped_font_draws_vietnamese_greek_and_cyrillic() -> None:
    covered = covered_code_points()
    for name in NAMES.values():
        assert all(ord(ch) in covered for ch in name.replace(" ", "")), name
    assert {ord("ễ"), ord("ị"), ord("ơ"), ord("ư"), ord("đ")} <= covered


def test_decomposed_input_prints_composed() -> None:
    decomposed = "Nguye\u0302\u0303n Thi\u0323"
    assert printable(decomposed) == "Nguyễn Thị"


def test_a_character_without_a_glyph_prints_as_its_code_point_and_is_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    text = pdf_text(consent_for("王小明 Demo-Wang"))
    assert "[U+738B][U+5C0F][U+660E] Demo-Wang" in text
    assert not any("王" in r.getMessage() or "738b" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("script", ["polish", "vietnamese", "greek", "russian"])
def test_course_report_prints_the_patient_name_exactly(world: World, script: str) -> None:
    _, course_id = responder_in_reassessment(world)
    report = world.services.reports.course_report(world.actor(Role.PHYSICIAN), course_id)
    given, family = NAMES[script].split(" ", 1)
    patient = replace(
        report.patient,
        details=replace(report.patient.details, given_name=given, family_name=family),
    )
    pdf = render_course_report(replace(report, patient=patient), clinic_tz="America/Chicago")
    assert f"Patient: {given} {family} " in pdf_text(pdf)
