"""A clinic's mappings of outside FHIR Questionnaires onto instruments.

Registering a mapping changes how a peer's answers are scored, so a physician signs it
(PROTOCOL_SIGNOFF); it is checked by
:func:`domain.assessments.questionnaire_mappings.check_mapping`, stored once per canonical URL per
clinic (a second registration of the same URL is a 409) and audited in the same unit of work.
Reading them (to score an import) needs PROTOCOL_READ or ASSESSMENT_RECORD.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.domain.assessments.questionnaire_mappings import (
    QuestionnaireMapping,
    StoredMapping,
    check_mapping,
)
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.ports import Clock, UnitOfWorkFactory


class QuestionnaireMappingService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow_factory, clock

    def register(self, actor: Actor, mapping: QuestionnaireMapping) -> StoredMapping:
        """Check and store ``mapping`` for the actor's clinic (physician); audited."""
        require(actor, Permission.PROTOCOL_SIGNOFF)
        assert actor.staff_id is not None
        checked = check_mapping(mapping)
        with self._uow() as uow:
            stored = uow.questionnaire_mappings.add(
                actor.clinic_id, checked, by=actor.staff_id, at=self._clock.now()
            )
            record(
                uow,
                self._clock,
                actor,
                "questionnaire_mapping.register",
                object_type="questionnaire_mapping",
                object_id=stored.id,
                detail=f"instrument={checked.instrument_id} items={len(checked.items)}",
            )
            uow.commit()
        return stored

    def mappings(self, actor: Actor) -> Sequence[StoredMapping]:
        """Every mapping of the actor's clinic, oldest first."""
        if not allowed(actor, Permission.ASSESSMENT_RECORD):
            require(actor, Permission.PROTOCOL_READ)
        with self._uow() as uow:
            return list(uow.questionnaire_mappings.for_clinic(actor.clinic_id))
