"""The Markdown committed in docs/protocols/ is exactly what ``ketaclinic protocol docs`` writes.

A change to a pack, to the generator or to a state machine's transition table must come with the
regenerated pages (``ketaclinic protocol docs``), so the committed documentation cannot drift.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ketaclinic.entrypoints.cli.protocols import app

COMMITTED = Path(__file__).parents[2] / "docs" / "protocols"


def test_committed_protocol_docs_equal_freshly_generated_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["docs", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    generated = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.glob("*.md")}
    assert (
        sorted(generated)
        == sorted(committed)
        == [
            "README.md",
            "adolescent-iv.md",
            "adult-iv-induction.md",
            "kat-holistic.md",
        ]
    )
    stale = [name for name in generated if generated[name] != committed[name]]
    assert stale == [], f"regenerate with `ketaclinic protocol docs`: {stale} differ"


def test_generated_pages_carry_both_state_diagrams() -> None:
    page = (COMMITTED / "adult-iv-induction.md").read_text(encoding="utf-8")
    assert "## Treatment course states" in page
    assert "## Infusion session states" in page
    assert page.count("stateDiagram-v2") == 2
