"""JSON API under ``/api/v1`` (OpenAPI at ``/api/openapi.json``)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from ketaclinic.entrypoints.api import reference
    from ketaclinic.entrypoints.api.audit import trail as audit
    from ketaclinic.entrypoints.api.identity import tokens as auth
    from ketaclinic.entrypoints.api.patients import courses
    from ketaclinic.entrypoints.api.patients import registry as patients
    from ketaclinic.entrypoints.api.protocols import versions as protocols

    app.include_router(reference.router)

    for module in (auth, patients, audit, courses, protocols):
        app.include_router(module.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.assessments import fhir as fhir_routes
    from ketaclinic.entrypoints.api.assessments import questionnaire_mappings as mapping_routes
    from ketaclinic.entrypoints.api.assessments import responses as assessment_routes

    for module in (assessment_routes, fhir_routes, mapping_routes):
        app.include_router(module.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.dosing import orders as dosing_orders

    app.include_router(dosing_orders.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.infusion import vitals as vitals_routes

    app.include_router(vitals_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.evaluation import evaluations as evaluation_routes

    app.include_router(evaluation_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.outcomes import reassessment as outcome_routes

    app.include_router(outcome_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.integration import plans as integration_routes

    app.include_router(integration_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.infusion import day as session_day_routes

    app.include_router(session_day_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.scheduling import booking as schedule_routes

    app.include_router(schedule_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api.infusion import arrivals as arrival_routes

    app.include_router(arrival_routes.router, prefix="/api/v1")
