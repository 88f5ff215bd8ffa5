"""The shipped packs load, carry sources, and mean what the seeds and clinical.md say."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import (
    shipped_protocol,
    shipped_protocol_ids,
    shipped_protocols,
)
from ketaclinic.domain.errors import NotFound
from ketaclinic.domain.protocols.canonical import (
    canonical_json,
    content_hash,
    hash_matches,
    to_plain,
)
from ketaclinic.domain.protocols.pack import build_protocol, validate_protocol
from ketaclinic.domain.protocols.sections import AlertAction, Route, Severity

PACK_IDS = ["adolescent-iv", "adult-iv-induction", "kat-holistic"]


def test_three_packs_are_shipped_one_file_each() -> None:
    assert shipped_protocol_ids() == PACK_IDS
    assert [p.id for p in shipped_protocols()] == PACK_IDS


def test_unknown_shipped_pack_is_not_found() -> None:
    with pytest.raises(NotFound):
        shipped_protocol("no-such-pack")


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_pack_hash_is_the_sha256_of_its_canonical_form(pack_id: str) -> None:
    protocol = shipped_protocol(pack_id)
    assert len(protocol.hash) == 64
    assert hash_matches(protocol)
    assert '"hash"' not in canonical_json(protocol)


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_plain_form_round_trips_to_the_same_protocol(pack_id: str) -> None:
    protocol = shipped_protocol(pack_id)
    plain = to_plain(protocol)
    plain.pop("hash")
    assert build_protocol(plain, source_name="round-trip") == protocol


def test_hash_ignores_decimal_spelling_but_not_meaning() -> None:
    p = shipped_protocol("adult-iv-induction")
    iv = p.dosing.routes[Route.IV]
    same = replace(iv, max_mg_per_kg=Decimal("1.000"))
    changed = replace(iv, max_mg_per_kg=Decimal("0.9"))
    with_same = replace(p, dosing=replace(p.dosing, routes={Route.IV: same}))
    with_changed = replace(p, dosing=replace(p.dosing, routes={Route.IV: changed}))
    assert content_hash(with_same) == p.hash
    assert content_hash(with_changed) != p.hash
    assert not hash_matches(with_changed)


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_every_pack_passes_semantic_checks(pack_id: str) -> None:
    assert validate_protocol(shipped_protocol(pack_id)) == []


def test_adult_pack_follows_seed_000() -> None:
    p = shipped_protocol("adult-iv-induction")
    iv = p.dosing.routes[Route.IV]
    assert (iv.start_mg_per_kg, iv.duration_min) == (Decimal("0.5"), 40)
    assert (p.series.sessions, p.series.window_min_days, p.series.window_max_days) == (6, 12, 21)
    assert [d.id for d in p.integration.domains] == ["regulate", "overcome", "open", "transform"]
    assert p.integration.framework == "ROOT"
    assert p.dosing.premedications[0].drug == "ondansetron"
    assert p.dosing.premedications[0].needs_signoff
    assert p.discharge.aldrete_min_score == 9
    assert p.population.age.min_years == 18


def test_adolescent_pack_follows_seed_002() -> None:
    p = shipped_protocol("adolescent-iv")
    assert (p.population.age.min_years, p.population.age.max_years) == (12, 17)
    assert "phq-a" in p.evaluation.baseline_instruments
    assert "phq9" not in p.evaluation.baseline_instruments
    assert p.monitoring.every_visit_instruments == ("cssrs-screen",)
    assert p.dosing.routes[Route.IV].max_mg == Decimal(40)
    assert {d.signer for d in p.consent.documents} >= {"guardian", "assent"}
    assert p.integration.family_sessions
    assert p.reassessment.primary_instrument == "phq-a"
    assert all(rule.needs_signoff for rule in p.monitoring.alert_rules if rule.parameter == "sbp")


def test_kat_pack_follows_seed_004() -> None:
    p = shipped_protocol("kat-holistic")
    assert set(p.dosing.routes) == {Route.SL, Route.IN, Route.IM}
    assert p.integration.preparatory_sessions_min >= 1
    assert p.integration.integration_after_each_session
    assert set(p.integration.attendant_roles) == {"physician", "coach"}
    assert p.dosing.routes[Route.SL].start_fixed_mg == Decimal(100)


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_safety_rules_present_in_every_pack(pack_id: str) -> None:
    p = shipped_protocol(pack_id)
    by_condition = {rule.condition: rule for rule in p.contraindications}
    for hard in ("aneurysm", "intracerebral_hemorrhage", "hypersensitivity_ketamine"):
        assert by_condition[hard].severity is Severity.HARD_STOP
        assert by_condition[hard].override_role is None
    assert by_condition["age_outside_population"].severity is Severity.HARD_STOP
    actions = {(r.parameter, r.action) for r in p.monitoring.alert_rules}
    assert ("spo2", AlertAction.STOP) in actions
    assert ("sbp", AlertAction.PAUSE) in actions
    assert p.discharge.safety_flags_resolved
    assert p.discharge.escort_required
