"""The OpenAPI document, with every status code each route can answer and one error model.

FastAPI declares only the success response and its own validation-error shape. Here each route's
possible refusals are derived from what guards it: a bearer-token guard can answer 401 (and 403
when it checks a permission); any input (path, query or body) can be missing (404) or invalid
(422); any change can lose to a concurrent one (409); the token endpoint throttles (429). They
all carry :class:`ErrorBody` (``{"error", "detail", "field"}``), except FHIR routes, which answer
``application/fhir+json`` with an OperationOutcome.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import RouteContext, iter_route_contexts

from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.entrypoints.http import ErrorBody

FHIR_JSON = "application/fhir+json"
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
OUTCOME_REF = {"$ref": "#/components/schemas/OperationOutcome"}
OPERATION_OUTCOME: dict[str, Any] = {
    "type": "object",
    "title": "OperationOutcome",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {"type": "array", "items": {"type": "object"}},
    },
}
DESCRIPTIONS = {
    401: "Not signed in: no bearer token, or it is expired or revoked",
    403: "Signed in, but this role may not do this",
    404: "No such record in this clinic",
    409: "Refused by a rule, or lost to a concurrent change; nothing was stored",
    422: "Invalid input; `field` names the first invalid field, `fields` all of them",
    429: "Too many failed sign-ins from this address or for this account; see Retry-After",
}
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
THROTTLED_PATHS = frozenset({"/api/v1/auth/token"})


def _guards(dependant: Dependant) -> list[ApiActor]:
    found = [dependant.call] if isinstance(dependant.call, ApiActor) else []
    return [g for g in found if isinstance(g, ApiActor)] + [
        g for sub in dependant.dependencies for g in _guards(sub)
    ]


def _has_input(dependant: Dependant) -> bool:
    own = dependant.path_params or dependant.query_params or dependant.body_params
    return bool(own) or any(_has_input(sub) for sub in dependant.dependencies)


def refusals(dependant: Dependant, path: str, method: str) -> list[int]:
    """The error statuses a route can answer, from its guards, inputs and method."""
    codes: set[int] = set()
    guards = _guards(dependant)
    if guards:
        codes.add(401)
    if any(g.permission is not None for g in guards):
        codes.add(403)
    if _has_input(dependant) or method in UNSAFE:
        codes.update({404, 422})
    if method in UNSAFE:
        codes.add(409)
    if path in THROTTLED_PATHS:
        codes.add(429)
    return sorted(codes)


def _documented(route: RouteContext) -> tuple[Dependant | None, str]:
    dependant = getattr(route, "dependant", None)
    if not isinstance(dependant, Dependant) or not getattr(route, "include_in_schema", False):
        return None, ""
    return dependant, route.path_format or ""


def _error_response(code: int, fhir: bool) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": ERROR_REF}}
    if fhir:  # an OperationOutcome where the route renders one; our error body otherwise
        content[FHIR_JSON] = {"schema": OUTCOME_REF}
    response: dict[str, Any] = {"description": DESCRIPTIONS[code], "content": content}
    if code == 429:
        response["headers"] = {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        }
    return response


def _as_fhir(operation: dict[str, Any]) -> None:
    for response in operation.get("responses", {}).values():
        content = response.get("content", {})
        if "application/json" in content:
            content[FHIR_JSON] = content.pop("application/json")


def build_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["OperationOutcome"] = OPERATION_OUTCOME
    for route in iter_route_contexts(app.routes):
        dependant, path = _documented(route)
        if dependant is None or path not in document["paths"]:
            continue
        fhir = "/fhir/" in path
        for method in route.methods or ():
            operation = document["paths"][path].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if fhir:
                _as_fhir(operation)
            for code in refusals(dependant, path, method):
                if code == 422 or str(code) not in responses:
                    responses[str(code)] = _error_response(code, fhir)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return document
