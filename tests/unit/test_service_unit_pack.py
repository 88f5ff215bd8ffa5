"""The protocol the service unit tests run on is the shipped adult IV pack, to the byte."""

from __future__ import annotations

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.protocols.canonical import canonical_json
from tests.unit.services.world import PACK_JSON, adult_iv_pack


def test_the_unit_test_pack_equals_the_shipped_adult_iv_pack() -> None:
    shipped = shipped_protocol("adult-iv-induction")
    assert PACK_JSON.read_text(encoding="utf-8").strip() == canonical_json(shipped), (
        "regenerate tests/unit/services/data/adult-iv-induction.json from the shipped pack"
    )
    assert adult_iv_pack().hash == shipped.hash
