"""What an acknowledgement may do about an alarm's required action, one row per case with its
source (``domain.infusion.alarm_ack.check_acknowledgement``, rule ``alarm.required_action``).

Doing what the rule asks, or more, is one click with no note. While dosing runs and the condition
lasts, continuing on a stop rule is refused outright, continuing on a pause rule is a prescriber's
decision with a written reason, and pausing on a stop rule needs a written reason. A pause rule on
a session already paused is met. Once the condition has cleared, doing less than the rule asks
still needs a written reason (recorded as an override), never a bare click.

What the rule asks follows the session's state (``required_response``): before dosing it is
"do not start dosing, recheck, call the prescriber"; once dosing has ended it is "stay with the
patient, recheck, call the prescriber". A choice the state does not allow (pausing a session that
is not dosing, stopping one in recovery) is refused naming the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ketaclinic.domain.infusion.alarm_ack import check_acknowledgement
from ketaclinic.domain.infusion.records import AckAction, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState

AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
S43 = "clinical.md §4.3 severe BP: pause and notify the prescriber"
S43_STOP = "clinical.md §4.3/§4.6 deep desaturation: stop dosing"
IEC = "IEC 60601-1-8: acknowledging silences the alarm, the cause is still acted on"
INF, REC, PAU = SessionState.INFUSING, SessionState.RECOVERY, SessionState.PAUSED
CHK, STP = SessionState.CHECKED_IN, SessionState.STOPPED
S43_PRE = "clinical.md §4.3 pre-dose: hold and recheck; the prescriber decides"
S46 = "clinical.md §4.6: after dosing the patient is observed until discharge"
NONE, PAUSE, STOP = AckAction.NONE, AckAction.PAUSE, AckAction.STOP


@dataclass(frozen=True)
class Case:
    what: str
    source: str
    rule_action: str
    state: SessionState
    action: AckAction
    note: str
    outcome: str  # ok | reason | refused | override
    cleared: bool = False
    prescriber: bool = False


CASES = (
    Case("pause rule, paused in one click", S43, "pause", INF, PAUSE, "", "ok"),
    Case("pause rule, stopped instead", S43, "pause", INF, STOP, "", "ok"),
    Case("pause rule, a nurse continues dosing", S43, "pause", INF, NONE, "artefact", "refused"),
    Case(
        "pause rule, a prescriber continues without a reason",
        S43,
        "pause",
        INF,
        NONE,
        " ",
        "reason",
        prescriber=True,
    ),
    Case(
        "pause rule, a prescriber continues with a reason",
        S43,
        "pause",
        INF,
        NONE,
        "cuff artefact, manual BP 142/88",
        "override",
        prescriber=True,
    ),
    Case("stop rule, stopped in one click", S43_STOP, "stop", INF, STOP, "", "ok"),
    Case(
        "stop rule, dosing continues", S43_STOP, "stop", INF, NONE, "patient feels fine", "refused"
    ),
    Case("stop rule, paused without a reason", S43_STOP, "stop", INF, PAUSE, "", "reason"),
    Case(
        "stop rule, paused with a reason",
        S43_STOP,
        "stop",
        INF,
        PAUSE,
        "O2 on, recheck",
        "override",
    ),
    Case("stop rule, condition cleared", S43_STOP, "stop", INF, NONE, "", "reason", cleared=True),
    Case(
        "stop rule, condition cleared, with a reason",
        S43_STOP,
        "stop",
        INF,
        NONE,
        "SpO2 98% on recheck",
        "override",
        cleared=True,
    ),
    Case("pause rule, condition cleared", S43, "pause", INF, NONE, "", "reason", cleared=True),
    Case("pause rule in recovery, stayed with the patient", S46, "pause", REC, NONE, "", "ok"),
    Case("pause rule in recovery, pausing is refused", S46, "pause", REC, PAUSE, "", "refused"),
    Case("stop rule in recovery, stopping is refused", S46, "stop", REC, STOP, "", "refused"),
    Case("stop rule in recovery, stayed with the patient", S46, "stop", REC, NONE, "", "ok"),
    Case(
        "stop rule after an early stop, stopping again refused",
        S46,
        "stop",
        STP,
        STOP,
        "",
        "refused",
    ),
    Case("pause rule before dosing, dosing not started", S43_PRE, "pause", CHK, NONE, "", "ok"),
    Case(
        "pause rule before dosing, pausing is refused", S43_PRE, "pause", CHK, PAUSE, "", "refused"
    ),
    Case("stop rule before dosing, stopping is refused", S43_PRE, "stop", CHK, STOP, "", "refused"),
    Case("pause rule, already paused", IEC, "pause", PAU, NONE, "", "ok"),
    Case(
        "pause rule, already paused, pausing again refused", IEC, "pause", PAU, PAUSE, "", "refused"
    ),
    Case("stop rule, paused, stopped", S43_STOP, "stop", PAU, STOP, "", "ok"),
    Case(
        "stop rule, paused, kept paused without a reason", S43_STOP, "stop", PAU, NONE, "", "reason"
    ),
    Case("notice, nothing done", IEC, "notify", INF, NONE, "", "ok"),
    Case("technical alarm, probe checked", IEC, "check_sensor", INF, NONE, "", "ok"),
)


def _alarm(action: str, cleared: bool) -> StoredAlarm:
    return StoredAlarm(
        1,
        1,
        1,
        1,
        "rule-x",
        "rule-x",
        "sbp",
        "high",
        action,
        "SBP high",
        "src",
        False,
        (),
        AT,
        cleared_at=AT if cleared else None,
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.what)
def test_acknowledgement_case(case: Case) -> None:
    assert case.source
    check = check_acknowledgement(
        _alarm(case.rule_action, case.cleared),
        case.state,
        case.action,
        case.note,
        prescriber=case.prescriber,
    )
    got = (
        "refused"
        if check.refused
        else "reason"
        if check.needs_reason
        else "override"
        if check.override
        else "ok"
    )
    assert got == case.outcome
    for text in (check.refused, check.needs_reason, check.override):
        assert not text or text.startswith("alarm.required_action: ")
