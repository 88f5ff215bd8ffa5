"""Scale schedules per route: the KAT pack times its dissociation checks by the route of the dose
(sublingual, intranasal, intramuscular), each with a source and flagged for sign-off; the IV packs
keep one schedule for every route and their content hash; the validator refuses a schedule for
a route the pack does not dose, two schedules of one instrument for the same route, and a
sign-off flag without a source."""

from __future__ import annotations

from dataclasses import replace

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.protocols.canonical import content_hash, to_plain
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.pack import validate_protocol
from ketaclinic.domain.protocols.sections import Route, ScaleSchedule
from ketaclinic.domain.protocols.signoff import signoff_items

ADULT_IV_HASH_PREFIX = "9c58e38abed9"  # docs/protocols/README.md: unchanged by route schedules


def _for(p: Protocol, route: Route | None) -> tuple[ScaleSchedule, ...]:
    return tuple(s for s in p.monitoring.scales if s.applies_to(route))


def _with_scales(p: Protocol, *scales: ScaleSchedule) -> Protocol:
    return replace(p, monitoring=replace(p.monitoring, scales=scales))


def _problems(p: Protocol) -> list[tuple[str, str]]:
    return [(pr.path, pr.expected) for pr in validate_protocol(p) if ".scales" in pr.path]


def test_the_kat_pack_times_dissociation_by_route_never_on_the_iv_course() -> None:
    kat = shipped_protocol("kat-holistic")
    minutes = {r: [s.at_minutes for s in _for(kat, r)] for r in (Route.SL, Route.IN, Route.IM)}
    assert minutes == {Route.SL: [(30, 120)], Route.IN: [(25, 90)], Route.IM: [(15, 60)]}
    assert _for(kat, None) == ()  # the route not yet known: no time is guessed
    scales = kat.monitoring.scales
    assert all(s.needs_signoff and s.source.startswith("§") for s in scales)
    assert (40, 90) not in [s.at_minutes for s in scales]


def test_the_kat_schedules_are_signed_off_each_on_its_own_path() -> None:
    paths = [i.path for i in signoff_items(shipped_protocol("kat-holistic"))]
    scale_paths = [p for p in paths if p.startswith("monitoring.scales")]
    assert scale_paths == [
        "monitoring.scales[cadss6@sl]",
        "monitoring.scales[cadss6@in]",
        "monitoring.scales[cadss6@im]",
    ]


def test_an_iv_pack_keeps_one_schedule_for_every_route_and_its_hash() -> None:
    p = shipped_protocol("adult-iv-induction")
    [cadss] = _for(p, Route.IV)
    assert cadss.at_minutes == (40,) and cadss.routes == ()
    assert _for(p, None) == (cadss,)
    plain = to_plain(p)["monitoring"]["scales"]
    assert plain == [{"instrument": "cadss6", "at_minutes": [40]}]
    assert content_hash(p).startswith(ADULT_IV_HASH_PREFIX)


def test_the_validator_refuses_bad_route_schedules() -> None:
    kat = shipped_protocol("kat-holistic")
    assert _problems(kat) == []
    iv = ScaleSchedule("cadss6", (40,), routes=(Route.IV,), source="§4.5 Diazgranados 2010")
    assert ("monitoring.scales[cadss6@iv].routes", "distinct routes dosed by this pack") in (
        _problems(_with_scales(kat, iv))
    )
    sl = ScaleSchedule("cadss6", (30,), routes=(Route.SL,), source="§7.2 SL peak")
    both = ScaleSchedule("cadss6", (20,), routes=(Route.SL, Route.IM), source="§7.2 IM onset")
    assert (
        "monitoring.scales[cadss6@sl+im].routes",
        "one schedule per instrument for each route",
    ) in (_problems(_with_scales(kat, sl, both)))
    unsourced = ScaleSchedule("cadss6", (30,), routes=(Route.SL,), needs_signoff=True)
    assert (
        "monitoring.scales[cadss6@sl].source",
        "a source key for a default that needs sign-off",
    ) in _problems(_with_scales(kat, unsourced))
