"""What staff document at the bedside during a session: drugs given, the IV line, scales,
adverse events, observations, Aldrete scores.

A step that names who did it (``given_by`` of a premedication, ``placed_by`` of the IV line)
takes a staff id, checked by role among the active staff of this clinic by
:func:`.dose_team.step_person` (the check of the start of dosing), whatever the entry point: a
typed name, another clinic's member, a deactivated member or a role that may not do the step is
refused naming the field. The record keeps the name, staff id and role. Base of
``workflow.SessionWorkflowService``; sources: seed 000 step 4, clinical.md §4 and §8.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from ketaclinic.domain.errors import Conflict, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.records import ACTIVE_STATES, InfusionSession
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.infusion import checklists as forms
from ketaclinic.services.infusion.dose_team import (
    STEP_PEOPLE,
    Person,
    offered,
    person_payload,
    step_person,
)
from ketaclinic.services.infusion.facts import open_orders, order_of
from ketaclinic.services.infusion.pauses import PauseSteps
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.predose_decisions import hard_stop_record
from ketaclinic.services.infusion.runners import ensure_clinical, ensure_session_runner
from ketaclinic.services.infusion.sessions import get_session
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published

PREMEDICATION_ROLE = "premedication.role"
PREMEDICATION_ORDER = "premedication.order"
RESCUE_ORDER = "rescue.order"


SCALE_MINUTE_RULE = "scale.minute_not_reached"
#: A score taken a little before its protocol time is recorded against that time.
SCALE_MINUTE_EARLY_MIN = 5


def scale_minute_reached(s: InfusionSession, doc: forms.Documented) -> None:
    """Refuse (``scale.minute_not_reached``, on ``minute``) a scale score for a minute of dosing
    more than :data:`SCALE_MINUTE_EARLY_MIN` minutes after the time it is taken at, or before
    dosing started: the 30-minute CADSS is not recorded two minutes into the dose."""
    minute = doc.payload.get("minute")
    if minute is None:
        return
    started = s.dosing_started_at
    if started is None:
        raise ValidationFailed({"minute": f"{SCALE_MINUTE_RULE}: dosing has not started yet"})
    taken = datetime.fromisoformat(str(doc.payload["at"]))
    elapsed = int((taken - started).total_seconds() // 60)
    if int(minute) > elapsed + SCALE_MINUTE_EARLY_MIN:
        raise ValidationFailed(
            {
                "minute": f"{SCALE_MINUTE_RULE}: minute {minute} of dosing is not reached yet; "
                f"dosing started {elapsed} min before this score"
            }
        )


def no_dose_today(uow: UnitOfWork, s: InfusionSession, payload: Mapping[str, Any]) -> None:
    """Refuse preparing a dose (IV line, premedication) after a pre-dose BP hard stop on the
    session (predose_bp_hard_stop, clinical.md §1.2): there is no dose today, by anyone."""
    records = uow.session_records.for_session(s.clinic_id, s.id)
    if hard_stop_record(records) is not None:
        raise SafetyBlock(
            "pre-dose BP above the hard-stop limit earlier today: no dose today; "
            "close the visit as not dosed",
            reasons=("predose_bp_hard_stop: no dose is prepared after a hard stop",),
            field="predose_bp_hard_stop",
        )


def on_order(
    uow: UnitOfWork, s: InfusionSession, payload: Mapping[str, Any], *, prescriber: bool = False
) -> None:
    """Refuse a drug no prescriber's authority covers.

    A premedication must be on the signed order (``premedication.order``): the order the
    pre-dose checklist chose, else the course's open orders (before the checklist). A rescue
    (as-needed) drug must be on the protocol's standing rescue list, signed off with the
    protocol, or on the signed order; otherwise only a prescriber (physician or APP) signed in
    may record it, under their own authority (``rescue.order``). ``purpose`` is one of those two
    (checked by the form, ``checklists.administration``). No premedication after a pre-dose
    BP hard stop (:func:`no_dose_today`); a rescue drug may still be needed."""
    if payload.get("purpose") == "premedication":
        no_dose_today(uow, s, payload)
    records = uow.session_records.for_session(s.clinic_id, s.id)
    chosen = order_of(uow, s, records)
    orders = (chosen,) if chosen is not None else open_orders(uow, s)
    listed = sorted({p.drug for o in orders for p in o.content.premedications})
    drug = str(payload.get("drug", "")).strip()
    if payload.get("purpose") == "rescue":
        _rescue_covered(uow, s, drug, listed, prescriber=prescriber)
        return
    if drug.lower() in {d.lower() for d in listed}:
        return
    raise ValidationFailed(
        {
            "drug": f"{PREMEDICATION_ORDER}: {drug} is not a premedication on the signed order "
            f"(it lists {', '.join(listed) or 'none'}); a prescriber adds it to the order"
        }
    )


def _rescue_covered(
    uow: UnitOfWork, s: InfusionSession, drug: str, ordered: list[str], *, prescriber: bool
) -> None:
    course = get_course(uow, s.clinic_id, s.course_id)
    standing = load_published(uow, s.clinic_id, course.protocol_version_id).protocol.dosing.rescue
    covered = sorted({m.drug for m in standing} | set(ordered))
    if prescriber or drug.lower() in {d.lower() for d in covered}:
        return
    raise ValidationFailed(
        {
            "drug": f"{RESCUE_ORDER}: {drug} is not a standing rescue drug of the protocol nor "
            f"on the signed order (they list {', '.join(covered) or 'none'}); a physician or "
            "APP orders it and records it"
        }
    )


class BedsideSteps(PauseSteps):
    """Records documented during a session (see the module)."""

    def place_iv(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> SessionRecord:
        """Record IV placement: site, gauge, attempts, when, and ``placed_by`` (a staff id of a
        nurse, physician or APP; by default the signed-in user) (seed 000 step 4). Refused
        after a pre-dose BP hard stop (:func:`no_dose_today`)."""
        return self._document_by(
            actor,
            session_id,
            RecordKind.IV_PLACEMENT,
            lambda: forms.iv_placement(raw, self._now()),
            "placed_by",
            raw,
            no_dose_today,
        )

    def give(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> SessionRecord:
        """Record a non-ketamine drug given (premedication...): dose, route, time, lot, and
        ``given_by`` (a staff id of a nurse, physician or APP; by default the signed-in user).

        Entered only by a nurse, physician or APP signed in (``premedication.role``: a coach
        attends but never gives or records a drug). A premedication must be one the signed
        order lists (``premedication.order``): the session's order once the pre-dose checklist
        names it, else one of the course's open orders. Orders carry every premedication to
        give, the protocol's mandatory ones included (``services.dosing.order_content``)."""
        require(actor, Permission.SESSION_RUN)
        ensure_clinical(actor, PREMEDICATION_ROLE, "give a dose of any drug or record one given")
        return self._document_by(
            actor,
            session_id,
            RecordKind.ADMINISTRATION,
            lambda: forms.administration(raw, self._now()),
            "given_by",
            raw,
            partial(on_order, prescriber=allowed(actor, Permission.PREDOSE_DECIDE)),
        )

    def step_people(self, actor: Actor, session_id: int, field: str) -> tuple[Person, ...]:
        """Who may be named in ``field`` of a bedside step of this session (name order)."""
        require(actor, Permission.SESSION_RUN)
        if field not in STEP_PEOPLE:
            raise ValidationFailed({"field": f"one of: {', '.join(STEP_PEOPLE)}"})
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            return offered(uow, s.clinic_id, field)

    def score(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> SessionRecord:
        """CADSS-6 / CADSS dissociation or sedation total at a protocol scale time; a minute of
        dosing not yet reached is refused (:func:`scale_minute_reached`)."""
        return self._document(
            actor,
            session_id,
            RecordKind.SCALE,
            lambda: forms.scale(raw, self._now()),
            check=scale_minute_reached,
        )

    def adverse_event(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> SessionRecord:
        return self._document(
            actor,
            session_id,
            RecordKind.ADVERSE_EVENT,
            lambda: forms.adverse_event(raw, self._now()),
        )

    def observe(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> SessionRecord:
        return self._document(
            actor, session_id, RecordKind.OBSERVATION, lambda: forms.observation(raw, self._now())
        )

    def aldrete(self, actor: Actor, session_id: int, score: AldreteScore) -> SessionRecord:
        """A modified Aldrete score in recovery (Aldrete 1995; clinical.md §4.6)."""
        payload = {name: getattr(score, name) for name in AldreteScore.__slots__}
        payload["total"] = score.total
        return self._document(
            actor,
            session_id,
            RecordKind.ALDRETE,
            lambda: forms.Documented(payload),
            nursing="record the Aldrete score",
        )

    def _document_by(
        self,
        actor: Actor,
        session_id: int,
        kind: RecordKind,
        build: Callable[[], forms.Documented],
        field: str,
        raw: Mapping[str, Any],
        check: Callable[[UnitOfWork, InfusionSession, Mapping[str, Any]], None] | None = None,
    ) -> SessionRecord:
        """Like ``_document``, with the person named in ``field`` checked in the same unit of
        work; every bad field (the form's and the person) is refused at once."""
        require(actor, Permission.SESSION_RUN)
        errors: dict[str, str] = {}
        try:
            doc: forms.Documented | None = build()
        except ValidationFailed as refused:
            doc, errors = None, dict(refused.errors)
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            if s.state not in ACTIVE_STATES:  # the patient is checked in and not yet discharged
                raise Conflict(f"the session is {s.state.value}", field="session_id")
            ensure_session_runner(uow, actor, s)  # a role that may not run it: 403 first
            try:
                person = step_person(uow, actor, field, raw)
            except ValidationFailed as refused:
                raise ValidationFailed({**errors, **refused.errors}) from None
            if doc is None:
                raise ValidationFailed(errors)
            if check is not None:
                check(uow, s, doc.payload)
            payload = {**doc.payload, **person_payload(field, person)}
            added = self._add(uow, actor, s, kind, payload)
            uow.commit()
        return added
