"""The referring clinician's course summary as a PDF (fpdf2): doses, sessions, scores with a
chart, adverse events, outcome with the numbers behind it, and the maintenance plan.

Text prints in the shipped Unicode typeface (``adapters.pdf.typeface``). Nothing here logs; the
bytes go straight back to the caller.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from fpdf import FPDF

from ketaclinic.adapters.charts import WIDTH, chart_height, render_svg
from ketaclinic.adapters.pdf.typeface import FAMILY, new_document, printable
from ketaclinic.adapters.trajectory_charts import course_trajectory_chart
from ketaclinic.domain.assessments.instruments.registry import instrument_name
from ketaclinic.domain.outcomes.scores import score_kind_words
from ketaclinic.domain.outcomes.standing import OverdueKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.protocols.model import protocol_name
from ketaclinic.domain.protocols.signs import comparison_signs
from ketaclinic.services.outcomes.reports import CourseReport

LINE_MM = 5.5


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y %H:%M")


def _day(on: date) -> str:
    return on.strftime("%a %-d %b %Y")


def _reason(report: CourseReport, message: str, source: str, needs_signoff: bool) -> str:
    """A decision-support reason with where its rule came from, in plain words: a value the
    clinic took as a default says so (never "UNCONFIRMED"), with whether a physician has
    signed it off."""
    default = needs_signoff or "UNCONFIRMED" in source
    cited = _UNCONFIRMED.sub("(clinic default)", source)
    if not default:
        return f"{message} (source: {cited})"
    at = report.protocol_signed_off_at
    if at is not None:
        by = f" by {report.protocol_signed_off_by}" if report.protocol_signed_off_by else ""
        local_day = at.astimezone(ZoneInfo(report.clinic_timezone)).date()
        status = (
            f"clinic default confirmed when the protocol was signed off{by} on {_day(local_day)}"
        )
    else:
        status = "clinic default awaiting physician sign-off of the protocol"
    return f"{message} (source: {cited}; {status})"


#: "UNCONFIRMED" as a source key writes it, bracketed or not.
_UNCONFIRMED = re.compile(r"\(UNCONFIRMED\)|UNCONFIRMED")


def plain(value: Decimal) -> str:
    """A quantity as a plain decimal ("35", "0.5", never "3.5E+1" or "35.000")."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(0, 7, printable(comparison_signs(text)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)


def _line(pdf: FPDF, text: str) -> None:
    """One paragraph, comparisons as "≥" and "≤" (the typeface draws both)."""
    pdf.multi_cell(0, LINE_MM, printable(comparison_signs(text)), new_x="LMARGIN", new_y="NEXT")


def _state(report: CourseReport) -> str:
    """The course's state in words; a KAT course in its series is "in KAT sessions", never
    "induction"."""
    state = report.review.course.state
    if report.review.kat and state is CourseState.INDUCTION:
        return "in KAT sessions"
    return state.value  # one word each (e.g. "maintenance")


