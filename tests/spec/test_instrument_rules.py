"""QIDS-SR16 domain scoring, the PCL-5 provisional-diagnosis rule, and item safety flags."""

from __future__ import annotations

import pytest

from ketaclinic.domain.assessments.instruments import score

RUSH = "§5.1 Rush 2003: domain = highest item; never sum all 16"


def qids(**overrides: int) -> dict[str, int]:
    answers = {str(n): 0 for n in range(1, 17)}
    answers.update({key.removeprefix("i"): value for key, value in overrides.items()})
    return answers


QIDS_ROWS = [
    ("all zero", qids(), 0, {}),
    ("sleep items 1-4 all 3 count once", qids(i1=3, i2=3, i3=3, i4=3), 3, {"sleep": 3}),
    ("sleep takes the highest item", qids(i1=1, i2=2, i4=1), 2, {"sleep": 2}),
    ("appetite/weight 6-9 count once", qids(i6=2, i7=1, i8=3, i9=1), 3, {"appetite_weight": 3}),
    ("psychomotor 15-16 count once", qids(i15=2, i16=3), 3, {"psychomotor": 3}),
    ("single-item domains add", qids(i5=1, i10=1, i11=1, i12=1, i13=1, i14=1), 6, {"sad_mood": 1}),
    ("all items 3 gives 27, not 48", qids(**{f"i{n}": 3 for n in range(1, 17)}), 27, {}),
]


@pytest.mark.parametrize(
    ("case", "answers", "total", "domains"), QIDS_ROWS, ids=[r[0] for r in QIDS_ROWS]
)
def test_qids_domain_scoring(
    case: str, answers: dict[str, int], total: int, domains: dict[str, int]
) -> None:
    result = score("qids-sr16", answers)
    assert result.total == total, RUSH
    assert len(result.subscales) == 9
    assert result.total == sum(result.subscales.values())
    for domain, value in domains.items():
        assert result.subscales[domain] == value, RUSH


BLEVINS = "§5.1 Blevins 2015 / Bovin 2016: item >= 2 endorsed; >=1 B, >=1 C, >=2 D, >=2 E"


def pcl5(endorsed: list[int], value: int = 2) -> dict[str, int]:
    answers = {str(n): 1 for n in range(1, 21)}
    answers.update({str(n): value for n in endorsed})
    return answers


PCL5_ROWS = [
    ("minimum pattern met", pcl5([1, 6, 8, 9, 15, 16]), True),
    ("no cluster B item", pcl5([6, 8, 9, 15, 16]), False),
    ("no cluster C item", pcl5([1, 8, 9, 15, 16]), False),
    ("only one cluster D item", pcl5([1, 6, 8, 15, 16]), False),
    ("only one cluster E item", pcl5([1, 6, 8, 9, 15]), False),
    ("ones never count as endorsed", pcl5([]), False),
    ("last items of each cluster", pcl5([5, 7, 13, 14, 19, 20], value=4), True),
]


@pytest.mark.parametrize(("case", "answers", "met"), PCL5_ROWS, ids=[r[0] for r in PCL5_ROWS])
def test_pcl5_dsm5_provisional_diagnosis(case: str, answers: dict[str, int], met: bool) -> None:
    result = score("pcl5", answers)
    finding = next(f for f in result.findings if f.id == "pcl5.dsm5_provisional")
    assert finding.met is met, BLEVINS


PCL5_TOTAL_ROWS = [
    ("32 is below the default cut", 32, False),
    ("33 meets the default cut (needs sign-off: 31-33 disagree)", 33, True),
]


@pytest.mark.parametrize(
    ("case", "total", "met"), PCL5_TOTAL_ROWS, ids=[r[0] for r in PCL5_TOTAL_ROWS]
)
def test_pcl5_total_cutoff(case: str, total: int, met: bool) -> None:
    answers = {str(n): 0 for n in range(1, 21)}
    for n in range(1, 21):
        answers[str(n)] = min(4, total - sum(answers.values()))
    result = score("pcl5", answers)
    finding = next(f for f in result.findings if f.id == "pcl5.provisional_ptsd_total")
    assert (result.total, finding.met, finding.needs_signoff) == (total, met, True)


def test_pcl5_clusters_are_reported_as_subscales() -> None:
    answers = {str(n): (4 if n <= 5 else 0) for n in range(1, 21)}
    result = score("pcl5", answers)
    assert result.subscales == {"B": 20, "C": 0, "D": 0, "E": 0}, BLEVINS


GLAD = "§5.1 GLAD-PC: PHQ item 9 >= 1 is positive, same-day assessment"
PHQ_ZERO = {str(n): 0 for n in range(1, 10)}

SAFETY_ROWS = [
    ("phq9 item 9 = 0: no flag", "phq9", {**PHQ_ZERO}, (), GLAD),
    ("phq9 item 9 = 1: flag", "phq9", {**PHQ_ZERO, "9": 1}, ("phq9.item9_positive",), GLAD),
    ("phq9 item 9 = 3: flag", "phq9", {**PHQ_ZERO, "9": 3}, ("phq9.item9_positive",), GLAD),
    (
        "phq9 high total, item 9 = 0: no flag",
        "phq9",
        {**{str(n): 3 for n in range(1, 9)}, "9": 0},
        (),
        GLAD,
    ),
    (
        "phq9 item 9 = 1 on an incomplete response still flags",
        "phq9",
        {"9": 1},
        ("phq9.item9_positive",),
        GLAD,
    ),
    ("phq-a item 9 = 1: flag", "phq-a", {**PHQ_ZERO, "9": 1}, ("phq-a.item9_positive",), GLAD),
    (
        "phq-a serious thoughts in past month",
        "phq-a",
        {**PHQ_ZERO, "serious_thoughts": 1},
        ("phq-a.suicide_items_positive",),
        "§5.1 Johnson 2002 (clinic default)",
    ),
    (
        "qids item 12 = 1",
        "qids-sr16",
        {**{str(n): 0 for n in range(1, 17)}, "12": 1},
        ("qids-sr16.item12_positive",),
        "§5.1 Rush 2003 item content (clinic default)",
    ),
    (
        "madrs item 10 = 1: below default",
        "madrs",
        {**{str(n): 0 for n in range(1, 11)}, "10": 1},
        (),
        "§5.1 clinic default >= 2",
    ),
    (
        "madrs item 10 = 2",
        "madrs",
        {**{str(n): 0 for n in range(1, 11)}, "10": 2},
        ("madrs.item10_positive",),
        "§5.1 clinic default >= 2",
    ),
]


@pytest.mark.parametrize(
    ("case", "instrument_id", "answers", "rules", "source"),
    SAFETY_ROWS,
    ids=[r[0] for r in SAFETY_ROWS],
)
def test_safety_flags(
    case: str, instrument_id: str, answers: dict[str, int], rules: tuple[str, ...], source: str
) -> None:
    result = score(instrument_id, answers)
    assert tuple(flag.rule_id for flag in result.safety_flags) == rules, source
