"""``/api/v1/protocols``: the clinic's published protocol versions, with hash and sign-off state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.treatment import PublishedProtocol
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import services_of
from ketaclinic.entrypoints.input_limits import PathId

router = APIRouter(tags=["protocols"])
Reader = Annotated[Actor, Depends(ApiActor(Permission.PROTOCOL_READ))]


class SignoffItemOut(BaseModel):
    path: str
    value: Any
    source: str


class ProtocolVersionOut(BaseModel):
    id: int
    protocol_id: str
    version: str
    ref: str
    title: str
    hash: str
    base: str | None
    published_at: datetime
    signed_off: bool
    signed_off_by: int | None
    signed_off_at: datetime | None

    @classmethod
    def of(cls, p: PublishedProtocol) -> ProtocolVersionOut:
        return cls(
            id=p.id,
            protocol_id=p.protocol_id,
            version=p.version,
            ref=p.ref,
            title=p.title,
            hash=p.hash,
            base=p.base_ref,
            published_at=p.published_at,
            signed_off=p.signed_off,
            signed_off_by=p.signed_off_by,
            signed_off_at=p.signed_off_at,
        )


class ProtocolDetailOut(ProtocolVersionOut):
    signoff_items: list[SignoffItemOut]


@router.get("/protocols", response_model=list[ProtocolVersionOut])
def list_protocols(request: Request, actor: Reader) -> list[ProtocolVersionOut]:
    """Every published version in the caller's clinic, oldest first per protocol."""
    return [ProtocolVersionOut.of(p) for p in services_of(request).protocols.published(actor)]


@router.get("/protocols/{version_id}", response_model=ProtocolDetailOut)
def read_protocol(version_id: PathId, request: Request, actor: Reader) -> ProtocolDetailOut:
    """One version with its sign-off state and every ``needs_signoff`` default (path, value)."""
    protocols = services_of(request).protocols
    view = protocols.view(actor, version_id)
    items = protocols.signoff_items(actor, version_id)
    summary = ProtocolVersionOut.of(view.published)
    return ProtocolDetailOut(
        **summary.model_dump(),
        signoff_items=[SignoffItemOut(path=i.path, value=i.value, source=i.source) for i in items],
    )
