"""Infusion day, the clinical workflow: check-in, pre-dose checklist, dosing, records, discharge.

Builds on :mod:`ketaclinic.services.infusion.sessions` (storage and the guarded state machine):
every step is documented as a :class:`SessionRecord` and the facts the guards read are derived from
those records, never attested by the caller. Open safety gates and alarms always come from storage.
One unit of work per use case: the record, the move and the audit event commit together.
Sources: seed 000 steps 4-5, seed 004, clinical.md §4.1-§4.6, architecture.md lifecycles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ketaclinic.domain.consent.signatures import ConsentStatus, ensure_sessions_allowed
from ketaclinic.domain.dosing.records import DoseOrder
from ketaclinic.domain.errors import NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.discharge import DischargeDecision, sign_discharge
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.audit.trail import record
from ketaclinic.services.dosing.gate import ensure_dose_allowed
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.infusion import checklists as forms
from ketaclinic.services.infusion.discharge import evaluate, override
from ketaclinic.services.infusion.dose_team import (
    DoseTeam,
    DoseTeamChoices,
    assigned_nurse,
    attendant_at_check_in,
    choices,
    dose_team,
    named_attending,
    record_team,
    set_attendant,
)
from ketaclinic.services.infusion.early_stop import (
    dosing_end,
)
from ketaclinic.services.infusion.facts import (
    ketamine_payload,
    observed_response,
    order_of,
    session_order,
)
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.predose_decisions import (
    is_waiting,
)
from ketaclinic.services.infusion.predose_steps import PredoseSteps
from ketaclinic.services.infusion.runners import (
    NURSING_RULE,
    ensure_clinical,
    ensure_session_runner,
)
from ketaclinic.services.infusion.session_day import SessionDay, session_day
from ketaclinic.services.infusion.sessions import get_session
from ketaclinic.services.ports import UnitOfWork

_INSTRUCTIONS = "no driving or operating machinery until the next day; escort home"


class SessionWorkflowService(PredoseSteps):
    """Infusion day, step by step (see the module); the pre-dose check and BP decisions in
    :class:`PredoseSteps`, bedside records in :class:`BedsideSteps`, pause, stop and resume in
    :class:`PauseSteps`, internals in :class:`SessionSteps`."""

    # -- check-in and pre-dose -------------------------------------------------------------
    def check_in(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> InfusionSession:
        """Check the patient in (SESSION_RUN); the attendant is the nurse assigned to the session
        (its attendant, else its appointment's nurse) when the protocol lets them attend, else
        the member of staff checking in (``dose_team.attendant_at_check_in``).

        A coach attending is refused (``session.nursing_step``). Refused with every reason when
        identity, escort (named, reachable), fasting, the
        protocol's pregnancy test or the reviewed between-session check-in are missing; an open
        safety gate refuses with its reason; consent must allow sessions (clinical.md §6.3).
        """
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            s, course, protocol = self._context(uow, actor, session_id)
            ensure_clinical(actor, NURSING_RULE, "check a patient in for dosing")
            doc = forms.check_in(raw)
            consent = self._courses.facts(uow, course, protocol).consent
            ensure_sessions_allowed(
                consent or ConsentStatus(missing=("consent not recorded",), blocks=())
            )
            self._add(uow, actor, s, RecordKind.CHECK_IN, doc.payload)
            assert actor.staff_id is not None
            attendant = attendant_at_check_in(uow, actor, s, protocol)
            s = uow.sessions.set_people(
                s, attendant_id=attendant, device_id=s.monitor_device_id, at=self._now()
            )
            facts = self._facts(uow, s)
            return self._move(uow, actor, s, SessionState.CHECKED_IN, facts)

    def waiting_decisions(self, actor: Actor) -> Sequence[SessionDay]:
        """Sessions whose pre-dose BP hold waits for a prescriber's decision (oldest first)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            waiting = [
                s.id
                for s in uow.sessions.active(actor.clinic_id)
                if s.state is SessionState.CHECKED_IN and is_waiting(uow, s)
            ]
        return [self.day(actor, session_id) for session_id in waiting]

    # -- dosing ------------------------------------------------------------------------------
    def start(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> InfusionSession:
        """Start dosing with the verified order, after the dose gate (:func:`ensure_dose_allowed`):
        the ketamine lot and three people chosen by staff id and checked by role in this clinic
        (:func:`.dose_team.dose_team`): who gives it (default: the signed-in nurse or
        prescriber), the attending physician or coach for every route but IV, and the
        prescriber on site (physician or APP). No free text, no bare tick, for every caller.
        A consented course enters induction with its first dose (``CourseService.begin_induction``).

        The attending person named here becomes the session's attendant (recorded and audited)
        before the gate reads it, in the same unit of work: whoever checked the patient in, the
        person attending the dose is the one the gate checks (``dose_gate.attendant``)."""
        require(actor, Permission.SESSION_RUN)
        f = forms.Fields(raw)
        lot = f.text("lot", limit=40)
        f.done()
        with self._uow() as uow:
            s, course, protocol = self._context(uow, actor, session_id)
            ensure_clinical(actor, NURSING_RULE, "record the start of a dose")
            records = uow.session_records.for_session(s.clinic_id, s.id)
            order = order_of(uow, s, records)
            consent = self._courses.facts(uow, course, protocol).consent
            team, refused = _team(uow, actor, order, protocol, raw)
            route = order.content.route if order is not None else Route.IV
            attending = (
                team.attending
                if team is not None
                else named_attending(uow, actor, route, protocol, raw)
            )
            if attending is not None:
                s = set_attendant(uow, self._clock, actor, s, attending)
            ensure_dose_allowed(uow, course, consent, s, order, protocol, self._now())
            if refused is not None:
                raise refused
            order = session_order(uow, s)
            assert team is not None
            payload = {**ketamine_payload(order, lot, self._now()), **team.payload()}
            self._add(uow, actor, s, RecordKind.ADMINISTRATION, payload)
            record_team(uow, self._clock, actor, s, team)
            self._courses.begin_induction(uow, actor, course, protocol)  # the first dose
            facts = self._facts(uow, s, prescriber_on_site_by=team.prescriber_on_site.name)
            return self._move(uow, actor, s, SessionState.INFUSING, facts)

    def dose_choices(self, actor: Actor, session_id: int) -> DoseTeamChoices:
        """Who may be chosen to give, attend and be the prescriber on site when this session
        starts dosing (:func:`.dose_team.choices`; the route of the checklist's order, or IV)."""
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            s, _, protocol = self._context(uow, actor, session_id, running=False)
            order = order_of(uow, s, uow.session_records.for_session(s.clinic_id, s.id))
            route = order.content.route if order is not None else Route.IV
            return choices(uow, s.clinic_id, route, protocol, self._now(), assigned_nurse(uow, s))

    def end_dosing(self, actor: Actor, session_id: int, reason: str = "") -> InfusionSession:
        """End dosing (or begin recovery after a stop): the ketamine given is recorded against
        the verified order with the response observed (read by the next titration). Ending
        before the order's planned duration is an early stop: refused naming ``reason`` without
        one, and the amount actually given is recorded (:mod:`.early_stop`)."""
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            s = get_session(uow, actor.clinic_id, session_id)
            ensure_session_runner(uow, actor, s)  # who may, before what the form says
            ensure_clinical(actor, NURSING_RULE, "record the end of dosing")
            order = session_order(uow, s)
            records = uow.session_records.for_session(actor.clinic_id, s.id)
            end = dosing_end(uow, s, order, observed_response(records, s), reason, self._now())
            assert actor.staff_id is not None
            uow.dosing.add_administration(
                order,
                end.response,
                by=actor.staff_id,
                at=self._now(),
                given=(end.given.dose_mg, end.given.dose_mg_per_kg),
            )
            record(
                uow,
                self._clock,
                actor,
                "dose_order.administer",
                object_type="dose_order",
                object_id=order.id,
                patient_id=s.patient_id,
                detail=f"session={s.id} given_mg={end.given.dose_mg}"
                + (f" early_stop elapsed_min={end.time.elapsed_min}" if end.time.early else ""),
            )
            facts = self._facts(uow, s, reason=end.reason, dosing_end_recorded=True)
            return self._move(uow, actor, s, SessionState.RECOVERY, facts, why=end.why)

    def step(
        self, actor: Actor, session_id: int, step: str, raw: Mapping[str, Any]
    ) -> InfusionSession | SessionRecord:
        """One named step of infusion day (the web form and the JSON API share this table)."""
        action = _STEPS.get(step)
        if action is None:
            raise NotFound("no such step of infusion day", field="step")
        return action(self, actor, session_id, raw)

    # -- after ------------------------------------------------------------------------------
    def discharge(self, actor: Actor, session_id: int, raw: Mapping[str, Any]) -> InfusionSession:
        """Discharge when every criterion of the protocol holds (evaluate_discharge); otherwise
        refused with each unmet criterion. Escort, safety gates, high-priority alarms and the
        minimum observation are never overridden; other criteria only by a physician
        (DISCHARGE_OVERRIDE) with a reason and an extended observation period already observed.
        The note records the instructions and any override (clinical.md §4.2, §4.6)."""
        require(actor, Permission.SESSION_RUN)
        f = forms.Fields(raw)
        escort, instructions = f.flag("escort_present"), f.flag("instructions_given")
        reason = f.text("override_reason", required=False)
        extended = f.integer("extended_observation_min", 1, 24 * 60, required=False)
        f.done()
        with self._uow() as uow:
            s, _, protocol = self._context(uow, actor, session_id)
            ensure_clinical(actor, NURSING_RULE, "discharge a patient")
            now = self._now()
            decision = evaluate(uow, s, protocol, escort=escort, instructions=instructions, at=now)
            ended = s.dosing_ended_at or s.stopped_at
            signed = sign_discharge(
                decision,
                override(actor, reason, extended, decision, ended_at=ended, at=now),
                min_observation_min=protocol.discharge.min_observation_min,
            )
            payload = {
                "escort_present": escort,
                "instructions_given": instructions,
                "instructions": _INSTRUCTIONS if instructions else "",
                "overridden": list(signed.overridden),
                "override_reason": reason if signed.override else "",
                "override_by": signed.override.by if signed.override else None,
                "override_role": signed.override.role if signed.override else None,
                "extended_observation_min": extended if signed.override else None,
            }
            self._add(uow, actor, s, RecordKind.DISCHARGE, payload)
            facts = self._facts(uow, s)
            return self._move(uow, actor, s, SessionState.DISCHARGED, facts, discharge_unmet=())

    def check_discharge(self, actor: Actor, session_id: int) -> DischargeDecision:
        """Every unmet discharge criterion now, assuming escort and instructions are confirmed."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            s, _, protocol = self._context(uow, actor, session_id, running=False)
            return evaluate(uow, s, protocol, escort=True, instructions=True, at=self._now())

    def day(self, actor: Actor, session_id: int) -> SessionDay:
        """The session, its protocol, its verified order and every record (CHART_READ)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            s, course, protocol = self._context(uow, actor, session_id, running=False)
            return session_day(uow, s, course, protocol, self._now())

    def for_patient(self, actor: Actor, patient_id: int) -> Sequence[SessionDay]:
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            sessions = uow.sessions.for_patient(actor.clinic_id, patient_id)
        return [self.day(actor, s.id) for s in sessions]


def _team(
    uow: UnitOfWork,
    actor: Actor,
    order: DoseOrder | None,
    protocol: Protocol,
    raw: Mapping[str, Any],
) -> tuple[DoseTeam | None, ValidationFailed | None]:
    """The dose team named at the start, or the refusal of its fields (raised after the dose
    gate, so a refusal by the gate is never hidden by a form error)."""
    route = order.content.route if order is not None else Route.IV
    try:
        return dose_team(uow, actor, route, protocol, raw), None
    except ValidationFailed as refused:
        return None, refused


def _text(raw: Mapping[str, Any], name: str) -> str:
    return str(raw.get(name) or "")


_Step = Callable[
    [SessionWorkflowService, Actor, int, Mapping[str, Any]], InfusionSession | SessionRecord
]
_STEPS: dict[str, _Step] = {
    "check-in": SessionWorkflowService.check_in,
    "pre-dose": SessionWorkflowService.pre_dose,
    "predose-decision": SessionWorkflowService.decide_predose_bp,
    "not-dosed": SessionWorkflowService.close_not_dosed,
    "iv": SessionWorkflowService.place_iv,
    "give": SessionWorkflowService.give,
    "start": SessionWorkflowService.start,
    "pause": lambda w, a, s, f: w.pause(a, s, _text(f, "reason")),
    "resume-approval": SessionWorkflowService.approve_resume,
    "resume": SessionWorkflowService.resume,
    "stop": lambda w, a, s, f: w.stop(a, s, _text(f, "reason")),
    "end": lambda w, a, s, f: w.end_dosing(a, s, _text(f, "reason")),
    "score": SessionWorkflowService.score,
    "adverse-event": SessionWorkflowService.adverse_event,
    "observe": SessionWorkflowService.observe,
    "aldrete": lambda w, a, s, f: w.aldrete(a, s, forms.aldrete(f)),
    "discharge": SessionWorkflowService.discharge,
}
