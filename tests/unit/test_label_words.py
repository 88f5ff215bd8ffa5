"""Stored codes reach a page as words: eligibility decisions, urgencies, titration outcomes and
drug classes through the ``label`` filter, and each course move as its button says it, while the
raw code stays in the page's ``data-*`` attributes."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.assessments.safety import Disposition, Urgency
from ketaclinic.domain.dosing.checkin import TitrationOutcome
from ketaclinic.domain.evaluation.eligibility.engine import Decision
from ketaclinic.domain.evaluation.medications import DrugClass
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.protocols.sections import RouteDosing
from ketaclinic.domain.scheduling import Constraint
from ketaclinic.entrypoints.web.label_words import (
    DOSING_LIMIT_LABELS,
    dosing_limit_label,
    label,
    lower_label,
    move_label,
)
from ketaclinic.entrypoints.web.rendering import templates

TEMPLATES = Path(__file__).resolve().parents[2] / "src/ketaclinic/entrypoints/web/templates"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (Decision.NOT_ELIGIBLE, "Not eligible"),
        (Decision.ELIGIBLE_WITH_OVERRIDES, "Eligible with overrides"),
        ("eligible_with_conditions", "Eligible with conditions"),
        (Decision.ELIGIBLE, "Eligible"),
        (Urgency.SAME_DAY, "Same day"),
        (Urgency.URGENT, "Urgent"),
        (TitrationOutcome.HOLD_AND_REVIEW, "Hold and review"),
        (TitrationOutcome.STEP_UP, "Step up"),
        (DrugClass.Z_DRUG, "Z-drug"),
        (DrugClass.MAOI, "MAOI"),
        (Disposition.REFER_EMERGENCY, "Refer emergency"),
        (NoteKind.PREPARATORY, "Preparatory"),
        ("in_person", "In person"),
        ("none", "None identified"),
        ("preparation_due", "Preparation due"),
        (None, ""),
    ],
)
def test_a_code_reads_as_a_capitalised_label(code: object, words: str) -> None:
    assert label(code) == words


def test_a_blocking_scheduling_rule_reads_as_what_blocks() -> None:
    assert label(Constraint.WINDOW) == "The series window"
    assert lower_label(Constraint.SPACING) == "the minimum gap between sessions"
    assert all(not label(c).startswith("SCH-") for c in Constraint)


def test_inside_a_sentence_a_label_is_lower_case_but_an_abbreviation_is_kept() -> None:
    assert lower_label("partial_response") == "partial response"
    assert lower_label(DrugClass.MAOI) == "MAOI"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (CourseState.INDUCTION, "Move to induction"),
        (CourseState.REASSESSMENT, "Move to reassessment"),
        (CourseState.MAINTENANCE, "Move to maintenance"),
        (CourseState.COMPLETED, "Complete the course"),
        (CourseState.DISCONTINUED, "Discontinue the course"),
        (CourseState.EVALUATING, "Start the evaluation"),
        (CourseState.ELIGIBLE, "Mark eligible"),
        (CourseState.INELIGIBLE, "Mark not eligible"),
        (CourseState.CONSENTED, "Mark consented"),
        ("some_new_state", "Move to some new state"),
    ],
)
def test_every_course_move_has_button_words(target: object, words: str) -> None:
    assert move_label(target) == words


def test_every_course_state_has_its_own_button_words() -> None:
    assert len({move_label(s) for s in CourseState}) == len(CourseState)


def test_the_page_filters_are_registered() -> None:
    env = templates().env
    page = env.from_string(
        '<span data-decision="{{ d.value }}">{{ d | label }}</span> {{ t | move }}'
    ).render(d=Decision.NOT_ELIGIBLE, t=CourseState.COMPLETED)
    assert page == '<span data-decision="not_eligible">Not eligible</span> Complete the course'


def test_no_page_writes_a_code_by_replacing_its_underscores() -> None:
    offenders = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if p.relative_to(TEMPLATES).parts[0] != "infusion" and "replace('_'" in p.read_text()
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("adjusted_above_bmi", "Dose by adjusted weight above BMI (kg/m²)"),
        ("concentrations_mg_per_ml", "Concentrations (mg/mL)"),
        ("duration_min", "Infusion duration (min)"),
        ("max_mg_per_kg", "Maximum dose (mg/kg)"),
        ("some_new_limit", "Some new limit"),
    ],
)
def test_a_dosing_limit_reads_as_a_plain_name_with_its_unit(key: str, words: str) -> None:
    assert dosing_limit_label(key) == words


def test_every_dosing_limit_a_protocol_can_cite_has_plain_words() -> None:
    keys = {f.name for f in fields(RouteDosing)} - {"route", "sources"}
    assert keys <= set(DOSING_LIMIT_LABELS)
    routes = [r for p in shipped_protocols() for r in p.dosing.routes.values()]
    cited = {key for r in routes for key in r.sources}
    assert cited and cited <= set(DOSING_LIMIT_LABELS)
    rendered = templates().env.from_string("{{ k | dosing_limit }}").render(k="max_mg_per_kg")
    assert rendered == "Maximum dose (mg/kg)"
