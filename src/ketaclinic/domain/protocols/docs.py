"""Markdown documentation generated from a protocol and from state-machine transition tables.

Pure functions returning text: the CLI writes them to ``docs/protocols/``. Every number shown comes
from the pack with its clinical.md source key and whether a physician must sign it off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from ketaclinic.domain.protocols.alert_words import condition_words, run_words
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.domain.protocols.catalog import unit_of_field
from ketaclinic.domain.protocols.checks import SourcedSection, numeric_leaves
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import SourceRef

Transition = tuple[str, str, str]  # (from state, to state, guard or trigger label)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, tuple | list):
        return ", ".join(_cell(v) for v in value) or "—"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; cells are escaped, Decimals normalised."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _source_of(sources: dict[str, SourceRef], leaf: str) -> SourceRef | None:
    for name, ref in sources.items():
        if leaf == name or leaf.startswith(name + "."):
            return ref
    return None


def sourced_table(path: str, section: SourcedSection) -> str:
    """Every numeric default of a section: field path, value, unit, source, sign-off flag."""
    sources = section.sources
    rows = []
    for leaf, value in numeric_leaves(section).items():
        ref = _source_of(sources, leaf)
        unit = unit_of_field(leaf.rsplit(".", 1)[-1]) or ""
        signoff = "**yes**" if ref and ref.needs_signoff else "no"
        rows.append((f"`{path}.{leaf}`", value, unit, ref.key if ref else "—", signoff))
    return markdown_table(["field", "value", "unit", "source", "needs sign-off"], rows)


def _yes(flag: bool) -> str:
    return "**yes**" if flag else "no"


def dose_section(p: Protocol) -> str:
    """Dose tables per route, premedications and titration thresholds."""
    parts = ["## Dosing"]
    for route, rd in p.dosing.routes.items():
        parts += [f"### Route `{route.value}` (weight basis: {rd.weight_basis.value})"]
        parts += [sourced_table(f"dosing.{route.value}", rd)]
    premeds = [
        (pm.drug, pm.dose_mg, pm.route, _yes(pm.optional), pm.source, _yes(pm.needs_signoff))
        for pm in p.dosing.premedications
    ]
    if premeds:
        headers = ["drug", "dose (mg)", "route", "optional", "source", "needs sign-off"]
        parts += ["### Premedication", markdown_table(headers, premeds)]
    rescue = [
        (pm.drug, pm.dose_mg, pm.route, pm.source, _yes(pm.needs_signoff)) for pm in p.dosing.rescue
    ]
    if rescue:
        headers = ["drug", "dose (mg)", "route", "source", "needs sign-off"]
        parts += [
            "### Standing rescue drugs (no per-session order)",
            markdown_table(headers, rescue),
        ]
    parts += ["### Titration", sourced_table("dosing.titration", p.dosing.titration)]
    return "\n\n".join(parts)


def threshold_section(p: Protocol) -> str:
    """Vital-sign schedule and every alert rule with its action and source."""
    rows = [
        (
            r.id,
            condition_words(r),
            run_words(r).removeprefix("on "),
            ", ".join(phase.value for phase in r.phases),
            r.severity.value,
            r.action.value,
            r.source,
            _yes(r.needs_signoff),
        )
        for r in p.monitoring.alert_rules
    ]
    headers = [
        "rule",
        "fires when",
        "persistence",
        "phases",
        "priority",
        "action",
        "source",
        "sign-off",
    ]
    scales = [
        (
            s.instrument,
            ", ".join(r.value for r in s.routes) or "every route",
            s.at_minutes,
            s.source,
            _yes(s.needs_signoff),
        )
        for s in p.monitoring.scales
    ]
    return "\n\n".join(
        [
            "## Monitoring and alert thresholds",
            sourced_table("monitoring", p.monitoring),
            markdown_table(headers, rows),
            markdown_table(
                ["scale", "route", "at minutes from start of dosing", "source", "sign-off"],
                scales,
            ),
            f"Instruments at every visit: {_cell(p.monitoring.every_visit_instruments)}",
        ]
    )


def contraindication_section(p: Protocol) -> str:
    """The contraindication rule set with severity, override role, parameters and source."""
    rows = [
        (
            f"`{r.condition}`",
            r.title,
            r.severity.value,
            r.override_role,
            ", ".join(f"{k}={decimal_text(v)}" for k, v in r.params.items()),
            r.source,
            _yes(r.needs_signoff),
        )
        for r in p.contraindications
    ]
    headers = ["condition", "title", "severity", "override", "params", "source", "sign-off"]
    title = f"## Contraindications (rule set `{p.evaluation.contraindication_rule_set}`)"
    return "\n\n".join([title, markdown_table(headers, rows)])


def outcome_section(p: Protocol) -> str:
    """Series, discharge, reassessment outcomes and relapse rules."""
    outcomes = [
        (
            o.instrument,
            o.response_pct_drop,
            o.partial_response_pct_drop,
            o.remission_max_score,
            o.source,
            _yes(o.needs_signoff),
        )
        for o in p.reassessment.outcomes
    ]
    relapse = [
        (r.instrument, f">= {r.threshold}", r.consecutive, r.min_gap_days, r.after, r.source)
        for r in p.maintenance.relapse_rules
    ]
    outcome_headers = ["instrument", "response (% drop)", "partial (% drop)", "remission (<=)"]
    relapse_headers = ["instrument", "threshold", "consecutive", "min gap (d)", "after", "source"]
    return "\n\n".join(
        [
            "## Induction series",
            sourced_table("series", p.series),
            "## Recovery and discharge",
            sourced_table("discharge", p.discharge),
            f"Escort required: {_yes(p.discharge.escort_required)}; "
            f"safety flags resolved: {_yes(p.discharge.safety_flags_resolved)}",
            "## Reassessment",
            sourced_table("reassessment", p.reassessment),
            markdown_table([*outcome_headers, "source", "sign-off"], outcomes),
            "## Maintenance and relapse watch",
            sourced_table("maintenance", p.maintenance),
            markdown_table(relapse_headers, relapse),
        ]
    )


def _state_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def mermaid_state_diagram(transitions: Iterable[Transition], *, initial: str | None = None) -> str:
    """A Mermaid ``stateDiagram-v2`` from ``(from, to, label)`` rows, in the table's order.

    ``initial`` (default: the first row's source state) gets the ``[*]`` start arrow. Labels are
    flattened to one line; state names are reduced to Mermaid-safe identifiers.
    """
    rows = list(transitions)
    lines = ["stateDiagram-v2"]
    start = initial if initial is not None else (rows[0][0] if rows else None)
    if start is not None:
        lines.append(f"    [*] --> {_state_id(start)}")
    for source, target, label in rows:
        text = " ".join(str(label).replace(":", " -").split())
        arrow = f"    {_state_id(source)} --> {_state_id(target)}"
        lines.append(f"{arrow} : {text}" if text else arrow)
    return "\n".join(lines)


def integration_section(p: Protocol) -> str:
    """The programme's support structure."""
    i = p.integration
    rows = [(d.id, d.title, d.practices) for d in i.domains]
    facts = (
        f"Framework: **{i.framework}**; preparatory sessions (min): {i.preparatory_sessions_min}; "
        f"integration after each session: {_yes(i.integration_after_each_session)}; "
        f"family sessions: {_yes(i.family_sessions)}; attended by: {_cell(i.attendant_roles)}"
    )
    return "\n\n".join(
        ["## Integration", facts, markdown_table(["domain", "title", "practices"], rows)]
    )
