"""Publishing protocol packs in a clinic, adopting local changes, and physician sign-off.

A published version is immutable and identified by id, version and content hash. A version can be
chosen for a new course only once a physician has signed it off, confirming (or, by adopting a
changed copy, changing) every default that the pack flags ``needs_signoff``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ketaclinic.domain.access import Permission
from ketaclinic.domain.errors import Conflict, NotFound, SafetyBlock
from ketaclinic.domain.protocol.canonical import canonical_json, content_hash
from ketaclinic.domain.protocol.changes import FieldChange, adopt, diff
from ketaclinic.domain.protocol.model import Protocol
from ketaclinic.domain.protocol.pack import build_protocol
from ketaclinic.domain.protocol.signoff import SignoffItem, check_signoff_complete, signoff_items
from ketaclinic.domain.staff import Actor
from ketaclinic.domain.treatment import PublishedProtocol
from ketaclinic.services.audit import record
from ketaclinic.services.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ProtocolView:
    published: PublishedProtocol
    protocol: Protocol


def load_published(uow: UnitOfWork, clinic_id: int, version_id: int) -> ProtocolView:
    """The stored protocol, rebuilt and checked against its recorded hash."""
    published = uow.protocols.get(clinic_id, version_id)
    if published is None:
        raise NotFound("no such protocol version in this clinic", field="protocol_version_id")
    protocol = build_protocol(
        json.loads(uow.protocols.content(clinic_id, version_id)), source_name=published.ref
    )
    if content_hash(protocol) != published.hash:
        raise SafetyBlock(
            f"protocol {published.ref} content does not match its hash", field="protocol_version_id"
        )
    return ProtocolView(published, protocol)


def require_signed_off(uow: UnitOfWork, clinic_id: int, version_id: int) -> ProtocolView:
    view = load_published(uow, clinic_id, version_id)
    if not view.published.signed_off:
        raise SafetyBlock(
            f"protocol {view.published.ref} is not signed off by a physician",
            reasons=("a physician must sign off the protocol before it is used for a patient",),
            field="protocol_version_id",
        )
    return view


class ProtocolService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def publish(
        self, clinic_id: int, packs: Iterable[Protocol], *, actor: Actor | None = None
    ) -> list[PublishedProtocol]:
        """Publish packs into a clinic; an identical version is kept, a clash refused."""
        published: list[PublishedProtocol] = []
        with self._uow() as uow:
            for pack in packs:
                existing = uow.protocols.find(clinic_id, pack.id, pack.version)
                if existing is not None:
                    if existing.hash != pack.hash:
                        raise Conflict(
                            f"{pack.ref} is published with different content", field="version"
                        )
                    published.append(existing)
                    continue
                row = uow.protocols.publish(
                    clinic_id,
                    protocol_id=pack.id,
                    version=pack.version,
                    hash=pack.hash,
                    title=pack.title,
                    base_ref=pack.base,
                    content=canonical_json(pack),
                    at=self._clock.now(),
                    by=actor.staff_id if actor else None,
                )
                who = actor or Actor(None, None, clinic_id, "cli", label="operator")
                record(
                    uow,
                    self._clock,
                    who,
                    "protocol.publish",
                    object_type="protocol_version",
                    object_id=row.id,
                    detail=f"{pack.ref} {pack.hash}",
                )
                published.append(row)
            uow.commit()
        return published

    def published(self, actor: Actor) -> Sequence[PublishedProtocol]:
        require(actor, Permission.PROTOCOL_READ)
        with self._uow() as uow:
            return uow.protocols.list(actor.clinic_id)

    def view(self, actor: Actor, version_id: int) -> ProtocolView:
        require(actor, Permission.PROTOCOL_READ)
        with self._uow() as uow:
            return load_published(uow, actor.clinic_id, version_id)

    def signoff_items(self, actor: Actor, version_id: int) -> list[SignoffItem]:
        return signoff_items(self.view(actor, version_id).protocol)

    def compare(self, actor: Actor, a_id: int, b_id: int) -> list[FieldChange]:
        return diff(self.view(actor, a_id).protocol, self.view(actor, b_id).protocol)

    def adopt(
        self, actor: Actor, base_id: int, changes: Mapping[str, object], *, new_version: str
    ) -> PublishedProtocol:
        """A local copy with changed values: a new version listing its differences."""
        require(actor, Permission.PROTOCOL_ADOPT)
        with self._uow() as uow:
            base = load_published(uow, actor.clinic_id, base_id)
            adopted = adopt(base.protocol, changes, new_version=new_version)
            new = adopted.protocol
            if uow.protocols.find(actor.clinic_id, new.id, new.version) is not None:
                raise Conflict(f"{new.ref} already exists", field="new_version")
            row = uow.protocols.publish(
                actor.clinic_id,
                protocol_id=new.id,
                version=new.version,
                hash=new.hash,
                title=new.title,
                base_ref=adopted.base_ref,
                content=canonical_json(new),
                at=self._clock.now(),
                by=actor.staff_id,
            )
            changed = ", ".join(
                c.path for c in diff(base.protocol, new) if c.path not in {"version", "base"}
            )
            record(
                uow,
                self._clock,
                actor,
                "protocol.adopt",
                object_type="protocol_version",
                object_id=row.id,
                detail=f"{adopted.base_ref} -> {new.ref}: {changed}",
            )
            uow.commit()
        return row

    def sign_off(
        self, actor: Actor, version_id: int, confirmed_paths: Iterable[str]
    ) -> PublishedProtocol:
        """A physician confirms every ``needs_signoff`` default of this exact version (by hash)."""
        require(actor, Permission.PROTOCOL_SIGNOFF)
        assert actor.staff_id is not None
        paths = sorted(set(confirmed_paths))
        with self._uow() as uow:
            view = load_published(uow, actor.clinic_id, version_id)
            check = check_signoff_complete(view.protocol, paths)
            if not check.complete:
                raise SafetyBlock(
                    f"{len(check.missing)} default(s) not confirmed",
                    reasons=tuple(f"not confirmed: {item.path}" for item in check.missing)
                    + tuple(f"unknown path: {p}" for p in check.unknown_paths),
                    field="confirmed_paths",
                )
            uow.protocols.sign_off(
                actor.clinic_id,
                version_id,
                hash=view.published.hash,
                by=actor.staff_id,
                at=self._clock.now(),
                confirmed_paths=paths,
            )
            record(
                uow,
                self._clock,
                actor,
                "protocol.sign_off",
                object_type="protocol_version",
                object_id=version_id,
                detail=f"{view.published.ref} {view.published.hash}",
            )
            signed = uow.protocols.get(actor.clinic_id, version_id)
            uow.commit()
        assert signed is not None
        return signed
