"""The staff web UI: server-rendered Jinja2 pages with htmx, assets served locally."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles


def _favicon() -> RedirectResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (an API reply, a PDF)."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


def install(app: FastAPI) -> None:
    from ketaclinic.entrypoints.web import pages
    from ketaclinic.entrypoints.web.assessments import instruments as assessment_routes
    from ketaclinic.entrypoints.web.assessments import links as link_routes
    from ketaclinic.entrypoints.web.assessments import safety as safety_routes
    from ketaclinic.entrypoints.web.identity import admin, signin
    from ketaclinic.entrypoints.web.patients import courses
    from ketaclinic.entrypoints.web.patients import registry as patients
    from ketaclinic.entrypoints.web.protocols import pages as protocols

    static = resources.files("ketaclinic.entrypoints.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_api_route("/favicon.ico", _favicon, methods=["GET"], include_in_schema=False)
    for module in (signin, pages, patients, admin, courses, protocols):
        app.include_router(module.router)
    for module in (assessment_routes, link_routes, safety_routes):
        app.include_router(module.router)
    from ketaclinic.entrypoints.web.dosing import orders as dosing_orders

    app.include_router(dosing_orders.router)
    from ketaclinic.entrypoints.web.infusion import board as live_board

    app.include_router(live_board.router)
    from ketaclinic.entrypoints.web.consent import pages as consent_routes
    from ketaclinic.entrypoints.web.evaluation import workspace as evaluation_routes

    for module in (evaluation_routes, consent_routes):
        app.include_router(module.router)
    from ketaclinic.entrypoints.web.integration import coaching as integration_routes

    app.include_router(integration_routes.router)
    from ketaclinic.entrypoints.web.integration import portal as portal_routes

    app.include_router(portal_routes.router)
    app.include_router(portal_routes.staff_router)
    from ketaclinic.entrypoints.web.outcomes import dashboard as outcome_dashboard
    from ketaclinic.entrypoints.web.outcomes import reassessment as outcomes

    for module in (outcomes, outcome_dashboard):
        app.include_router(module.router)
    from ketaclinic.entrypoints.web.infusion import day as session_day_routes

    app.include_router(session_day_routes.router)
    from ketaclinic.entrypoints.web.scheduling import pages as schedule_routes

    app.include_router(schedule_routes.router)
    from ketaclinic.entrypoints.web.infusion import arrivals as arrival_routes

    app.include_router(arrival_routes.router)
    from ketaclinic.entrypoints.web.infusion import monitor_senders

    app.include_router(monitor_senders.router)
    from ketaclinic.entrypoints.web import today

    app.include_router(today.router)
