"""JSON API under ``/api/v1`` (OpenAPI at ``/api/openapi.json``)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from ketaclinic.entrypoints.api import audit, auth, courses, patients, protocols, reference

    app.include_router(reference.router)

    for module in (auth, patients, audit, courses, protocols):
        app.include_router(module.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import assessments as assessment_routes
    from ketaclinic.entrypoints.api import fhir as fhir_routes
    from ketaclinic.entrypoints.api import questionnaire_mappings as mapping_routes

    for module in (assessment_routes, fhir_routes, mapping_routes):
        app.include_router(module.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import orders as dosing_orders

    app.include_router(dosing_orders.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import vitals as vitals_routes

    app.include_router(vitals_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import evaluation as evaluation_routes

    app.include_router(evaluation_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import outcomes as outcome_routes

    app.include_router(outcome_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import integration as integration_routes

    app.include_router(integration_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import session_day as session_day_routes

    app.include_router(session_day_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import schedule as schedule_routes

    app.include_router(schedule_routes.router, prefix="/api/v1")
    from ketaclinic.entrypoints.api import arrivals as arrival_routes

    app.include_router(arrival_routes.router, prefix="/api/v1")
