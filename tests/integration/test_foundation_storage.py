"""Foundation storage contract on SQLite and PostgreSQL: patients, scoping, audit, migrations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.tables import audit_events, patients, related_persons
from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import (
    Measurement,
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
)
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World, make_world, suspend_audit_guard


def adolescent() -> PatientDetails:
    return PatientDetails("Blake", "Demo-Birch", date(2011, 1, 9), SexAtBirth.MALE)


def guardian(**changes: object) -> RelatedPersonDetails:
    base: dict[str, object] = {
        "kind": RelationshipKind.GUARDIAN,
        "name": "Lee Demo-Birch",
        "relationship": "parent",
        "legal_authority": True,
    }
    return RelatedPersonDetails(**{**base, **changes})  # type: ignore[arg-type]


def count(world: World, table: object) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_migrations_are_current(world: World) -> None:
    assert migrate.is_current(world.services.engine)


def test_register_with_guardian_assigns_mrn_and_audits_in_one_transaction(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    before = count(world, audit_events)
    patient = world.services.patients.register(desk, adolescent(), [guardian()])
    assert patient.mrn == "TC000001"
    chart = world.services.patients.chart(desk, patient.id)
    assert [g.details.name for g in chart.guardians] == ["Lee Demo-Birch"]
    assert count(world, audit_events) == before + 2  # create + chart read


def test_invalid_guardian_stores_nothing(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    with pytest.raises(ValidationFailed) as caught:
        world.services.patients.register(desk, adolescent(), [guardian(name="<b>")])
    assert "guardians[0].name" in caught.value.errors
    assert count(world, patients) == 0
    assert count(world, related_persons) == 0


def test_search_by_name_mrn_and_birth_date(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    svc = world.services.patients
    p = svc.register(desk, adolescent())
    svc.register(desk, PatientDetails("Zoë", "Demo-Núñez", date(1980, 2, 3), SexAtBirth.FEMALE))
    by = world.clinic.id
    assert [x.id for x in svc.search(desk, PatientSearch(by, "birch"))] == [p.id]
    assert [x.id for x in svc.search(desk, PatientSearch(by, p.mrn.lower()))] == [p.id]
    assert [x.details.given_name for x in svc.search(desk, PatientSearch(by, "nunez"))] == ["Zoë"]
    assert [x.id for x in svc.search(desk, PatientSearch(by, "", date(2011, 1, 9)))] == [p.id]
    assert svc.search(desk, PatientSearch(by, "%")) == []  # LIKE wildcards are literal


def test_stale_edit_is_refused(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    svc = world.services.patients
    p = svc.register(desk, adolescent())
    svc.update(
        desk,
        p.id,
        PatientDetails(
            "Blake", "Demo-Birch", date(2011, 1, 9), SexAtBirth.MALE, phone="+1 555 0100"
        ),
        version=1,
    )
    with pytest.raises(Conflict):
        svc.update(desk, p.id, adolescent(), version=1)


def test_measurements_are_stored_in_si_units_newest_first(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    svc = world.services.patients
    p = svc.register(desk, adolescent())
    svc.add_measurement(
        desk, p.id, Measurement(world.clock.now(), Decimal("61.50"), Decimal("170.0"))
    )
    world.clock.advance(days=1)
    svc.add_measurement(desk, p.id, Measurement(world.clock.now(), Decimal("62.00"), None))
    chart = svc.chart(desk, p.id)
    assert [m.weight_kg for m in chart.measurements] == [Decimal("62.00"), Decimal("61.50")]
    assert chart.latest_bmi == Decimal("21.5")
    assert chart.measurements[0].measured_at.tzinfo is not None


def test_a_clinic_never_sees_another_clinics_patients(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = make_world(world.services.engine, tmp_path_factory.mktemp("b"), slug="otherclinic")
    theirs = other.services.patients.register(other.actor(Role.FRONT_DESK), adolescent())
    ours = world.actor(Role.PHYSICIAN)
    with pytest.raises(NotFound):
        world.services.patients.chart(ours, theirs.id)
    assert world.services.patients.search(ours, PatientSearch(world.clinic.id, "birch")) == []
    with pytest.raises(NotFound):
        world.services.patients.add_measurement(
            ours, theirs.id, Measurement(world.clock.now(), Decimal(60), None)
        )


def test_roles_are_enforced_in_the_service_layer(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.services.patients.register(world.actor(Role.COACH), adolescent())
    with pytest.raises(PermissionDenied):
        world.services.audit.search(world.actor(Role.NURSE), _q(world))


def _q(world: World):  # type: ignore[no-untyped-def]
    from ketaclinic.services.audit.ports import AuditQuery

    return AuditQuery(world.clinic.id)


def test_audit_verify_names_a_tampered_event(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    p = world.services.patients.register(desk, adolescent())
    world.services.patients.chart(desk, p.id)
    assert world.services.audit.verify().first_break is None
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)  # an attacker holding the owner role lifts the trigger
        target = conn.execute(
            select(audit_events.c.id).where(audit_events.c.action == "patient.create")
        ).scalar_one()
        conn.execute(
            update(audit_events).where(audit_events.c.id == target).values(outcome="failure")
        )
    broken = world.services.audit.verify().first_break
    assert broken is not None and broken.event_id == target


def test_deleting_the_newest_audit_event_is_detected(world: World) -> None:
    desk = world.actor(Role.FRONT_DESK)
    world.services.patients.register(desk, adolescent())
    checkpoint = world.services.audit.checkpoint()
    with world.services.engine.begin() as conn:
        suspend_audit_guard(conn)  # an attacker holding the owner role lifts the trigger
        newest = conn.execute(select(func.max(audit_events.c.id))).scalar_one()
        conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": newest})
    assert world.services.audit.verify(checkpoint).first_break is not None


def test_failed_signins_lock_the_account_and_are_audited(world: World) -> None:
    identity = world.services.identity
    email = "nurse@testclinic.test"
    from ketaclinic.domain.errors import NotAuthenticated
    from tests.conftest import PASSWORD

    for _ in range(world.services.settings.lockout_after_failures):
        with pytest.raises(NotAuthenticated):
            identity.sign_in(email, "wrong-password", client="10.0.0.9")
    with pytest.raises(NotAuthenticated):
        identity.sign_in(email, PASSWORD, client="10.0.0.9")  # locked, even with the right password
    world.clock.advance(minutes=world.services.settings.lockout_min + 1)
    assert identity.sign_in(email, PASSWORD, client="10.0.0.9").actor.role is Role.NURSE
    with world.services.engine.connect() as conn:
        outcomes = (
            conn.execute(
                select(audit_events.c.outcome)
                .where(audit_events.c.action == "auth.sign_in")
                .order_by(audit_events.c.id)
            )
            .scalars()
            .all()
        )
    assert outcomes[-7:] == ["failure"] * 5 + ["locked", "success"]


def test_idle_session_expires(world: World) -> None:
    from ketaclinic.domain.errors import NotAuthenticated
    from tests.conftest import PASSWORD

    signed = world.services.identity.sign_in("coach@testclinic.test", PASSWORD, client="")
    world.clock.advance(minutes=14)
    world.services.identity.resume(signed.token)
    world.clock.advance(minutes=16)
    with pytest.raises(NotAuthenticated, match="inactivity"):
        world.services.identity.resume(signed.token)


def test_tokens_expire_and_can_be_revoked(world: World) -> None:
    from ketaclinic.domain.errors import NotAuthenticated
    from tests.conftest import PASSWORD

    identity = world.services.identity
    issued = identity.issue_token("physician@testclinic.test", PASSWORD, client="")
    assert identity.bearer(issued.access_token, client="").role is Role.PHYSICIAN
    identity.revoke_token(issued.access_token)
    with pytest.raises(NotAuthenticated):
        identity.bearer(issued.access_token, client="")
    second = identity.issue_token("physician@testclinic.test", PASSWORD, client="")
    world.clock.advance(minutes=world.services.settings.token_lifetime_min + 1)
    with pytest.raises(NotAuthenticated):
        identity.bearer(second.access_token, client="")
