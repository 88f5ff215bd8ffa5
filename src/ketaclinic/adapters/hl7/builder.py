"""Build synthetic IHE PCD-01 ORU^R01 messages for the monitor simulator, tests and benchmarks.

Pure: every input (control id, times, values) is explicit. Identifiers must be obviously fake.
With ``full=True`` the message carries 12 OBX rows: time sync, MDS device, NIBP grouping with
systolic/diastolic/mean, ECG heart rate, SpO2, oximeter pulse rate, respiration rate, temperature
and the device's absolute time, shaped like the IPF PCD-01 examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from ketaclinic.adapters.hl7.ack import PCD01_PROFILE

MMHG = "266016^MDC_DIM_MMHG^MDC"
BPM = "264864^MDC_DIM_BEAT_PER_MIN^MDC"
RPM = "264928^MDC_DIM_RESP_PER_MIN^MDC"
PCT = "262688^MDC_DIM_PERCENT^MDC"
DEGC = "268192^MDC_DIM_DEGC^MDC"


@dataclass(frozen=True, slots=True)
class MonitorSnapshot:
    """One set of monitor values at ``at`` (aware). Units: mmHg, /min, %, degrees Celsius."""

    at: datetime
    sbp_mmhg: Decimal
    dbp_mmhg: Decimal
    map_mmhg: Decimal
    hr_per_min: Decimal
    spo2_pct: Decimal
    rr_per_min: Decimal
    pr_per_min: Decimal | None = None
    temp_c: Decimal | None = None


def hl7_time(at: datetime, *, millis: bool = False) -> str:
    """An HL7 DTM in UTC with an explicit ``+0000`` offset; to the second, or to the millisecond
    (``YYYYMMDDHHMMSS.SSS``) with ``millis``."""
    utc = at.astimezone(UTC)
    if millis:
        return f"{utc:%Y%m%d%H%M%S}.{utc.microsecond // 1000:03d}+0000"
    return utc.strftime("%Y%m%d%H%M%S+0000")


def build_pcd01(
    snapshot: MonitorSnapshot,
    *,
    control_id: str,
    patient_id: str,
    device_eui64: str,
    location: str = "",
    full: bool = False,
    millis: bool = False,
) -> bytes:
    """Return one ORU^R01 (CR segment ends, ASCII) for ``snapshot``; 12 OBX when ``full``; times
    to the millisecond with ``millis`` (else to the second)."""
    ts = hl7_time(snapshot.at, millis=millis)
    head = [
        f"MSH|^~\\&|KETASIM^{device_eui64}^EUI-64||||{ts}||ORU^R01^ORU_R01|{control_id}|P|2.6"
        f"|||NE|AL|||||{PCD01_PROFILE}",
        f"PID|||{patient_id}^^^TEST^PI||ZZTEST^SYNTHETIC",
        f"PV1||O|{location}",
        f"OBR|1|{control_id}^KETASIM|{control_id}^KETASIM|69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS"
        f"^MDC|||{ts}",
    ]
    return ("\r".join(head + _obx_rows(snapshot, ts, device_eui64, full)) + "\r").encode("ascii")


def _obx_rows(s: MonitorSnapshot, ts: str, eui: str, full: bool) -> list[str]:
    rows: list[tuple[str, str, str, str, str]] = []
    if full:
        rows.append(
            (
                "CWE",
                "68220^MDC_TIME_SYNC_PROTOCOL^MDC",
                "0.0.0.1",
                "532224^MDC_TIME_SYNC_NONE^MDC",
                "",
            )
        )
    rows += [
        ("", "69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC", "1", "", ""),
        ("", "150020^MDC_PRESS_BLD_NONINV^MDC", "1.1.1", "", ""),
        ("NM", "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "1.1.1.1", str(s.sbp_mmhg), MMHG),
        ("NM", "150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "1.1.1.2", str(s.dbp_mmhg), MMHG),
        ("NM", "150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "1.1.1.3", str(s.map_mmhg), MMHG),
        ("NM", "147842^MDC_ECG_HEART_RATE^MDC", "1.2.1.1", str(s.hr_per_min), BPM),
        ("NM", "150456^MDC_PULS_OXIM_SAT_O2^MDC", "1.3.1.1", str(s.spo2_pct), PCT),
        ("NM", "151562^MDC_RESP_RATE^MDC", "1.4.1.1", str(s.rr_per_min), RPM),
    ]
    if full:
        pr = s.pr_per_min if s.pr_per_min is not None else s.hr_per_min
        temp = s.temp_c if s.temp_c is not None else Decimal("36.8")
        rows += [
            ("NM", "149530^MDC_PULS_OXIM_PULS_RATE^MDC", "1.3.1.2", str(pr), BPM),
            ("NM", "150344^MDC_TEMP^MDC", "1.5.1.1", str(temp), DEGC),
            ("DTM", "67975^MDC_ATTR_TIME_ABS^MDC", "1.0.0.1", ts[:14], ""),
        ]
    return [_obx(n, row, ts, eui) for n, row in enumerate(rows, start=1)]


def _obx(set_id: int, row: tuple[str, str, str, str, str], ts: str, eui: str) -> str:
    value_type, code, sub_id, value, unit = row
    device = f"{eui}^EUI-64" if sub_id == "1" else ""
    return f"OBX|{set_id}|{value_type}|{code}|{sub_id}|{value}|{unit}|||||R|||{ts}||||{device}"
