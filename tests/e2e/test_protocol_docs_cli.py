"""Generated Markdown and the ``ketaclinic protocol`` command group."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.protocols.docs import mermaid_state_diagram
from ketaclinic.domain.protocols.docs_page import protocol_markdown
from ketaclinic.entrypoints.cli.protocols import app

CORPUS = Path(__file__).parents[1] / "integration" / "data" / "protocols"
ADULT_FILE = (
    Path(__file__).parents[2] / "src" / "ketaclinic" / "protocols" / "adult-iv-induction.yaml"
)
runner = CliRunner()


def test_mermaid_diagram_from_a_transition_table() -> None:
    text = mermaid_state_diagram(
        [("scheduled", "checked-in", "arrived: ok"), ("checked-in", "ready", "")]
    )
    assert text.splitlines() == [
        "stateDiagram-v2",
        "    [*] --> scheduled",
        "    scheduled --> checked_in : arrived - ok",
        "    checked_in --> ready",
    ]


def test_protocol_page_shows_doses_thresholds_sources_and_diagrams() -> None:
    page = protocol_markdown(
        shipped_protocol("adult-iv-induction"),
        state_machines={"Treatment course": [("referred", "evaluating", "pinned")]},
    )
    assert "| `dosing.iv.start_mg_per_kg` | 0.5 | mg/kg | §2.1 Sanacora 2017" in page
    assert "| bp-systolic-pause | systolic BP 180 mmHg or above |" in page
    assert "## Treatment course states" in page
    assert "referred --> evaluating : pinned" in page
    assert "## Defaults needing sign-off" in page


def test_list_json_prints_id_version_hash_title() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == ["adolescent-iv", "adult-iv-induction", "kat-holistic"]
    assert set(rows[0]) == {"id", "version", "hash", "title"}
    assert rows[1]["hash"] == shipped_protocol("adult-iv-induction").hash


def test_validate_a_good_file_exits_zero() -> None:
    result = runner.invoke(app, ["validate", str(ADULT_FILE)])
    assert result.exit_code == 0
    assert result.output.startswith("ok: adult-iv-induction@1.1.0")


def test_validate_a_broken_file_exits_one_listing_every_error() -> None:
    result = runner.invoke(app, ["validate", str(CORPUS / "start-above-ceiling.yaml")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 2
    assert all(
        line.startswith("start-above-ceiling.yaml: dosing.iv.start_mg_per_kg:") for line in lines
    )


def test_validate_a_missing_file_exits_one() -> None:
    result = runner.invoke(app, ["validate", "no/such/pack.yaml"])
    assert result.exit_code == 1


def test_show_by_id_and_version() -> None:
    assert runner.invoke(app, ["show", "kat-holistic@1.2.0"]).exit_code == 0
    wrong = runner.invoke(app, ["show", "kat-holistic@9.9.9"])
    assert wrong.exit_code == 1
    assert runner.invoke(app, ["show", "unknown-pack"]).exit_code == 1


def test_diff_between_a_file_and_a_shipped_pack(tmp_path: Path) -> None:
    changed = ADULT_FILE.read_text(encoding="utf-8").replace(
        "  min_observation_min: 30\n", "  min_observation_min: 45\n"
    )
    local = tmp_path / "local.yaml"
    local.write_text(changed, encoding="utf-8")
    result = runner.invoke(app, ["diff", "adult-iv-induction", str(local)])
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == ["discharge.min_observation_min: 30 -> 45"]


def test_docs_writes_one_page_per_pack_and_an_index(tmp_path: Path) -> None:
    result = runner.invoke(app, ["docs", "--out", str(tmp_path)])
    assert result.exit_code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["README.md", "adolescent-iv.md", "adult-iv-induction.md", "kat-holistic.md"]
    assert "stateDiagram-v2" in (tmp_path / "adult-iv-induction.md").read_text(encoding="utf-8")
