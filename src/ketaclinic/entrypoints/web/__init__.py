"""The staff web UI: server-rendered Jinja2 pages with htmx, assets served locally."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    from ketaclinic.entrypoints.web import admin, courses, pages, patients, protocols, signin

    static = resources.files("ketaclinic.entrypoints.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for module in (signin, pages, patients, admin, courses, protocols):
        app.include_router(module.router)
