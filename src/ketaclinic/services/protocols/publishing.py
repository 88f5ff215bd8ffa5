"""Publishing protocol packs in a clinic, adopting local changes, and physician sign-off.

A published version is immutable and identified by id, version and content hash. A version can be
chosen for a new course only once a physician has signed it off, confirming (or, by adopting a
changed copy, changing) every default that the pack flags ``needs_signoff``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ketaclinic.domain.errors import Conflict, NotFound, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion import session
from ketaclinic.domain.patients import course
from ketaclinic.domain.patients.treatment import PublishedProtocol
from ketaclinic.domain.protocols.canonical import canonical_json
from ketaclinic.domain.protocols.changes import AdoptedProtocol, FieldChange, adopt, diff
from ketaclinic.domain.protocols.docs import Transition
from ketaclinic.domain.protocols.docs_page import protocol_markdown
from ketaclinic.domain.protocols.edits import next_version, unaddressed
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.pack import build_protocol
from ketaclinic.domain.protocols.sections import SourceRef
from ketaclinic.domain.protocols.signoff import SignoffItem, check_signoff_complete, signoff_items
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.rules import ensure_runnable_rules


@dataclass(frozen=True, slots=True)
class ProtocolView:
    published: PublishedProtocol
    protocol: Protocol


def load_published(uow: UnitOfWork, clinic_id: int, version_id: int) -> ProtocolView:
    """The stored protocol, rebuilt and checked against its recorded hash."""
    published = uow.protocols.get(clinic_id, version_id)
    if published is None:
        raise NotFound("no such protocol version in this clinic", field="protocol_version_id")
    protocol = _built(uow.protocols.content(clinic_id, version_id), published.ref)
    if protocol.hash != published.hash:
        raise SafetyBlock(
            f"protocol {published.ref} content does not match its hash", field="protocol_version_id"
        )
    return ProtocolView(published, protocol)


@lru_cache(maxsize=32)
def _built(content: str, ref: str) -> Protocol:
    """The protocol read from its stored text, carrying the hash of that content.

    Cached by the exact stored text: every call still reads the text, and a changed text is
    read, checked and hashed afresh, so a tampered version is still refused by its hash; the
    protocol is frozen, so sharing it between requests is safe."""
    return build_protocol(json.loads(content), source_name=ref)


def awaiting_signoff(published: PublishedProtocol) -> bool:
    """The version still waits for a physician's sign-off (the one answer every page reads)."""
    return not published.signed_off


def defaults_awaiting_signoff(
    published: PublishedProtocol, sources: Mapping[str, SourceRef]
) -> tuple[str, ...]:
    """The defaults of ``sources`` the pack flags ``needs_signoff`` that still wait for a
    physician: none once the version is signed off, since signing it off confirms every such
    default (an adopted copy changes them instead)."""
    if not awaiting_signoff(published):
        return ()
    return tuple(name for name, ref in sources.items() if ref.needs_signoff)


def require_signed_off(uow: UnitOfWork, clinic_id: int, version_id: int) -> ProtocolView:
    view = load_published(uow, clinic_id, version_id)
    if not view.published.signed_off:
        raise SafetyBlock(
            f"protocol {view.published.ref} is not signed off by a physician",
            reasons=("a physician must sign off the protocol before it is used for a patient",),
            field="protocol_version_id",
        )
    return view


@dataclass(frozen=True, slots=True)
class ProtocolDocument:
    """A published version, its documentation page (Markdown) and its state-machine tables."""

    view: ProtocolView
    markdown: str
    state_machines: dict[str, list[Transition]]
    signoff_items: list[SignoffItem]


