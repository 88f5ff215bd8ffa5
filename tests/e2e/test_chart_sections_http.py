"""The chart's sections over HTTP: each is a page of its own with the banner, the summary and a
tab bar; only the sections the role may read appear; a form posted from a section returns to it."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.entrypoints.web.navigation import CHART_PANELS
from tests.conftest import World
from tests.e2e.conftest import web_login


def _patient(world: World) -> int:
    return world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Sasha", "Demo-Tab", date(1985, 2, 3), SexAtBirth.FEMALE),
    ).id


def _current_tab(html: str) -> str:
    tabs = html.split('aria-label="Chart sections"', 1)[1].split("</nav>", 1)[0]
    return tabs.split('aria-current="page">', 1)[1].split("<", 1)[0]


def test_each_section_is_its_own_page_with_banner_summary_and_tabs(
    client: TestClient, world: World
) -> None:
    patient_id = _patient(world)
    web_login(client, world, Role.NURSE)
    first = client.get(f"/patients/{patient_id}")
    assert first.status_code == 200
    assert 'id="patient-banner"' in first.text and 'id="chart-summary"' in first.text
    assert _current_tab(first.text) == "Treatment courses"
    assert f'hx-get="/patients/{patient_id}/panels/courses"' in first.text
    assert "/panels/dosing" not in first.text and 'id="measurements"' not in first.text
    for panel in CHART_PANELS[1:]:
        assert f'href="/patients/{patient_id}?section={panel.id}"' in first.text
        page = client.get(f"/patients/{patient_id}?section={panel.id}")
        assert page.status_code == 200 and _current_tab(page.text) == panel.title
        assert 'id="patient-banner"' in page.text and 'id="chart-summary"' in page.text
        assert f'hx-get="/patients/{patient_id}/panels/{panel.id}"' in page.text
        assert 'hx-trigger="load, chart-changed from:body"' in page.text
        assert page.text.count("/panels/") == 2  # the banner's refresh and this section's panel
    details = client.get(f"/patients/{patient_id}?section=details")
    assert _current_tab(details.text) == "Details"
    for card in ('id="summary"', 'id="related"', 'id="measurements"', 'id="allergies"'):
        assert card in details.text
    assert client.get(f"/patients/{patient_id}?section=nonsense").status_code == 404


def test_only_sections_the_role_may_read_are_tabs(client: TestClient, world: World) -> None:
    patient_id = _patient(world)
    web_login(client, world, Role.AUDITOR)
    page = client.get(f"/patients/{patient_id}")
    assert page.status_code == 200
    assert "?section=schedule" not in page.text and "?section=dosing" in page.text
    assert client.get(f"/patients/{patient_id}?section=schedule").status_code == 403


def test_forms_on_the_details_section_return_to_it(client: TestClient, world: World) -> None:
    patient_id = _patient(world)
    csrf = web_login(client, world, Role.FRONT_DESK)
    back = f"/patients/{patient_id}?section=details"
    posts = {
        "measurements": {"weight": "70", "weight_unit": "kg", "height": "", "height_unit": "cm"},
        "allergies": {"substance": "Latex", "reaction": "hives", "severity": "moderate"},
        "related": {"kind": "escort", "name": "Robin Demo-Tab", "relationship": "friend"},
    }
    for path, data in posts.items():
        sent = client.post(
            f"/patients/{patient_id}/{path}",
            data={"csrf_token": csrf, **data},
            follow_redirects=False,
        )
        assert sent.status_code == 303 and sent.headers["location"] == f"{back}#{path}"
    page = client.get(back)
    assert "Latex" in page.text and "Robin Demo-Tab" in page.text and "70" in page.text
