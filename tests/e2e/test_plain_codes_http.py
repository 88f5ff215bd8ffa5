"""Codes stored for a patient read as words on the chart: language by name, sex at birth."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.web.plain import language_name
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.e2e.test_assessments_http import a_patient


def test_language_codes_read_as_language_names() -> None:
    assert language_name("en") == "English"
    assert language_name("es-MX") == "Spanish (es-MX)"
    assert language_name("xx") == "xx"


def test_the_chart_header_names_the_language(client: TestClient, world: World) -> None:
    patient = a_patient(world)
    web_login(client, world, Role.NURSE)
    page = client.get(f"/patients/{patient}").text
    head = page.split("Sex at birth", 1)[1].split("</p>", 1)[0]
    assert "language English" in head and "language en<" not in head
    assert head.startswith(" male")
