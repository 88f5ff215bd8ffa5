"""``POST /api/v1/auth/token``: email and password for a bearer token; revocation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.api.schemas import TokenRequest, TokenResponse
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import client_of, services_of

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenResponse)
def issue_token(body: TokenRequest, request: Request) -> TokenResponse:
    issued = services_of(request).identity.issue_token(
        body.email, body.password, client=client_of(request), clinic_id=body.clinic_id
    )
    return TokenResponse(
        access_token=issued.access_token, expires_in=issued.expires_in_s, clinic_id=issued.clinic_id
    )


@router.post("/auth/revoke", status_code=204)
def revoke_token(request: Request, _actor: Annotated[Actor, Depends(ApiActor(None))]) -> None:
    token = request.headers["authorization"].partition(" ")[2].strip()
    services_of(request).identity.revoke_token(token)
