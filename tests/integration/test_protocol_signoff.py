"""Signing a protocol off with changed values: one unit of work adopts and signs the new version.

Runs on SQLite and PostgreSQL (the ``world`` fixture).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.errors import Conflict, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.protocols.problems import ProtocolInvalid
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World

SBP_PAUSE = "monitoring.alert_rules[bp-systolic-pause]"
THRESHOLD = f"{SBP_PAUSE}.threshold"


def publish_adult(world: World) -> int:
    [published] = world.services.protocols.publish(
        world.clinic.id, [shipped_protocol("adult-iv-induction")]
    )
    return published.id


def item_paths(world: World, version_id: int) -> list[str]:
    physician = world.actor(Role.PHYSICIAN)
    return [i.path for i in world.services.protocols.signoff_items(physician, version_id)]


def sbp_pause(world: World, version_id: int) -> Decimal:
    view = world.services.protocols.view(world.actor(Role.PHYSICIAN), version_id)
    return next(
        r.threshold for r in view.protocol.monitoring.alert_rules if r.id == "bp-systolic-pause"
    )


def actions(world: World) -> list[str]:
    """The clinic's audit actions, newest first."""
    events = world.services.audit.search(
        world.actor(Role.ADMIN), AuditQuery(clinic_id=world.clinic.id)
    )
    return [event.action for _, event in events]


def test_confirming_every_item_signs_the_version_itself(world: World) -> None:
    base = publish_adult(world)
    physician = world.actor(Role.PHYSICIAN)
    outcome = world.services.protocols.sign_off_with_changes(
        physician, base, item_paths(world, base), {}
    )
    assert not outcome.adopted and outcome.changes == []
    assert outcome.signed.id == base and outcome.signed.signed_off_by == physician.staff_id


def test_a_changed_value_adopts_a_new_version_and_signs_it_leaving_the_base_untouched(
    world: World,
) -> None:
    base = publish_adult(world)
    physician = world.actor(Role.PHYSICIAN)
    confirmed = [p for p in item_paths(world, base) if p != SBP_PAUSE]
    outcome = world.services.protocols.sign_off_with_changes(
        physician, base, confirmed, {THRESHOLD: "170"}
    )
    assert outcome.adopted and outcome.signed.version == "1.1.1"
    assert outcome.signed.signed_off and outcome.signed.base_ref == "adult-iv-induction@1.1.0"
    assert [c.path for c in outcome.changes if c.path not in {"version", "base"}] == [THRESHOLD]
    assert sbp_pause(world, outcome.signed.id) == Decimal(170)
    assert sbp_pause(world, base) == Decimal(180)
    base_now = world.services.protocols.view(physician, base).published
    assert not base_now.signed_off
    assert actions(world)[:2] == ["protocol.sign_off", "protocol.adopt"]  # newest first
    # a second change on the same base gets the next free version number
    again = world.services.protocols.sign_off_with_changes(
        physician, base, confirmed, {THRESHOLD: "175"}
    )
    assert again.signed.version == "1.1.2"


def test_an_item_neither_confirmed_nor_changed_refuses_everything(world: World) -> None:
    base = publish_adult(world)
    physician = world.actor(Role.PHYSICIAN)
    confirmed = [
        p for p in item_paths(world, base) if p not in {SBP_PAUSE, "series.min_hours_between"}
    ]
    with pytest.raises(ValidationFailed) as caught:
        world.services.protocols.sign_off_with_changes(
            physician, base, confirmed, {THRESHOLD: "170"}
        )
    assert caught.value.errors == {"series.min_hours_between": "confirm this default or change it"}
    versions = world.services.protocols.published(physician)
    assert [(v.version, v.signed_off) for v in versions] == [("1.1.0", False)]


def test_an_invalid_changed_value_names_its_field_and_stores_nothing(world: World) -> None:
    base = publish_adult(world)
    physician = world.actor(Role.PHYSICIAN)
    with pytest.raises(ProtocolInvalid) as caught:
        world.services.protocols.sign_off_with_changes(
            physician, base, item_paths(world, base), {THRESHOLD: "1800"}
        )
    assert THRESHOLD in caught.value.errors
    assert len(world.services.protocols.published(physician)) == 1
    assert "protocol.adopt" not in actions(world)


def test_an_adopted_rule_with_an_unknown_condition_is_refused(world: World) -> None:
    base = publish_adult(world)
    with pytest.raises(ProtocolInvalid) as caught:
        world.services.protocols.adopt(
            world.actor(Role.ADMIN),
            base,
            {"contraindications[aneurysm].condition": "moon_phase"},
            new_version="1.0.1",
        )
    assert "contraindications[aneurysm].condition" in caught.value.errors


def test_who_may_sign_and_change(world: World) -> None:
    base = publish_adult(world)
    paths = item_paths(world, base)
    with pytest.raises(PermissionDenied):  # administrators adopt but do not sign off
        world.services.protocols.sign_off_with_changes(world.actor(Role.ADMIN), base, paths, {})
    with pytest.raises(PermissionDenied):
        world.services.protocols.sign_off_with_changes(world.actor(Role.NURSE), base, paths, {})
    physician = world.actor(Role.PHYSICIAN)
    world.services.protocols.sign_off_with_changes(physician, base, paths, {})
    with pytest.raises(Conflict):  # signed once, by hash; a second sign-off is refused
        world.services.protocols.sign_off_with_changes(physician, base, paths, {})


def test_publish_is_idempotent_and_a_version_of_another_clinic_is_not_found(world: World) -> None:
    first = world.services.protocols.publish(world.clinic.id, [shipped_protocol("kat-holistic")])
    second = world.services.protocols.publish(world.clinic.id, [shipped_protocol("kat-holistic")])
    assert [p.id for p in first] == [p.id for p in second]
    assert actions(world).count("protocol.publish") == 1
