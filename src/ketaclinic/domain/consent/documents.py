"""Consent documents as versioned templates, rendered to the person who signs them.

A protocol's consent section names documents by id and version (``Protocol.consent.documents``);
the text of each version is a :class:`ConsentTemplate`. Rendering fills the patient's and the
programme's names into the text; the rendered text is what the signer reads and what is hashed
(``domain.consent.signatures.hash_document``), so a signature is bound to exactly the words shown.

Every template must state (clinical.md §1.4, §4.2, §4.6; seed 000 "What this protocol is not"):
risks, benefits, alternatives, the off-label status of racemic ketamine, what the programme is and
is not, no driving until the next day, and the escort rule. :func:`missing_sections` checks that.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from ketaclinic.domain.consent.signatures import hash_document
from ketaclinic.domain.errors import ValidationFailed

REQUIRED_SECTIONS = (
    "risks",
    "benefits",
    "alternatives",
    "off_label",
    "programme_is_not",
    "driving",
    "escort",
)
PLACEHOLDERS = frozenset({"patient_name", "programme", "clinic_name"})


@dataclass(frozen=True, slots=True)
class ConsentSection:
    key: str
    heading: str
    body: str


@dataclass(frozen=True, slots=True)
class ConsentTemplate:
    """The text of one document version; ``sections`` carry the required section keys."""

    document_id: str
    version: str
    title: str
    sections: tuple[ConsentSection, ...]


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A document as shown to the signer, with the SHA-256 of its text."""

    document_id: str
    version: str
    title: str
    text: str
    hash: str


def missing_sections(template: ConsentTemplate) -> tuple[str, ...]:
    """Required section keys the template lacks (empty when complete)."""
    present = {s.key for s in template.sections}
    return tuple(k for k in REQUIRED_SECTIONS if k not in present)


def render_document(template: ConsentTemplate, values: Mapping[str, str]) -> RenderedDocument:
    """Fill ``values`` (``patient_name``, ``programme``, ``clinic_name``) into the template.

    Raises :class:`ValidationFailed` when a placeholder is unknown or a value is missing, so a
    document is never shown with a hole in it.
    """
    lines = [template.title, ""]
    for section in template.sections:
        heading = _fill(template, section.heading, values)
        lines += [heading, _fill(template, section.body, values), ""]
    text = "\n".join(lines).rstrip() + "\n"
    return RenderedDocument(
        template.document_id, template.version, template.title, text, hash_document(text)
    )


def _fill(template: ConsentTemplate, body: str, values: Mapping[str, str]) -> str:
    names = {f for _, f, _, _ in string.Formatter().parse(body) if f}
    unknown = names - PLACEHOLDERS
    absent = {n for n in names & PLACEHOLDERS if not values.get(n, "").strip()}
    if unknown or absent:
        problem = f"unknown placeholders {sorted(unknown)}" if unknown else f"no {sorted(absent)}"
        raise ValidationFailed({f"consent.{template.document_id}": problem})
    return body.format_map({n: values[n] for n in names})
