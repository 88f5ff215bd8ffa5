"""A published protocol is read from its stored text and checked against its recorded hash on
every use, on SQLite and PostgreSQL: reading the same text again gives the same protocol, and a
text changed in storage after it was read is refused naming the version (never served from an
earlier read)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.services.protocols.publishing import load_published
from tests.conftest import World
from tests.integration.test_courses_hub import publish_adult


def test_a_stored_text_changed_after_a_read_is_refused(world: World) -> None:
    version = publish_adult(world)
    with world.services.uow() as uow:
        first = load_published(uow, world.clinic.id, version)
        again = load_published(uow, world.clinic.id, version)
    assert again.protocol == first.protocol
    assert first.protocol.hash == first.published.hash
    with world.services.engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE protocol_versions SET content = replace(content, :a, :b) WHERE id = :id"),
            {"a": '"min_observation_min":30', "b": '"min_observation_min":5', "id": version},
        )
        assert changed.rowcount == 1
        stored = "SELECT content FROM protocol_versions WHERE id = :id"
        assert '"min_observation_min":5' in conn.execute(text(stored), {"id": version}).scalar_one()
    with world.services.uow() as uow, pytest.raises(SafetyBlock) as refused:
        load_published(uow, world.clinic.id, version)
    assert "does not match its hash" in refused.value.detail
