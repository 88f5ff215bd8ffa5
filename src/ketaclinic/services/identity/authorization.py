"""The one place permissions are checked: services call :func:`require` before acting."""

from __future__ import annotations

from ketaclinic.domain.errors import NotAuthenticated, PermissionDenied
from ketaclinic.domain.identity.access import Permission, is_allowed, refusal_words
from ketaclinic.domain.identity.staff import Actor


def require(actor: Actor, permission: Permission, action: str | None = None) -> None:
    """Raise unless the actor's role in this clinic grants ``permission`` (deny by default);
    ``action`` names the refused act in words when it is not the permission's own."""
    if actor.staff_id is None or actor.role is None:
        raise NotAuthenticated("sign in first")
    if not is_allowed(actor.role, permission) and permission is Permission.CHART_READ:
        raise PermissionDenied("not shown to your role: the clinical record is for the care team")
    if not is_allowed(actor.role, permission):
        raise PermissionDenied(
            refusal_words(actor.role, permission, action), permission=permission.value
        )


def allowed(actor: Actor, permission: Permission) -> bool:
    return actor.role is not None and is_allowed(actor.role, permission)
