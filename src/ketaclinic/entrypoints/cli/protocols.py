"""``ketaclinic protocol``: list, show, validate, compare and document protocol packs.

- ``list [--json]``: the shipped packs; ``--json`` prints ``[{"id", "version", "hash", "title"}]``.
- ``show ID[@VERSION]``: the documentation page of a shipped pack (``--json``: its plain form).
- ``validate FILE``: exit 0 printing ``ok``, or exit 1 listing every error with its field path.
- ``diff A B``: field paths that differ; A and B are pack files or shipped ``ID[@VERSION]``.
- ``docs [--out docs/protocols]``: writes one Markdown page per shipped pack plus an index.
- ``publish [--clinic SLUG]``: publishes the shipped packs into a clinic's database (idempotent:
  an identical version already published is kept; the same version with other content is refused).
  Published versions still need a physician's sign-off in the app before use.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ketaclinic.adapters.protocol_files import (
    ProtocolInvalid,
    load_pack,
    shipped_protocol,
    shipped_protocols,
)
from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.protocols.canonical import to_plain
from ketaclinic.domain.protocols.changes import diff as diff_protocols
from ketaclinic.domain.protocols.docs import Transition
from ketaclinic.domain.protocols.docs_page import protocol_index_markdown, protocol_markdown
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.entrypoints.cli.context import clinic_named, services

app = typer.Typer(
    help="Protocol packs: list, show, validate, diff, generate documentation, publish.",
    no_args_is_help=True,
)

# module holding a TRANSITIONS table of (from, to, label) -> diagram title
STATE_MACHINES = {
    "ketaclinic.domain.patients.course": "Treatment course",
    "ketaclinic.domain.infusion.session": "Infusion session",
}


def _fail(lines: list[str]) -> NoReturn:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code=1)


def _resolve(reference: str) -> Protocol:
    """A pack file path, or a shipped ``ID[@VERSION]``."""
    path = Path(reference)
    if path.suffix in {".yaml", ".yml"} or path.is_file():
        return load_pack(path)
    protocol_id, _, version = reference.partition("@")
    protocol = shipped_protocol(protocol_id)
    if version and version != protocol.version:
        _fail([f"{protocol_id}: version {version} is not shipped (shipped: {protocol.version})"])
    return protocol


def _resolve_or_fail(reference: str) -> Protocol:
    try:
        return _resolve(reference)
    except ProtocolInvalid as invalid:
        _fail(invalid.lines())
    except ClinicError as error:
        _fail([f"{error.field or reference}: {error.detail}"])


@app.command("list")
def list_protocols(
    as_json: Annotated[bool, typer.Option("--json", help="JSON array output")] = False,
) -> None:
    """List the shipped protocol packs."""
    protocols = shipped_protocols()
    if as_json:
        rows = [
            {"id": p.id, "version": p.version, "hash": p.hash, "title": p.title} for p in protocols
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    for p in protocols:
        typer.echo(f"{p.id}@{p.version}  {p.hash[:12]}  {p.title}")


@app.command("show")
def show(
    reference: Annotated[str, typer.Argument(help="ID[@VERSION] of a shipped pack, or a file")],
    as_json: Annotated[bool, typer.Option("--json", help="plain form as JSON")] = False,
) -> None:
    """Show one protocol version (tables with sources and the sign-off list)."""
    protocol = _resolve_or_fail(reference)
    if as_json:
        typer.echo(json.dumps(to_plain(protocol), indent=2, ensure_ascii=False))
    else:
        typer.echo(protocol_markdown(protocol))


@app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="protocol pack file (YAML)")]) -> None:
    """Validate a pack file: exit 0 and print ok, or exit 1 listing every error."""
    protocol = _load_file(file)
    typer.echo(f"ok: {protocol.ref} {protocol.hash}")


def _load_file(file: Path) -> Protocol:
    try:
        return load_pack(file)
    except ProtocolInvalid as invalid:
        _fail(invalid.lines())
    except ClinicError as error:
        _fail([f"{file}: {error.detail}"])


@app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="pack file or shipped ID[@VERSION]")],
    b: Annotated[str, typer.Argument(help="pack file or shipped ID[@VERSION]")],
) -> None:
    """List every field path whose value differs from A to B."""
    first, second = _resolve_or_fail(a), _resolve_or_fail(b)
    changes = diff_protocols(first, second)
    typer.echo(f"{first.ref} ({first.hash[:12]}) -> {second.ref} ({second.hash[:12]})")
    if not changes:
        typer.echo("no differences")
    for change in changes:
        typer.echo(f"{change.path}: {json.dumps(change.before)} -> {json.dumps(change.after)}")


def _state_machines() -> tuple[dict[str, list[Transition]], list[str]]:
    tables: dict[str, list[Transition]] = {}
    missing: list[str] = []
    for module_name, title in STATE_MACHINES.items():
        try:
            rows = importlib.import_module(module_name).TRANSITIONS
            tables[title] = [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
        except (ImportError, AttributeError, IndexError, TypeError):
            missing.append(module_name)
    return tables, missing


@app.command("docs")
def docs(
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("docs/protocols"),
) -> None:
    """Write one Markdown page per shipped pack, and an index, into OUT."""
    protocols = shipped_protocols()
    tables, missing = _state_machines()
    for module_name in missing:
        typer.echo(f"note: no transition table in {module_name}; diagram left out", err=True)
    out.mkdir(parents=True, exist_ok=True)
    for p in protocols:
        (out / f"{p.id}.md").write_text(protocol_markdown(p, state_machines=tables), "utf-8")
        typer.echo(f"wrote {out / f'{p.id}.md'}")
    (out / "README.md").write_text(protocol_index_markdown(protocols), encoding="utf-8")
    typer.echo(f"wrote {out / 'README.md'}")


@app.command("publish")
def publish(
    clinic: Annotated[
        str | None, typer.Option(help="Clinic slug (default: the only clinic)")
    ] = None,
) -> None:
    """Publish the shipped packs into a clinic (idempotent); each needs a physician sign-off."""
    packs = shipped_protocols()
    with services() as s:
        target = clinic_named(s, clinic)
        published = s.protocols.publish(target.id, packs)
    for row in published:
        state = "signed off" if row.signed_off else "needs sign-off"
        typer.echo(f"{row.id}\t{row.ref}\t{row.hash[:12]}\t{state}")