def _header(pdf: FPDF, report: CourseReport, tz: str) -> None:
    p = report.patient
    pdf.set_font(FAMILY, "B", 15)
    pdf.cell(
        0, 9, printable(f"{report.clinic_name}: treatment summary"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FAMILY, "", 10)
    _line(
        pdf,
        f"Patient: {p.details.given_name} {p.details.family_name} "
        f"- MRN {p.mrn} - born {p.details.date_of_birth:%-d %b %Y}",
    )
    _line(
        pdf,
        f"Course {report.review.course.id} ({_state(report)}) "
        f"- protocol {protocol_name(report.protocol_title)}"
        + (f", version {report.protocol_version}" if report.protocol_version else ""),
    )
    _line(pdf, f"Printed {_local(report.printed_at, tz)} ({tz}) - signed by {report.signer}")


def _doses(pdf: FPDF, report: CourseReport, tz: str) -> None:
    _heading(pdf, "Sessions and doses")
    if not report.administrations:
        _line(pdf, "No dose administration recorded in this system.")
    else:
        _line(pdf, "Each session at the time its dosing started (or, without a start, was given).")
    for a in report.administrations:
        recorded = [e.kind for e in report.adverse_events if e.order_id == a.order_id]
        known = [e.value.replace("_", " ") for e in a.response.adverse_events]
        unique: dict[str, str] = {}
        for kind in (*recorded, *known):  # once each, as first written
            unique.setdefault(kind.lower(), kind)
        events = ", ".join(unique.values()) or "none"
        started = report.dosing_started.get(a.order_id)
        when = _local(started if started is not None else a.given_at, tz)
        _line(
            pdf,
            f"Session {a.session_number} - {when} - {plain(a.dose_mg)} mg "
            f"({plain(a.dose_mg_per_kg)} mg/kg) - adverse events: {events}",
        )


def _adverse_events(pdf: FPDF, report: CourseReport, tz: str) -> None:
    _heading(pdf, "Adverse events")
    if not report.adverse_events:
        _line(pdf, "No adverse event recorded.")
    numbers = {a.order_id: a.session_number for a in report.administrations}
    for e in report.adverse_events:
        session = numbers.get(e.order_id) if e.order_id is not None else None
        where = f"session {session}" if session is not None else "session"
        _line(pdf, f"{_local(e.at, tz)} - {where} - {e.kind} ({e.severity.replace('_', ' ')})")
        _line(pdf, f"    intervention: {e.intervention} - outcome: {e.outcome}")


def _scores(pdf: FPDF, report: CourseReport, tz: str) -> None:
    _heading(pdf, "Scores")
    for s in report.review.scores:
        session = f" {s.score.session_number}" if s.score.session_number else ""
        _line(
            pdf,
            f"{_local(s.score.administered_at, tz)} - {instrument_name(s.score.instrument)} "
            f"{s.score.total} points - {score_kind_words(s.kind, kat=report.review.kat)}{session}",
        )
    _chart(pdf, report, tz)


def _chart(pdf: FPDF, report: CourseReport, tz: str) -> None:
    """The outcomes page's chart (the same SVG from ``adapters.charts``), its text alternative
    printed under it."""
    chart = course_trajectory_chart(report.review, tz=tz)
    if chart is None:
        return
    svg = render_svg(chart, for_print=True).encode("utf-8")
    width = pdf.epw * 0.9
    height = width * chart_height(chart) / WIDTH
    if pdf.will_page_break(height + 2 * LINE_MM):
        pdf.add_page()
    top = pdf.get_y() + 2
    pdf.image(BytesIO(svg), x=pdf.l_margin, y=top, w=width, h=height)
    pdf.set_y(top + height + 1)
    pdf.set_font(FAMILY, "", 9)
    _line(pdf, f"Chart: {chart.description}")
    pdf.set_font(FAMILY, "", 10)


def _outcome(pdf: FPDF, report: CourseReport) -> None:
    o = report.review.outcome
    _heading(pdf, "Outcome")
    if report.review.relapse_met:  # first and plainly: the relapse outranks the outcome reached
        _relapse_met(pdf, report)
    _line(pdf, f"{o.outcome.words} on {instrument_name(o.instrument)}")
    if o.change is not None:
        c = o.change
        _line(
            pdf,
            f"Baseline {c.baseline} \u2192 latest {c.latest} points: "
            f"change {c.change_points} ({c.percent_change} %), drop "
            f"{c.percent_drop} %",
        )
    if o.stability is not None:
        s = o.stability
        _line(
            pdf,
            f"Between the two reassessments: {s.first.total} \u2192 {s.second.total} "
            f"points ({_holding(report)})",
        )
    for reason in o.reasons:
        _line(pdf, f"- {_reason(report, reason.message, reason.source, reason.needs_signoff)}")


def _plan(pdf: FPDF, report: CourseReport) -> None:
    _heading(pdf, "Plan")
    r = report.review
    d = report.decision
    if d is not None:
        who = f" by {d.by}" if d.by else ""
        why = f": {d.reason}" if d.reason else ""
        when = _local(d.at, report.clinic_timezone)
        _line(pdf, f"Clinician decision: {d.to_state.value}{who} on {when}{why}")
    if d is None or d.to_state not in (CourseState.COMPLETED, CourseState.DISCONTINUED):
        step = r.next_step.step.value.replace("_", " ")
        _line(pdf, f"Proposed next step (decision support): {step}")
    if r.plan is None:
        _line(pdf, "No maintenance booster plan stored.")
        return
    missed_numbers = {o.booster_number for o in report.overdue if o.kind is OverdueKind.BOOSTER}
    for w in r.plan.plan.windows:
        edited = f" (moved: {w.edited_reason})" if w.edited_reason else ""
        given = report.boosters_given.get(w.number)
        done = f"given {_local(given, report.clinic_timezone)}, planned " if given else ""
        missed = " (MISSED - OVERDUE)" if w.number in missed_numbers else ""
        _line(
            pdf,
            f"Booster {w.number}: {done}{_day(w.target_on)} (window {_day(w.earliest_on)} "
            f"to {_day(w.latest_on)}){edited}{missed}",
        )
    _line(pdf, f"Clinician review of the maintenance plan on {_day(r.plan.plan.review_on)}.")
    if r.relapse is not None:
        _relapse(pdf, report)


def _holding(report: CourseReport) -> str:
    if report.review.relapse_met:
        met_at = report.review.relapse_met_at
        if met_at is None:
            return "not holding: a relapse rule is met since reassessment"
        return f"not holding: relapse rule met on {_local(met_at, report.clinic_timezone)}"
    return "holds" if report.review.stability_holds else "not holding"


def _relapse_met(pdf: FPDF, report: CourseReport) -> None:
    relapse = report.review.relapse
    assert relapse is not None
    for met in relapse.watch.met:
        on = f" on {_local(met.met_at, report.clinic_timezone)}" if met.met_at else ""
        for reason in met.reasons:
            text = _reason(report, reason.message, reason.source, reason.needs_signoff)
            _line(pdf, f"RELAPSE RULE MET{on}: {text}")


def _relapse(pdf: FPDF, report: CourseReport) -> None:
    """The relapse watch as the prescriber's worklist reads it: a rule met, or the next check
    (OVERDUE as ``services.outcomes.overdue.course_overdue`` decided it for the print date)."""
    relapse = report.review.relapse
    assert relapse is not None
    instrument = instrument_name(report.review.protocol.maintenance.relapse_watch_instrument)
    _relapse_met(pdf, report)
    late = any(o.kind is OverdueKind.RELAPSE_CHECK for o in report.overdue)
    overdue = " (OVERDUE)" if late else ""
    _line(pdf, f"Relapse watch: next {instrument} due {_day(relapse.next_check_on)}{overdue}.")


def render_course_report(report: CourseReport, *, clinic_tz: str) -> bytes:
    """The PDF bytes of the course summary (times in the clinic's time zone)."""
    pdf = new_document(f"{report.clinic_name}: treatment summary")
    pdf.add_page()
    _header(pdf, report, clinic_tz)
    _doses(pdf, report, clinic_tz)
    _adverse_events(pdf, report, clinic_tz)
    _scores(pdf, report, clinic_tz)
    _outcome(pdf, report)
    _plan(pdf, report)
    return bytes(pdf.output())
