"""A clinic's mappings of outside FHIR Questionnaires onto instruments (register, list).

``POST /api/v1/questionnaire-mappings`` with ``{"url", "instrument_id", "items": {linkId: item
id}, "answers": {"system|code" or code: ordinal}, "total_link_ids": [...]}`` (physician);
``GET`` lists the clinic's mappings. Responses to a mapped URL imported through
``POST /api/v1/fhir/QuestionnaireResponse`` are then scored through the mapping.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from ketaclinic.domain.assessments.questionnaire_mappings import StoredMapping, parse_mapping
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import services_of

router = APIRouter(tags=["questionnaire mappings"])
Signer = Annotated[Actor, Depends(ApiActor(Permission.PROTOCOL_SIGNOFF))]
Reader = Annotated[Actor, Depends(ApiActor(Permission.PROTOCOL_READ))]


def mapping_document(stored: StoredMapping) -> dict[str, Any]:
    m = stored.mapping
    return {
        "id": stored.id,
        "url": m.url,
        "instrument_id": m.instrument_id,
        "items": dict(m.items),
        "answers": dict(m.answers),
        "total_link_ids": list(m.total_link_ids),
        "created_at": stored.created_at.isoformat(),
    }


@router.post("/questionnaire-mappings", status_code=201)
async def register_mapping(request: Request, actor: Signer) -> dict[str, Any]:
    try:
        data = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed({"body": f"not valid JSON: {error}"}) from error
    stored = services_of(request).questionnaire_mappings.register(actor, parse_mapping(data))
    return mapping_document(stored)


@router.get("/questionnaire-mappings")
def list_mappings(request: Request, actor: Reader) -> list[dict[str, Any]]:
    return [
        mapping_document(s) for s in services_of(request).questionnaire_mappings.mappings(actor)
    ]
