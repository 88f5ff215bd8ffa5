"""The shipped packs' relapse rules, one row per clinical case (clinical.md §3.4, §9.1, §9.2).

After response, relapse is a return to the threshold that also loses the response (less than
50 % below baseline): a responder who settles at 11 of a baseline 24 has not relapsed, and the
KAT pack watches responders as well as remitters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.outcomes.maintenance import evaluate_relapse_watch
from ketaclinic.domain.outcomes.response import InstrumentScore, OutcomeClass, ScoreKind

SINCE = datetime(2026, 2, 2, 9, tzinfo=UTC)
R, REM = OutcomeClass.RESPONSE, OutcomeClass.REMISSION


def checks(instrument: str, *points: tuple[int, int]) -> list[InstrumentScore]:
    return [
        InstrumentScore(instrument, total, SINCE + timedelta(days=day), ScoreKind.RELAPSE_WATCH)
        for day, total in points
    ]


CASES = [
    # (id, pack, instrument, baseline, reached, checks (day, total), relapse?, source)
    (
        "adult responder 24 -> 11 stays at 11",
        "adult-iv-induction",
        "phq9",
        24,
        R,
        ((7, 11), (14, 11), (21, 11)),
        False,
        "§9.1 response = >= 50 % drop; 11 is still 54 % below 24",
    ),
    (
        "adult responder 24 -> 11 back to 13 and 14",
        "adult-iv-induction",
        "phq9",
        24,
        R,
        ((7, 13), (14, 14)),
        True,
        "§9.2 PHQ-9 >= 10 and response lost",
    ),
    (
        "adult responder exactly at 50 % (12) keeps the response",
        "adult-iv-induction",
        "phq9",
        24,
        R,
        ((7, 12), (14, 12)),
        False,
        "§9.1 response = >= 50 % drop",
    ),
    (
        "adult remitter back to 10 twice",
        "adult-iv-induction",
        "phq9",
        24,
        REM,
        ((7, 10), (14, 10)),
        True,
        "§3.4 PHQ-9 return to >= 10 after remission",
    ),
    (
        "KAT responder 24 -> 10 back to 22 and 23",
        "kat-holistic",
        "phq9",
        24,
        R,
        ((7, 22), (14, 23)),
        True,
        "§9.2 after-response rule on the KAT pack",
    ),
    (
        "KAT responder stays at 10",
        "kat-holistic",
        "phq9",
        24,
        R,
        ((14, 10), (28, 10)),
        False,
        "§9.1 still a response",
    ),
    (
        "KAT remitter back to 10 twice",
        "kat-holistic",
        "phq9",
        20,
        REM,
        ((14, 10), (28, 11)),
        True,
        "§3.4 PHQ-9 return to >= 10 after remission",
    ),
    (
        "adolescent responder 24 -> 11 stays at 11",
        "adolescent-iv",
        "phq-a",
        24,
        R,
        ((7, 11), (14, 11)),
        False,
        "§5.1 adolescent cut >= 11; response kept",
    ),
    (
        "adolescent responder back to 14 and 15",
        "adolescent-iv",
        "phq-a",
        24,
        R,
        ((7, 14), (14, 15)),
        True,
        "§5.1 adolescent cut >= 11; response lost",
    ),
]


@pytest.mark.parametrize(
    ("pack", "instrument", "baseline", "reached", "points", "relapse", "source"),
    [pytest.param(*row[1:], id=row[0]) for row in CASES],
)
def test_pack_relapse_definition(
    pack: str,
    instrument: str,
    baseline: int,
    reached: OutcomeClass,
    points: tuple[tuple[int, int], ...],
    relapse: bool,
    source: str,
) -> None:
    maintenance = shipped_protocol(pack).maintenance
    watch = evaluate_relapse_watch(
        maintenance,
        checks(instrument, *points),
        reached=reached,
        since=SINCE,
        at=SINCE + timedelta(days=60),
        baselines={instrument: baseline},
    )
    assert watch.relapse is relapse, source


def test_every_pack_watches_responders_and_remitters() -> None:
    for pack in ("adult-iv-induction", "adolescent-iv", "kat-holistic"):
        rules = shipped_protocol(pack).maintenance.relapse_rules
        assert {r.after for r in rules} == {"remission", "response"}, pack
        assert all(r.response_pct_drop for r in rules if r.after == "response"), pack
