"""A protocol may carry a standing rescue list (``dosing.rescue``): the as-needed drugs a nurse
may give during a session without a per-session order, each dose flagged for a physician's
sign-off while UNCONFIRMED (clinical.md §4.4). A protocol without one keeps the hash it was
published with, so versions published before rescue lists still load."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.protocols.canonical import to_plain
from ketaclinic.domain.protocols.pack import ProtocolInvalid, build_protocol
from ketaclinic.domain.protocols.signoff import signoff_items

CLONIDINE = {
    "drug": "clonidine",
    "dose_mg": "0.1",
    "route": "po",
    "source": "§4.4 institutional order-set example (oral clonidine 0.1 mg)",
    "needs_signoff": True,
}


def _adult_plain() -> dict[str, Any]:
    plain: dict[str, Any] = to_plain(shipped_protocol("adult-iv-induction"))
    plain.pop("hash")
    return plain


def test_a_protocol_without_a_rescue_list_keeps_its_hash() -> None:
    shipped = shipped_protocol("adult-iv-induction")
    plain = _adult_plain()
    assert "rescue" not in plain["dosing"]
    plain["dosing"]["rescue"] = []
    assert build_protocol(plain, source_name="empty-rescue").hash == shipped.hash


def test_a_rescue_list_is_read_hashed_and_offered_for_sign_off() -> None:
    shipped = shipped_protocol("adult-iv-induction")
    plain = _adult_plain()
    plain["dosing"]["rescue"] = [CLONIDINE]
    built = build_protocol(plain, source_name="with-rescue")
    assert [m.drug for m in built.dosing.rescue] == ["clonidine"]
    assert built.hash != shipped.hash
    paths = {item.path for item in signoff_items(built)}
    assert any(path.startswith("dosing.rescue[clonidine]") for path in paths), paths


def test_a_rescue_entry_without_a_clinical_source_is_refused() -> None:
    plain = _adult_plain()
    plain["dosing"]["rescue"] = [{**CLONIDINE, "source": "somebody said so"}]
    with pytest.raises(ProtocolInvalid) as refused:
        build_protocol(plain, source_name="bad-rescue")
    assert "dosing.rescue[clonidine].source" in str(refused.value)
