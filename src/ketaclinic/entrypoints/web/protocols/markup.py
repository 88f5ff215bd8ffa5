"""The generated protocol Markdown (``domain.protocols.docs_page``) as HTML for the staff UI.

Only the subset the generator writes is understood: headings, pipe tables, bullet lists, fenced
blocks, paragraphs, inline ``code``, ``**bold**`` and ``[links](href)``. Every piece of text is
HTML-escaped before any markup is added, so a pack's content can never inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([A-Za-z0-9_.\-/#]+)\)")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
#: A source key's "not yet confirmed" marker, as the clinical reference spells it.
_UNCONFIRMED = re.compile(r"\s*\(?\bUNCONFIRMED\b[^)|]*\)?")
_SIGNOFF_HEADERS = {"needs sign-off", "sign-off"}


def _source(text: str) -> str:
    """A cell as people read it: a source key's UNCONFIRMED marker goes one click away."""
    if "UNCONFIRMED" not in text:
        return _inline(text)
    shown = _UNCONFIRMED.sub("", text).strip(" ,;")
    note = escape(text)
    return f'{_inline(shown)} <details class="why"><summary>Source note</summary>{note}</details>'


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _LINK.sub(r'<a href="\2">\1</a>', html)


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(inner)]


def _table(lines: list[str], flagged: str | None) -> str:
    headers = _cells(lines[0])
    signoff = {i for i, h in enumerate(headers) if flagged and h in _SIGNOFF_HEADERS}
    head = "".join(
        f'<th scope="col">{"sign-off" if i in signoff else _inline(c)}</th>'
        for i, c in enumerate(headers)
    )

    def cell(i: int, text: str) -> str:
        if i in signoff and flagged:
            return str(escape(flagged)) if text == "**yes**" else "—"
        return _source(text)

    body = "".join(
        "<tr>" + "".join(f"<td>{cell(i, c)}</td>" for i, c in enumerate(_cells(line))) + "</tr>"
        for line in lines[2:]
    )
    return f'<table class="list doc"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _blocks(markdown: str) -> Iterator[tuple[str, list[str]]]:
    """(kind, lines) blocks: heading, table, list, fence, paragraph."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
            stop = len(lines) if end is None else end
            yield "fence", lines[i + 1 : stop]
            i = stop + 1
        elif line.startswith("#"):
            yield "heading", [line]
            i += 1
        else:
            kind = "table" if line.startswith("|") else "list" if line.startswith("- ") else "p"
            j = i
            while j < len(lines) and lines[j].strip() and _kind(lines[j]) == kind:
                j += 1
            yield kind, lines[i:j]
            i = j


def _kind(line: str) -> str:
    if line.startswith("|"):
        return "table"
    if line.startswith("- "):
        return "list"
    if line.startswith(("#", "```")):
        return "other"
    return "p"


def _render(kind: str, lines: list[str], flagged: str | None) -> str:
    if kind == "heading":
        level = min(len(lines[0]) - len(lines[0].lstrip("#")) + 1, 4)
        return f"<h{level}>{_inline(lines[0].lstrip('#').strip())}</h{level}>"
    if kind == "table":
        return _table(lines, flagged)
    if kind == "list":
        items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if kind == "fence":
        return f'<pre class="mermaid">{escape(chr(10).join(lines))}</pre>'
    return f"<p>{_inline(' '.join(lines))}</p>"


def markdown_html(markdown: str, *, flagged: str | None = None) -> Markup:
    """HTML for generated protocol Markdown (headings shifted one level down under the page h1).

    ``flagged`` words each default the pack flags for sign-off (its sign-off columns), as the
    version's sign-off has it; a source key's UNCONFIRMED marker sits in a "Source note"."""
    html = "\n".join(_render(kind, lines, flagged) for kind, lines in _blocks(markdown))
    return Markup(html)  # noqa: S704 - every text went through escape() before markup was added
