"""Who may send monitor messages, which HL7 versions and which observation times are accepted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.infusion.monitor_ingest import (
    Gateway,
    NewGateway,
    admitting_gateway,
    check_gateway,
    time_problem,
    version_problem,
)

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
WARD = Gateway(1, 1, "Ward", "10.20.0.0/24", "WARDGW", "KETA", NOW)


def test_a_gateway_admits_only_its_network_and_its_msh3_msh4() -> None:
    assert admitting_gateway([WARD], "10.20.0.7", "WARDGW^00AA^EUI-64", "KETA") == WARD
    assert admitting_gateway([WARD], "::ffff:10.20.0.7", "WARDGW", "KETA") == WARD
    assert admitting_gateway([WARD], "10.21.0.7", "WARDGW", "KETA") is None
    assert admitting_gateway([WARD], "10.20.0.7", "OTHER", "KETA") is None
    assert admitting_gateway([WARD], "10.20.0.7", "WARDGW", "") is None
    assert admitting_gateway([WARD], "", "WARDGW", "KETA") is None
    removed = Gateway(2, 1, "Old", "10.20.0.0/24", "WARDGW", "KETA", NOW, removed_at=NOW)
    assert admitting_gateway([removed], "10.20.0.7", "WARDGW", "KETA") is None


@pytest.mark.parametrize(
    ("source", "application", "field"),
    [
        ("0.0.0.0/0", "APP", "source"),
        ("not-an-address", "APP", "source"),
        ("10.0.0.1", "", "sending_application"),
    ],
)
def test_a_bad_gateway_entry_names_its_field(source: str, application: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_gateway(NewGateway("Ward", source, application))
    assert field in refused.value.errors


def test_a_gateway_entry_is_normalised() -> None:
    checked = check_gateway(NewGateway(" Ward ", "10.20.0.9/24", "WARDGW^00AA^EUI-64", ""))
    assert (checked.name, checked.source, checked.sending_application) == (
        "Ward",
        "10.20.0.0/24",
        "WARDGW",
    )


def test_only_pcd01_versions_are_supported() -> None:
    assert [version_problem(v) for v in ("2.5", "2.5.1", "2.6")] == [None, None, None]
    problem = version_problem("2.3")
    assert problem is not None and "2.3" in problem


def test_observation_times_must_lie_in_the_window_around_now() -> None:
    assert time_problem([NOW - timedelta(hours=23), NOW + timedelta(minutes=4)], now=NOW) is None
    old = time_problem([NOW - timedelta(hours=25)], now=NOW)
    ahead = time_problem([NOW + timedelta(minutes=6)], now=NOW)
    assert old is not None and "24 h old" in old
    assert ahead is not None and "5 min ahead" in ahead
