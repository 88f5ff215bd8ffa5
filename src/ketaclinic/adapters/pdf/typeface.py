"""The typeface of every printed document: DejaVu Sans, shipped in ``fonts/`` and embedded.

PDF core fonts only know Latin-1, which printed "Łukasz Wąsowski" as "?ukasz W?sowski". Every
PDF the product makes starts from :func:`new_document` and passes its text through
:func:`printable`, so names print exactly as typed in Latin scripts (Vietnamese included), Greek
and Cyrillic. A character the font cannot draw is never silently dropped or guessed: it prints as
its code point, ``[U+738B]``, which still identifies it exactly. Text is NFC-normalised (composed)
and never compatibility-folded, so "m²" stays "m²".

Nothing here logs text: fpdf2 would log the characters it finds no glyph for, and those can be
part of a patient's name, so :func:`printable` keeps such characters from ever reaching it.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

FAMILY = "DejaVuSans"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_LAYOUT = frozenset("\n")


@cache
def covered_code_points() -> frozenset[int]:
    """Code points that every shipped style can draw."""
    styles = []
    for name in FONT_FILES.values():
        font = TTFont(FONT_DIR / name, lazy=True)
        try:
            styles.append(frozenset(font.getBestCmap()))
        finally:
            font.close()
    return frozenset.intersection(*styles)


def printable(text: str) -> str:
    """``text`` composed (NFC), with each character the font cannot draw as ``[U+XXXX]``."""
    covered = covered_code_points()
    return "".join(
        ch if ch in _LAYOUT or ord(ch) in covered else f"[U+{ord(ch):04X}]"
        for ch in unicodedata.normalize("NFC", text)
    )


def new_document(title: str | None = None) -> FPDF:
    """An A4 document with the shipped typeface registered and selected (regular, 10 pt)."""
    pdf = FPDF(format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FAMILY, style, str(FONT_DIR / name))
    pdf.set_auto_page_break(auto=True, margin=15)
    if title is not None:
        pdf.set_title(printable(title))
    pdf.set_font(FAMILY, "", 10)
    return pdf
