"""A signed consent as a PDF (fpdf2): the exact text signed, who signed, when, and the drawing.

The text printed is the rendered document whose SHA-256 the signature carries; the hash is
printed too, so the paper copy can be checked against the record. Text prints in the shipped
Unicode typeface (``adapters.pdf.typeface``): names and the document print exactly as typed.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF

from ketaclinic.adapters.pdf.typeface import FAMILY, new_document, printable
from ketaclinic.domain.consent.documents import RenderedDocument
from ketaclinic.domain.evaluation.records import StoredSignature
from ketaclinic.domain.identity.access import ROLE_LABELS, Role

PNG_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True, slots=True)
class ConsentPrint:
    """What the printed consent shows besides the document itself."""

    clinic_name: str
    clinic_timezone: str
    patient_name: str
    mrn: str
    protocol_ref: str
    course_id: int


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def consent_pdf(stored: StoredSignature, document: RenderedDocument, info: ConsentPrint) -> bytes:
    """The PDF bytes of one signed (or refused) consent document."""
    pdf = new_document(document.title)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 8, printable(info.clinic_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    header = (
        f"Patient {info.patient_name} (MRN {info.mrn}) — course {info.course_id}"
        f" — protocol {info.protocol_ref}"
    )
    pdf.multi_cell(0, 5, printable(header), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _body(pdf, document.text)
    _signature_block(pdf, stored, document, info)
    return bytes(pdf.output())


def _body(pdf: FPDF, text: str) -> None:
    for index, paragraph in enumerate(text.split("\n")):
        bold = index == 0 or (
            paragraph and not paragraph.endswith((".", ":")) and len(paragraph) < 80
        )
        pdf.set_font(FAMILY, "B" if bold else "", 12 if index == 0 else 10)
        pdf.multi_cell(0, 5, printable(paragraph) or " ", new_x="LMARGIN", new_y="NEXT")


def _signature_block(
    pdf: FPDF, stored: StoredSignature, document: RenderedDocument, info: ConsentPrint
) -> None:
    s = stored.signature
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 11)
    verdict = "AGREES" if s.agrees else ("DISSENTS" if s.signer.value == "assent" else "REFUSES")
    pdf.multi_cell(
        0, 6, printable(f"Signed as {s.signer.value}: {verdict}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FAMILY, "", 10)
    lines = [
        f"Name typed: {s.signer_name}",
        f"Signed at: {_local(s.signed_at, info.clinic_timezone)}",
        f"Document: {document.document_id} version {document.version}",
        f"SHA-256 of the text: {s.document_hash}",
    ]
    if s.legal_authority:
        lines.append("Guardian with recorded legal authority")
    if s.witness_name:
        role = (
            f" ({ROLE_LABELS.get(Role(s.witness_role), s.witness_role)})" if s.witness_role else ""
        )
        lines.append(f"Witness: {s.witness_name}{role}")
    if s.explained_by:
        lines.append(f"Explained by: {s.explained_by}")
    for line in lines:
        pdf.multi_cell(0, 5, printable(line), new_x="LMARGIN", new_y="NEXT")
    if stored.image_png.startswith(PNG_PREFIX):
        raw = base64.b64decode(stored.image_png[len(PNG_PREFIX) :])
        try:
            pdf.image(io.BytesIO(raw), w=70)
        except Exception:  # a stored drawing that cannot be decoded must not stop the print
            pdf.multi_cell(0, 5, "[drawn signature could not be rendered]")
