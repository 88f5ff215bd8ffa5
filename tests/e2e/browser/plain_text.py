"""What a page may not show outside a "why" or technical-detail disclosure: ISO timestamps, rule
ids, internal field names, raw UCUM units, Python literals, "(s)" plural hacks, and the internal
codes of instruments (``phq9``, ``cssrs-screen``) and protocols (``adult-iv-induction``, also as
``adult-iv-induction@1.1.0``) where a person should read "PHQ-9" or the protocol's name.

The rule ids are read from what the system defines: the dotted ids in the domain's source and the
ids of the rules in the shipped protocol packs, so the check is precise rather than a guess.
``visible_text`` collects a page's rendered text, skipping ``<details>`` disclosures and anything
marked ``data-technical``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from ketaclinic.domain.assessments.instruments.registry import INSTRUMENTS

SRC = Path(__file__).resolve().parents[3] / "src" / "ketaclinic"
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
SNAKE_CASE = re.compile(r"(?<![@/\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z0-9_]+)*(?![\w@/])")
DOTTED = re.compile(r"(?<![@/\w.-])[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+(?![\w@/-])")
HYPHENATED = re.compile(r"(?<![@/\w.-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w@/])")
PYTHON_LITERAL = re.compile(r"\b(True|False)\b|(?:^|[:=(]\s*)(None)\b(?!\s*/|\s+[A-Za-z])")
PLURAL_HACK = re.compile(r"\w\(s\)")
RAW_UNIT = re.compile(r"mm\[Hg\]|\[deg[FC]\]|\{[a-z]+\}|\bCel\b|\[(?:in_i|lb_av)\]")
#: A lower-case code standing alone (a version after "@" is still the code; a URL path is not).
CODE = re.compile(r"(?<![\w/.-])([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?![\w/-])")
STAFF_ID = re.compile(r"\b(?:staff|patient|session|order|course)/\d+\b")
_DOTTED_LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)["']""")
_PACK_RULE_SECTIONS = ("contraindications", "alert_rules", "rules", "checks", "flags")


@cache
def rule_ids() -> frozenset[str]:
    """Every rule, permission and field id the domain spells in its source, and the packs' rule
    ids (contraindications and alarm rules)."""
    ids: set[str] = set()
    for path in (SRC / "domain").rglob("*.py"):
        ids.update(_DOTTED_LITERAL.findall(path.read_text(encoding="utf-8")))
    for path in (SRC / "protocols").glob("*.yaml"):
        _collect_pack_ids(yaml.safe_load(path.read_text(encoding="utf-8")), ids, inside=False)
    return frozenset(i for i in ids if not i.endswith((".md", ".yaml", ".py", ".pdf")))


@cache
def internal_codes() -> frozenset[str]:
    """The instrument codes of the registry and the ids of the shipped protocol packs."""
    packs = {
        str(yaml.safe_load(path.read_text(encoding="utf-8"))["id"])
        for path in (SRC / "protocols").glob("*.yaml")
    }
    return frozenset(INSTRUMENTS) | packs


def _collect_pack_ids(node: object, ids: set[str], *, inside: bool) -> None:
    if isinstance(node, dict):
        if inside and isinstance(node.get("id"), str):
            ids.add(node["id"])
        for key, value in node.items():
            _collect_pack_ids(value, ids, inside=inside or key in _PACK_RULE_SECTIONS)
    elif isinstance(node, list):
        for item in node:
            _collect_pack_ids(item, ids, inside=inside)


def offending(text: str) -> list[str]:
    """The raw values in ``text`` that a person should never have to read, one line each."""
    found: list[str] = []
    known, codes = rule_ids(), internal_codes()
    for line in text.splitlines():
        line = line.strip()
        hits = [f"ISO timestamp {m}" for m in ISO_TIMESTAMP.findall(line)]
        hits += [f"identifier {m}" for m in SNAKE_CASE.findall(line)]
        hits += [f"rule id {m}" for m in DOTTED.findall(line) if m in known]
        hits += [f"rule id {m}" for m in HYPHENATED.findall(line) if m in known]
        hits += [f"internal code {m}" for m in CODE.findall(line) if m in codes]
        hits += [f"literal {a or b}" for a, b in PYTHON_LITERAL.findall(line)]
        hits += [f"database id {m}" for m in STAFF_ID.findall(line)]
        hits += [f"raw unit {m}" for m in RAW_UNIT.findall(line)]
        if PLURAL_HACK.search(line):
            hits.append("plural hack (s)")
        found.extend(f"{hit}: {line[:160]!r}" for hit in dict.fromkeys(hits))
    return found


VISIBLE_TEXT_JS = """() => {
  const skip = 'details, [data-technical], script, style, template, noscript, svg';
  const lines = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !node.textContent.trim()) continue;
    if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
    lines.push(node.textContent.replace(/\\s+/g, ' '));
  }
  return [...new Set(lines)].join('\\n');
}"""
