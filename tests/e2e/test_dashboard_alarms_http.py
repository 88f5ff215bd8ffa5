"""The outcomes dashboard page and its safety CSV show the monitor alarms raised on a course's
sessions (not 0 when there are some)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_dashboard_alarms import raise_alarms


def test_the_dashboard_safety_figure_shows_the_alarms(client: TestClient, world: World) -> None:
    _, count = raise_alarms(world)
    assert count >= 2
    web_login(client, world, Role.ADMIN)
    month = world.clock.now().strftime("%Y-%m")
    page = client.get(f"/outcomes?from_month={month}&to_month={month}")
    assert page.status_code == 200
    table = page.text.split('data-figure="safety"', 1)[1].split("</table>", 1)[0]
    header = [h.split("</th>", 1)[0] for h in table.split('<th scope="col">')[1:]]
    body = table.split("<tbody>", 1)[1]
    row = [c.split(">", 1)[1].split("</td>", 1)[0] for c in body.split("<td")[1:]]
    assert row[header.index("Alarms")] == str(count)
    csv = client.get(f"/outcomes/safety.csv?from_month={month}&to_month={month}")
    assert csv.status_code == 200
    lines = csv.text.strip().splitlines()
    assert lines[1].split(",")[lines[0].split(",").index("alarms")] == str(count)
