"""Password rules for staff accounts (NIST SP 800-63B §5.1.1.2; OWASP ASVS 4.0 V2.1).

A memorised secret is at least 12 characters (no upper limit below 1024 and no composition
rules), and is refused when it is a commonly used password, is built around one (``Password2024!``),
contains the account's own email name or the clinic's name, or is one character repeated or a
keyboard or number sequence (``aaaaaaaaaaaa``, ``123456789012``, ``qwertyuiopas``). The list of
common passwords is data passed in, so the rule stays pure.
"""

from __future__ import annotations

import re
from collections.abc import Collection

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
SEQUENCES = (
    "0123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiop",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm",
    "qazwsxedcrfvtgbyhnujmikolp",
)
_EDGES = re.compile(r"^[^a-z]+|[^a-z]+$")
# words common to clinic names say nothing about this clinic; its other words and whole name do
GENERIC_CLINIC_WORDS = frozenset(
    {"clinic", "clinics", "center", "centre", "health", "medical", "ketamine", "infusion"}
    | {"infusions", "therapy", "wellness", "care", "data", "group", "practice"}
)


def _is_sequence(lowered: str) -> bool:
    if len(set(lowered)) == 1:
        return True
    forward = any(lowered in s for s in SEQUENCES)
    backward = any(lowered[::-1] in s for s in SEQUENCES)
    return forward or backward


def _names(email: str, clinic_name: str) -> list[str]:
    local = email.strip().lower().partition("@")[0]
    clinic = clinic_name.strip().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", clinic) if w not in GENERIC_CLINIC_WORDS]
    parts = [local, *re.split(r"[^a-z0-9]+", local), re.sub(r"[^a-z0-9]+", "", clinic), *words]
    return [p for p in parts if len(p) >= 4]


def password_problem(
    password: str, *, email: str, clinic_name: str, common: Collection[str]
) -> str | None:
    """Why this password may not be used, as a message for the ``password`` field; else None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"must be at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"must be at most {MAX_PASSWORD_CHARS} characters"
    lowered = password.lower()
    if _is_sequence(lowered) or _is_sequence(re.sub(r"\s+", "", lowered)):
        return "is a repeated character or a keyboard or number sequence; choose a passphrase"
    core = _EDGES.sub("", lowered)
    if lowered in common or (len(core) >= 4 and core in common):
        return "is a commonly used password; choose a passphrase of unrelated words"
    squeezed = re.sub(r"[^a-z0-9]+", "", lowered)
    if any(name in lowered or name in squeezed for name in _names(email, clinic_name)):
        return "must not contain your email name or the clinic's name"
    return None
