"""A signed consent as a PDF (fpdf2): the exact text signed, who signed, when, and the drawing.

The text printed is the rendered document whose SHA-256 the signature carries; the hash is
printed too, so the paper copy can be checked against the record. Core PDF fonts are Latin-1:
characters outside it are replaced by their closest ASCII form or ``?`` (names are printed as
typed wherever they fit).
"""

from __future__ import annotations

import base64
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF

from ketaclinic.domain.consent_documents import RenderedDocument
from ketaclinic.domain.evaluation_records import StoredSignature

PNG_PREFIX = "data:image/png;base64,"
_REPLACEMENTS = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00a7": "S.",
}


@dataclass(frozen=True, slots=True)
class ConsentPrint:
    """What the printed consent shows besides the document itself."""

    clinic_name: str
    clinic_timezone: str
    patient_name: str
    mrn: str
    protocol_ref: str
    course_id: int


def _latin1(text: str) -> str:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    text = unicodedata.normalize("NFKC", text)
    return text.encode("latin-1", "replace").decode("latin-1")


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def consent_pdf(stored: StoredSignature, document: RenderedDocument, info: ConsentPrint) -> bytes:
    """The PDF bytes of one signed (or refused) consent document."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin1(document.title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin1(info.clinic_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    header = (
        f"Patient {info.patient_name} (MRN {info.mrn}) - course {info.course_id}"
        f" - protocol {info.protocol_ref}"
    )
    pdf.multi_cell(0, 5, _latin1(header), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _body(pdf, document.text)
    _signature_block(pdf, stored, document, info)
    return bytes(pdf.output())


def _body(pdf: FPDF, text: str) -> None:
    for index, paragraph in enumerate(text.split("\n")):
        bold = index == 0 or (
            paragraph and not paragraph.endswith((".", ":")) and len(paragraph) < 80
        )
        pdf.set_font("Helvetica", "B" if bold else "", 12 if index == 0 else 10)
        pdf.multi_cell(0, 5, _latin1(paragraph) or " ", new_x="LMARGIN", new_y="NEXT")


def _signature_block(
    pdf: FPDF, stored: StoredSignature, document: RenderedDocument, info: ConsentPrint
) -> None:
    s = stored.signature
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    verdict = "AGREES" if s.agrees else ("DISSENTS" if s.signer.value == "assent" else "REFUSES")
    pdf.multi_cell(0, 6, f"Signed as {s.signer.value}: {verdict}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    lines = [
        f"Name typed: {s.signer_name}",
        f"Signed at: {_local(s.signed_at, info.clinic_timezone)}",
        f"Document: {document.document_id} version {document.version}",
        f"SHA-256 of the text: {s.document_hash}",
    ]
    if s.legal_authority:
        lines.append("Guardian with recorded legal authority")
    if s.witness_name:
        lines.append(f"Witness: {s.witness_name}")
    if s.explained_by:
        lines.append(f"Explained by: {s.explained_by}")
    for line in lines:
        pdf.multi_cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    if stored.image_png.startswith(PNG_PREFIX):
        raw = base64.b64decode(stored.image_png[len(PNG_PREFIX) :])
        try:
            pdf.image(io.BytesIO(raw), w=70)
        except Exception:  # a stored drawing that cannot be decoded must not stop the print
            pdf.multi_cell(0, 5, "[drawn signature could not be rendered]")
