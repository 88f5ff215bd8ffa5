"""What the staff UI shows around each page: the main navigation and the chart's sections.

Each clinical area adds its entries here (one line each). Chart panels are fragments loaded by
htmx from their own routes, so the chart page itself never needs to know an area's data. Each
panel is one section of the chart, a page of its own at ``/patients/{id}?section=<panel id>``;
the chart's own cards (contact details, guardians, weight and height, allergies) make the
"Details" section.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.identity.access import Permission


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    permission: Permission


@dataclass(frozen=True, slots=True)
class ChartPanel:
    """A chart section: ``url`` is formatted with ``patient_id`` and loaded with htmx."""

    id: str
    title: str
    url: str
    permission: Permission
    kat_title: str = ""  # the title for a patient whose course is KAT (SL, IN or IM dosing)

    def title_for(self, *, kat: bool) -> str:
        """The section's title in the words of the patient's course."""
        return self.kat_title if kat and self.kat_title else self.title


NAV: tuple[NavItem, ...] = (
    NavItem("Today", "/today", Permission.PATIENT_READ),
    NavItem("Patients", "/patients", Permission.PATIENT_READ),
    NavItem("Protocols", "/protocols", Permission.PROTOCOL_READ),
    NavItem("Users", "/admin/users", Permission.STAFF_ADMIN),
    NavItem("Monitors", "/admin/monitors", Permission.STAFF_ADMIN),
    NavItem("Monitor senders", "/admin/monitor-senders", Permission.STAFF_ADMIN),
    NavItem("Audit", "/audit", Permission.AUDIT_READ),
    NavItem("Safety worklist", "/worklist/safety", Permission.CHART_READ),
    NavItem("Live board", "/board", Permission.SESSION_RUN),
    NavItem("Coaching caseload", "/worklist/coaching", Permission.COACHING_WRITE),
    NavItem("Outcome worklist", "/worklist/outcomes", Permission.COURSE_MANAGE),
    NavItem("Outcomes", "/outcomes", Permission.OUTCOMES_READ),
    NavItem("Schedule", "/schedule", Permission.SCHEDULE_READ),
    NavItem("Today's arrivals", "/arrivals", Permission.SCHEDULE_READ),
)

CHART_PANELS: tuple[ChartPanel, ...] = (
    ChartPanel(
        "courses",
        "Treatment courses",
        "/patients/{patient_id}/panels/courses",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "evaluation",
        "Evaluation, eligibility and consent",
        "/patients/{patient_id}/panels/evaluation",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "safety",
        "Suicide-risk safety gate",
        "/patients/{patient_id}/panels/safety",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "assessments",
        "Questionnaires and scores",
        "/patients/{patient_id}/panels/assessments",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "trajectories",
        "Score trajectories",
        "/patients/{patient_id}/panels/trajectories",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "dosing",
        "Dosing",
        "/patients/{patient_id}/panels/dosing",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "integration",
        "Integration plan and coaching",
        "/patients/{patient_id}/panels/integration",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "outcomes",
        "Response, maintenance and relapse watch",
        "/patients/{patient_id}/panels/outcomes",
        Permission.CHART_READ,
    ),
    ChartPanel(
        "sessions",
        "Infusion sessions",
        "/patients/{patient_id}/panels/sessions",
        Permission.CHART_READ,
        kat_title="KAT sessions",
    ),
    ChartPanel(
        "schedule",
        "Appointments: induction series and boosters",
        "/patients/{patient_id}/panels/schedule",
        Permission.SCHEDULE_READ,
        kat_title="Appointments: KAT series and boosters",
    ),
)


DETAILS_SECTION = "details"
DEFAULT_SECTION = CHART_PANELS[0].id


def chart_section_href(patient_id: int, section: str) -> str:
    """The address of one section of a patient's chart; the default one is the chart itself."""
    if section == DEFAULT_SECTION:
        return f"/patients/{patient_id}"
    return f"/patients/{patient_id}?section={section}"


def chart_panel(section: str) -> ChartPanel | None:
    return next((panel for panel in CHART_PANELS if panel.id == section), None)
