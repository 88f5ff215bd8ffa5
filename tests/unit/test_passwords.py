"""Password rules (NIST SP 800-63B §5.1.1.2): one row per case, with the rule it exercises."""

from __future__ import annotations

import pytest

from ketaclinic.adapters.password_list import common_passwords
from ketaclinic.domain.identity.passwords import password_problem

EMAIL, CLINIC = "jordan.lee@sunny.test", "Sunny Ketamine Clinic"

CASES = [
    # (password, expected fragment of the refusal or None, rule)
    ("violet-harbor-gravel", None, "long, uncommon passphrase"),
    ("my-clinic-is-lovely!", None, "a generic clinic word is not the clinic's name"),
    ("short-one", "at least 12", "minimum length"),
    ("aaaaaaaaaaaa", "repeated character", "one character repeated"),
    ("123456789012", "sequence", "number sequence"),
    ("qwertyuiopas", "sequence", "keyboard row"),
    ("zyxwvutsrqpo", "sequence", "sequence backwards"),
    ("password1234", "commonly used", "common password with digits appended"),
    ("Password2024!", "commonly used", "common password dressed up"),
    ("iloveyou1234", "commonly used", "common password with digits appended"),
    ("jordan-is-the-best", "email name", "contains the email's local part"),
    ("sunny-days-forever", "clinic's name", "contains a distinctive clinic word"),
    ("x" * 1025, "at most 1024", "maximum length"),
]


@pytest.mark.parametrize(("password", "refusal", "rule"), CASES, ids=[c[2] for c in CASES])
def test_password_rules(password: str, refusal: str | None, rule: str) -> None:
    problem = password_problem(password, email=EMAIL, clinic_name=CLINIC, common=common_passwords())
    if refusal is None:
        assert problem is None, rule
    else:
        assert problem is not None and refusal in problem, rule


def test_the_bundled_list_is_the_common_passwords() -> None:
    common = common_passwords()
    assert len(common) >= 25_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
