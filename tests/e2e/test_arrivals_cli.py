"""``ketaclinic arrivals``: a staff member signs in and checks a booked appointment in through the
same gate as the web and the API; a second check-in (or one on another day) exits 1 naming the
field. Runs on the demo clinic as ``ketaclinic demo`` seeds it, on the real clock."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ketaclinic.services.demo import DEMO_PASSWORD
from tests.e2e.test_cli_foundation import run


def test_front_desk_checks_in_the_demo_pathway_patient_from_the_command_line(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    var.mkdir()
    assert run(var, "db", "upgrade").returncode == 0
    demo = run(var, "demo")
    assert demo.returncode == 0, demo.stderr
    first = re.search(r"first session (\S+)\)", demo.stdout)
    assert first is not None, demo.stdout
    day = datetime.fromisoformat(first.group(1)).astimezone(ZoneInfo("America/Chicago")).date()
    secret = tmp_path / "pw"
    secret.write_text(DEMO_PASSWORD + "\n", encoding="utf-8")
    who = ("--email", "frontdesk@demo.ketaclinic.test", "--password-file", str(secret))
    listed = run(var, "arrivals", "list", *who, "--day", day.isoformat())
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "\tInduction session 1\t" in line)
    appointment = row.split("\t", 1)[0]
    assert row.endswith("not in")
    done = run(var, "arrivals", "check-in", appointment, *who)
    if done.returncode == 0:  # the demo's first session is today (a weekday in opening hours)
        assert f"appointment {appointment}, session number 1" in done.stdout
        again = run(var, "arrivals", "check-in", appointment, *who)
        assert again.returncode == 1 and "appointment_id" in again.stderr
    else:
        assert done.returncode == 1 and "session.check_in_same_day" in done.stderr
    refused = run(
        var,
        "arrivals",
        "check-in",
        appointment,
        "--email",
        "auditor@demo.ketaclinic.test",
        "--password-file",
        str(secret),
    )
    assert refused.returncode == 1 and "(session.check_in)" in refused.stderr
    assert "An auditor cannot check a patient in" in refused.stderr