def state_machine_tables() -> dict[str, list[Transition]]:
    """The treatment-course and infusion-session transition tables, ``(from, to, guard)`` rows."""
    return {
        "Treatment course": [(str(a), str(b), str(c)) for a, b, c in course.TRANSITIONS],
        "Infusion session": [(str(a), str(b), str(c)) for a, b, c in session.TRANSITIONS],
    }


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

    def document(self, actor: Actor, version_id: int) -> ProtocolDocument:
        """The version with its generated documentation page (tables, sign-off list, diagrams)."""
        view = self.view(actor, version_id)
        machines = state_machine_tables()
        page = protocol_markdown(view.protocol, state_machines=machines)
        return ProtocolDocument(view, page, machines, signoff_items(view.protocol))

    def signoff_items(self, actor: Actor, version_id: int) -> list[SignoffItem]:
        return signoff_items(self.view(actor, version_id).protocol)

    def compare(self, actor: Actor, a_id: int, b_id: int) -> list[FieldChange]:
        return diff(self.view(actor, a_id).protocol, self.view(actor, b_id).protocol)

    def adopt(
        self, actor: Actor, base_id: int, changes: Mapping[str, object], *, new_version: str
    ) -> PublishedProtocol:
        """A local copy with changed values: a new version listing its differences.

        The copy is validated like a pack file (ProtocolInvalid names every field path) and its
        contraindication rules must be runnable by the eligibility engine. Nothing is stored when
        anything is refused.
        """
        require(actor, Permission.PROTOCOL_ADOPT)
        with self._uow() as uow:
            base = load_published(uow, actor.clinic_id, base_id)
            row, _ = _adopt_in(uow, self._clock, actor, base, changes, new_version)
            uow.commit()
        return row

    def suggest_version(self, actor: Actor, version_id: int) -> str:
        """The next free patch version of this protocol in the clinic (for an adopted copy)."""
        require(actor, Permission.PROTOCOL_READ)
        with self._uow() as uow:
            base = load_published(uow, actor.clinic_id, version_id).published
            taken = [p.version for p in uow.protocols.list(actor.clinic_id)]
        return next_version(base.version, taken)

    def signer_names(self, actor: Actor) -> dict[int, str]:
        """Staff id -> name for the clinic's staff, to show who signed a version off."""
        require(actor, Permission.PROTOCOL_READ)
        with self._uow() as uow:
            return {m.id: m.name for m, _ in uow.staff.list_for_clinic(actor.clinic_id)}

    def sign_off_with_changes(
        self,
        actor: Actor,
        version_id: int,
        confirmed_paths: Iterable[str],
        changes: Mapping[str, object],
        *,
        new_version: str | None = None,
    ) -> SignoffOutcome:
        """Sign off a version with every ``needs_signoff`` default confirmed or changed.

        Without changes this is :meth:`sign_off`. With changes, one unit of work adopts a new
        version carrying them (based on ``version_id``, numbered ``new_version`` or the next free
        patch version) and signs that new version off, every item of which the physician has just
        confirmed or changed; the base stays as it was, unsigned if it was. An item neither
        confirmed nor changed refuses the whole request (ValidationFailed naming each path).
        """
        require(actor, Permission.PROTOCOL_SIGNOFF)
        if changes:
            require(actor, Permission.PROTOCOL_ADOPT)
        assert actor.staff_id is not None
        confirmed = set(confirmed_paths)
        with self._uow() as uow:
            base = load_published(uow, actor.clinic_id, version_id)
            items = signoff_items(base.protocol)
            _ensure_addressed(items, confirmed, changes)
            if not changes:
                self._record_signoff(uow, actor, base, [i.path for i in items])
                outcome = SignoffOutcome(self._reload(uow, actor, version_id), base.published, [])
                uow.commit()
                return outcome
            taken = [p.version for p in uow.protocols.list(actor.clinic_id)]
            version = new_version or next_version(base.published.version, taken)
            row, adopted = _adopt_in(uow, self._clock, actor, base, changes, version)
            new_items = [i.path for i in signoff_items(adopted.protocol)]
            _ensure_same_items(items, new_items)
            self._record_signoff(uow, actor, ProtocolView(row, adopted.protocol), new_items)
            signed = self._reload(uow, actor, row.id)
            uow.commit()
        return SignoffOutcome(signed, base.published, list(adopted.changes))

    def _record_signoff(
        self, uow: UnitOfWork, actor: Actor, view: ProtocolView, paths: Sequence[str]
    ) -> None:
        assert actor.staff_id is not None
        uow.protocols.sign_off(
            actor.clinic_id,
            view.published.id,
            hash=view.published.hash,
            by=actor.staff_id,
            at=self._clock.now(),
            confirmed_paths=sorted(paths),
        )
        record(
            uow,
            self._clock,
            actor,
            "protocol.sign_off",
            object_type="protocol_version",
            object_id=view.published.id,
            detail=f"{view.published.ref} {view.published.hash}",
        )

    @staticmethod
    def _reload(uow: UnitOfWork, actor: Actor, version_id: int) -> PublishedProtocol:
        found = uow.protocols.get(actor.clinic_id, version_id)
        assert found is not None
        return found

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
            self._record_signoff(uow, actor, view, paths)
            signed = self._reload(uow, actor, version_id)
            uow.commit()
        return signed


@dataclass(frozen=True, slots=True)
class SignoffOutcome:
    """The version signed off, the version the physician opened, and what changed between them."""

    signed: PublishedProtocol
    base: PublishedProtocol
    changes: list[FieldChange]

    @property
    def adopted(self) -> bool:
        return self.signed.id != self.base.id


def _adopt_in(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    base: ProtocolView,
    changes: Mapping[str, object],
    new_version: str,
) -> tuple[PublishedProtocol, AdoptedProtocol]:
    """Validate, store and audit an adopted copy of ``base`` inside the caller's unit of work."""
    adopted = adopt(base.protocol, changes, new_version=new_version)
    new = ensure_runnable_rules(adopted.protocol, source_name=adopted.protocol.ref)
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
        at=clock.now(),
        by=actor.staff_id,
    )
    changed = ", ".join(c.path for c in adopted.changes if c.path not in {"version", "base"})
    record(
        uow,
        clock,
        actor,
        "protocol.adopt",
        object_type="protocol_version",
        object_id=row.id,
        detail=f"{adopted.base_ref} -> {new.ref}: {changed}",
    )
    return row, adopted


def _ensure_addressed(
    items: Sequence[SignoffItem], confirmed: set[str], changes: Mapping[str, object]
) -> None:
    missing = unaddressed(items, confirmed, changes)
    known = {item.path for item in items}
    unknown = sorted(confirmed - known)
    errors = {item.path: "confirm this default or change it" for item in missing}
    errors.update({path: "not a sign-off item of this version" for path in unknown})
    if errors:
        raise ValidationFailed(errors)


def _ensure_same_items(before: Sequence[SignoffItem], after_paths: Sequence[str]) -> None:
    """The adopted copy may not bring sign-off items the physician has not seen."""
    seen = {item.path for item in before}
    new = [path for path in after_paths if path not in seen]
    if new:
        raise SafetyBlock(
            "the changed version has defaults needing sign-off that were not shown",
            reasons=tuple(f"not reviewed: {path}" for path in new),
            field="changes",
        )
