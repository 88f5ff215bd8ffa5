"""A refused or failed action from the audit trail as people read it on the admin's Today.

What was attempted (the page or request in words), why it was refused (the field or rule named
in the refusal, else the HTTP status in words) and the rule ids, kept for one click away. Only
what the audit records is used: the kind of refusal, its field and rule ids, never values typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketaclinic.domain.audit.events import AuditEvent
from ketaclinic.entrypoints.web.plain import field_label

#: The HTTP status of a refused request in words.
STATUS_WORDS = {
    400: "the request was not understood",
    401: "not signed in, or the sign-in was refused",
    403: "not permitted for this role",
    404: "not found",
    409: "refused by a rule of the current state",
    422: "the entry was not accepted",
    429: "too many attempts",
}
_KIND_WORDS = {
    "SafetyBlock": "blocked by a safety rule",
    "PermissionDenied": "not permitted for this role",
    "InvalidTransition": "not allowed in the current state",
    "NotFound": "not found",
    "Conflict": "refused: it clashes with the current state",
    "ValidationFailed": "the entry was not accepted",
    "SignOffRefused": "the sign-off was refused",
    "TooManyAttempts": "too many attempts",
}
_STATUS = re.compile(r"\bstatus=(\d{3})\b")
_KIND = re.compile(r"\b([A-Z][A-Za-z]+)\b")
_FIELD = re.compile(r"\bfield=(\S+)")
_RULES = re.compile(r"\brules=(\S+)")


@dataclass(frozen=True, slots=True)
class RefusalWords:
    attempted: str  # "Create user", "Sign in"
    why: str  # "the entry was not accepted: email"
    rules: tuple[str, ...]  # rule ids named by the refusal, one click away
    technical: str  # action, object and detail as recorded, one click away


def _words(code: str) -> str:
    text = code.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def refusal_words(event: AuditEvent) -> RefusalWords:
    """The event's attempt, reason and rules in plain words."""
    technical = f"{event.action} · {event.object_type} {event.object_id} · {event.detail}".strip()
    rules_found = _RULES.search(event.detail)
    rules = tuple(rules_found.group(1).split(",")) if rules_found else ()
    if event.action == "request.refused":
        route = event.object_type.split(":", 1)[-1]
        attempted = _words(route) if route and route != "page" else "A request"
        status = _STATUS.search(event.detail)
        kind = next((k for k in _KIND.findall(event.detail) if k in _KIND_WORDS), None)
        why = (
            _KIND_WORDS[kind]
            if kind
            else STATUS_WORDS.get(int(status.group(1)), "refused")
            if status
            else "refused"
        )
        field = _FIELD.search(event.detail)
        if field:
            why = f"{why}: {field_label(field.group(1)).lower()}"
        return RefusalWords(attempted, why, rules, technical)
    attempted = _words(event.action.rsplit(".", 1)[-1])
    why = "failed" if event.outcome == "failure" else _words(event.outcome).lower()
    return RefusalWords(attempted, why, rules, technical)
