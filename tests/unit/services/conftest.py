"""Service unit tests run on the in-memory fakes: no database, no I/O."""

from __future__ import annotations

import pytest

from tests.unit.services.world import FakeWorld, make_world


@pytest.fixture
def fake_world() -> FakeWorld:
    return make_world()
